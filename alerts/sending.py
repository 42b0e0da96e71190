"""Sending what is owed: confirmations, immediate alerts, digests; each once.

Whoever sends (a worker's task, ``send_alerts``, two of them at once)
first claims what it will send with one conditional ``UPDATE``: rows nobody
holds, or whose holder's lease (``ALERTS_CLAIM_SECONDS``) has run out, get
this sender's claim; it then sends only the rows that carry its claim, and
marks each done as soon as the SMTP server has accepted its message. Two
senders never hold one row. The lease covers one message, not a batch:
just before each message the sender renews its claim on that row, and
skips the row if the claim is no longer its own (a batch on a slow relay
can outlast the lease, and another sender may by then have taken the rows
this one had not reached). A sender killed mid-batch leaves its unsent
rows claimed until the lease runs out; the next sender sends them then. A
failure to send releases the claim at once, to be tried again by the next
run. A release withdrawn before its alert went out is dropped, not sent.
"""

import contextlib
import datetime
import logging
import uuid
from collections import defaultdict

from django.conf import settings
from django.core import mail
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import translation

from press.models import PressRelease
from taxonomy import clock

from . import mail as alert_mail
from .models import Delivery, Subscription

log = logging.getLogger(__name__)
BATCH = 100
PERIODS = {
    Subscription.Frequency.DAILY: datetime.timedelta(days=1),
    Subscription.Frequency.WEEKLY: datetime.timedelta(days=7),
}
#: A digest run a little early (cron's minute, a slow run) still counts as on time.
SLACK = datetime.timedelta(minutes=15)


def _lease_expired(now):
    return now - datetime.timedelta(seconds=settings.ALERTS_CLAIM_SECONDS)


def _free(now):
    return Q(claimed_at=None) | Q(claimed_at__lt=_lease_expired(now))


def _claim(queryset, now, limit=BATCH):
    """Claim up to ``limit`` free rows of ``queryset`` for this sender; returns the claim."""
    claim = uuid.uuid4().hex
    pks = list(queryset.filter(_free(now)).order_by("pk").values_list("pk", flat=True)[:limit])
    if pks:
        # Conditional: a row another sender claimed in between is left to it.
        queryset.model.objects.filter(pk__in=pks).filter(_free(now)).update(
            claimed_at=now, claim=claim
        )
    return claim


def _renew(queryset, claim):
    """Renew this sender's lease on the row(s) of ``queryset`` it is about to send.

    False if the claim is no longer its own: its lease ran out while it sent
    the rows before, and another sender has taken this one.
    """
    return bool(queryset.filter(claim=claim).update(claimed_at=clock.now()))


class Outbox:
    """One connection to the mail server for a batch, opened at the first message.

    Also names each filter set once a batch (in each language): a batch of
    alerts under a few filter sets does not read them again for every message.
    """

    def __init__(self):
        self.connection = None
        self.named = {}

    def words(self, query):
        key = (query, translation.get_language())
        if key not in self.named:
            self.named[key] = alert_mail.words_of(query)
        return self.named[key]

    def send(self, message):
        """Send one message; False (logged) if the server refused it or could not be reached."""
        try:
            if self.connection is None:
                self.connection = mail.get_connection()
                self.connection.open()
            return bool(self.connection.send_messages([message]))
        except (OSError, mail.BadHeaderError) as exc:  # smtplib's errors are OSErrors
            log.warning("Alert mail to %s not sent: %s", message.to, exc)
            self.close()  # the next message starts a new conversation
            return False

    def close(self):
        if self.connection is not None:
            with contextlib.suppress(OSError):
                self.connection.close()
            self.connection = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# --- Confirmations ------------------------------------------------------------


def send_confirmations(now=None):
    """Send every confirmation that is due; returns how many went out."""
    with Outbox() as outbox:
        return _send_confirmations(outbox, now)


def _send_confirmations(outbox, now):
    sent = 0
    while True:
        now = now or clock.now()
        due = Subscription.objects.filter(confirm_due=True)
        claim = _claim(due, now)
        mine = list(Subscription.objects.filter(claim=claim, confirm_due=True))
        if not mine:
            return sent
        for subscription in mine:
            held = Subscription.objects.filter(pk=subscription.pk, claim=claim)
            if not _renew(held, claim):
                continue  # another sender has it now
            if outbox.send(alert_mail.confirmation(subscription)):
                held.update(confirm_due=False, claimed_at=None, claim="")
                sent += 1
            else:
                held.update(claimed_at=None, claim="")
                return sent  # the server is unwell: the next run tries again
        now = None


# --- Alerts ---------------------------------------------------------------------


def _pending():
    return Delivery.objects.filter(done_at=None)


def _deliverable(deliveries, now):
    """Split claimed deliveries into (to send, to drop): gone releases and ended subscriptions."""
    public = set(
        PressRelease.objects.published(now)
        .filter(pk__in=[d.release_id for d in deliveries])
        .values_list("pk", flat=True)
    )
    keep, drop = [], []
    for delivery in deliveries:
        alive = delivery.subscription.ended_at is None and delivery.release_id in public
        (keep if alive else drop).append(delivery)
    return keep, drop


def _finish(deliveries, claim, now, *, dropped=False):
    Delivery.objects.filter(pk__in=[d.pk for d in deliveries], claim=claim).update(
        done_at=now, dropped=dropped
    )


def _release_claim(deliveries, claim):
    Delivery.objects.filter(pk__in=[d.pk for d in deliveries], claim=claim).update(
        claimed_at=None, claim=""
    )


def _claimed(claim):
    return list(
        Delivery.objects.filter(claim=claim, done_at=None)
        .select_related("subscription", "release")
        .order_by("release__published_at", "pk")
    )


def send_immediate(now=None):
    """Send each pending delivery of an immediate subscription, one mail each; how many went."""
    with Outbox() as outbox:
        return _send_immediate(outbox, now)


def _send_immediate(outbox, now):
    sent = 0
    while True:
        moment = now or clock.now()
        due = _pending().filter(subscription__frequency=Subscription.Frequency.IMMEDIATE)
        claim = _claim(due, moment)
        mine = _claimed(claim)
        if not mine:
            return sent
        keep, drop = _deliverable(mine, moment)
        _finish(drop, claim, moment, dropped=True)
        for delivery in keep:
            if not _renew(Delivery.objects.filter(pk=delivery.pk, done_at=None), claim):
                continue  # another sender has it now
            subscription = delivery.subscription
            message = alert_mail.alert(
                [(subscription, [delivery.release])],
                language=subscription.language,
                email=subscription.email,
                words=outbox.words,
            )
            if outbox.send(message):
                _finish([delivery], claim, clock.now())
                sent += 1
            else:
                _release_claim(keep, claim)
                return sent


def due_digests(now):
    """Subscriptions whose digest is due (daily, weekly) and that have something to send."""
    due = Q()
    for frequency, period in PERIODS.items():
        due |= Q(frequency=frequency, since__lte=now - period + SLACK)
    return (
        Subscription.objects.filter(ended_at=None, confirmed_at__isnull=False)
        .annotate(since=Coalesce(F("last_sent_at"), F("confirmed_at")))
        .filter(due)
        .filter(pk__in=_pending().values("subscription_id"))
    )


def send_digests(now=None):
    """One mail per address and frequency, listing what each due subscription has new."""
    with Outbox() as outbox:
        return _send_digests(outbox, now)


def _send_digests(outbox, now):
    start = now or clock.now()
    sent = 0
    subscriptions = list(due_digests(start))
    groups = defaultdict(list)
    for subscription in subscriptions:
        groups[(subscription.email, subscription.frequency, subscription.language)].append(
            subscription
        )
    for (email, _frequency, language), members in groups.items():
        pks = [s.pk for s in members]
        # Claimed as of now, not as of the run's start: a long run's last
        # claims would otherwise be born with their lease already spent.
        moment = now or clock.now()
        claim = _claim(_pending().filter(subscription_id__in=pks), moment, limit=10_000)
        mine = _claimed(claim)
        if not mine:
            continue
        keep, drop = _deliverable(mine, moment)
        _finish(drop, claim, moment, dropped=True)
        by_subscription = defaultdict(list)
        for delivery in keep:
            by_subscription[delivery.subscription_id].append(delivery.release)
        sections = [(s, by_subscription[s.pk]) for s in members if by_subscription[s.pk]]
        if not sections:
            continue
        message = alert_mail.alert(sections, language=language, email=email, words=outbox.words)
        if outbox.send(message):
            _finish(keep, claim, clock.now())
            Subscription.objects.filter(pk__in=[s.pk for s, _r in sections]).update(
                last_sent_at=start
            )
            sent += 1
        else:
            _release_claim(keep, claim)
            break
    return sent
