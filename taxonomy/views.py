from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from .models import Location, Meeting, Structure, Topic

TREES = {
    "topics": {"model": Topic, "title": _("Fields of work"), "index": "taxonomy:topics"},
    "countries": {"model": Location, "title": _("Countries"), "index": "taxonomy:locations"},
    "structures": {
        "model": Structure,
        "title": _("Structures and institutions"),
        "index": "taxonomy:structures",
    },
    "meetings": {
        "model": Meeting,
        "title": _("Meetings and conferences"),
        "index": "taxonomy:meetings",
    },
}


class TreeMixin:
    tree = None

    @property
    def tree_info(self):
        return TREES[self.tree]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["tree"] = self.tree
        context["tree_title"] = self.tree_info["title"]
        context["tree_index"] = self.tree_info["index"]
        context["crumbs"] = [
            {"name": self.tree_info["title"], "url": reverse(self.tree_info["index"])}
        ]
        return context


class TreeIndexView(TreeMixin, TemplateView):
    template_name = "taxonomy/index.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["nodes"] = self.tree_info["model"].objects.order_by("tree_id", "lft")
        return context


class NodeView(TreeMixin, TemplateView):
    template_name = "taxonomy/node.html"

    def get_node(self):
        model = self.tree_info["model"]
        if self.tree == "structures":
            slugs = [s for s in self.kwargs["path"].split("/") if s]
            if not slugs:
                raise Http404
            node = get_object_or_404(model, slug=slugs[-1])
            if node.slug_path() != "/".join(slugs):
                raise Http404
            return node
        return get_object_or_404(model, slug=self.kwargs["slug"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        node = self.get_node()
        context["node"] = node
        context["ancestors"] = ancestors = list(node.get_ancestors())
        context["crumbs"] += [
            {"name": n.name, "url": n.get_absolute_url()} for n in [*ancestors, node]
        ]
        context["children"] = node.get_children()
        if isinstance(node, Location):
            context["field_operations"] = node.structures.order_by("-is_active", "name")
            context["chaired"] = node.chairpersonships.order_by("year")
        return context
