from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.utils.translation import gettext_lazy as _
from mptt.admin import DraggableMPTTAdmin

from .locking import tree_write
from .models import (
    Chairpersonship,
    Location,
    LocationAlias,
    Meeting,
    MeetingAlias,
    NodeInUse,
    Structure,
    StructureAlias,
    Topic,
    TopicAlias,
)


def alias_inline(alias_model):
    return type(
        f"{alias_model.__name__}Inline",
        (admin.TabularInline,),
        {"model": alias_model, "fields": ("name",), "extra": 1},
    )


class TreeAdmin(DraggableMPTTAdmin):
    """Drag to move and reorder; deleting refuses anything that would lose data."""

    list_display = ("tree_actions", "indented_title", "slug", "state")
    list_display_links = ("indented_title",)
    list_filter = ("is_active",)
    search_fields = ("name", "slug", "aliases__name", "description")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("key",)
    fields = ("name", "slug", "parent", "description", "is_active", "key")
    expand_tree_by_default = True
    list_per_page = 500

    @admin.display(description=_("state"), boolean=False, ordering="is_active")
    def state(self, node):
        return _("active") if node.is_active else _("closed")

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
        self.message_user(request, _("Deleted %(count)d node(s).") % {"count": deleted})
        return None


@admin.register(Topic)
class TopicAdmin(TreeAdmin):
    inlines = [alias_inline(TopicAlias)]


@admin.register(Location)
class LocationAdmin(TreeAdmin):
    list_display = (*TreeAdmin.list_display, "iso_code")
    search_fields = (*TreeAdmin.search_fields, "iso_code")
    fields = ("name", "slug", "parent", "iso_code", "description", "is_active", "key")
    inlines = [alias_inline(LocationAlias)]


@admin.register(Structure)
class StructureAdmin(TreeAdmin):
    list_display = (*TreeAdmin.list_display, "location")
    fields = ("name", "slug", "parent", "location", "description", "is_active", "key")
    autocomplete_fields = ("location",)
    inlines = [alias_inline(StructureAlias)]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("location")


@admin.register(Meeting)
class MeetingAdmin(TreeAdmin):
    inlines = [alias_inline(MeetingAlias)]


@admin.register(Chairpersonship)
class ChairpersonshipAdmin(admin.ModelAdmin):
    list_display = ("year", "country")
    autocomplete_fields = ("country",)
    search_fields = ("country__name", "year")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("country")
