"""The alerts' background work, on Django's Tasks API (``django-tasks``).

The database backend (``django-tasks-db``, ``manage.py db_worker``) is the
default; production can run the same tasks on Redis (``django-tasks-rq``,
``TASKS_BACKEND=rq``). Each task does everything of its kind that is due,
so running one twice, or two at once, sends nothing twice (``sending``).
Nothing here depends on a task having run: ``send_alerts`` (cron, the demo,
the tests) does the same work in one go.
"""

import datetime

from django.db import transaction
from django_tasks import task
from django_tasks_db.backend import DatabaseBackend

from taxonomy import clock

from . import matching, sending, tokens
from .models import Subscription


def queue(job):
    """Queue ``job`` (a task) as part of the current transaction.

    The database backend writes the task in the transaction itself: it
    commits with the rows it is about, or not at all. Any other queue
    (Redis) is told only once the transaction has committed, so that a fast
    worker never looks for rows that are not there yet; if it cannot be told
    (Redis down), the next ``send_alerts`` run does the work all the same.
    """
    if isinstance(job.get_backend(), DatabaseBackend):
        job.enqueue()
    else:
        transaction.on_commit(job.enqueue, robust=True)


@task()
def send_confirmations():
    return sending.send_confirmations()


@task()
def send_immediate():
    return sending.send_immediate()


@task()
def send_digests():
    return sending.send_digests()


def _queue_sending(immediate):
    # Enqueued in the transaction that claimed the deliveries (the database
    # backend writes the task in it): both commit, or neither.
    if immediate:
        queue(send_immediate)


@task()
def match_releases():
    """Match every release that has become public since the last run; queue what is owed."""
    releases, deliveries = matching.sweep(queue_sending=_queue_sending)
    return {"releases": releases, "deliveries": deliveries}


def forget_unconfirmed(now=None):
    """Forget requests never confirmed once their link has expired: the address is not kept.

    A day after the link's seven: an address that wants the alerts after
    that asks again. Returns how many were forgotten.
    """
    cutoff = (now or clock.now()) - tokens.CONFIRM_AGE - datetime.timedelta(days=1)
    forgotten, _by_model = Subscription.objects.filter(
        confirmed_at=None, created_at__lt=cutoff
    ).delete()
    return forgotten


def run_all(*, now=None):
    """Everything due, in this process: confirmations, matching, immediate alerts, digests,
    and forgetting the requests nobody confirmed."""
    confirmations = sending.send_confirmations(now)
    releases, deliveries = matching.sweep(now=now)
    immediate = sending.send_immediate(now)
    digests = sending.send_digests(now)
    forgotten = forget_unconfirmed(now)
    return {
        "confirmations": confirmations,
        "releases": releases,
        "deliveries": deliveries,
        "immediate": immediate,
        "digests": digests,
        "forgotten": forgotten,
    }
