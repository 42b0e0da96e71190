"""Signed links: confirm a subscription, manage an address's subscriptions, unsubscribe.

Nobody signs in to manage alerts: the link in the mail is the proof of
owning the address. Each kind of link has its own salt, so one cannot stand
for another. A confirmation link lasts ``CONFIRM_DAYS`` and names the
request it answers (a subscription asked for again gets a new link, and the
old one stops working, as it does once the subscription has ended); manage
and unsubscribe links last as long as the
subscriptions they name.
"""

import datetime

from django.core import signing

from .models import Subscription

CONFIRM_DAYS = 7
CONFIRM_AGE = datetime.timedelta(days=CONFIRM_DAYS)


class Expired(Exception):
    """A genuine link, too old to use; ``query`` is the filter set it asked for ("" if gone)."""

    def __init__(self, query=""):
        super().__init__(query)
        self.query = query


class Invalid(Exception):
    """Not a link this site made (or for something that is gone)."""


def _stamp(subscription):
    return int(subscription.created_at.timestamp() * 1_000_000)


def _is_pk(value):
    """A primary key the database can hold (a signed token cannot be trusted to hold one)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63


def confirm_token(subscription):
    return signing.dumps([subscription.pk, _stamp(subscription)], salt="alerts.confirm")


def confirming(token):
    """The subscription a confirmation link is for; raises ``Expired`` or ``Invalid``."""
    try:
        pk, stamp = signing.loads(token, salt="alerts.confirm", max_age=CONFIRM_AGE)
    except signing.SignatureExpired as error:
        # Genuine, only old: the page offers to ask again for the same filters.
        pk, _stamp_ = signing.loads(token, salt="alerts.confirm")
        old = Subscription.objects.filter(pk=pk).first() if _is_pk(pk) else None
        raise Expired(old.query if old else "") from error
    except (signing.BadSignature, TypeError, ValueError) as error:
        raise Invalid from error
    subscription = Subscription.objects.filter(pk=pk).first() if _is_pk(pk) else None
    if subscription is None or _stamp(subscription) != stamp:
        raise Invalid
    if subscription.ended_at is not None:
        # Ended (unsubscribed): its old link must not start it again; asking
        # again makes a new request with a new link.
        raise Invalid
    return subscription


def manage_token(email):
    return signing.dumps(email, salt="alerts.manage")


def managing(token):
    """The address a manage link is for; raises ``Invalid``."""
    try:
        email = signing.loads(token, salt="alerts.manage")
    except (signing.BadSignature, TypeError, ValueError) as error:
        raise Invalid from error
    if not isinstance(email, str):
        raise Invalid
    return email


def unsubscribe_token(subscriptions):
    return signing.dumps(sorted(s.pk for s in subscriptions), salt="alerts.unsubscribe")


def unsubscribing(token):
    """The subscriptions an unsubscribe link ends (a queryset); raises ``Invalid``."""
    try:
        pks = signing.loads(token, salt="alerts.unsubscribe")
    except (signing.BadSignature, TypeError, ValueError) as error:
        raise Invalid from error
    if not isinstance(pks, list) or not pks or not all(_is_pk(pk) for pk in pks):
        raise Invalid
    return Subscription.objects.filter(pk__in=pks)
