"""The OpenAPI document's operations, written from the parameter table and the serializers.

drf-spectacular generates the document from the views; each view's
operation is declared here: its parameters from ``api.params`` (the table
the requests are checked against), its answers from ``api.serializers``.
``closed_objects`` then marks every object as having exactly its declared
fields, so a contract test fails on any key the code adds or forgets.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)

from press.filters import MAX_VALUES, SLUG

from . import serializers
from .params import LISTING

ACCEPT_LANGUAGE = OpenApiParameter(
    "Accept-Language",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=(
        "The language of names and releases when the address has no language prefix "
        "(/fr/api/v1/... has French). English when it names none of en, fr, de, it, ru, es."
    ),
)


def _schema_of(param):
    """The OpenAPI schema of one ``api.params.Param``."""
    if param.kind == "slugs":
        item = {"type": "string", "pattern": SLUG.pattern, "format": param.format}
        return {"type": "array", "items": item, "maxItems": MAX_VALUES}
    if param.kind == "integer":
        found = {"type": "integer"}
        if param.minimum is not None:
            found["minimum"] = param.minimum
        if param.maximum is not None:
            found["maximum"] = param.maximum
        return found
    if param.kind == "date":
        return {"type": "string", "format": "date"}
    if param.kind == "choice":
        return {"type": "string", "enum": list(param.choices)}
    # Free text: anything but a NUL, which no database column takes.
    return {"type": "string", "maxLength": param.max_length, "pattern": "^[^\\x00]*$"}


def parameters(params):
    return [
        OpenApiParameter(
            param.name,
            _schema_of(param),
            OpenApiParameter.QUERY,
            description=param.description,
            style="form" if param.many else None,
            explode=True if param.many else None,
        )
        for param in params
    ] + [ACCEPT_LANGUAGE]


ERRORS = {
    400: OpenApiResponse(
        serializers.InvalidParametersSerializer,
        description="A parameter that does not exist, or a value that is not valid: "
        "each named, with the reason.",
    ),
    429: OpenApiResponse(
        serializers.ErrorSerializer,
        description="Too many requests from this address: the Retry-After header says "
        "how many seconds to wait.",
    ),
}


#: The answer to a former address: no body, the current one in Location.
LOCATION = OpenApiParameter(
    "Location",
    OpenApiTypes.URI,
    OpenApiParameter.HEADER,
    required=True,
    response=[301],
    description="The release's address now.",
)


def _operation(
    operation_id,
    summary,
    description,
    response,
    *,
    params=(),
    not_found=None,
    moved=None,
    tag="releases",
):
    responses = {200: response, **ERRORS}
    headers = []
    if not_found:
        responses[404] = OpenApiResponse(serializers.ErrorSerializer, description=not_found)
    if moved:
        responses[301] = OpenApiResponse(description=moved)
        headers.append(LOCATION)
    return extend_schema_view(
        get=extend_schema(
            operation_id=operation_id,
            summary=summary,
            description=description,
            parameters=parameters(params) + headers,
            responses=responses,
            tags=[tag],
        )
    )


listing_operation = _operation(
    "releases_list",
    "Releases",
    "The public releases the listing's parameters select, with the same meaning as on "
    "/press/ (the same filters and counts), newest first unless sort says otherwise.",
    serializers.ReleasePageSerializer,
    params=LISTING,
    not_found="A page past the last one.",
)
detail_operation = _operation(
    "release_retrieve",
    "One release",
    "A public release with its body and translations; a withdrawn release is there too, "
    "with when and why. A former slug redirects (301) to the current one.",
    serializers.ReleaseDetailSerializer,
    not_found="No public release has this slug.",
    moved="A former slug of a public release: Location names its address now.",
)
facets_operation = _operation(
    "facets_retrieve",
    "Facet counts",
    "What each filter value would give with the other filters: the counts the listing "
    "shows beside its filters, for the same parameters (paging and order are ignored).",
    serializers.FacetsSerializer,
    params=LISTING,
)


def tree_operation(dimension):
    return _operation(
        f"{dimension.relation}_list",
        f"The {dimension.plural} tree",
        f"Every node of the {dimension.plural} tree in tree order: its slug (the "
        f"{dimension.param} parameter's value), name, parent and depth, and whether it has "
        "closed.",
        serializers.TreeSerializer,
        tag="trees",
    )


VALIDATORS = {
    "ETag": "Changes whenever the answer does; send it back in If-None-Match for a 304.",
    "Last-Modified": "When anything public last changed; If-Modified-Since gives a 304.",
}


def closed_objects(result, generator, request, public):
    """Post-processing: every object has exactly its fields, and 200s carry their validators."""
    for component in result.get("components", {}).get("schemas", {}).values():
        if component.get("type") == "object" and "properties" in component:
            component["additionalProperties"] = False
    for path in result.get("paths", {}).values():
        for operation in path.values():
            ok = operation.get("responses", {}).get("200")
            if ok is not None:
                ok["headers"] = {
                    name: {"schema": {"type": "string"}, "description": text}
                    for name, text in VALIDATORS.items()
                }
    return result
