"""The one source of the current time.

Every "now" in the project comes from :func:`now`, so a test moves time for
all of it at once with time-machine (``time_machine.travel``) instead of
patching call sites one by one. It lives in the lowest app because every app
needs it.
"""

from django.utils import timezone


def now():
    """The current time, aware (UTC)."""
    return timezone.now()
