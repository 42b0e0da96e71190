"""The review workflow: draft → in review → approved (now or scheduled) → published → withdrawn.

The transitions themselves (sources, targets, permissions, what each changes)
are declared on :class:`~press.models.PressRelease` with django-fsm-2; this
module runs them for a person, in one transaction:

1. the release's row is locked (``SELECT … FOR UPDATE``; SQLite's write lock
   is taken at ``BEGIN``), so two people acting at once act one after the
   other, the second on what the first left;
2. a page that showed an older version of the release is refused, naming who
   changed it since (:mod:`taxonomy.page_version`): nobody approves, sends
   back or withdraws what they have not seen;
3. the transition must be allowed from the release's state and to the person
   (django-fsm-2's ``can_proceed`` and ``has_transition_perm``), and four eyes
   hold: nobody approves or reinstates a release they last edited, except a
   holder of ``press.override_review`` (site administrators) who gives a
   reason, recorded;
4. the release is saved with a revision and an admin log entry, and the step
   is recorded as a :class:`~press.models.Transition` (who, when, from, to,
   comment);
5. a submission mails the publishers once the transaction has committed.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

import reversion
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed, has_transition_perm

from taxonomy import clock, page_version

from . import listing_model, notify, translations
from .bulk import link_table
from .models import OVERRIDE_PERMISSION, PUBLISH_PERMISSION, PressRelease, Transition

#: A time "now" may lag behind what the person saw on their clock.
PAST_TOLERANCE = timedelta(minutes=5)


class WorkflowError(Exception):
    """A refused step, with the reason to show the person."""

    def __init__(self, message, *, code="refused"):
        super().__init__(message)
        self.message, self.code = message, code


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    #: What the person is asked for, or "" when nothing is.
    comment_label: str = ""
    comment_required: bool = False
    #: Four eyes apply: the person who last edited the release may not do it.
    four_eyes: bool = False


ACTIONS = {
    action.name: action
    for action in (
        Action("submit", gettext_lazy("Submit for review"), gettext_lazy("Note for the publisher")),
        Action(
            "approve",
            gettext_lazy("Approve"),
            gettext_lazy("Comment (optional)"),
            four_eyes=True,
        ),
        Action(
            "send_back",
            gettext_lazy("Send back"),
            gettext_lazy("What should change"),
            comment_required=True,
        ),
        Action("recall", gettext_lazy("Take back to draft"), gettext_lazy("Why (optional)")),
        Action(
            "unschedule",
            gettext_lazy("Stop the scheduled publication"),
            gettext_lazy("Why"),
            comment_required=True,
        ),
        Action(
            "withdraw",
            gettext_lazy("Withdraw"),
            gettext_lazy("Withdrawal note (shown on the release's page)"),
            comment_required=True,
        ),
        Action(
            "reinstate",
            gettext_lazy("Reinstate"),
            gettext_lazy("Why (optional)"),
            four_eyes=True,
        ),
    )
}
#: Done by the workflow itself, never offered as a button: a scheduled release
#: changed after approval; a public one corrected; a deleted one recovered.
REOPEN, CORRECT, RECOVER = "reopen", "correct", "recover"


def state_digest(pk):
    """A digest of a release as its change page shows it: its row and its tags.

    The row's ``updated_at`` changes on every save; the tags are read too,
    because a translation's tag change is made to every member of its group
    without saving them.
    """
    row = (
        PressRelease.objects.filter(pk=pk)
        .values_list(*page_version.columns(PressRelease, skip={"search"}))
        .first()
    )
    tags = []
    for relation in translations.SHARED:  # the release's five tag relations
        through, own, node = link_table(relation)
        tags.append(sorted(through.objects.filter(**{own: pk}).values_list(node, flat=True)))
    return page_version.digest((row, tags))


def page_token(release):
    """The version a page showing ``release`` carries (see :mod:`taxonomy.page_version`)."""
    return page_version.token(state_digest(release.pk))


def check_token(pk, token, current=None):
    """Raise ``WorkflowError(code="stale")`` when ``token`` is not the release's version now.

    Call it with the row locked (``lock``), so that nothing changes between
    this check and the write that follows. ``current`` is the release's
    digest when the caller read it before changing the row itself (a
    revision's page restores the revision before its form is checked).
    """
    seen, seen_at = page_version.read_token(token)
    if seen != (current or state_digest(pk)):
        error = page_version.stale_error(PressRelease, pk, seen_at)
        raise WorkflowError(error.message, code=page_version.STALE)


def lock(pk):
    """The release, its row locked to the end of the transaction (on PostgreSQL)."""
    return PressRelease.objects.select_for_update(of=("self",)).get(pk=pk)


def lock_and_check(pk, token, current=None):
    """The release locked, refused as stale when ``token`` (if given) is not its version."""
    release = lock(pk)
    if token is not None:
        check_token(pk, token, current)
    return release


def last_editor_is(release, user):
    return release.edited_by_id is not None and release.edited_by_id == user.pk


def may_override(user):
    return user.has_perm(OVERRIDE_PERMISSION)


def available(release, user):
    """The actions ``user`` may take on ``release`` now, in the order they are offered.

    Four eyes: approving or reinstating what one last edited is offered only
    to those who may override, who must then give a reason.
    """
    held_back = held_back_by_four_eyes(release, user)
    return [
        name
        for name in ACTIONS
        if _open(release, user, name)
        and name not in held_back
        and (name != "recall" or may_recall(release, user))
    ]


def _open(release, user, name):
    """Whether the release's state and the person's permissions allow step ``name``."""
    method = getattr(release, name)
    return can_proceed(method) and has_transition_perm(method, user)


def held_back_by_four_eyes(release, user):
    """The steps ``user`` could take on ``release`` but for four eyes (they last edited it)."""
    if not last_editor_is(release, user) or may_override(user):
        return []
    return [
        name for name, action in ACTIONS.items() if action.four_eyes and _open(release, user, name)
    ]


def needs_override(release, user, name):
    """Whether ``user`` doing ``name`` to ``release`` overrides four eyes (a reason is due)."""
    return ACTIONS[name].four_eyes and last_editor_is(release, user)


def new_embargo_key():
    return secrets.token_urlsafe(18)


def log(release, user, message):
    """The admin's log (the release's History page, and who a stale page names)."""
    if user is None or not user.pk:
        return
    LogEntry.objects.log_actions(
        user_id=user.pk,
        queryset=[release],
        action_flag=CHANGE,
        change_message=message,
        single_object=True,
    )


def describe(name, target, publish_at=None):
    """What a step says in the release's history: "Approved: scheduled for …"."""
    if name == "approve" and target == "scheduled" and publish_at is not None:
        when = date_format(timezone.localtime(publish_at), "DATETIME_FORMAT")
        return _("Approved: scheduled for %(time)s") % {"time": when}
    messages = {
        "submit": _("Submitted for review"),
        "recall": _("Taken back to draft"),
        "approve": _("Approved and published"),
        "send_back": _("Sent back"),
        "unschedule": _("Scheduled publication stopped"),
        REOPEN: _("Changed after approval: back in review"),
        "withdraw": _("Withdrawn"),
        "reinstate": _("Reinstated"),
        CORRECT: _("Corrected (public at once)"),
        RECOVER: _("Recovered after deletion, as a draft"),
        "import": _("Imported"),
    }
    return messages.get(name, name)


def _account(user):
    """``user``, or None for an anonymous or unsaved one (nobody to name)."""
    return user if user is not None and user.pk else None


def _save(release, user, message, **save_kwargs):
    """Save ``release`` as ``user`` did it: a revision and a log entry saying ``message``."""
    release.updated_by = _account(user)
    with reversion.create_revision():
        release.save(**save_kwargs)
        if release.updated_by is not None:
            reversion.set_user(release.updated_by)
        reversion.set_comment(message)
    log(release, user, message)


def record(release, name, user, *, source, comment="", override=False, publish_at=None):
    """Save ``release`` after step ``name`` and record it: transition, revision, log."""
    said = describe(name, release.state, publish_at)
    _save(release, user, f"{said}: {comment}" if comment else said)
    return Transition.objects.create(
        release=release,
        name=name,
        source=source,
        target=release.state,
        user=release.updated_by,
        comment=comment,
        override=override,
        publish_at=publish_at,
    )


def perform(pk, name, user, *, comment="", at=None, token=None, base_url=""):
    """Take step ``name`` on release ``pk`` for ``user``; return the :class:`Transition`.

    ``token`` is the version of the page the person acted on (None: a
    script, which acts on the release as it is). ``at`` is the publication
    time for ``approve`` (None: now). ``comment`` is the comment, note or, for
    an override of four eyes, the reason. Raises :class:`WorkflowError` with
    the reason it was refused; nothing is written then.
    """
    action = ACTIONS.get(name)
    if action is None:
        raise WorkflowError(_("There is no such step."), code="unknown")
    comment = (comment or "").strip()
    with transaction.atomic(), listing_model.refreshed_once():
        release = lock_and_check(pk, token)
        method = getattr(release, name)
        # The state first: django-fsm-2's has_transition_perm is False too for
        # a step its state (or the time: a scheduled release that has just
        # gone out) does not allow, which is no reason for a 403.
        if not can_proceed(method):
            raise WorkflowError(
                _("This step is not possible now: the release is %(state)s.")
                % {"state": state_label(release.state)},
                code="state",
            )
        if not has_transition_perm(method, user):
            raise PermissionDenied(_("You may not do this."))
        if name == "recall" and not may_recall(release, user):
            raise PermissionDenied(_("Only its writers or a publisher take it back."))
        override = needs_override(release, user, name)
        if override and not may_override(user):
            raise WorkflowError(
                _("You last edited this release: another publisher must approve it (four eyes)."),
                code="four_eyes",
            )
        if override and not comment:
            raise WorkflowError(
                _("You last edited this release: give the reason for approving it yourself."),
                code="reason",
            )
        if action.comment_required and not comment:
            raise WorkflowError(
                _("%(label)s: this is required.") % {"label": action.comment_label},
                code="comment",
            )
        source = release.state
        now = clock.now()
        publish_at = None
        if name == "approve":
            publish_at = at or now
            if publish_at < now - PAST_TOLERANCE:
                raise WorkflowError(
                    _("A publication time cannot be in the past: choose now or a later time."),
                    code="past",
                )
            method(publish_at)
            if release.is_scheduled:
                release.embargo_key = new_embargo_key()
        elif name == "withdraw":
            method(comment, now)
        else:
            method()
        step = record(
            release, name, user, source=source, comment=comment, override=override,
            publish_at=publish_at,
        )  # fmt: skip
        if name == "submit":
            transaction.on_commit(lambda: notify.submitted(step.pk, base_url=base_url))
    return step


def reopen(release, user, *, base_url=""):
    """A scheduled release whose content changed goes back to review (called on save).

    The publishers are told, as of a submission: it awaits them again.
    """
    source = release.state
    release.reopen()
    step = record(release, REOPEN, user, source=source)
    transaction.on_commit(lambda: notify.submitted(step.pk, base_url=base_url))
    return step


def note(release, name, user, comment=""):
    """Record a step that moves nothing (a correction, a recovery): who, when, what."""
    return Transition.objects.create(
        release=release,
        name=name,
        source=release.state if name != RECOVER else "",
        target=release.state,
        user=_account(user),
        comment=comment,
    )


def tags_shared(release, user, *, base_url=""):
    """``release``'s tags were given to its translations: to each, an edit by ``user``.

    Four eyes hold for them too: the person who re-tagged them is their last
    editor; a scheduled one goes back to review, a public one records the
    correction.
    """
    now = clock.now()
    for sibling in translations.members(release).select_for_update(of=("self",)):
        sibling.edited_by, sibling.edited_at = user, now
        PressRelease.objects.filter(pk=sibling.pk).update(edited_by=user, edited_at=now)
        said = _("Tags shared with its translation “%(title)s”") % {"title": release.title}
        if sibling.is_scheduled:
            reopen(sibling, user, base_url=base_url)
        elif sibling.is_released:
            note(sibling, CORRECT, user, said)


def may_recall(release, user):
    """Staff take back what they submitted or wrote; publishers take back anything."""
    if user.has_perm(PUBLISH_PERMISSION):
        return True
    submitter = release.transitions.filter(name="submit").values_list("user_id", flat=True).first()
    return user.pk in (submitter, release.edited_by_id, release.created_by_id)


def regenerate_embargo_link(pk, user, *, token=None):
    """A new embargo link for a scheduled release: the links given out stop working."""
    with transaction.atomic():
        release = lock_and_check(pk, token)
        if not user.has_perm(PUBLISH_PERMISSION):
            raise PermissionDenied(_("You may not do this."))
        if not release.is_scheduled:
            raise WorkflowError(
                _("Only a release scheduled for publication has an embargo link."), code="state"
            )
        release.embargo_key = new_embargo_key()
        _save(
            release,
            user,
            _("New embargo link: the earlier one no longer works"),
            update_fields=["embargo_key", "updated_by", "updated_at"],
        )
    return release


STATE_LABELS = {
    "draft": gettext_lazy("Draft"),
    "in_review": gettext_lazy("In review"),
    "scheduled": gettext_lazy("Scheduled"),
    "published": gettext_lazy("Published"),
    "withdrawn": gettext_lazy("Withdrawn"),
}


def state_label(state):
    return STATE_LABELS.get(state, state)
