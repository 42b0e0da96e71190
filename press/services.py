"""Writes on press releases that span several steps, each in one transaction."""

import reversion
from django.db import transaction

from taxonomy import clock

from .models import PressRelease


def sync_sources(release):
    """Sources are structures too: a filter on a structure finds what it issued."""
    missing = release.sources.exclude(pk__in=release.structures.values("pk"))
    release.structures.add(*missing)


@transaction.atomic
def publish(release, *, user=None, at=None):
    """Publish now, or at ``at`` (a future time schedules it); keep an earlier set time."""
    with reversion.create_revision():
        release.status = PressRelease.Status.PUBLISHED
        if at is not None:
            release.published_at = at
        elif release.published_at is None:
            release.published_at = clock.now()
        release.updated_by = user
        release.save()
        if user is not None:
            reversion.set_user(user)
        reversion.set_comment("Published" if release.is_public else "Scheduled")
    return release


@transaction.atomic
def unpublish(release, *, user=None):
    """Back to draft: it leaves the public site at once; its date is kept."""
    with reversion.create_revision():
        release.status = PressRelease.Status.DRAFT
        release.updated_by = user
        release.save()
        if user is not None:
            reversion.set_user(user)
        reversion.set_comment("Unpublished")
    return release
