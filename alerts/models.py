"""Email alerts: subscriptions to a listing's filter set, and what each was sent.

A subscription is one address's wish for one canonical filter set (the
listing's parameters, ``alerts.filter_sets``) in one language, at one
frequency. It is stored unconfirmed and mails nothing but its confirmation
until its owner confirms it. Its keys index it by the values its filters
need (nodes with their descendants' rows in the read model, types, years),
so a release is matched against every subscription in one grouped query
(``alerts.matching``). A delivery is the claim that one release goes to one
subscription: unique, so nothing is sent twice, whoever runs the sending.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from press.models import PressRelease

#: The longest canonical filter set kept (it is part of a unique index: a
#: B-tree entry must stay well under PostgreSQL's 2,700 bytes).
QUERY_LENGTH = 1000


class SubscriptionQuerySet(models.QuerySet):
    def active(self):
        """Confirmed and not ended: the subscriptions that hear of releases."""
        return self.filter(confirmed_at__isnull=False, ended_at=None)

    def end(self, now=None):
        """End those not ended yet (no confirmation owed either); returns how many."""
        return self.filter(ended_at=None).update(ended_at=now or timezone.now(), confirm_due=False)


class Subscription(models.Model):
    class Frequency(models.TextChoices):
        IMMEDIATE = "immediate", _("As soon as they are published")
        DAILY = "daily", _("Once a day")
        WEEKLY = "weekly", _("Once a week")

    email = models.EmailField(_("email address"), max_length=254)
    #: The canonical filter set: the listing's parameters, urlencoded in one order.
    query = models.CharField(_("filters"), max_length=QUERY_LENGTH, blank=True)
    #: The language of the releases it follows and of its mail.
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    frequency = models.CharField(
        _("frequency"), max_length=10, choices=Frequency.choices, default=Frequency.IMMEDIATE
    )
    created_at = models.DateTimeField(_("asked for"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    #: When its last digest went out (daily and weekly).
    last_sent_at = models.DateTimeField(_("last digest"), null=True, blank=True)
    #: A confirmation (or "already subscribed") mail waits to be sent.
    confirm_due = models.BooleanField(default=False)
    #: Set while a sender holds its confirmation mail (a lease that expires).
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True)
    #: How many of its parameters its keys must all meet (one key each, at least).
    conditions = models.PositiveSmallIntegerField(default=0)
    #: Whether it has filters the keys cannot decide (words, dates): those run the FilterSet.
    needs_check = models.BooleanField(default=False)
    #: The trees' version its keys were worked out under (nodes move, merge, get renamed).
    keys_version = models.CharField(max_length=64, blank=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("alert subscription")
        verbose_name_plural = _("alert subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["email", "query", "language"], name="alerts_one_subscription_per_set"
            )
        ]
        indexes = [
            models.Index(fields=["email"], name="alerts_subscription_email"),
            models.Index(
                fields=["confirm_due"],
                name="alerts_confirm_due",
                condition=models.Q(confirm_due=True),
            ),
        ]

    def __str__(self):
        return f"{self.email}: {self.query or '*'} ({self.language}, {self.frequency})"

    @property
    def is_active(self):
        return self.confirmed_at is not None and self.ended_at is None


class SubscriptionKey(models.Model):
    """One value a subscription's filter accepts: ``(dimension, value)`` as in the read model."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="keys")
    #: A dimension's parameter ("topic", ...), "type" or "year": ``press.ListingRow.dimension``.
    dimension = models.CharField(max_length=12)
    #: A node's or a type's primary key, or a year: ``press.ListingRow.value``.
    value = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "dimension", "value"], name="alerts_key_unique"
            )
        ]
        indexes = [models.Index(fields=["dimension", "value"], name="alerts_key_lookup")]

    def __str__(self):
        return f"{self.dimension}={self.value}"


class AlertedRelease(models.Model):
    """A release that has been matched, once, when it first became public.

    A correction to it later alerts nobody again; an archive import is
    matched too, and finds nobody (its date is before every confirmation).
    """

    release = models.OneToOneField(
        PressRelease, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    matched_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"release {self.release_id} matched at {self.matched_at:%Y-%m-%d %H:%M}"


class Delivery(models.Model):
    """One release owed to one subscription: claimed once, sent once."""

    subscription = models.ForeignKey(
        Subscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    release = models.ForeignKey(PressRelease, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    #: Set while a sender holds it (a lease: after ``ALERTS_CLAIM_SECONDS`` another may).
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True)
    #: When it left the queue: sent, or dropped.
    done_at = models.DateTimeField(null=True, blank=True)
    #: Dropped, not sent: the release had left the public (withdrawn) before its mail went.
    dropped = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "release"], name="alerts_deliver_once")
        ]
        indexes = [
            models.Index(
                fields=["subscription", "created_at"],
                name="alerts_delivery_pending",
                condition=models.Q(done_at__isnull=True),
            )
        ]

    def __str__(self):
        return f"release {self.release_id} to subscription {self.subscription_id}"
