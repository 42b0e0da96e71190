"""No lost edits: a change page carries the version of the object it showed.

A page's version is a digest of what the page shows and saves, as the
database had it when the page was read, and when that was. Saving the page
after someone else changed the object (in the admin, a workflow step, an
import) is refused, naming who and when from the admin's log and the
object's revisions, instead of silently overwriting what they saved. The
caller compares the digests under a lock held to the end of its save (the
row's ``SELECT … FOR UPDATE``, a tree's lock), so nothing changes in between.

Used by the trees' change pages (``taxonomy.admin_history``) and by press
releases' (``press.admin``).
"""

import datetime
import hashlib

from django import forms
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from reversion.models import Version

from . import clock

#: Said by a refusal: the form shows it beside what the person typed.
STALE = "stale"


def digest(state):
    """A short digest of ``state`` (anything with a stable ``repr``)."""
    return hashlib.sha256(repr(state).encode()).hexdigest()[:32]


def columns(model, skip=()):
    """The names of ``model``'s concrete columns, less ``skip``."""
    return [f.attname for f in model._meta.concrete_fields if f.attname not in skip]


def token(state_digest):
    """What a page carries: the state's digest, and when the page was read."""
    now = clock.now()
    stamp = int(now.timestamp()) * 1_000_000 + now.microsecond
    return f"{state_digest}-{stamp}"


def read_token(value):
    """(digest, the time the page was read or None) of a posted token."""
    state_digest, _sep, stamp = (value or "").partition("-")
    try:
        seconds, micro = divmod(int(stamp), 1_000_000)
        seen_at = datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC)
    except (ValueError, OverflowError, OSError):
        return state_digest, None
    return state_digest, seen_at.replace(microsecond=micro)


class PageVersionField(forms.CharField):
    """The hidden version of the change page: it is no change of the object itself."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def has_changed(self, initial, data):
        return False  # not in the log entry's "Changed ..." message


def log_entries(model, pk):
    """The admin's log of the object: every save and workflow step made there."""
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    return LogEntry.objects.filter(content_type=content_type, object_id=str(pk))


def last_change(model, pk):
    """(who, when, what) of the latest recorded change of the object, or None.

    The admin's log and the object's revisions (imports and workflow steps
    write one) are both read: whichever is later.
    """
    found = []
    entry = log_entries(model, pk).select_related("user").order_by("-action_time", "-pk").first()
    if entry is not None:
        change = entry.get_change_message() or _("Changed.")
        found.append((entry.action_time, entry.user, change))
    version = (
        Version.objects.get_for_object_reference(model, pk)
        .select_related("revision__user")
        .order_by("-revision__date_created", "-pk")
        .first()
    )
    if version is not None:
        revision = version.revision
        found.append((revision.date_created, revision.user, revision.get_comment() or ""))
    if not found:
        return None
    when, user, what = max(found, key=lambda item: item[0])
    return user, when, what


def user_name(user):
    if user is None:
        return _("Someone (no account recorded)")
    return user.get_full_name() or user.get_username()


def stale_error(model, pk, seen_at):
    """The refusal of a stale save: who saved in between and when, and what to do."""
    what = model._meta.verbose_name
    change = last_change(model, pk)
    if change is not None and (seen_at is None or change[1] >= seen_at):
        user, when, message = change
        values = {
            "user": user_name(user),
            "what": what,
            "time": timezone.localtime(when).strftime("%Y-%m-%d %H:%M"),
            "change": (message or _("Changed.")).rstrip("."),
        }
        said = (
            _("%(user)s saved this %(what)s at %(time)s, after you opened this page (%(change)s).")
            % values
        )
    else:
        said = _(
            "This %(what)s was changed after you opened this page (not in the admin: "
            "there is no record of who)."
        ) % {"what": what}
    advice = _(
        "Nothing was saved, so as not to undo that. Copy your changes (they are still in the "
        "form below), reload the page, and make them again."
    )
    return ValidationError(f"{said} {advice}", code=STALE)


def is_stale(form):
    """Whether ``form`` was refused as stale."""
    return any(e.code == STALE for e in form.non_field_errors().as_data())
