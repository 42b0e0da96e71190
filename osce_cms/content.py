"""One version number for everything the public sees.

Any write to a tree or a press release bumps it; cached navigation and cached
pages are keyed by it, so the next request after an edit is computed afresh
and no stale copy is ever served. Old entries simply expire.
"""

from django.core.cache import cache
from django.db import transaction

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
