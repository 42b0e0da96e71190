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

Cached pages (``osce_cms.cache``), counts and facets (:func:`cached_public`)
are keyed by all three (:func:`public_state`). Within a request each is read
once: at most one query for the trees' version and one for the next
publication when the cache holds nothing (a DummyCache).
"""

import hashlib
import json

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction

from taxonomy import clock
from taxonomy.versions import request_memo, tree_version

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


def bump_release_version(**kwargs):
    """Signal receiver: invalidate now, and again once the transaction commits."""
    _bump()
    transaction.on_commit(_bump)


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
