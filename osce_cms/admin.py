"""The admin site: the stock one, with tree nodes shown by their full path,
and the newsroom dashboard on its first page."""

from functools import wraps

from django.contrib import admin
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.http import HttpResponseBadRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from press import dashboard
from taxonomy import clock
from taxonomy.models import Node, tree_paths
from taxonomy.pickers import in_picker_order, path_label


class PathAutocompleteJsonView(AutocompleteJsonView):
    """Autocomplete results for tree nodes read "Secretariat › Conflict Prevention Centre",
    in tree order (countries alphabetically under each parent)."""

    def get_queryset(self):
        queryset = super().get_queryset()
        if issubclass(self.model_admin.model, Node):
            # A tree is hundreds of nodes: ordering them in Python costs less
            # than the collation the database does not have.
            return in_picker_order(queryset)
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        model = self.model_admin.model
        self.paths = tree_paths(model) if issubclass(model, Node) else None
        return context

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        if self.paths is not None:
            result["text"] = path_label(self.paths, obj)
        return result


def _pairs(query):
    return ((key, value) for key, values in query.lists() for value in values)


class OsceAdminSite(admin.AdminSite):
    site_header = _("OSCE CMS")
    site_title = _("OSCE CMS")
    index_title = _("Newsroom and structure")

    def index(self, request, extra_context=None):
        """The app list, and above it the newsroom dashboard (press.dashboard)."""
        context = {
            "dashboard": dashboard.collect(
                request.user, clock.now(), absolute_url=request.build_absolute_uri
            ),
            **(extra_context or {}),
        }
        return super().index(request, context)

    def autocomplete_view(self, request):
        return PathAutocompleteJsonView.as_view(admin_site=self)(request)

    def admin_view(self, view, cacheable=False):
        """Every admin page refuses a NUL character in its address with a 400.

        A change list's search, filters and autocomplete put the address's
        values into queries, and PostgreSQL cannot hold a NUL in text (a
        DataError, so a 500). No value an editor means holds one.
        """
        guarded = super().admin_view(view, cacheable)

        @wraps(guarded)
        def refuse_nul(request, *args, **kwargs):
            if any("\x00" in key or "\x00" in value for key, value in _pairs(request.GET)):
                return HttpResponseBadRequest(
                    gettext("A parameter of this address holds a NUL character."),
                    content_type="text/plain; charset=utf-8",
                )
            return guarded(request, *args, **kwargs)

        return refuse_nul
