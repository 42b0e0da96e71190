from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from taxonomy.navigation import node_url

from .dimensions import DIMENSIONS
from .models import PressRelease


class PressReleaseSitemap(Sitemap):
    changefreq = "monthly"
    limit = 10000

    def items(self):
        return PressRelease.objects.published().only("slug", "updated_at").order_by("-pk")

    def lastmod(self, release):
        return release.updated_at


class NodeSitemap(Sitemap):
    changefreq = "weekly"

    def __init__(self, model):
        self.model = model

    def items(self):
        return self.model.objects.order_by("tree_id", "lft")

    def location(self, node):
        return node_url(node)

    def lastmod(self, node):
        return node.updated_at


class SectionSitemap(Sitemap):
    changefreq = "daily"

    def items(self):
        return ["home", "press:list", "taxonomy:topics", "taxonomy:countries",
                "taxonomy:structures", "taxonomy:meetings"]  # fmt: skip

    def location(self, name):
        return reverse(name)


SITEMAPS = {
    "sections": SectionSitemap,
    "releases": PressReleaseSitemap,
    # One section per dimension, named by its nodes' plural ("countries").
    **{d.relation: NodeSitemap(d.model) for d in DIMENSIONS},
}
