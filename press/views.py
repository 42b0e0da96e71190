from django.conf import settings
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.generic import DetailView, TemplateView

from . import embargo, languages, listing_index, statements, translations
from .dimensions import DIMENSIONS
from .listing import ListingMixin
from .models import OldSlug, PressRelease
from .related import related_releases
from .tags import SHOWN, keywords, ref_links, tag_refs
from .type_names import type_name


class PublicationMixin:
    """Owns the publication rule for every public view of releases.

    The public sees ``published()``; staff who may change releases also see
    drafts and scheduled ones, as a preview. A release's own page is also
    there for a withdrawn release (``with_public_page()``), marked withdrawn.
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


def release_translations(release):
    """{language: path} of the release and its public translations (one query, if grouped)."""
    found = {release.language: release.get_absolute_url()}
    found.update(
        (other.language, other.get_absolute_url()) for other in translations.published(release)
    )
    return found


class PressDetailView(PublicationMixin, DetailView):
    template_name = "press/detail.html"
    context_object_name = "release"

    def get_queryset(self):
        if self.can_preview():
            return super().get_queryset()
        # A withdrawn release keeps its page, marked (GOV.UK does the same).
        return PressRelease.objects.with_lists().with_public_page()

    def get_object(self, queryset=None):
        if queryset is None and not self.can_preview():
            # A visitor: the one statement every public release page runs, compiled once.
            release = statements.page_release(self.kwargs["slug"])
            if release is None:
                raise Http404(_("No such release."))
            return release
        return super().get_object(queryset)

    def get(self, request, *args, **kwargs):
        if self.can_preview():
            return self._get(request, *args, **kwargs)
        # A visitor: the listing clock (the related releases read the listing index) is
        # sent first and comes back with the release and its tags, one wait for both;
        # the page is written as a listing is (``ListingMixin.dispatch``).
        return statements.respond_overlapped(
            lambda: self._get(request, *args, **kwargs), clock_first=True
        )

    def _get(self, request, *args, **kwargs):
        try:
            self.object = self.get_object()
        except Http404:
            moved = OldSlug.release_named(kwargs["slug"], self.get_queryset())
            if moved is not None:
                return redirect(moved.get_absolute_url(), permanent=True)
            raise
        # A release lives under its own language's prefix: /press/<slug>/ of a
        # French release goes to /fr/press/<slug>/. Not permanent: an editor
        # may correct a release's language.
        if self.object.language != languages.current():
            return redirect(self.object.get_absolute_url())
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        release = self.object
        # The related releases read the listing index, the tags the trees' version:
        # read first, the index's clock brings that version in the same query.
        if settings.LISTING_INDEX:
            listing_index.current()
        canonical = self.request.build_absolute_uri(release.get_absolute_url())
        context["withdrawn"] = release.status == PressRelease.Status.WITHDRAWN
        context["preview"] = not release.is_public and not context["withdrawn"]
        context["translations"] = release_translations(release)
        context["canonical_url"] = canonical
        tags = tag_refs(release)
        # Each node as it was called on the release's date (a draft without
        # one: today), in the page's language, with today's name beside it
        # where that differs: "Centre in Astana (now: Programme Office in Astana)".
        day, language = release.published_at, get_language()
        context["sources"] = ref_links(SHOWN["sources"], tags["sources"], day, language)
        context["tag_groups"] = [
            {"name": d.plural, "tags": ref_links(d.model, tags[d.relation], day, language)}
            for d in DIMENSIONS
            if tags[d.relation]
        ]
        context["related"] = related_releases(
            release, tags={d: [ref.pk for ref in tags[d.relation]] for d in DIMENSIONS}
        )
        context["crumbs"] = [
            {"name": _("Newsroom"), "url": reverse("press:list")},
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
            "articleSection": type_name(release.type.name),
            # The names the tags had on the release's date, then today's names
            # of those renamed since: a search for either finds the release
            # (press.tags.keywords).
            "keywords": keywords([t for g in context["tag_groups"] for t in g["tags"]]),
            "contentLocation": release.place or None,
            "image": [image] if image else [],
            "author": {"@type": "Organization", "name": _("OSCE")},
            "publisher": {
                "@type": "Organization",
                "name": _("Organization for Security and Co-operation in Europe"),
                "url": self.request.build_absolute_uri("/"),
            },
        }
        return context


class EmbargoView(PressDetailView):
    """A scheduled release, read before it goes out through its signed embargo link.

    Never indexed and never cached by anyone: its answer is private to whoever
    holds the link. Once the publication time has come, the link leads to the
    public page (until it expires, seven days later). See ``press.embargo``.
    """

    def get(self, request, *args, **kwargs):
        release = embargo.resolve(kwargs["token"])
        if release is None:
            raise Http404(_("No such release."))
        if release.is_public:
            response = redirect(release.get_absolute_url())
        elif release.language != languages.current():
            response = redirect(embargo.path(release))
        else:
            self.object = release
            response = self.render_to_response(self.get_context_data(object=release))
        add_never_cache_headers(response)
        response["Cache-Control"] = "private, no-store, max-age=0"
        response["X-Robots-Tag"] = "noindex, nofollow, noarchive"
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["preview"] = False
        context["embargoed_until"] = self.object.published_at
        # Its own link, not the public address, which is 404 until the time comes.
        context["canonical_url"] = self.request.build_absolute_uri()
        return context
