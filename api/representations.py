"""What the API says of a release, a node and a facet: plain data, built once per object.

The shapes are declared for the OpenAPI document in ``api.serializers``;
the contract tests check every answer against that document, which lists
each object's keys as required and no others, so the two cannot drift.
Names come from the trees' index of this process, each node named as it
was on the release's date (``NodeRef.name_on``), as the release page names it.
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from press import translations
from press.dimensions import DIMENSIONS
from press.models import PressRelease
from press.tags import SHOWN, tags_of_releases
from press.type_names import type_name
from taxonomy.history import local_day
from taxonomy.navigation import ref_urls

#: The relations each release lists: who issued it, then the four dimensions.
RELATIONS = ("sources", *(dimension.relation for dimension in DIMENSIONS))


def when(moment):
    """ISO 8601 with the site's offset (``2024-05-17T10:00:00+02:00``), or None."""
    return timezone.localtime(moment).isoformat() if moment else None


class Builder:
    """Builds the representations for one request: absolute addresses, one language.

    What is the same for every release of a list is worked out once a request
    (the site's origin, the two addresses' prefixes, each tree's node
    addresses): a list of a hundred releases names several hundred nodes.
    """

    def __init__(self, request):
        self.request = request
        self.language = get_language()
        self.origin = request.build_absolute_uri("/")[:-1]
        # "/fr/press/" and "/fr/api/v1/releases/": the addresses without their slug.
        self.page_prefix = reverse("press:detail", kwargs={"slug": "x"})[:-2]
        self.api_prefix = reverse("api:release", kwargs={"slug": "x"})[:-2]
        self.node_urls = {relation: ref_urls(model) for relation, model in SHOWN.items()}

    def absolute(self, path):
        return self.origin + path if path.startswith("/") else self.request.build_absolute_uri(path)

    def page_url(self, release):
        """The release's public page: under its own language's prefix."""
        if release.language == self.language:
            return self.origin + f"{self.page_prefix}{release.slug}/"
        return self.absolute(release.get_absolute_url())

    # --- releases ----------------------------------------------------------
    def releases(self, rows):
        """Each of ``rows`` as a list shows it; their tags in one query for all."""
        tags = tags_of_releases([release.pk for release in rows], RELATIONS)
        return [self.release(release, tags[release.pk]) for release in rows]

    def release(self, release, tags):
        image = None
        if release.lead_image:
            image = {
                "url": self.absolute(release.lead_image.url),
                "width": release.lead_image_width,
                "height": release.lead_image_height,
                "alt": release.lead_image_alt,
                "credit": release.lead_image_credit,
            }
        day = local_day(release.published_at)
        data = {
            "title": release.title,
            "slug": release.slug,
            "url": self.page_url(release),
            "api_url": f"{self.origin}{self.api_prefix}{release.slug}/",
            "published_at": when(release.published_at),
            "type": {"slug": release.type.slug, "name": type_name(release.type.name)},
            "place": release.place,
            "summary": release.summary,
            "language": release.language,
        }
        for relation in RELATIONS:
            data[relation] = self.nodes(relation, tags[relation], day)
        data["image"] = image
        return data

    def detail(self, release):
        """A release with its body, its translations and, if withdrawn, when and why."""
        data = self.release(release, tags_of_releases([release.pk], RELATIONS)[release.pk])
        data["body"] = release.body
        data["updated_at"] = when(release.updated_at)
        data["translations"] = [
            {
                "language": other.language,
                "title": other.title,
                "url": self.page_url(other),
                "api_url": f"{self.origin}{self.api_prefix}{other.slug}/",
            }
            for other in translations.published(release)
        ]
        withdrawn = release.status == PressRelease.Status.WITHDRAWN
        data["withdrawn"] = (
            {"at": when(release.withdrawn_at), "note": release.withdrawal_note}
            if withdrawn
            else None
        )
        return data

    def nodes(self, relation, refs, day):
        """The nodes as the release page names them: as they were called on ``day``."""
        url = self.node_urls[relation]
        language = self.language
        return [
            {"slug": ref.slug, "name": ref.name_on(day, language), "url": self.origin + url(ref)}
            for ref in refs
        ]

    # --- trees and facets --------------------------------------------------
    def tree(self, dimension, index):
        """Every node of a tree, in tree order, with its parent's slug."""
        listing = reverse("api:releases")
        url = ref_urls(dimension.model)
        return [
            {
                "slug": ref.slug,
                "name": ref.name_in(self.language),
                "parent": index.by_pk[ref.parent_id].slug if ref.parent_id else None,
                "level": ref.level,
                "closed": not ref.is_active,
                "url": self.absolute(url(ref)),
                "releases_url": self.absolute(f"{listing}?{dimension.param}={ref.slug}"),
            }
            for ref in index.refs
        ]

    @staticmethod
    def facets(facets):
        return [
            {
                "param": facet.param,
                "label": str(facet.label),
                "options": [
                    {
                        "value": option.value,
                        "label": option.label,
                        "count": option.count,
                        "selected": option.selected,
                        "level": option.level,
                        "parent": option.parent,
                        "closed": option.closed,
                    }
                    for option in facet.options
                ],
            }
            for facet in facets
        ]
