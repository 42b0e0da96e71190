"""Embargo links: journalists read a scheduled release before it goes out.

An approved release with a future publication time has a signed link
(Django's signing, salted for this use; no login). It names the release and
the release's current embargo key: a publisher who makes a new link changes
the key, and every link given out before stops working. A link works until
seven days after the release's publication time; after the time has come it
leads to the public page. Anything else (tampered, revoked, expired, a
release sent back or unscheduled) is a plain 404, saying nothing of why.
"""

from datetime import timedelta

from django.core import signing
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import constant_time_compare

from taxonomy import clock

from .models import PressRelease

SALT = "press.embargo-link"
#: How long after publication a link still answers.
VALID_AFTER_PUBLICATION = timedelta(days=7)


def token(release):
    return signing.dumps([release.pk, release.embargo_key], salt=SALT, compress=False)


def path(release):
    """The link's path, under the release's language (``/fr/press/embargo/…``)."""
    with translation.override(release.language):
        return reverse("press:embargo", kwargs={"token": token(release)})


def has_link(release):
    return bool(release.embargo_key) and release.is_scheduled


def expires(release):
    """When the release's link stops working (None: never, for a date near the year 9999)."""
    try:
        return release.published_at + VALID_AFTER_PUBLICATION
    except OverflowError:
        return None


def resolve(value, now=None):
    """The release an embargo link names, if the link still works; else None."""
    try:
        pk, key = signing.loads(value, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(pk, int) or not isinstance(key, str) or not key:
        return None
    release = (
        PressRelease.objects.select_related("type")
        .filter(pk=pk, status=PressRelease.Status.PUBLISHED)
        .first()
    )
    if release is None or not constant_time_compare(release.embargo_key, key):
        return None
    expiry = expires(release)
    if expiry is not None and expiry <= (now or clock.now()):
        return None
    return release
