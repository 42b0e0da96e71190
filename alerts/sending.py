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
import smtplib
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


def _let_go(queryset, claim):
    """Give up this sender's claim on the rows of ``queryset``: the next sender may take them."""
    queryset.filter(claim=claim).update(claimed_at=None, claim="")


SENT, REFUSED, FAILED = "sent", "refused", "failed"


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
        """Send one message: ``SENT``, ``REFUSED`` (this one never will be) or ``FAILED``.

        A permanent refusal (the server refuses the recipient or the message
        with a 5xx, or the address cannot be written in a mail at all) is this
        message's alone: the batch goes on, and the row is dropped rather than
        tried again for ever ahead of everyone else. Anything else (the server
        cannot be reached, a 4xx) stops the batch, to be tried again.
        """
        try:
            if self.connection is None:
                self.connection = mail.get_connection()
                self.connection.open()
            self.connection.send_messages([message])
            return SENT
        except smtplib.SMTPSenderRefused as exc:  # our own address: nobody's mail would go
            return self._failed(message, exc)
        except smtplib.SMTPRecipientsRefused as exc:
            return self._refused(message, exc)
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                return self._refused(message, exc)
            return self._failed(message, exc)
        except (OSError, mail.BadHeaderError) as exc:  # smtplib's other errors are OSErrors
            return self._failed(message, exc)
        except (UnicodeError, ValueError) as exc:  # an address no mail can carry
            return self._refused(message, exc)

    def _refused(self, message, exc):
        log.warning("Alert mail to %s refused, not tried again: %s", message.to, exc)
        self.close()  # the next message starts a new conversation
        return REFUSED

    def _failed(self, message, exc):
        log.warning("Alert mail to %s not sent, to be tried again: %s", message.to, exc)
        self.close()
        return FAILED

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
            # Read again: the address may have asked again since the batch was
            # claimed (a new request, a new link); the mail says what is true now.
            current = held.filter(confirm_due=True).first()
            if current is None:
                continue
            outcome = outbox.send(alert_mail.confirmation(current))
            if outcome == FAILED:
                _let_go(held, claim)
                return sent  # the server is unwell: the next run tries again
            # Done with this request, unless it was asked again meanwhile: then
            # the new request's mail is still owed (its claim is let go).
            done = held.filter(created_at=current.created_at).update(
                confirm_due=False, claimed_at=None, claim=""
            )
            if not done:
                _let_go(held, claim)
            sent += outcome == SENT
        now = None


# --- Alerts ---------------------------------------------------------------------


def _pending():
    return Delivery.objects.filter(done_at=None)


def _deliverable(deliveries, now):
    """Split claimed deliveries into (to send, to drop): releases gone from the public,
    subscriptions ended or not confirmed (asked for again and not yet confirmed)."""
    public = set(
        PressRelease.objects.published(now)
        .filter(pk__in=[d.release_id for d in deliveries])
        .values_list("pk", flat=True)
    )
    keep, drop = [], []
    for delivery in deliveries:
        alive = delivery.subscription.is_active and delivery.release_id in public
        (keep if alive else drop).append(delivery)
    return keep, drop


def _finish(deliveries, claim, now, *, dropped=False):
    Delivery.objects.filter(pk__in=[d.pk for d in deliveries], claim=claim).update(
        done_at=now, dropped=dropped
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
            outcome = outbox.send(message)
            if outcome == FAILED:
                _let_go(Delivery.objects.filter(pk__in=[d.pk for d in keep]), claim)
                return sent
            _finish([delivery], claim, clock.now(), dropped=outcome == REFUSED)
            sent += outcome == SENT


def due_digests(now):
    """Subscriptions whose digest is due (daily, weekly) and that have something to send."""
    due = Q()
    for frequency, period in PERIODS.items():
        due |= Q(frequency=frequency, since__lte=now - period + SLACK)
    return (
        Subscription.objects.active()
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
        outcome = outbox.send(message)
        if outcome == FAILED:
            _let_go(Delivery.objects.filter(pk__in=[d.pk for d in keep]), claim)
            break
        _finish(keep, claim, clock.now(), dropped=outcome == REFUSED)
        for subscription, _releases in sections:
            Subscription.objects.filter(pk=subscription.pk).update(
                last_sent_at=next_digest(subscription, start)
            )
        sent += outcome == SENT
    return sent


def next_digest(subscription, now):
    """When this digest counts as sent: its own time, so a daily digest keeps its hour.

    Sent a little early (within ``SLACK``) or late, the next one is due a
    period after the time this one was due, not after the run that sent it
    (or each day's would come earlier by the clock's lateness); after a long
    quiet time with nothing to send, a period after now.
    """
    period = PERIODS[subscription.frequency]
    due = (subscription.last_sent_at or subscription.confirmed_at) + period
    return due if now - period < due <= now + SLACK else now
