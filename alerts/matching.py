"""Which subscriptions a release alerts: every release once, when it first becomes public.

``sweep`` finds the public releases not yet matched (published now, approved,
or scheduled and their time come, with no write at all), and for each, in
one transaction: notes it as matched (``AlertedRelease``: a correction later
matches nobody again), finds its subscriptions and claims one ``Delivery``
per subscription (unique: two sweeps at once claim each pair once).

A release is matched against all subscriptions at once, not by running a
FilterSet per subscriber: its read-model rows (every node it sits under, its
type, its year) are looked up in the subscriptions' keys, and a subscription
matches when each of its keyed parameters is met (one grouped query). Only
subscriptions that also filter by words or dates run the FilterSet, once per
distinct filter set, on this one release. A subscription hears of releases
published after it was confirmed, in its language: an archive import
(releases dated before) alerts nobody.
"""

import logging
from collections import defaultdict

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Min, Q
from django.http import QueryDict
from django.utils import translation

from press.filters import PressReleaseFilterSet
from press.models import ListingRow, PressRelease
from taxonomy import clock
from taxonomy.versions import tree_version

from . import filter_sets
from .models import AlertedRelease, Delivery, Subscription, SubscriptionKey

log = logging.getLogger(__name__)
BATCH = 200


def index(subscription, version=None):
    """Write ``subscription``'s keys afresh from its stored filter set."""
    found, conditions, needs_check = filter_sets.keys(subscription.query)
    SubscriptionKey.objects.filter(subscription=subscription).delete()
    SubscriptionKey.objects.bulk_create(
        [SubscriptionKey(subscription=subscription, dimension=d, value=v) for d, v in found]
    )
    subscription.conditions = conditions
    subscription.needs_check = needs_check
    subscription.keys_version = version if version is not None else (tree_version() or "")
    Subscription.objects.filter(pk=subscription.pk).update(
        conditions=conditions,
        needs_check=needs_check,
        keys_version=subscription.keys_version,
    )


def reindex_stale():
    """Re-key the active subscriptions keyed under an older version of the trees.

    Nodes move, merge and change slugs: a subscription's keys are worked out
    again, from its stored filter set, the first time a sweep runs after a
    tree write. Returns how many were re-keyed.
    """
    version = tree_version() or ""
    stale = Subscription.objects.filter(ended_at=None, confirmed_at__isnull=False).exclude(
        keys_version=version
    )
    count = 0
    for subscription in stale.iterator(chunk_size=500):
        with transaction.atomic():
            index(subscription, version)
        count += 1
    return count


def subscriptions_for(release):
    """The pks of the active subscriptions that ``release`` alerts, by their filters."""
    values = list(
        ListingRow.objects.filter(release_id=release.pk).values_list("dimension", "value")
    )
    active = Subscription.objects.filter(
        ended_at=None,
        confirmed_at__isnull=False,
        confirmed_at__lt=release.published_at,
        language=release.language,
    )
    keyed = Q(conditions=0)
    if values:
        met = Q()
        for dimension, value in values:
            met |= Q(dimension=dimension, value=value)
        hits = (
            SubscriptionKey.objects.filter(met)
            .values("subscription_id", "subscription__conditions")
            .annotate(met=Count("dimension", distinct=True))
            .filter(met=F("subscription__conditions"))
            .values("subscription_id")
        )
        keyed |= Q(pk__in=hits)
    found, checked = [], defaultdict(list)
    for pk, needs_check, query in active.filter(keyed).values_list("pk", "needs_check", "query"):
        if needs_check:
            checked[query].append(pk)
        else:
            found.append(pk)
    for query, pks in checked.items():
        if _filterset_matches(query, release):
            found += pks
    return found


def _filterset_matches(query, release):
    """Whether the listing's FilterSet, given ``query``, lists ``release`` (in its language)."""
    with translation.override(release.language):
        filterset = PressReleaseFilterSet(
            QueryDict(query), queryset=PressRelease.objects.filter(pk=release.pk)
        )
        return filterset.qs.exists()


def due_releases(now=None):
    """Public releases not yet matched that some active subscription may hear of."""
    now = now or clock.now()
    horizon = Subscription.objects.filter(ended_at=None, confirmed_at__isnull=False).aggregate(
        first=Min("confirmed_at")
    )["first"]
    if horizon is None:
        return PressRelease.objects.none()
    return (
        PressRelease.objects.published(now)
        .filter(published_at__gt=horizon)
        .exclude(pk__in=AlertedRelease.objects.values("release_id"))
        .order_by("published_at", "pk")
    )


def match(release, *, queue_sending=None):
    """Match one release, once: claim its deliveries; returns how many, or None if taken.

    ``queue_sending(immediate)`` runs inside the same transaction when
    deliveries were claimed: the queue's record of the sending commits with
    the claims, or neither does.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                AlertedRelease.objects.create(release=release)
        except IntegrityError:
            return None  # another sweep has it
        pks = subscriptions_for(release)
        if not pks:
            return 0
        Delivery.objects.bulk_create(
            [Delivery(subscription_id=pk, release=release) for pk in pks],
            ignore_conflicts=True,
            batch_size=1000,
        )
        if queue_sending is not None:
            immediate = Subscription.objects.filter(
                pk__in=pks, frequency=Subscription.Frequency.IMMEDIATE
            ).exists()
            queue_sending(immediate)
        return len(pks)


def sweep(*, queue_sending=None, now=None):
    """Match every due release (oldest first); returns ``(releases, deliveries)``."""
    if not Subscription.objects.filter(ended_at=None, confirmed_at__isnull=False).exists():
        return 0, 0
    reindex_stale()
    releases = deliveries = 0
    while True:
        batch = list(due_releases(now).only("pk", "published_at", "language")[:BATCH])
        if not batch:
            return releases, deliveries
        for release in batch:
            claimed = match(release, queue_sending=queue_sending)
            if claimed is not None:
                releases += 1
                deliveries += claimed
