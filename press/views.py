from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import DetailView, TemplateView

from .dimensions import DIMENSIONS
from .listing import ListingMixin
from .models import OldSlug, PressRelease
from .related import related_releases
from .tags import SHOWN, ref_links, tag_refs


class PublicationMixin:
    """Owns the publication rule for every public view of releases.

    The public sees ``published()``; staff who may change releases also see
    drafts and scheduled ones, as a preview.
    """

    def can_preview(self):
        user = self.request.user
        return (
            user.is_authenticated and user.is_staff and user.has_perm("press.change_pressrelease")
        )

    def get_queryset(self):
        releases = PressRelease.objects.with_lists()
        return releases if self.can_preview() else releases.published()


class PressListView(ListingMixin, TemplateView):
    template_name = "press/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(self.listing_context())
        context["feed_query"] = context["query_without_page"]
        context["crumbs"] = [{"name": _("Newsroom"), "url": ""}]
        return context


class PressDetailView(PublicationMixin, DetailView):
    template_name = "press/detail.html"
    context_object_name = "release"

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except Http404:
            old = OldSlug.objects.filter(slug=kwargs["slug"]).first()
            if old and self.get_queryset().filter(pk=old.release_id).exists():
                return redirect("press:detail", slug=old.release.slug, permanent=True)
            raise

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        release = self.object
        canonical = self.request.build_absolute_uri(release.get_absolute_url())
        context["preview"] = not release.is_public
        context["canonical_url"] = canonical
        tags = tag_refs(release)
        context["sources"] = ref_links(SHOWN["sources"], tags["sources"])
        context["tag_groups"] = [
            {"name": d.plural, "tags": ref_links(d.model, tags[d.relation])}
            for d in DIMENSIONS
            if tags[d.relation]
        ]
        context["related"] = related_releases(
            release, tags={d: [ref.pk for ref in tags[d.relation]] for d in DIMENSIONS}
        )
        context["crumbs"] = [
            {"name": _("Newsroom"), "url": "/press/"},
            {"name": release.title, "url": ""},
        ]
        image = ""
        if release.lead_image:
            image = self.request.build_absolute_uri(release.image_large.url)
        context["og_image"] = image
        context["json_ld"] = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": release.title[:110],
            "description": release.summary,
            "datePublished": release.published_at.isoformat() if release.published_at else None,
            "dateModified": release.updated_at.isoformat(),
            "mainEntityOfPage": canonical,
            "articleSection": release.type.name,
            "keywords": [t["name"] for g in context["tag_groups"] for t in g["tags"]],
            "contentLocation": release.place or None,
            "image": [image] if image else [],
            "author": {"@type": "Organization", "name": "OSCE"},
            "publisher": {
                "@type": "Organization",
                "name": "Organization for Security and Co-operation in Europe",
                "url": self.request.build_absolute_uri("/"),
            },
        }
        return context
