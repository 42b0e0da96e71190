"""RSS 2.0 and Atom for any listing URL: the listing's own FilterSet decides."""

import re

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import strip_tags

from .filters import PressReleaseFilterSet
from .models import PressRelease

FEED_SIZE = 50
# XML 1.0 cannot carry most control characters; typed or imported text may.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(text):
    return _NOT_XML.sub("", str(text or ""))


class PressFeed(Feed):
    description = "Press releases, news and statements of the OSCE."

    def get_object(self, request, *args, **kwargs):
        self.request = request
        return PressReleaseFilterSet(request.GET, queryset=PressRelease.objects.published())

    def link(self, filterset):
        query = self.request.GET.urlencode()
        return "/press/" + (f"?{query}" if query else "")

    def title(self, filterset):
        q = filterset.cleaned.get("q")
        return xml_safe(f"{settings.SITE_SHORT_NAME} press releases" + (f": {q}" if q else ""))

    def items(self, filterset):
        return filterset.qs.select_related("type")[:FEED_SIZE]

    def item_title(self, item):
        return xml_safe(item.title)

    def item_description(self, item):
        return xml_safe(item.summary or strip_tags(item.body)[:500])

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return [xml_safe(item.type.name)]


class PressAtomFeed(PressFeed):
    feed_type = Atom1Feed
    subtitle = PressFeed.description
