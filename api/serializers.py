"""The shapes of the API's answers, for its OpenAPI document (``api.schema``).

``api.representations`` builds the data; these declare it. Every field is
required and nothing else may appear (``schema.closed_objects``), so the
contract tests, which check every answer against the document, fail on any
drift between the two.
"""

from rest_framework import serializers

from press.dimensions import DIMENSIONS


class NodeLinkSerializer(serializers.Serializer):
    slug = serializers.SlugField(help_text="The node's slug: the value its parameter takes.")
    name = serializers.CharField(help_text="Its name on the release's date, in the language.")
    url = serializers.URLField(help_text="The node's public page.")


class TypeSerializer(serializers.Serializer):
    slug = serializers.SlugField(help_text="The value the type parameter takes.")
    name = serializers.CharField()


class ImageSerializer(serializers.Serializer):
    url = serializers.URLField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    alt = serializers.CharField(allow_blank=True, help_text="What the image shows.")
    credit = serializers.CharField(allow_blank=True)


def _node_lists():
    fields = {
        "sources": NodeLinkSerializer(many=True, help_text="The structures that issued it."),
    }
    for dimension in DIMENSIONS:
        fields[dimension.relation] = NodeLinkSerializer(
            many=True, help_text=f"Its {dimension.plural} (the {dimension.param} parameter)."
        )
    return fields


ReleaseSerializer = type(
    "ReleaseSerializer",
    (serializers.Serializer,),
    {
        "__doc__": "A public release as a list shows it.",
        "title": serializers.CharField(),
        "slug": serializers.SlugField(),
        "url": serializers.URLField(help_text="Its public page."),
        "api_url": serializers.URLField(help_text="This release in the API, with its body."),
        "published_at": serializers.DateTimeField(help_text="ISO 8601 with the site's offset."),
        "type": TypeSerializer(),
        "place": serializers.CharField(allow_blank=True),
        "summary": serializers.CharField(allow_blank=True),
        "language": serializers.CharField(help_text="en, fr, de, it, ru or es."),
        **_node_lists(),
        "image": ImageSerializer(allow_null=True, help_text="The lead image, or null."),
    },
)


class TranslationSerializer(serializers.Serializer):
    language = serializers.CharField()
    title = serializers.CharField()
    url = serializers.URLField()
    api_url = serializers.URLField()


class WithdrawalSerializer(serializers.Serializer):
    at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField(allow_blank=True)


class ReleaseDetailSerializer(ReleaseSerializer):
    """A release with its body (sanitised HTML), translations and withdrawal, if any."""

    body = serializers.CharField(allow_blank=True, help_text="Sanitised HTML.")
    updated_at = serializers.DateTimeField()
    translations = TranslationSerializer(many=True, help_text="Its public translations.")
    withdrawn = WithdrawalSerializer(
        allow_null=True, help_text="When and why it was withdrawn; null while it stands."
    )


class ReleasePageSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many releases match, on every page.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ReleaseSerializer(many=True)


class FacetOptionSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="The parameter's value that chooses it.")
    label = serializers.CharField()
    count = serializers.IntegerField(help_text="Releases it would give with the other filters.")
    selected = serializers.BooleanField()
    level = serializers.IntegerField(help_text="Depth in its tree (0 for the top).")
    parent = serializers.CharField(allow_null=True, help_text="The parent option's value.")
    closed = serializers.BooleanField(help_text="A body that has closed.")


class FacetSerializer(serializers.Serializer):
    param = serializers.CharField()
    label = serializers.CharField()
    options = FacetOptionSerializer(many=True)


class FacetsSerializer(serializers.Serializer):
    count = serializers.IntegerField(help_text="How many releases match: the listing's count.")
    facets = FacetSerializer(many=True)


class NodeSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField(help_text="Today's name, in the language.")
    parent = serializers.SlugField(allow_null=True)
    level = serializers.IntegerField()
    closed = serializers.BooleanField(help_text="True for a body that has closed.")
    url = serializers.URLField(help_text="The node's public page.")
    releases_url = serializers.URLField(help_text="Its releases in the API.")


class TreeSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    results = NodeSerializer(many=True)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class ParameterErrorSerializer(serializers.Serializer):
    parameter = serializers.CharField()
    reason = serializers.CharField()


class InvalidParametersSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = ParameterErrorSerializer(many=True)
