"""A node's history in the admin: rename, close, its timeline, and corrections by hand.

Renaming and closing are acts with a day: "Rename…" and "Close…" (object
tools of a node's change page) record them through ``taxonomy.history``,
which keeps the old name's span and links the successor. The change form
shows the node's timeline and lets an administrator correct its dated names
and links directly, refusing what would make the history untrue (overlapping
spans, two current names, a link to itself or in a circle) with form errors.

Every change leaves a log entry (the node's History page) and a revision
(django-reversion) of the node with its dated names and links.

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
from django.utils.text import capfirst, slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import history
from .languages import NAME_FIELDS, TRANSLATED, cldr_names
from .locking import tree_write
from .models import NodeLink
from .pickers import PathLabels
from .widgets import SafeAutocompleteMixin


def _day(day):
    return day.isoformat() if day else "…"


def _span(valid_from, valid_to):
    return f"{_day(valid_from)} – {_day(valid_to)}"


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
            label=NodeLink.INVERSE[link.kind],
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
            label=link.get_kind_display(),
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
    """Spans that hold together: no overlap, one current name, and it is the node's."""

    def clean(self):
        super().clean()
        if self.not_submitted:
            return
        if self.rows_have_errors():
            return  # each row's own errors first
        node = self.instance
        rows = self.kept_forms()
        current = [form for form in rows if form.cleaned_data.get("valid_to") is None]
        if len(current) > 1:
            raise ValidationError(
                _(
                    "Only the current name has no last day; %(names)s have none. "
                    "Give the earlier ones their last day."
                )
                % {"names": ", ".join(f"“{self._name(form)}”" for form in current)}
            )
        if rows and not current:
            raise ValidationError(
                _("One name, the current one (“%(name)s”), has no last day: leave its “to” empty.")
                % {"name": node.name}
            )
        for form in current:
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
        ordered = sorted(rows, key=lambda form: self._start_key(form.cleaned_data))
        for earlier, later in zip(ordered, ordered[1:], strict=False):
            a, b = earlier.cleaned_data, later.cleaned_data
            if (
                b.get("valid_from") is None
                or a.get("valid_to") is None
                or (a["valid_to"] >= b["valid_from"])
            ):
                # On the row as a whole: the sentence needs the width (both spans).
                later.add_error(
                    None,
                    _(
                        "The names “%(first)s” (%(first_span)s) and “%(second)s” "
                        "(%(second_span)s) overlap: a name begins after the one before ends."
                    )
                    % {
                        "first": self._name(earlier),
                        "first_span": _span(a.get("valid_from"), a.get("valid_to")),
                        "second": self._name(later),
                        "second_span": _span(b.get("valid_from"), b.get("valid_to")),
                    },
                )
        for form in rows:
            start = form.cleaned_data.get("valid_from")
            if start and node.opened_on and start < node.opened_on:
                form.add_error(
                    "valid_from",
                    _("It opened on %(day)s: no name of it begins before that.")
                    % {"day": node.opened_on.isoformat()},
                )
            if start and node.closed_on and start > node.closed_on:
                form.add_error(
                    "valid_from",
                    _("It closed on %(day)s: no name of it begins after that.")
                    % {"day": node.closed_on.isoformat()},
                )

    def _name(self, form):
        return form.cleaned_data.get("name") or form.instance.name

    @staticmethod
    def _start_key(cleaned):
        start = cleaned.get("valid_from")
        return (start is not None, start or datetime.date.min)

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
    """Sound links: none to the node itself, none in a circle, and only from a closed node."""

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
        edited = any(form.has_changed() for form in rows)
        if rows and node.is_active and node.pk:
            was_active = (
                model._base_manager.filter(pk=node.pk).values_list("is_active", flat=True).first()
            )
            if edited or not was_active:
                raise ValidationError(
                    _(
                        "Only a closed node has successors: untick “active” above (and give "
                        "the day it closed), or delete the link."
                    )
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


class HistoryActForm(forms.Form):
    """What the page showed: a change since then is refused, not overwritten."""

    current_name = forms.CharField(widget=forms.HiddenInput, required=False)


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
    source_url = forms.URLField(
        label=gettext_lazy("Source"),
        max_length=500,
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"class": "vURLField wide-text"}),
        help_text=gettext_lazy("A page that states the new name and its day."),
    )
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
    source_url = forms.URLField(
        label=gettext_lazy("Source"),
        max_length=500,
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"class": "vURLField wide-text"}),
        help_text=gettext_lazy("A page that states the closing (and the successor)."),
    )

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
        return super().render_change_form(request, context, add, change, form_url, obj)

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

    def rename_view(self, request, object_id):
        node = self._act_node(request, object_id)
        if node is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if request.method == "POST":
            form = RenameForm(node, request.POST)
            if form.is_valid():
                try:
                    message = self._rename(request, node, form)
                except ValidationError as error:
                    node.refresh_from_db()
                    self._refused(form, node, error)
                else:
                    self.message_user(request, message, messages.SUCCESS)
                    return HttpResponseRedirect(self._change_url(node))
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
            if form.is_valid():
                try:
                    message = self._close(request, node, form)
                except ValidationError as error:
                    node.refresh_from_db()
                    self._refused(form, node, error)
                else:
                    self.message_user(request, message, messages.SUCCESS)
                    return HttpResponseRedirect(self._change_url(node))
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
                    "link": dict(NodeLink.KINDS)[data["kind"]],
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
