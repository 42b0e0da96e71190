"""Email alerts through real processes: the queue's worker, two at once, one killed, two clocks.

Every test here runs the senders as separate processes (``manage.py
db_worker``, ``manage.py send_alerts``, ``manage.py rqworker``, and the
scripts in tests/workers/) against the PostgreSQL test database, and an
SMTP server (aiosmtpd) in this process on 127.0.0.1 that the children reach
over TCP. The server keeps a message only when it answers 250 for it, so
what it holds is what a relay would have accepted: each (subscription,
release) pair must be there exactly once, whatever the processes did.
"""

import asyncio
import datetime
import email.message
import email.policy
import json
import logging
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass
from email import message_from_bytes

import pytest
import redis
from aiosmtpd.controller import Controller
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from alerts import matching
from alerts.models import Delivery, Subscription
from alerts.tasks import send_immediate
from taxonomy import clock

from .alerts_helpers import confirm_link, free_port, subscribe
from .conftest import make_release
from .test_no_lost_data import ROOT, WORKERS, child_env, in_separate_processes

#: The site's address in the children's links.
SITE = "https://alerts.osce.example"
#: A Redis database of its own for the production backend's queue (flushed before and after).
RQ_REDIS_URL = "redis://127.0.0.1:6379/11"
WORKER = ("manage.py", "db_worker", "--no-startup-delay", "--interval", "0.2")


def with_workers(test):
    """PostgreSQL only, transactional: the children see what the test has committed."""
    return pytest.mark.postgres(in_separate_processes(test))


# --- The SMTP server -----------------------------------------------------------------


@dataclass
class Mail:
    to: str
    subject: str
    message_id: str
    text: str
    headers: dict
    message: email.message.EmailMessage


class Inbox:
    """An SMTP handler that keeps a message only when it answers 250 for it.

    ``hold_after = n``: the message that comes after the n-th accepted one is
    held, unanswered, (``holding`` is set) until the test sets ``let_go``;
    then it is refused with a 451, and not kept. ``delay``: seconds before
    each answer, a slow relay.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._mails = []
        self.hold_after = None
        self.delay = 0.0
        self.holding = threading.Event()
        self.let_go = threading.Event()
        self.port = None

    async def handle_DATA(self, server, session, envelope):
        if self.hold_after == len(self.mails()) and not self.holding.is_set():
            self.holding.set()
            while not self.let_go.is_set():
                await asyncio.sleep(0.02)
            return "451 4.3.0 Not accepted, try again later"
        if self.delay:
            await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.original_content, policy=email.policy.default)
        (to,) = envelope.rcpt_tos
        mail = Mail(
            to=to,
            subject=str(message["Subject"]),
            message_id=str(message["Message-ID"]),
            text=message.get_body(("plain",)).get_content().replace("\r\n", "\n"),
            headers={name: str(value).strip() for name, value in message.items()},
            message=message,
        )
        with self._lock:
            self._mails.append(mail)
        return "250 Message accepted for delivery"

    def mails(self):
        with self._lock:
            return list(self._mails)


@pytest.fixture
def inbox():
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's every command
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port
    try:
        yield handler
    finally:
        handler.let_go.set()
        controller.stop()


def mail_env(inbox, **extra):
    """A child's environment: the test database, the SMTP server, the database task queue."""
    env = child_env()
    for name in ("REDIS_URL", "EMAIL_HOST_USER", "EMAIL_HOST_PASSWORD", "DJANGO_ALLOWED_HOSTS"):
        env.pop(name, None)
    env.update(
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(inbox.port),
        EMAIL_USE_TLS="0",
        EMAIL_TIMEOUT="10",
        DEFAULT_FROM_EMAIL="press@osce.example",
        SITE_URL=SITE,
        TASKS_BACKEND="database",
    )
    env.update(extra)
    return env


# --- The children --------------------------------------------------------------------


class Children:
    """Processes started by one test; whatever is still running at its end is killed."""

    def __init__(self, folder):
        self.folder = folder
        self.started = []

    def start(self, *argv, env):
        log = open(self.folder / f"child-{len(self.started)}.log", "w+b")  # noqa: SIM115
        child = subprocess.Popen(
            [sys.executable, *map(str, argv)], cwd=ROOT, env=env, stdout=log, stderr=log
        )
        child.log = log
        child.argv = argv
        self.started.append(child)
        return child

    def run(self, *argv, env, timeout=60):
        """Run a child to its end; its output. Fails the test if it does not end well."""
        child = self.start(*argv, env=env)
        try:
            child.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            pytest.fail(f"{argv} did not end within {timeout} s{self.logs()}")
        assert child.returncode == 0, self.logs()
        return self.output(child)

    @staticmethod
    def output(child):
        child.log.flush()
        child.log.seek(0)
        return child.log.read().decode(errors="replace")

    def logs(self):
        return "".join(
            f"\n--- {' '.join(map(str, child.argv))} (exit {child.poll()}):\n"
            f"{self.output(child)[-3000:]}"
            for child in self.started
        )

    def end(self):
        for child in self.started:
            if child.poll() is None:
                child.kill()
        for child in self.started:
            child.wait(timeout=10)
            child.log.close()


@pytest.fixture
def children(tmp_path):
    started = Children(tmp_path)
    try:
        yield started
    finally:
        started.end()


def wait_until(condition, what, children, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"Not within {timeout} s: {what}{children.logs()}")


def queue_is_idle():
    """No task waits or runs, and no delivery is pending: the workers have nothing left."""
    tasks = DBTaskResult.objects.all()
    return not (
        tasks.ready().exists()
        or tasks.running().exists()
        or Delivery.objects.filter(done_at=None).exists()
    )


# --- Data ------------------------------------------------------------------------------


def confirmed(emails, query, *, frequency="immediate", days_ago=1):
    """Confirmed subscriptions, keyed as the confirm page keys them."""
    then = clock.now() - datetime.timedelta(days=days_ago)
    subscriptions = []
    for address in emails:
        subscription = Subscription.objects.create(
            email=address,
            query=query,
            language="en",
            frequency=frequency,
            created_at=then,
            confirmed_at=then,
        )
        matching.index(subscription)
        subscriptions.append(subscription)
    return subscriptions


def publish(title, **tags):
    """A release made public now, in one transaction with its tags, as the admin saves one.

    Its commit queues the matching (alerts.signals), once the tags are in.
    """
    with transaction.atomic():
        return make_release(title, published_at=clock.now(), tags=tags)


def received(inbox):
    return Counter((mail.to, mail.subject) for mail in inbox.mails())


def digest_pairs(mail, titles):
    """(address, section heading, title) for each release a digest lists, under its heading."""
    body = mail.text.split("\n--\n", 1)[0]
    pairs = []
    for heading, section in re.findall(r"^== ([^\n]+) ==\n(.*?)(?=^== |\Z)", body, re.M | re.S):
        lines = section.splitlines()
        for title in titles:
            pairs += [(mail.to, heading, title)] * lines.count(title)
    return pairs


# --- 1. The whole life, through the queue ------------------------------------------------


@with_workers
def test_a_subscription_goes_from_the_page_through_the_queue_to_the_inbox(
    client, settings, inbox, children
):
    settings.SITE_URL = SITE  # as the children have it: the links in their mail are on it
    children.start(*WORKER, env=mail_env(inbox))

    asked = subscribe(client, "country=moldova&topic=elections&sort=date", "reader@example.org")
    assert asked.status_code == 200
    assert "Check your inbox" in asked.content.decode()

    wait_until(lambda: len(inbox.mails()) >= 1, "the confirmation arrives", children)
    (confirmation,) = inbox.mails()
    assert confirmation.to == "reader@example.org"
    assert confirmation.subject == "Confirm your email alerts"
    assert Subscription.objects.get().confirmed_at is None
    assert client.post(confirm_link(confirmation.message)).status_code == 200
    subscription = Subscription.objects.get()
    assert subscription.is_active

    release = publish("Moldova elects its parliament", countries=["moldova"], topics=["elections"])
    publish("Serbia elects its parliament", countries=["serbia"], topics=["elections"])

    wait_until(lambda: len(inbox.mails()) >= 2, "the alert arrives", children)
    wait_until(queue_is_idle, "the queue is done", children)
    time.sleep(0.5)  # a second alert would be on its way by now
    mails = inbox.mails()
    assert [(mail.to, mail.subject) for mail in mails] == [
        ("reader@example.org", "Confirm your email alerts"),
        ("reader@example.org", "Moldova elects its parliament"),
    ]
    alert = mails[1]
    assert f"{SITE}{release.get_absolute_url()}" in alert.text
    assert alert.headers["List-Unsubscribe"].startswith(f"<{SITE}/alerts/unsubscribe/")
    assert alert.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    (delivery,) = Delivery.objects.all()
    assert (delivery.subscription_id, delivery.release_id) == (subscription.pk, release.pk)
    assert delivery.done_at is not None and not delivery.dropped
    # The worker did it all, through the queue: one task per step, each successful.
    assert Counter(DBTaskResult.objects.values_list("task_path", "status")) == {
        ("alerts.tasks.send_confirmations", "SUCCESSFUL"): 1,
        ("alerts.tasks.match_releases", "SUCCESSFUL"): 2,  # one per release's transaction
        ("alerts.tasks.send_immediate", "SUCCESSFUL"): 1,  # only the Moldovan one is owed
    }


# --- 2. Two workers, and tasks run twice: each pair once -------------------------------------

GROUPS = {"moldova": "country=moldova", "elections": "topic=elections", "serbia": "country=serbia"}
#: Title: the groups it alerts (worked out by hand from its tags).
RELEASES = {
    "Moldova votes in local elections": ("moldova", "elections"),
    "Serbia observes its elections": ("serbia", "elections"),
    "Journalists trained in Chisinau": ("moldova",),
    "Moldova and Serbia sign a memorandum": ("moldova", "serbia"),
    "Asian Partners meet in Tokyo": (),
}
TAGS = {
    "Moldova votes in local elections": {"countries": ["moldova"], "topics": ["elections"]},
    "Serbia observes its elections": {"countries": ["serbia"], "topics": ["elections"]},
    "Journalists trained in Chisinau": {
        "countries": ["moldova"],
        "topics": ["safety-of-journalists"],
    },
    "Moldova and Serbia sign a memorandum": {"countries": ["moldova", "serbia"]},
    "Asian Partners meet in Tokyo": {"countries": ["japan"]},
}


@with_workers
def test_two_workers_and_repeated_tasks_send_each_pair_once(inbox, children):
    for group, query in GROUPS.items():
        confirmed([f"{group}-{n}@example.org" for n in range(10)], query)
    expected = {
        (f"{group}-{n}@example.org", title)
        for title, groups in RELEASES.items()
        for group in groups
        for n in range(10)
    }
    assert len(expected) == 70
    env = mail_env(inbox)
    children.start(*WORKER, "--worker-id", "worker-one", env=env)
    children.start(*WORKER, "--worker-id", "worker-two", env=env)

    for title in RELEASES:
        publish(title, **TAGS[title])  # each its own transaction: five matching tasks
        send_immediate.enqueue()  # and a sending task more than needed, each time
    send_immediate.enqueue()

    wait_until(lambda: len(inbox.mails()) >= 70, "70 alerts arrive", children)
    wait_until(queue_is_idle, "the queue is done", children)
    time.sleep(0.5)
    got = received(inbox)
    assert [pair for pair, count in got.items() if count > 1] == []
    assert set(got) == expected
    # A resent alert would be the same message (Message-ID from what it delivers): none was.
    assert len({mail.message_id for mail in inbox.mails()}) == 70
    assert Delivery.objects.count() == 70
    assert not Delivery.objects.filter(done_at=None).exists()
    assert not Delivery.objects.filter(dropped=True).exists()
    tasks = DBTaskResult.objects.all()
    assert not tasks.exclude(status="SUCCESSFUL").exists()
    # Both workers ran tasks: the sending raced, it did not take turns by luck.
    ran = {worker for ids in tasks.values_list("worker_ids", flat=True) for worker in ids}
    assert ran == {"worker-one", "worker-two"}, children.logs()


# --- 3. A worker killed in the middle of a batch -----------------------------------------


@with_workers
def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(inbox, children):
    readers = [f"reader-{n}@example.org" for n in range(12)]
    confirmed(readers, "country=moldova")
    title = "Mission to Moldova opens an office in Comrat"
    inbox.hold_after = 4  # accept four, then hold the fifth until the sender is dead
    worker = children.start(*WORKER, env=mail_env(inbox, ALERTS_CLAIM_SECONDS="2"))
    publish(title, countries=["moldova"])

    assert inbox.holding.wait(30), children.logs()
    worker.kill()  # SIGKILL, in the middle of the fifth message
    worker.wait(timeout=10)
    inbox.let_go.set()  # that message is refused: the relay never accepted it
    assert len(inbox.mails()) == 4
    held = Delivery.objects.filter(done_at=None)
    assert held.count() == 8
    assert not held.filter(claim="").exists()  # still the dead worker's

    # Before its lease runs out, another sender leaves them alone (even the one in flight).
    ran = children.run("manage.py", "send_alerts", env=mail_env(inbox))  # the 600 s lease
    assert "immediate alerts 0" in ran, ran
    assert len(inbox.mails()) == 4

    # After it, the next run (the clock) sends the rest.
    latest = max(held.values_list("claimed_at", flat=True))
    time.sleep(max(0.0, (latest + datetime.timedelta(seconds=2.2) - clock.now()).total_seconds()))
    ran = children.run("manage.py", "send_alerts", env=mail_env(inbox, ALERTS_CLAIM_SECONDS="2"))
    assert "immediate alerts 8" in ran, ran
    assert received(inbox) == {(reader, title): 1 for reader in readers}
    assert Delivery.objects.filter(done_at__isnull=False, dropped=False).count() == 12


# --- 4. Two clocks at the same moment ------------------------------------------------------


@with_workers
def test_two_send_alerts_at_the_same_moment_send_each_pair_once(inbox, children):
    instant = [f"instant-{n}@example.org" for n in range(10)]
    daily = [f"daily-{n}@example.org" for n in range(5)]
    confirmed(instant, "country=moldova")
    confirmed(daily, "topic=elections", frequency="daily", days_ago=2)
    confirmed(["both@example.org"], "country=moldova", frequency="daily", days_ago=2)
    confirmed(["both@example.org"], "topic=elections", frequency="daily", days_ago=2)
    votes, observes, trained = (
        "Moldova votes in local elections",
        "Serbia observes its elections",
        "Journalists trained in Chisinau",
    )
    for title in (votes, observes, trained):
        publish(title, **TAGS[title])  # its matching task waits: no worker runs here

    at = time.time() + 3  # both have set Django up by then
    env = mail_env(inbox)
    clocks = [
        children.start(WORKERS / "alerts_send_at.py", "--at", repr(at), env=env) for _ in range(2)
    ]
    for each in clocks:
        each.wait(timeout=60)
        assert each.returncode == 0, children.logs()

    mails = inbox.mails()
    immediate = Counter((m.to, m.subject) for m in mails if m.to.startswith("instant-"))
    assert immediate == {(to, title): 1 for to in instant for title in (votes, trained)}
    digests = [m for m in mails if not m.to.startswith("instant-")]
    pairs = Counter(pair for m in digests for pair in digest_pairs(m, (votes, observes, trained)))
    expected = {(to, "Elections", title) for to in daily for title in (votes, observes)} | {
        ("both@example.org", "Elections", votes),
        ("both@example.org", "Elections", observes),
        ("both@example.org", "Moldova", votes),
        ("both@example.org", "Moldova", trained),
    }
    assert pairs == dict.fromkeys(expected, 1), [m.text for m in digests]
    # One digest per address, however the two runs shared the work.
    assert sorted(m.to for m in digests) == sorted([*daily, "both@example.org"])
    assert not Delivery.objects.filter(done_at=None).exists()
    # Between them, as each says: every release matched once, every mail sent once.
    lines = [Children.output(each).strip().splitlines()[-1] for each in clocks]
    totals = Counter()
    for line in lines:
        for name, number in re.findall(r"([a-z ]+) (\d+)", line):
            totals[name.strip()] += int(number)
    assert totals["releases matched"] == 3, lines
    assert totals["immediate alerts"] == 20, lines
    assert totals["digests"] == 6, lines


# --- 5. A slow relay: a sender's lease does not run out under it ------------------------------


@with_workers
@pytest.mark.parametrize(
    ("kind", "count", "counted"),
    [
        ("immediate", 12, "immediate alerts"),
        ("daily", 10, "digests"),
        ("confirmation", 10, "Confirmations"),
    ],
    ids=["immediate", "digest", "confirmation"],
)
def test_a_slow_relay_does_not_let_a_second_sender_send_the_same_mail(
    inbox, children, kind, count, counted
):
    """The lease (here 2 s) covers one message, not a whole run of them.

    Each message takes the relay 0.6 s: the first sender's run outlasts its
    lease. A second sender started meanwhile takes over what the first has
    not reached yet, never what it is sending or has sent.
    """
    readers = [f"reader-{n}@example.org" for n in range(count)]
    if kind == "confirmation":
        for reader in readers:
            Subscription.objects.create(
                email=reader, query="country=moldova", language="en", confirm_due=True
            )
        subject = "Confirm your email alerts"
    else:
        confirmed(readers, "country=moldova", frequency=kind, days_ago=2)
        # One release: an immediate alert and a digest alike have its title for subject.
        subject = "Moldova hosts a conference on media freedom"
        publish(subject, countries=["moldova"])
    inbox.delay = 0.6
    env = mail_env(inbox, ALERTS_CLAIM_SECONDS="2")

    first = children.start("manage.py", "send_alerts", env=env)
    # Four messages in, the first sender's claim (made before its first) is past its lease.
    wait_until(lambda: len(inbox.mails()) >= 4, "the first sender is under way", children)
    second = children.start("manage.py", "send_alerts", env=env)
    for each in (first, second):
        each.wait(timeout=60)
        assert each.returncode == 0, children.logs()

    assert received(inbox) == {(reader, subject): 1 for reader in readers}
    assert not Delivery.objects.filter(done_at=None).exists()
    assert not Subscription.objects.filter(confirm_due=True).exists()
    # The second did take over a share: the two really overlapped.
    sent = [
        int(re.search(rf"{counted} (\d+)", Children.output(each)).group(1))
        for each in (first, second)
    ]
    assert sum(sent) == count and min(sent) > 0, (sent, children.logs())


# --- 6. The production queue: Redis and an RQ worker ----------------------------------------


@pytest.fixture
def rq_redis():
    connection = redis.Redis.from_url(RQ_REDIS_URL)
    connection.flushdb()
    try:
        yield connection
    finally:
        connection.flushdb()
        connection.close()


#: The worker as docker-compose runs it (settings name django-tasks-rq's job class).
COMPOSE_WORKER = ("manage.py", "rqworker", "default")


@with_workers
def test_the_production_queue_on_redis_sends_the_confirmation(inbox, children, rq_redis):
    env = mail_env(
        inbox, TASKS_BACKEND="rq", REDIS_URL=RQ_REDIS_URL, DJANGO_ALLOWED_HOSTS="testserver"
    )
    said = children.run(
        WORKERS / "alerts_subscribe.py",
        "--email",
        "reader@example.org",
        "country=moldova&topic=elections",
        env=env,
    )
    assert json.loads(said.strip().splitlines()[-1]) == {"status": 200}
    assert Subscription.objects.get().confirm_due
    assert rq_redis.llen("rq:queue:default") == 1  # the page queued its mail on Redis
    assert not DBTaskResult.objects.exists()  # and not in the database
    assert inbox.mails() == []

    # Not --burst: RQ 3 with redis-py 8 hangs on the way out of a burst (rq/rq#1613).
    children.start(*COMPOSE_WORKER, env=env)
    # The task's last step, after its mail has gone: the request marked as answered.
    wait_until(
        lambda: (
            (inbox.mails() and not Subscription.objects.get().confirm_due)
            or rq_redis.zcard("rq:failed:default")
        ),
        "the worker has run the task",
        children,
    )
    assert received(inbox) == {("reader@example.org", "Confirm your email alerts"): 1}, (
        children.logs()
    )
    assert not Subscription.objects.get().confirm_due
    assert rq_redis.llen("rq:queue:default") == 0
