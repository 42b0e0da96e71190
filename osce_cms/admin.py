"""The admin site: the stock one, with tree nodes shown by their full path."""

from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView

from taxonomy.models import Node, tree_paths


class PathAutocompleteJsonView(AutocompleteJsonView):
    """Autocomplete results for tree nodes read "Secretariat › Conflict Prevention Centre"."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        model = self.model_admin.model
        self.paths = tree_paths(model) if issubclass(model, Node) else {}
        return context

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        if obj.pk in self.paths:
            result["text"] = self.paths[obj.pk] + ("" if obj.is_active else " (closed)")
        return result


class OsceAdminSite(admin.AdminSite):
    site_header = "OSCE CMS"
    site_title = "OSCE CMS"
    index_title = "Newsroom and structure"

    def autocomplete_view(self, request):
        return PathAutocompleteJsonView.as_view(admin_site=self)(request)
