from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from .collation import collation_key, in_reading_order
from .index import tree_index
from .models import Country, Meeting, OldNodeSlug, Structure, Topic
from .navigation import node_url, ref_url

TREES = {
    "topics": {"model": Topic, "title": _("Fields of work"), "index": "taxonomy:topics",
               "param": "topic"},
    "countries": {"model": Country, "title": _("Countries"), "index": "taxonomy:countries",
                  "param": "country"},
    "structures": {"model": Structure, "title": _("Structures and institutions"),
                   "index": "taxonomy:structures", "param": "structure"},
    "meetings": {"model": Meeting, "title": _("Meetings and conferences"),
                 "index": "taxonomy:meetings", "param": "meeting"},
}  # fmt: skip


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
        model = self.tree_info["model"]
        # Countries alphabetically under each group, by the names the page's
        # language shows; the groups, like other trees, in the editors' order.
        nodes = in_reading_order(
            model.objects.order_by("tree_id", "lft"),
            alphabetical=model.ALPHABETICAL,
            language=get_language(),
            sort_roots=False,
        )
        for node in nodes:
            node.url = node_url(node)
        context["nodes"] = nodes
        return context


class NodeView(TreeMixin, TemplateView):
    """A node of a tree: its place in the tree, its children and, for a
    country, its field operations and chairpersonships.

    Structure addresses are slug paths; as slugs are unique per tree, the
    last slug names the node, and a path that is out of date (the node was
    moved) or a former slug (it was renamed) redirects permanently. The
    site's node pages (``press.nodes``) add the node's releases.
    """

    template_name = "taxonomy/node.html"

    def get(self, request, *args, **kwargs):
        model = self.tree_info["model"]
        if self.tree == "structures":
            slugs = [s for s in kwargs["path"].split("/") if s]
            slug = slugs[-1] if slugs else ""
            requested = "/".join(slugs)
        else:
            slug = requested = kwargs["slug"]
        node = model.objects.filter(slug=slug).first()
        if node is None:
            old = OldNodeSlug.objects.filter(tree=model._meta.model_name, slug=slug).first()
            node = model.objects.filter(pk=old.node_id).first() if old else None
            if node is None:
                raise Http404
            return self._redirect(node)
        if self.tree == "structures" and node.slug_path() != requested:
            return self._redirect(node)
        self.node = node
        return super().get(request, *args, **kwargs)

    def _redirect(self, node):
        url = node.get_absolute_url()
        if self.request.META.get("QUERY_STRING"):
            url += "?" + self.request.META["QUERY_STRING"]
        return redirect(url, permanent=True)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        node = self.node
        context["node"] = node
        # Ancestors and children from the tree index this process keeps: no query.
        model = type(node)
        index = tree_index(model)
        ref = index.by_pk[node.pk]
        language = get_language()  # names in the page's language, asked once
        context["crumbs"] += [
            {"name": r.name_in(language), "url": ref_url(model, r)}
            for r in index.ancestors_and_self(ref)
        ]
        context["children"] = [
            {"name": r.name_in(language), "url": ref_url(model, r), "is_active": r.is_active}
            for r in index.in_reading_order(model.ALPHABETICAL, language)
            if r.parent_id == node.pk
        ]
        if isinstance(node, Country):
            # The current ones first, each part alphabetically by the name shown.
            operations = sorted(
                node.structures.all(),
                key=lambda op: (not op.is_active, collation_key(op.name_in(language), language)),
            )
            for op in operations:
                op.url = node_url(op)
            context["field_operations"] = operations
            context["chaired"] = node.chairpersonships.order_by("year")
        return context
