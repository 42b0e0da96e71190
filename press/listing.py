"""The listing machinery shared by /press/ and every node page."""

from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.utils.translation import gettext as _

from osce_cms.content import cached_public
from taxonomy.index import tree_index

from .facets import build_facets
from .filters import NODE_MODELS, SORTS, PressReleaseFilterSet
from .models import PressRelease, release_types


def query_string(pairs):
    return urlencode(pairs)


class Chip:
    def __init__(self, label, url):
        self.label, self.url = label, url


class ListingMixin:
    """Filters, counts, facets, chips and pagination for a queryset of releases.

    The view provides ``get_base_queryset()`` (public releases, possibly
    limited to one node); the GET parameters do the rest.
    """

    fixed_param = None
    base_key = "all"

    def get_base_queryset(self):
        return PressRelease.objects.published()

    def page_size(self):
        return settings.PRESS_PAGE_SIZE

    def listing_context(self):
        data = self.request.GET
        base = self.get_base_queryset()
        filterset = PressReleaseFilterSet(data, queryset=base)
        results = filterset.qs
        # Counting a large match (a common search word) reads every matching
        # row: cached like the facets, until anything public changes.
        filters = sorted((k, sorted(data.getlist(k))) for k in data if k not in ("page", "sort"))
        count = cached_public("count", [self.base_key, filters], results.count)
        paginator = Paginator(results, self.page_size())
        paginator.count = count  # counted once, above
        page = paginator.get_page(data.get("page"))
        q = filterset.cleaned.get("q", "")
        rows = list(
            page.object_list.with_lists().with_headlines(q)
            if count
            else PressRelease.objects.none()
        )
        page.object_list = rows
        active = filterset.active_params()
        return {
            "filterset": filterset,
            "form": filterset.form,
            "notices": filterset.notices(),
            "releases": rows,
            "page_obj": page,
            "paginator": paginator,
            "page_range": list(
                paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)
            )
            if count
            else [],
            "result_count": count,
            "facets": build_facets(
                data, base, fixed_param=self.fixed_param, base_key=self.base_key
            ),
            "chips": self.chips(active),
            "active": active,
            "q": q,
            "sorts": SORTS,
            "current_sort": filterset.cleaned.get("sort") or "-date",
            "query_without_page": query_string(active + self._sort_pair(filterset)),
        }

    @staticmethod
    def _sort_pair(filterset):
        sort = filterset.cleaned.get("sort")
        return [("sort", sort)] if sort else []

    def chips(self, active):
        """One removable chip per active value; its link drops just that value."""
        types = {t.slug: t.name for t in release_types()}
        chips = []
        for name, value in active:
            if name in NODE_MODELS:
                ref = tree_index(NODE_MODELS[name]).by_slug.get(value)
                label = ref.name if ref else value
            elif name == "type":
                label = types.get(value, value)
            elif name == "q":
                label = f"“{value}”"
            elif name == "date_from":
                label = _("from %(date)s") % {"date": value}
            elif name == "date_to":
                label = _("until %(date)s") % {"date": value}
            else:
                label = value
            rest = [(n, v) for n, v in active if (n, v) != (name, value)]
            url = self.request.path + (f"?{query_string(rest)}" if rest else "")
            chips.append(Chip(label, url))
        return chips
