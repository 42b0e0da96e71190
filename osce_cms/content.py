"""One version number for everything the public sees.

Any write to a tree or a press release bumps it; cached navigation and cached
pages are keyed by it, so the next request after an edit is computed afresh
and no stale copy is ever served. Old entries simply expire.
"""

from django.core.cache import cache
from django.db import transaction

from taxonomy import clock

VERSION_KEY = "content-version"


def content_version():
    version = cache.get(VERSION_KEY)
    if version is None:
        # add() so that two processes starting at once agree on one value.
        cache.add(VERSION_KEY, 1, timeout=None)
        version = cache.get(VERSION_KEY, 1)
    return version


def _bump():
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)


def bump_content_version(**kwargs):
    """Signal receiver: invalidate now, and again once the transaction commits.

    The second bump closes the window in which another request could cache a
    page computed from the data as it was before the commit.
    """
    _bump()
    transaction.on_commit(_bump)


def _next_publication():
    """The earliest scheduled publication time, or None; cached until it passes."""
    from django.conf import settings

    from press.models import PressRelease

    key = f"next-publication:{content_version()}"
    when = cache.get(key)
    now = clock.now()
    if when is None or (when != "none" and when <= now):
        when = (
            PressRelease.objects.scheduled(now=now)
            .order_by("published_at")
            .values_list("published_at", flat=True)
            .first()
        ) or "none"
        timeout = settings.PAGE_CACHE_SECONDS
        if when != "none":
            timeout = max(1, min(timeout, int((when - now).total_seconds()) + 1))
        cache.set(key, when, timeout=timeout)
    return None if when == "none" else when


def public_state():
    """What fixes everything the public can see: the content version and the
    next scheduled publication. Until one of them changes, public pages and
    the aggregates behind them cannot change either."""
    when = _next_publication()
    return f"{content_version()}:{when.timestamp() if when else '-'}"


def seconds_until_next_publication():
    when = _next_publication()
    if when is None:
        return None
    return max(0, int((when - clock.now()).total_seconds()))


def public_timeout():
    """How long anything public may be cached: never past the next scheduled publication."""
    from django.conf import settings

    until = seconds_until_next_publication()
    timeout = settings.PAGE_CACHE_SECONDS
    return timeout if until is None else min(timeout, until)


def cached_public(name, parts, compute):
    """``compute()``, cached until anything the public sees could have changed."""
    import hashlib
    import json

    digest = hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()
    key = f"{name}:{public_state()}:{digest}"
    value = cache.get(key)
    if value is None:
        value = compute()
        timeout = public_timeout()
        if timeout > 0:
            cache.set(key, value, timeout=timeout)
    return value
