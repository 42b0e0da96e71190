"""The node pages of the public site: a tree node and the releases of its subtree.

Taxonomy's ``NodeView`` finds the node (or redirects a moved or renamed one)
and shows its place in the tree and its history; this adds the release
listing under it, a chart of its releases per year and, for a node that
followed others, one link to its releases with theirs.
The project wires it into the trees' addresses (``osce_cms.urls``).
"""

from functools import cached_property
from urllib.parse import urlencode

from django.urls import reverse

from taxonomy.index import tree_index
from taxonomy.views import NodeView

from .charts import year_chart, year_counts
from .dimensions import BY_MODEL, BY_PARAM
from .filters import PREDECESSORS, PredecessorsField
from .listing import ListingMixin
from .models import PressRelease


class NodeReleasesView(ListingMixin, NodeView):
    template_name = "press/node.html"

    @property
    def fixed_param(self):
        return self.tree_info["param"]

    @property
    def base_key(self):
        return f"{self.node._meta.model_name}:" + ",".join(map(str, self.base_nodes()))

    @cached_property
    def _base_nodes(self):
        pks = [self.node.pk]
        if PredecessorsField().to_python(self.request.GET.getlist(PREDECESSORS)):
            index = tree_index(type(self.node))
            ref = index.by_pk.get(self.node.pk)
            pks = [other.pk for other in index.with_predecessors([ref])] if ref else pks
        return pks

    def base_nodes(self):
        """The node, and with ``predecessors=1`` the nodes it followed (as the listing reads
        it); worked out once a request, for the key, the rows and the queryset."""
        return self._base_nodes

    def base_rows(self):
        return [(self.tree_info["param"], self.base_nodes())]

    def get_base_queryset(self):
        dimension = BY_PARAM[self.tree_info["param"]]
        return PressRelease.objects.published().in_language().under(dimension, self.base_nodes())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.listing_context())
        param = self.tree_info["param"]
        if context["filterset"].cleaned.get(param):
            # This node AND another of its tree: one flat query says "either"
            # (OR within a parameter), so no feed or alert can say what the
            # page shows; none is offered.
            context["feed_query"] = None
        else:
            context["feed_query"] = "&".join(
                filter(None, [f"{param}={self.node.slug}", context["query_without_page"]])
            )
        # The node's releases per year, whatever the filters: the counts the
        # year facet of the unfiltered page reads, in this request already.
        context["year_chart"] = year_chart(
            year_counts(param, self.node.pk),
            path=self.request.path,
            name=self.node.display_name,
            selected=context["filterset"].cleaned.get("year"),
        )
        context["predecessors_url"] = self.predecessors_url()
        return context

    def predecessors_url(self):
        """The listing of this node's releases and its predecessors', if it has any."""
        node = self.node
        index = tree_index(type(node))
        ref = index.by_pk.get(node.pk)  # None: created after this request read the trees
        if ref is None or not index.predecessors(ref):
            return ""
        param = BY_MODEL[type(node)].param
        return reverse("press:list") + "?" + urlencode({param: node.slug, "predecessors": "1"})
