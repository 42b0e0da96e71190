"""The node pages of the public site: a tree node and the releases of its subtree.

Taxonomy's ``NodeView`` finds the node (or redirects a moved or renamed one)
and shows its place in the tree; this adds the release listing under it.
The project wires it into the trees' addresses (``osce_cms.urls``).
"""

from taxonomy.views import NodeView

from .dimensions import BY_PARAM
from .listing import ListingMixin
from .models import PressRelease


class NodeReleasesView(ListingMixin, NodeView):
    template_name = "press/node.html"

    @property
    def fixed_param(self):
        return self.tree_info["param"]

    @property
    def base_key(self):
        return f"{self.node._meta.model_name}:{self.node.pk}"

    def base_rows(self):
        return [(self.tree_info["param"], [self.node.pk])]

    def get_base_queryset(self):
        dimension = BY_PARAM[self.tree_info["param"]]
        return PressRelease.objects.published().in_language().under(dimension, [self.node])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.listing_context())
        param = self.tree_info["param"]
        context["feed_query"] = "&".join(
            filter(None, [f"{param}={self.node.slug}", context["query_without_page"]])
        )
        return context
