"""A node's history in the admin: rename, close, its timeline, and corrections by hand.

Renaming and closing are acts with a day: "Rename…" and "Close…" (object
tools of a node's change page) record them through ``taxonomy.history``,
which keeps the old name's span and links the successor. The change form
shows the node's timeline and lets an administrator correct its dated names
and links directly, refusing what would make the history untrue (overlapping
spans, two current names, a link to itself or in a circle) with form errors.

Every change leaves a log entry (the node's History page) and a revision
(django-reversion) of the node with its dated names and links. A change page
carries the version of the node it showed: saving it after someone else
changed the node (a save, a rename, a closing, a move) is refused, naming
who and when, instead of undoing that (``check_page_version``).

Why not reversion's ``VersionAdmin`` for the trees: it fights
``DraggableMPTTAdmin``. Both set the change list's template (the tree with
drag handles, or reversion's "Recover deleted" list); VersionAdmin wraps
every change-list request, drag-and-drop moves included, in a revision; and
its "Revert" and "Recover" pages would write a node back with another parent
but without mptt's move (the tree columns are not in revisions, see
taxonomy/apps.py), corrupting the tree, and would put back dated names and
links without any of the checks here. So the trees record what
VersionAdmin would record (a revision per change) and show history with
Django's own History page (log entries), and nothing reverts behind the tree.
"""

import datetime
from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

import reversion
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers, widgets
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_permission_codename
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import clock, history, page_version
from .languages import NAME_FIELDS, TRANSLATED, cldr_names
from .locking import tree_write
from .models import NodeLink
from .page_version import columns
from .pickers import PathLabels
from .widgets import SafeAutocompleteMixin


def _day(day):
    return day.isoformat() if day else "…"


def translated_fields(node):
    """The name columns an administrator types for ``node``: none for a country the CLDR names."""
    if getattr(node, "iso_code", "") and cldr_names(node.iso_code):
        return ()
    return NAME_FIELDS


def add_history_errors(form, error):
    """Put a ValidationError from ``taxonomy.history`` on the form's fields (or on top)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, ValidationError(errors))
    else:
        form.add_error(None, error)


def record_revision(user, node, comment):
    """A revision of ``node``, its dated names and links as they are now."""
    if not reversion.is_registered(type(node)):
        return
    with reversion.create_revision(atomic=False):
        if user is not None and getattr(user, "pk", None):
            reversion.set_user(user)
        reversion.set_comment(comment)
        reversion.add_to_revision(node)


# --- the timeline --------------------------------------------------------------


@dataclass
class Event:
    """One line of a node's timeline."""

    kind: str  # predecessor, opened, name, closed, successor
    start: datetime.date | None = None
    end: datetime.date | None = None
    label: str = ""
    name: str = ""
    other: object = None
    url: str = ""
    source: str = ""
    current: bool = False
    #: The current name of a node without dated names.
    undated: bool = False

    @property
    def source_host(self):
        host = urlsplit(self.source).hostname or self.source
        return host.removeprefix("www.")


def timeline_events(node, admin_site_name="admin"):
    """What happened to ``node``, in order: predecessors, opening, names, closing, successors.

    Those are in that order by nature (a predecessor ends before the node
    begins, a successor after it ends), whichever days are unknown.
    """
    opts = node._meta
    change = f"admin:{opts.app_label}_{opts.model_name}_change"

    def admin_url(pk):
        return reverse(change, args=[pk], current_app=admin_site_name)

    events = [
        Event(
            "predecessor",
            start=link.date,
            # A kind this code does not know (written by hand in the
            # database) reads as it is stored rather than failing the page.
            label=NodeLink.label(link.kind, from_target=True),
            other=link.source,
            url=admin_url(link.source_id),
            source=link.source_url,
        )
        for link in node.links_in.select_related("source")
    ]
    events.append(Event("opened", start=node.opened_on, source=node.dates_source))
    names = list(node.dated_names.all())
    events += [
        Event(
            "name",
            start=row.valid_from,
            end=row.valid_to,
            name=row.name,
            source=row.source_url,
            current=row.valid_to is None,
        )
        for row in names
    ]
    if not names:
        events.append(Event("name", name=node.name, current=True, undated=True))
    if not node.is_active:
        events.append(Event("closed", start=node.closed_on, source=node.dates_source))
    events += [
        Event(
            "successor",
            start=link.date,
            label=NodeLink.label(link.kind),
            other=link.target,
            url=admin_url(link.target_id),
            source=link.source_url,
        )
        for link in node.links_out.select_related("target")
    ]
    return events


def render_timeline(node, admin_site_name="admin"):
    return render_to_string(
        "admin/taxonomy/includes/node_timeline.html",
        {"node": node, "events": timeline_events(node, admin_site_name)},
    )


# --- the change page's version: a page read before a change is refused, not saved over ----

#: The change form's hidden field: the version of the node its page showed.
VERSION_FIELD = "node_version"


def node_state_digest(model, pk):
    """A digest of what a node's change page shows and saves, as the database has it now.

    The node's own columns, ``updated_at`` among them (every save of the node
    changes it: a form's, a rename's, a closing's, a move's), but not mptt's
    bookkeeping (moving another node rewrites ``lft``, ``rght``...) nor what
    the data file last said; and its dated names and links, which a merge or
    the data loader write without saving the node.
    """
    mptt = model._mptt_meta
    skip = {mptt.left_attr, mptt.right_attr, mptt.tree_id_attr, mptt.level_attr, "source_data"}
    names, links = history.name_model(model), history.link_model(model)
    return page_version.digest((
        model._base_manager.filter(pk=pk).values_list(*columns(model, skip)).first(),
        list(names._base_manager.filter(node_id=pk).order_by("pk").values_list(*columns(names))),
        list(links._base_manager.filter(source_id=pk).order_by("pk").values_list(*columns(links))),
    ))  # fmt: skip


def node_page_version(node):
    """The token a change page of ``node`` carries: its state's digest, and when it was read."""
    return page_version.token(node_state_digest(type(node), node.pk))


def _may_be_undone(model, pk):
    """Whether a page of the node read at an unknown time could undo something saved since.

    Nothing can be undone of a node nobody has changed in the admin, that
    was never renamed (no dated name ends) nor closed (no closing, no link).
    """
    if page_version.log_entries(model, pk).exists():
        return True
    state = model._base_manager.filter(pk=pk).values_list("is_active", "closed_on").first()
    if state is None or not state[0] or state[1] is not None:
        return True
    names, links = history.name_model(model), history.link_model(model)
    return (
        names._base_manager.filter(node_id=pk, valid_to__isnull=False).exists()
        or links._base_manager.filter(source_id=pk).exists()
    )


def check_page_version(form):
    """Refuse a node's change form whose page was read before the node last changed.

    Under the tree's lock, which lasts to the end of the admin's transaction
    and so over the save that follows: nothing changes the node in between.
    A post without the version (a script, a page older than the check) is
    taken only where nothing could be undone by it (see ``_may_be_undone``).
    """
    node = form.instance
    if node.pk is None or node._state.adding:
        return
    model = type(node)
    key = form.add_prefix(VERSION_FIELD)
    with tree_write(model):
        if key not in form.data:
            if _may_be_undone(model, node.pk):
                form.add_error(None, ValidationError(_(
                    "This form came without the version of its page: whether this %(what)s "
                    "changed after the page was opened cannot be told, and it has a history "
                    "(saves, a rename or a closing) that saving could undo. Nothing was saved: "
                    "reload the page and make your changes again."
                ) % {"what": model._meta.verbose_name}, code="no_version"))  # fmt: skip
            return
        digest, seen_at = page_version.read_token(form.data.get(key))
        if digest != node_state_digest(model, node.pk):
            form.add_error(None, page_version.stale_error(model, node.pk, seen_at))


# --- correcting history by hand: the change form's inlines ---------------------------


class TolerantInlineFormSet(BaseInlineFormSet):
    """A post without this formset's management form leaves the rows as they are.

    The history inlines joined the change form later than its other fields;
    a form posted without them (an older page, a script) changes the node's
    own fields and not its history, instead of failing as a whole.
    """

    @property
    def not_submitted(self):
        return self.is_bound and f"{self.prefix}-TOTAL_FORMS" not in self.data

    def full_clean(self):
        if self.not_submitted:
            self._errors = []
            self._non_form_errors = self.error_class(error_class="nonform", renderer=self.renderer)
            return
        super().full_clean()

    def rows_have_errors(self):
        return any(
            form.errors
            for form in self.forms
            if not (self.can_delete and self._should_delete_form(form))
        )

    def kept_forms(self):
        """The forms whose rows exist after the save (none deleted, no empty extra form)."""
        kept = []
        for form in self.forms:
            if self.can_delete and self._should_delete_form(form):
                continue
            if not form.instance.pk and not form.has_changed():
                continue
            if form.errors or not hasattr(form, "cleaned_data"):
                continue
            kept.append(form)
        return kept

    def unposted(self):
        """The node's rows in the database that no form of this post stands for.

        Rows saved after the page was read, or left out of a post made by
        hand: the post neither shows nor changes them, but they stay, so the
        checks count them with the posted ones.
        """
        node = self.instance
        if node.pk is None:
            return self.model._base_manager.none()
        posted = [form.instance.pk for form in self.forms if form.instance.pk is not None]
        return self.model._base_manager.filter(**{self.fk.name: node.pk}).exclude(pk__in=posted)


def _not_shown(labels):
    """The sentence that names rows of the database the form does not show."""
    if not labels:
        return ""
    return " " + ngettext(
        "Not among the rows below (saved after this page was opened): %(rows)s. Reload the "
        "page to see it.",
        "Not among the rows below (saved after this page was opened): %(rows)s. Reload the "
        "page to see them.",
        len(labels),
    ) % {"rows": ", ".join(labels)}


@dataclass
class _Span:
    """A dated name as the formset's checks see it: posted (``form``) or only in the database."""

    name: str
    start: datetime.date | None
    end: datetime.date | None
    form: forms.Form | None = None

    @property
    def label(self):
        return f"“{self.name}” ({history.span_text(self.start, self.end)})"


class DatedNameForm(forms.ModelForm):
    """The current name (the open row) is the node's own: it is edited in the node's fields."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.was_current = bool(self.instance.pk) and self.instance.valid_to is None
        if self.was_current:
            for field in ("name", *NAME_FIELDS):
                if field in self.fields:
                    self.fields[field].disabled = True
        if self.was_current and "name" in self.fields:
            self.fields["name"].help_text = _(
                "The current name is the node's own name: correct it above, or record a "
                "new one with “Rename…”."
            )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("valid_from"), cleaned.get("valid_to")
        if start and end and end < start:
            self.add_error(
                "valid_to",
                _("A name cannot end (%(end)s) before it begins (%(start)s).")
                % {"end": end.isoformat(), "start": start.isoformat()},
            )
        return cleaned


class DatedNameFormSet(TolerantInlineFormSet):
    """Spans that hold together: no overlap, one current name, and it is the node's.

    The node's dated names in the database that the post leaves out count
    too: they stay after the save.
    """

    def clean(self):
        super().clean()
        if self.not_submitted:
            return
        if self.rows_have_errors():
            return  # each row's own errors first
        node = self.instance
        posted = [
            _Span(
                self._name(form),
                form.cleaned_data.get("valid_from"),
                form.cleaned_data.get("valid_to"),
                form,
            )
            for form in self.kept_forms()
        ]
        saved = [_Span(row.name, row.valid_from, row.valid_to) for row in self.unposted()]
        spans = posted + saved
        current = [span for span in spans if span.end is None]
        if len(current) > 1 and any(span.form is not None for span in current):
            raise ValidationError(
                _(
                    "Only the current name has no last day; %(names)s have none. "
                    "Give the earlier ones their last day."
                )
                % {"names": ", ".join(f"“{span.name}”" for span in current)}
                + _not_shown([span.label for span in current if span.form is None])
            )
        if posted and not current:
            raise ValidationError(
                _("One name, the current one (“%(name)s”), has no last day: leave its “to” empty.")
                % {"name": node.name}
            )
        for form in (span.form for span in current if span.form is not None):
            if not form.was_current and form.cleaned_data.get("name") != node.name:
                form.add_error(
                    "name",
                    _(
                        "The name without a last day is the current name, the node's own "
                        "(“%(name)s”). Give this one its last day, or change the node's name."
                    )
                    % {"name": node.name},
                )
            if not form.was_current:
                for field in NAME_FIELDS:
                    typed = form.cleaned_data.get(field) or ""
                    if field in form.cleaned_data and typed and typed != getattr(node, field):
                        form.add_error(
                            field,
                            _(
                                "The current name's translations are the node's own: "
                                "enter them under “Names in other languages” above."
                            ),
                        )
        self._check_overlaps(spans)
        self._check_life(node, posted, saved)

    @staticmethod
    def _check_overlaps(spans):
        """Every two spans, one of them posted, that overlap: an error on the posted row."""
        ordered = sorted(spans, key=lambda span: history.start_order(span.start))
        flagged = set()
        for index, earlier in enumerate(ordered):
            for later in ordered[index + 1 :]:
                form = later.form if later.form is not None else earlier.form
                overlap = history.spans_overlap(earlier.end, later.start)
                if form is None or id(form) in flagged or not overlap:
                    continue
                flagged.add(id(form))
                # On the row as a whole: the sentence needs the width (both spans).
                form.add_error(
                    None,
                    _(
                        "The names “%(first)s” (%(first_span)s) and “%(second)s” "
                        "(%(second_span)s) overlap: a name begins after the one before ends."
                    )
                    % {
                        "first": earlier.name,
                        "first_span": history.span_text(earlier.start, earlier.end),
                        "second": later.name,
                        "second_span": history.span_text(later.start, later.end),
                    }
                    + _not_shown([span.label for span in (earlier, later) if span.form is None]),
                )

    @staticmethod
    def _check_life(node, posted, saved):
        """No name begins before the node opened or after it closed."""
        unshown = []
        for span in (*posted, *saved):
            problems = []
            if span.start and node.opened_on and span.start < node.opened_on:
                problems.append(
                    _("It opened on %(day)s: no name of it begins before that.")
                    % {"day": node.opened_on.isoformat()}
                )
            if span.start and node.closed_on and span.start > node.closed_on:
                problems.append(
                    _("It closed on %(day)s: no name of it begins after that.")
                    % {"day": node.closed_on.isoformat()}
                )
            for problem in problems:
                if span.form is not None:
                    span.form.add_error("valid_from", problem)
                else:
                    unshown.append(f"{problem}{_not_shown([span.label])}")
        if unshown:
            raise ValidationError(unshown)

    def _name(self, form):
        return form.cleaned_data.get("name") or form.instance.name

    def _follow_node(self, form):
        # The current name is the node's: its names are the node's as saved
        # (a correction of the name above reaches it here too).
        if form.instance.valid_to is None:
            form.instance.name = self.instance.name
            for field in NAME_FIELDS:
                setattr(form.instance, field, getattr(self.instance, field))

    def save_existing(self, form, obj, commit=True):
        self._follow_node(form)
        return super().save_existing(form, obj, commit=commit)

    def save_new(self, form, commit=True):
        self._follow_node(form)
        return super().save_new(form, commit=commit)


class LinkFormSet(TolerantInlineFormSet):
    """Sound links: none to the node itself, none in a circle, and only from a closed node.

    The node's links in the database that the post leaves out count too.
    """

    def clean(self):
        super().clean()
        if self.not_submitted:
            return
        node = self.instance
        rows = self.kept_forms()
        for form in rows:
            target = form.cleaned_data.get("target")
            if target is not None and target.pk == node.pk:
                form.add_error("target", _("A node cannot succeed itself."))
        rows = [form for form in rows if not form.errors and form.cleaned_data.get("target")]
        model = type(node)
        others = [link for link in history.links_of(model) if link[0] != node.pk]
        for form in rows:
            target = form.cleaned_data["target"]
            if node.pk in history.lineage(others, target.pk, backwards=False):
                form.add_error(
                    "target",
                    _("“%(node)s” already leads back to this node: that would be a circle.")
                    % {"node": target},
                )
        # The node's links the post leaves out stay: an open node keeps none either.
        saved = list(self.unposted().select_related("target"))
        edited = any(form.has_changed() for form in rows)
        if (rows or saved) and node.is_active and node.pk:
            was_active = (
                model._base_manager.filter(pk=node.pk).values_list("is_active", flat=True).first()
            )
            if edited or not was_active:
                raise ValidationError(
                    _(
                        "Only a closed node has successors: untick “active” above (and give "
                        "the day it closed), or delete the link."
                    )
                    + _not_shown([f"{link.get_kind_display()} “{link.target}”" for link in saved])
                )


class NodePartInline(SafeAutocompleteMixin, admin.options.InlineModelAdmin):
    """A node's dated names or links: part of the node, edited with the node's permissions.

    Who may change a tree's nodes may correct their history; who may view
    them sees it. (The roles hold no permissions on these tables of their own.)
    """

    extra = 0
    # A plain address box: the timeline above already links each source.
    formfield_overrides = {
        models.URLField: {"widget": forms.URLInput(attrs={"class": "vURLField"})}
    }

    def _may(self, request, action):
        opts = self.parent_model._meta
        codename = get_permission_codename(action, opts)
        return request.user.has_perm(f"{opts.app_label}.{codename}")

    def has_view_permission(self, request, obj=None):
        return self._may(request, "view") or self._may(request, "change")

    def has_add_permission(self, request, obj):
        return self._may(request, "change")

    def has_change_permission(self, request, obj=None):
        return self._may(request, "change")

    def has_delete_permission(self, request, obj=None):
        return self._may(request, "change")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and db_field.related_model is self.parent_model:
            field.label_from_instance = PathLabels(db_field.related_model)
        return field


class DatedNameInline(NodePartInline):
    template = "admin/edit_inline/stacked.html"
    form = DatedNameForm
    formset = DatedNameFormSet
    classes = ["node-dated-names"]

    def get_fieldsets(self, request, obj=None):
        main = (None, {"fields": ["name", ("valid_from", "valid_to"), "source_url"]})
        translated = translated_fields(obj) if obj is not None else NAME_FIELDS
        if not translated:
            return [main]
        return [main, (gettext_lazy("Names in other languages"), {
            "classes": ["collapse"], "fields": list(translated),
        })]  # fmt: skip


class LinkInline(NodePartInline):
    template = "admin/edit_inline/tabular.html"
    formset = LinkFormSet
    fk_name = "source"
    fields = ("target", "kind", "date", "source_url")
    autocomplete_fields = ("target",)
    classes = ["node-links"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "target":
            kwargs.setdefault("label", gettext_lazy("successor"))
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "target" and hasattr(field.widget, "can_add_related"):
            # A successor is a node of the tree already: made in the tree, then linked.
            field.widget.can_add_related = False
        return field


@cache
def history_inlines(model):
    """The inlines of ``model``'s dated names and links (one class each per tree)."""
    name = model.__name__
    return [
        type(f"{name}DatedNameInline", (DatedNameInline,), {"model": history.name_model(model)}),
        type(f"{name}LinkInline", (LinkInline,), {"model": history.link_model(model)}),
    ]


# --- rename and close ----------------------------------------------------------------


def source_field(help_text):
    """The optional source address a rename or a closing records."""
    return forms.URLField(
        label=gettext_lazy("Source"),
        max_length=500,
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"class": "vURLField wide-text"}),
        help_text=help_text,
    )


class HistoryActForm(forms.Form):
    """What the page showed: a change since then is refused, not overwritten."""

    current_name = forms.CharField(widget=forms.HiddenInput, required=False)

    @staticmethod
    def recordable_day(day):
        """A rename or closing takes effect for every page at once: not ahead of its day.

        ``taxonomy.history`` refuses these days too; the form says so on
        its field before anything is attempted.
        """
        if day is not None and day < history.EARLIEST_DAY:
            raise ValidationError(_("Enter a day from 1900 on."), code="too_early")
        if day is not None and day > timezone.localdate(clock.now()):
            raise ValidationError(
                _("That day has not come yet: record it on or after the day."), code="future"
            )
        return day


class RenameForm(HistoryActForm):
    name = forms.CharField(
        label=gettext_lazy("New name (English)"),
        max_length=200,
        widget=widgets.AdminTextInputWidget(attrs={"class": "vTextField wide-text"}),
    )
    valid_from = forms.DateField(
        label=gettext_lazy("In effect from"),
        widget=widgets.AdminDateWidget,
        help_text=gettext_lazy(
            "The first day of the new name (a decision's effective date). The current name "
            "keeps its span: it ends the day before."
        ),
    )
    source_url = source_field(gettext_lazy("A page that states the new name and its day."))
    update_slug = forms.BooleanField(
        label=gettext_lazy("Update the address (slug)"),
        required=False,
        initial=True,
        help_text=gettext_lazy(
            "The address follows the new name; the old address keeps redirecting here."
        ),
    )

    def __init__(self, node, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.node = node
        model_fields = {f.name: f for f in node._meta.fields}
        self.translated = translated_fields(node)
        for field in self.translated:
            self.fields[field] = forms.CharField(
                label=capfirst(model_fields[field].verbose_name),
                max_length=200,
                required=False,
                widget=widgets.AdminTextInputWidget(attrs={"class": "vTextField wide-text"}),
            )

    def clean_valid_from(self):
        return self.recordable_day(self.cleaned_data.get("valid_from"))

    def fieldsets(self):
        sets = [(None, {"fields": ["name", "valid_from", "source_url", "update_slug"]})]
        if self.translated:
            sets.append((_("The new name in other languages"), {
                "fields": list(self.translated),
                "description": _(
                    "Optional. Where one is empty, pages in that language show the English name."
                ),
            }))  # fmt: skip
        return sets


class CloseForm(HistoryActForm):
    closed_on = forms.DateField(
        label=gettext_lazy("Closed on"),
        widget=widgets.AdminDateWidget,
        help_text=gettext_lazy("Its last day (a decision's effective date)."),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Link to the successor"),
        choices=NodeLink.KINDS,
        initial=NodeLink.SUCCEEDED_BY,
        help_text=gettext_lazy(
            "Succeeded by: another body took over. Merged into: it was absorbed by another. "
            "Split into: one of several that took over (add the others on its page)."
        ),
    )
    source_url = source_field(gettext_lazy("A page that states the closing (and the successor)."))

    def __init__(self, node, successor_field, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.node = node
        successor_field.required = False
        successor_field.label = _("Successor")
        successor_field.help_text = _(
            "Optional: the node of this tree that took over. Type to search."
        )
        self.fields["successor"] = successor_field
        self.order_fields(["current_name", "closed_on", "successor", "kind", "source_url"])

    def clean_closed_on(self):
        return self.recordable_day(self.cleaned_data.get("closed_on"))

    def fieldsets(self):
        return [(None, {"fields": ["closed_on", "successor", "kind", "source_url"]})]


class NodeHistoryAdminMixin:
    """For a tree's ModelAdmin: "Rename…", "Close…", the timeline, and the history inlines."""

    change_form_template = "admin/taxonomy/node_change_form.html"
    history_act_template = "admin/taxonomy/node_history_act.html"

    def get_urls(self):
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/rename/", view(self.rename_view), name=f"{prefix}_rename"),
            path("<path:object_id>/close/", view(self.close_view), name=f"{prefix}_close"),
            *super().get_urls(),
        ]

    def get_inlines(self, request, obj):
        inlines = list(super().get_inlines(request, obj))
        if obj is not None:
            inlines += history_inlines(self.model)
        return inlines

    @admin.display(description=gettext_lazy("timeline"))
    def timeline(self, obj):
        return render_timeline(obj, self.admin_site.name)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and not add:
            may = self.has_change_permission(request, obj)
            context["can_rename"] = may
            context["can_close"] = may and obj.is_active
            form = context["adminform"].form if "adminform" in context else None
            if form is not None and page_version.is_stale(form):
                context["stale_url"] = self._change_url(obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change:
            # A former name added or corrected by hand keeps (gets) its old address.
            history.former_slugs(form.instance)

    # Every change, by form or by "Rename…"/"Close…", is logged and leaves a revision.

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        record_revision(request.user, obj, entry.get_change_message() or _("Added."))
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        record_revision(request.user, obj, entry.get_change_message() or _("Changed."))
        return entry

    # --- the two acts

    def _act_node(self, request, object_id):
        node = self.get_object(request, unquote(object_id))
        if node is not None and not self.has_change_permission(request, node):
            raise PermissionDenied
        return node

    def _change_url(self, node):
        opts = self.opts
        return reverse(
            f"admin:{opts.app_label}_{opts.model_name}_change",
            args=[node.pk],
            current_app=self.admin_site.name,
        )

    def _check_stale(self, node, form):
        """Under the tree's lock: refuse if the node changed since the page was shown."""
        seen = form.cleaned_data.get("current_name") or ""
        if seen != node.name:
            raise ValidationError(
                _(
                    "While this page was open, its name changed from “%(seen)s” to “%(now)s” "
                    "(someone else renamed or corrected it). Read its timeline below; submit "
                    "again if this is still right."
                )
                % {"seen": seen, "now": node.name},
                code="stale",
            )

    def _refused(self, form, node, error):
        add_history_errors(form, error)
        if getattr(error, "code", None) == "stale" or any(
            e.code == "stale" for e in getattr(error, "error_list", [])
        ):
            # Submitting again now means "yes, after what changed".
            form.data = form.data.copy()
            form.data["current_name"] = node.name

    def _submit(self, request, node, form, perform):
        """Record a posted rename or closing (``perform``): the redirect to the node's page,
        or None when the form is shown again with its errors (everything typed kept)."""
        if not form.is_valid():
            return None
        try:
            message = perform(request, node, form)
        except ValidationError as error:
            node.refresh_from_db()
            self._refused(form, node, error)
            return None
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(self._change_url(node))

    def rename_view(self, request, object_id):
        node = self._act_node(request, object_id)
        if node is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if request.method == "POST":
            form = RenameForm(node, request.POST)
            if done := self._submit(request, node, form, self._rename):
                return done
        else:
            form = RenameForm(node, initial={"current_name": node.name})
        current = history.current_name_row(node)
        return self._act_response(
            request,
            node,
            form,
            title=_("Rename “%(name)s”") % {"name": node.name},
            act=_("Rename"),
            submit=_("Record the new name"),
            intro=self._rename_intro(node, current),
        )

    def _rename_intro(self, node, current):
        if current is not None and current.valid_from:
            return _(
                "“%(name)s” has been its name since %(day)s. From the day you give, it is "
                "called by the new name; the current name keeps its span, ending the day "
                "before. To correct a misspelt name instead, edit the name on its page."
            ) % {"name": node.name, "day": current.valid_from.isoformat()}
        return _(
            "From the day you give, it is called by the new name; the current name "
            "(“%(name)s”) keeps its span, ending the day before. To correct a misspelt name "
            "instead, edit the name on its page."
        ) % {"name": node.name}

    def _rename(self, request, node, form):
        data = form.cleaned_data
        model = type(node)
        with tree_write(model):
            node.refresh_from_db()
            self._check_stale(node, form)
            old = node.name
            if data["update_slug"]:
                slug = slugify(data["name"])[:120] or node.slug
                taken = model._base_manager.filter(slug=slug).exclude(pk=node.pk).first()
                if taken is not None:
                    raise ValidationError({"update_slug": _(
                        "The address “%(slug)s” is taken by “%(other)s”: untick this to keep "
                        "the current address, or rename the other node first."
                    ) % {"slug": slug, "other": taken.path_names()}})  # fmt: skip
            else:
                slug = node.slug
            names = {code: data.get(f"name_{code}", "") for code in TRANSLATED}
            history.rename(
                node,
                data["name"],
                data["valid_from"],
                names=names,
                slug=slug,
                source_url=data["source_url"],
            )
            message = _("Renamed “%(old)s” → “%(new)s” from %(day)s") % {
                "old": old,
                "new": node.name,
                "day": data["valid_from"].isoformat(),
            }
            self.log_change(request, node, message)
        return message

    def close_view(self, request, object_id):
        node = self._act_node(request, object_id)
        if node is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not node.is_active and request.method != "POST":
            self.message_user(
                request,
                _("“%(name)s” is closed already. To reopen it, tick “active” and clear its "
                  "closing day.") % {"name": node.name},
                messages.WARNING,
            )  # fmt: skip
            return HttpResponseRedirect(self._change_url(node))
        # The successor is picked as a link's target is on the node's page:
        # a search over the tree (autocomplete), never a list of every node.
        link_inline = history_inlines(self.model)[1](self.model, self.admin_site)
        target = link_inline.opts.get_field("target")
        successor = link_inline.formfield_for_foreignkey(target, request)
        if request.method == "POST":
            form = CloseForm(node, successor, request.POST)
            if done := self._submit(request, node, form, self._close):
                return done
        else:
            form = CloseForm(node, successor, initial={"current_name": node.name})
        return self._act_response(
            request,
            node,
            form,
            title=_("Close “%(name)s”") % {"name": node.name},
            act=_("Close"),
            submit=_("Record the closing"),
            intro=_(
                "It stays in the tree, marked closed, with its press releases. Reopening "
                "is an edit on its page: tick “active” and clear the closing day."
            ),
        )

    def _close(self, request, node, form):
        data = form.cleaned_data
        model = type(node)
        successor = data.get("successor")
        with tree_write(model):
            node.refresh_from_db()
            self._check_stale(node, form)
            if not node.is_active:
                raise ValidationError(
                    _("While this page was open, someone closed it (on %(day)s).")
                    % {"day": _day(node.closed_on)},
                    code="closed",
                )
            if successor is not None and not model._base_manager.filter(pk=successor.pk).exists():
                raise ValidationError({"successor": _("That node no longer exists.")})
            history.close(
                node,
                data["closed_on"],
                successor=successor,
                kind=data["kind"],
                source_url=data["source_url"],
            )
            day = data["closed_on"].isoformat()
            if successor is not None:
                message = _("Closed on %(day)s: %(link)s “%(successor)s”") % {
                    "day": day,
                    "link": NodeLink.label(data["kind"]),
                    "successor": successor.name,
                }
            else:
                message = _("Closed on %(day)s") % {"day": day}
            self.log_change(request, node, message)
        return message

    def _act_response(self, request, node, form, *, title, act, submit, intro):
        opts = self.opts
        adminform = helpers.AdminForm(form, form.fieldsets(), {}, model_admin=self)
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": None,
            "opts": opts,
            "app_label": opts.app_label,
            "original": node,
            "adminform": adminform,
            "form": form,
            "errors": helpers.AdminErrorList(form, []),
            "intro": intro,
            "act": act,
            "submit_label": submit,
            "change_url": self._change_url(node),
            "timeline": render_timeline(node, self.admin_site.name),
            "has_view_permission": self.has_view_permission(request, node),
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.history_act_template, context)
