"""The sitemap: every public page, each with its versions in the other languages.

Sections and node pages exist in every language (``i18n``: one entry per
language, each listing the others and ``x-default``, the English one). A
release is written in one language: its entry lists its public translations.
"""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from taxonomy.navigation import node_url

from .dimensions import DIMENSIONS
from .languages import CODES, DEFAULT
from .models import PressRelease


class PressReleaseSitemap(Sitemap):
    changefreq = "monthly"
    limit = 10000

    def items(self):
        return (
            PressRelease.objects.published()
            .only("slug", "updated_at", "language", "translation_group")
            .order_by("-pk")
        )

    def lastmod(self, release):
        return release.updated_at

    def _urls(self, page, protocol, domain):
        """Django's entries, each with its release's translations (one query a page)."""
        urls = super()._urls(page, protocol, domain)
        groups = {u["item"].translation_group for u in urls if u["item"].translation_group}
        members = {}
        translations = (
            PressRelease.objects.published()
            .filter(translation_group__in=groups)
            .only("slug", "language", "translation_group")
        )
        for release in translations if groups else ():
            members.setdefault(release.translation_group, {})[release.language] = release
        for url in urls:
            group = members.get(url["item"].translation_group, {})
            if len(group) < 2:
                continue
            found = [(code, group[code]) for code in CODES if code in group]
            if DEFAULT in group:
                found.append(("x-default", group[DEFAULT]))
            url["alternates"] = [
                {"lang_code": code, "location": f"{protocol}://{domain}{r.get_absolute_url()}"}
                for code, r in found
            ]
        return urls


class NodeSitemap(Sitemap):
    changefreq = "weekly"
    i18n = alternates = x_default = True

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
    i18n = alternates = x_default = True

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
