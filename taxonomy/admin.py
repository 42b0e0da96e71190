from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.actions import delete_selected
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join
from django.utils.translation import get_language_info, ngettext
from django.utils.translation import gettext_lazy as _
from mptt.admin import DraggableMPTTAdmin
from mptt.forms import MPTTAdminForm

from .admin_history import (
    VERSION_FIELD,
    NodeHistoryAdminMixin,
    check_page_version,
    node_page_version,
)
from .languages import NAME_FIELDS, cldr_names
from .locking import tree_write
from .merging import many_to_many_relations, merge_nodes
from .models import (
    Chairpersonship,
    Country,
    CountryAlias,
    Meeting,
    MeetingAlias,
    Node,
    NodeInUse,
    Structure,
    StructureAlias,
    Topic,
    TopicAlias,
    tree_paths,
)
from .page_version import PageVersionField
from .pickers import PathLabels
from .subtree import strictly_contains
from .widgets import SafeAutocompleteMixin

#: django-mptt's drag-and-drop script, and ours that replaces it (see the file).
MPTT_DRAG_SCRIPT = "mptt/draggable-admin.js"
TREE_DRAG_SCRIPT = "taxonomy/draggable-tree.js"


def alias_inline(alias_model):
    return type(
        f"{alias_model.__name__}Inline",
        (admin.TabularInline,),
        {"model": alias_model, "fields": ("name",), "extra": 1},
    )


class NodePathLabelsMixin:
    """A chosen node reads as its path, as the search results do."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and issubclass(db_field.related_model, Node):
            field.label_from_instance = PathLabels(db_field.related_model)
        return field


#: Levels static/css/admin.css indents (``tree-level-N``); deeper ones are shown as this.
MAX_INDENTED_LEVEL = 12


def tree_level_class(node):
    """The classes that indent ``node`` by its level (static/css/admin.css)."""
    return f"tree-level tree-level-{min(node._mpttfield('level'), MAX_INDENTED_LEVEL)}"


#: A node's life: when it opened and closed, and where that is stated (the "History" fieldset).
HISTORY_FIELDS = ("opened_on", "closed_on", "dates_source", "history_note")


class NodeForm(MPTTAdminForm):
    """mptt's form (no parent among the node's descendants), and dates that hold together.

    A node's change page carries the version of the node it showed
    (``node_version``, hidden): saving a page read before someone else saved
    the node, renamed or closed it is refused instead of undoing that (see
    ``taxonomy.admin_history.check_page_version``).
    """

    node_version = PageVersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and self.instance.pk is not None:
            self.initial[VERSION_FIELD] = node_page_version(self.instance)

    def clean(self):
        cleaned = super().clean()
        check_page_version(self)
        opened, closed = cleaned.get("opened_on"), cleaned.get("closed_on")
        if opened and closed and closed < opened:
            self.add_error(
                "closed_on",
                _("It cannot close (%(closed)s) before it opens (%(opened)s).")
                % {"closed": closed.isoformat(), "opened": opened.isoformat()},
            )
        elif closed and cleaned.get("is_active"):
            self.add_error(
                "closed_on",
                _(
                    "An active node has no closing day: clear it to reopen the node, "
                    "or untick “active”."
                ),
            )
        return cleaned


class TreeAdmin(
    NodeHistoryAdminMixin, NodePathLabelsMixin, SafeAutocompleteMixin, DraggableMPTTAdmin
):
    """Drag to move and reorder; deleting refuses anything that would lose data.

    A node's history (renaming, closing, its timeline and corrections by
    hand) is taxonomy.admin_history's, which says why this is no VersionAdmin.
    """

    form = NodeForm

    list_display = ("tree_actions", "indented_title", "slug", "state")
    list_display_links = ("indented_title",)
    list_filter = ("is_active",)

    @admin.display(description=_("title"))
    def indented_title(self, item):
        # django-mptt indents with a style attribute, which the admin's CSP
        # forbids: a class per level instead (static/css/admin.css).
        return format_html('<div class="{}">{}</div>', tree_level_class(item), item)

    search_fields = ("name", *NAME_FIELDS, "slug", "aliases__name", "description")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("key",)
    fields = ("name", "slug", "parent", "description", "is_active", "key")
    # The parent is searched for, not scrolled for in a flat list of every
    # node; results read as paths ("Field operations › Mission to Moldova").
    autocomplete_fields = ("parent",)
    expand_tree_by_default = True
    list_per_page = 500
    actions = ["merge_selected"]

    @admin.display(description=_("state"), boolean=False, ordering="is_active")
    def state(self, node):
        return _("active") if node.is_active else _("closed")

    def get_fieldsets(self, request, obj=None):
        """The node's fields, its history, then its names in the other languages (folded)."""
        main = [
            f
            for f in self.get_fields(request, obj)
            if f not in (*NAME_FIELDS, *HISTORY_FIELDS, "cldr_names", "timeline")
        ]
        return [
            (None, {"fields": main}),
            (_("History"), self.history_fieldset(request, obj)),
            (_("Names in other languages"), self.names_fieldset(obj)),
        ]

    def history_fieldset(self, request, obj):
        opened_on, closed_on, *rest = HISTORY_FIELDS
        fields = [*(("timeline",) if obj is not None else ()), (opened_on, closed_on), *rest]
        editable = obj is not None and self.has_change_permission(request, obj)
        return {
            "fields": fields,
            "classes": ["node-history"],
            "description": _(
                "Its dated names and successors are corrected below. A new name from a day "
                "on is recorded with “Rename…”, a closing with “Close…” (at the top)."
            )
            if editable
            else None,
        }

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return (*readonly, "timeline") if obj is not None else readonly

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None and "name" in form.base_fields:
            form.base_fields["name"].help_text = _(
                "In English: the canonical name. Edit it here only to correct it (a typo): "
                "a new name from a day on is recorded with “Rename…”, which keeps the old "
                "name with its dates."
            )
        return form

    def names_fieldset(self, obj):
        return {
            "classes": ["collapse"],
            "fields": NAME_FIELDS,
            "description": _(
                "The public pages in these languages show these names; where one is "
                "empty they show the English name."
            ),
        }

    def changelist_view(self, request, *args, **kwargs):
        response = super().changelist_view(request, *args, **kwargs)
        media = getattr(response, "context_data", None) and response.context_data.get("media")
        if media is not None:
            # Same script with "drop into a node that has children" allowed;
            # its attributes (the tree's data) are kept as they are.
            scripts = [
                type(js)(TREE_DRAG_SCRIPT, **js.attributes)
                if getattr(js, "_path", js) == MPTT_DRAG_SCRIPT
                else js
                for js in media._js
            ]
            response.context_data["media"] = forms.Media(css=media._css, js=scripts)
        return response

    def get_list_display(self, request):
        # Drag handles only for those who may move nodes.
        display = super().get_list_display(request)
        if not self.has_change_permission(request):
            display = tuple(f for f in display if f != "tree_actions")
        return display

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        reasons = [
            f"{node.path_names()}: {reason}" for node in objs for reason in node.deletion_blockers()
        ]
        if reasons:
            # Our reasons say what to do; Django's list would only repeat the children.
            protected = reasons
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        try:
            obj.delete()
        except NodeInUse as exc:  # changed between confirmation and deletion
            self.message_user(request, str(exc), level=messages.ERROR)

    def delete_selected_tree(self, modeladmin, request, queryset):
        if not request.POST.get("post") or any(n.deletion_blockers() for n in queryset):
            # Django's confirmation page, which refuses and lists the reasons.
            return delete_selected(self, request, queryset)
        deleted = 0
        with tree_write(self.model):
            for node in queryset.order_by("-level", "-lft"):
                if self.has_delete_permission(request, node):
                    self.log_deletions(request, [node])
                    node.delete()
                    deleted += 1
        self.message_user(
            request,
            ngettext("Deleted %(count)d node.", "Deleted %(count)d nodes.", deleted)
            % {"count": deleted},
        )
        return None

    def has_merge_permission(self, request):
        """Merging changes the survivor and deletes the others."""
        return self.has_change_permission(request) and self.has_delete_permission(request)

    @admin.action(permissions=["merge"], description=_("Merge selected nodes…"))
    def merge_selected(self, request, queryset):
        nodes = list(queryset.order_by("tree_id", "lft"))
        if len(nodes) < 2:
            self.message_user(
                request, _("Select at least two nodes to merge."), level=messages.WARNING
            )
            return None
        if request.POST.get("post"):
            chosen = request.POST.get("survivor", "")
            survivor = next((n for n in nodes if str(n.pk) == chosen), None)
            if survivor is None:
                self.message_user(request, _("Choose the node to keep."), level=messages.ERROR)
            else:
                others = [n for n in nodes if n.pk != survivor.pk]
                try:
                    report = merge_nodes(survivor=survivor, others=others, user=request.user)
                except (ValueError, NodeInUse) as exc:
                    self.message_user(request, str(exc), level=messages.ERROR)
                else:
                    self.message_user(request, report.summary(), level=messages.SUCCESS)
                return None
        return self.merge_confirmation(request, nodes)

    def merge_confirmation(self, request, nodes):
        """The page on which the administrator chooses which node to keep."""
        opts = self.model._meta
        paths = tree_paths(self.model)
        pks = [node.pk for node in nodes]
        releases = {pk: set() for pk in pks}
        per_relation = {pk: [] for pk in pks}
        for relation in many_to_many_relations(self.model):
            m2m = relation.field
            through = m2m.remote_field.through
            owner = through._meta.get_field(m2m.m2m_field_name()).attname
            target = through._meta.get_field(m2m.m2m_reverse_field_name()).attname
            counts = {}
            rows = through._default_manager.filter(**{f"{target}__in": pks})
            for node_pk, owner_pk in rows.values_list(target, owner):
                releases[node_pk].add((relation.related_model, owner_pk))
                counts[node_pk] = counts.get(node_pk, 0) + 1
            for pk, count in counts.items():
                per_relation[pk].append((m2m.verbose_name, count))
        children = dict.fromkeys(pks, 0)
        for parent_id in self.model._base_manager.filter(parent_id__in=pks).values_list(
            "parent_id", flat=True
        ):
            children[parent_id] += 1
        rows = []
        for node in nodes:
            inside = [other for other in nodes if strictly_contains(other, node)]
            rows.append(
                {
                    "node": node,
                    "path": paths.get(node.pk, node.name),
                    "releases": len(releases[node.pk]),
                    "per_relation": per_relation[node.pk],
                    "children": children[node.pk],
                    "inside": inside,
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Merge %(things)s") % {"things": opts.verbose_name_plural},
            "subtitle": None,
            "opts": opts,
            "app_label": opts.app_label,
            "rows": rows,
            "queryset": nodes,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/taxonomy/merge_confirmation.html", context)


@admin.register(Topic)
class TopicAdmin(TreeAdmin):
    inlines = [alias_inline(TopicAlias)]


@admin.register(Country)
class CountryAdmin(TreeAdmin):
    list_display = (*TreeAdmin.list_display, "iso_code")
    search_fields = (*TreeAdmin.search_fields, "iso_code")
    fields = ("name", "slug", "parent", "iso_code", "description", "is_active", "key")
    readonly_fields = (*TreeAdmin.readonly_fields, "cldr_names")
    inlines = [alias_inline(CountryAlias)]

    def names_fieldset(self, obj):
        if obj is None or not cldr_names(obj.iso_code):
            return {
                **super().names_fieldset(obj),
                "description": _(
                    "For a group or region without an ISO code. A country with an ISO code "
                    "is named in every language by the CLDR (Unicode's locale data), not here."
                ),
            }
        return {
            "classes": ["collapse"],
            "fields": ("cldr_names",),
            "description": _(
                "A country with an ISO code is named in every language by the CLDR "
                "(Unicode's locale data): these names cannot be edited."
            ),
        }

    @admin.display(description=_("names from the CLDR"))
    def cldr_names(self, obj):
        names = cldr_names(obj.iso_code) if obj is not None else {}
        if not names:
            return "–"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li>{}: {}</li>",
                ((get_language_info(code)["name_local"], name) for code, name in names.items()),
            ),
        )


@admin.register(Structure)
class StructureAdmin(TreeAdmin):
    list_display = (*TreeAdmin.list_display, "country")
    fields = ("name", "slug", "parent", "country", "description", "is_active", "key")
    autocomplete_fields = ("parent", "country")
    inlines = [alias_inline(StructureAlias)]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("country")


@admin.register(Meeting)
class MeetingAdmin(TreeAdmin):
    inlines = [alias_inline(MeetingAlias)]


@admin.register(Chairpersonship)
class ChairpersonshipAdmin(NodePathLabelsMixin, SafeAutocompleteMixin, admin.ModelAdmin):
    list_display = ("year", "country")
    autocomplete_fields = ("country",)
    search_fields = ("country__name", "year")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("country")
