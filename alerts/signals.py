"""A release that becomes public queues the matching, once its write has committed.

Once per transaction, however many releases it saved (an import's fifty):
the task matches every release that has become public and not been matched
yet. A scheduled release whose time comes with no write at all is matched
by the next ``send_alerts`` run (cron, every minute) the same way.
"""

import logging

from django.db.models.signals import post_save

from press.models import PressRelease
from taxonomy import clock
from taxonomy.versions import once_on_commit

from .tasks import match_releases

log = logging.getLogger(__name__)


def _queue_matching():
    # The release is saved whatever the queue says: if it cannot take the task
    # (Redis down), the next send_alerts run matches the release all the same.
    try:
        match_releases.enqueue()
    except Exception:  # noqa: BLE001 - any backend's failure
        log.exception("Could not queue the matching of alerts; send_alerts will do it")


def _release_saved(sender, instance, raw=False, using=None, **kwargs):
    if raw:
        return
    published = instance.status == PressRelease.Status.PUBLISHED
    if published and instance.published_at is not None and instance.published_at <= clock.now():
        once_on_commit(_queue_matching, using=using)


def connect():
    post_save.connect(_release_saved, sender=PressRelease, dispatch_uid="alerts_release_saved")
