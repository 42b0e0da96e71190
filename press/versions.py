"""What fixes everything the public sees: the trees' version, the releases'
version and the next scheduled publication.

- The trees' version lives in the database (``taxonomy.versions``): the
  trees change rarely, and each process keeps its tree indexes and menu
  under it.
- The releases' version lives in the cache: every write to a release, a
  release type, an old release address or a release's tags bumps it, at
  once and again when the transaction commits (the second bump closes
  the window in which another request could cache what it read before the
  commit). It never touches the trees' version, so saving a release never
  rebuilds a menu or a tree index.
- A scheduled release becomes public with no write at all: the next
  publication time is part of the state, and nothing public is cached past it.
- When anything public last changed (:func:`last_public_change`, the JSON
  API's ``Last-Modified``): the trees' time, kept with their version; the
  releases' clock, one row moved after each committed transaction that
  changed something public; and the last publication to have passed.

Cached pages (``osce_cms.cache``), counts and facets (:func:`cached_public`)
are keyed by all three (:func:`public_state`). Within a request each is read
once: at most one query for the trees' version and one for the next
publication when the cache holds nothing (a DummyCache).
"""

import datetime
import hashlib
import json

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connections, router, transaction
from django.utils import timezone

from taxonomy import clock
from taxonomy.versions import once_on_commit, request_memo, tree_version, tree_version_model

from . import languages

VERSION_KEY = "release-version"


def per_request(name, compute):
    """``compute()``, once a request for this release version (every time outside a request).

    For what a page may read several times (the release types), so that it
    costs one query even when no cache keeps anything.
    """
    memo = request_memo()
    if memo is None:
        return compute()
    key = ("per-request", name, release_version())
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def release_version():
    memo = request_memo()
    if memo is not None and "release" in memo:
        return memo["release"]
    version = cache.get(VERSION_KEY)
    if version is None:
        # add() so that two processes starting at once agree on one value.
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    if memo is not None:
        memo["release"] = version
    return version


def _bump():
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)
    memo = request_memo()
    if memo is not None:
        memo.pop("release", None)
        memo.pop("next", None)


def bump_release_version(sender=None, instance=None, **kwargs):
    """Signal receiver: invalidate now, and again once the transaction commits.

    Once it has committed, the releases' clock moves too, unless the write
    was to a release that neither is nor was released (a draft, a scheduled
    release): ``Last-Modified`` does not tell the public when drafts change.
    """
    _bump()
    transaction.on_commit(_bump)
    if _may_be_public(instance):
        once_on_commit(_mark_changed)


def _may_be_public(instance):
    """Whether a write to ``instance`` may change what the public sees.

    A release says so itself (released now, or before this save:
    ``PressRelease.is_released``, ``_was_released``), and so does an old
    address of a release it holds; anything else (a type, a node's side of a
    tag, a bulk write with no instance) may.
    """
    if instance is not None and not hasattr(instance, "is_released"):
        # An old address of a release it already holds says the same as the release.
        instance = getattr(instance, "_state", None) and instance._state.fields_cache.get("release")
    released = getattr(instance, "is_released", None)
    if released is None:
        return True
    return released or instance.__dict__.get("_was_released", False)


def _mark_changed():
    """Move the releases' clock to now (never back), after the change committed."""
    model = apps.get_model("press", "ReleaseClock")
    now = clock.now()
    rows = model.objects.filter(pk=1)
    if not rows.filter(changed_at__lt=now).update(changed_at=now) and not rows.exists():
        model.objects.bulk_create([model(pk=1, changed_at=now)], ignore_conflicts=True)


def last_public_change():
    """When anything public last changed, or None if that is unknown (one query).

    The latest of: the trees' last write, the releases' clock (a release, its
    tags, a type or an old address; ``_mark_changed``) and the last scheduled
    publication to have passed, which changes what is public with no write.
    Deleting a node or a release writes too, so the time never goes back.
    Written as SQL: the ORM took ten times longer to build the query than the
    database took to answer it, on every API request.
    """
    release = apps.get_model("press", "PressRelease")
    connection = connections[router.db_for_read(release)]
    quote = connection.ops.quote_name
    tree = tree_version_model()._meta.db_table
    releases = apps.get_model("press", "ReleaseClock")._meta.db_table
    sql = (
        f"SELECT (SELECT changed_at FROM {quote(tree)} WHERE id = 1), "  # noqa: S608
        f"(SELECT changed_at FROM {quote(releases)} WHERE id = 1), "
        f"(SELECT MAX(published_at) FROM {quote(release._meta.db_table)} "
        "WHERE status = %s AND published_at <= %s)"
    )
    now = connection.ops.adapt_datetimefield_value(clock.now())
    with connection.cursor() as cursor:
        cursor.execute(sql, [release.Status.PUBLISHED, now])
        row = cursor.fetchone()
    times = [_datetime(value, connection) for value in row or () if value is not None]
    return max(times) if times else None


def _datetime(value, connection):
    """A timestamp as the database gave it (SQLite: text), as an aware datetime."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return value
    return connection.ops.convert_datetimefield_value(value, None, connection)


def _next_publication():
    """The earliest scheduled publication time, or None; cached until it passes."""
    now = clock.now()
    memo = request_memo()
    if memo is not None and "next" in memo:
        when = memo["next"]
        if when is None or when > now:
            return when
    key = f"next-publication:{release_version()}"
    when = cache.get(key)
    if when is None or (when != "none" and when <= now):
        when = (
            apps.get_model("press", "PressRelease")
            .objects.scheduled(now=now)
            .order_by("published_at")
            .values_list("published_at", flat=True)
            .first()
        ) or "none"
        timeout = settings.PAGE_CACHE_SECONDS
        if when != "none":
            timeout = max(1, min(timeout, int((when - now).total_seconds()) + 1))
        cache.set(key, when, timeout=timeout)
    when = None if when == "none" else when
    if memo is not None:
        memo["next"] = when
    return when


def public_state():
    """The trees' version, the releases' version and the next scheduled
    publication: until one of them changes, public pages and the aggregates
    behind them cannot change either."""
    when = _next_publication()
    return f"{tree_version()}:{release_version()}:{when.timestamp() if when else '-'}"


def seconds_until_next_publication():
    when = _next_publication()
    if when is None:
        return None
    return max(0, int((when - clock.now()).total_seconds()))


def public_timeout():
    """How long anything public may be cached: never past the next scheduled publication."""
    until = seconds_until_next_publication()
    timeout = settings.PAGE_CACHE_SECONDS
    return timeout if until is None else min(timeout, until)


def cached_public(name, parts, compute):
    """``compute()``, cached until anything the public sees could have changed."""
    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
    # What the public sees depends on the page's language (its releases, its names).
    key = f"{name}:{languages.current()}:{public_state()}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        timeout = public_timeout()
        if timeout > 0:
            cache.set(key, value, timeout=timeout)
    return value
