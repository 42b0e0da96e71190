"""The API's query parameters: declared once, checked strictly, documented from the same table.

The listing's FilterSet (``press.filters``) gives every parameter its
meaning; the public page reads it leniently (a bad value is a notice, the
rest of the page works). A program deserves an exact answer instead: here
each parameter has a syntax (the table below), which both checks a request
and writes the OpenAPI document (``api.schema``), so the two cannot differ.
A request that breaks it, names a parameter that does not exist, repeats a
single-valued one or names a node or type that does not exist gets a 400
naming each parameter and the reason, and nothing is filtered on a guess.
"""

import datetime
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rest_framework import status
from rest_framework.exceptions import APIException

from press.dimensions import DIMENSIONS
from press.filters import MAX_QUERY_LENGTH, MAX_VALUES, SLUG, SORTS, PressReleaseFilterSet

#: The largest page a client may ask for; the default is the listing's own.
MAX_PAGE_SIZE = 100
# Matched whole (``fullmatch``): "$" alone would let a trailing line break through ("2020\n").
INTEGER = re.compile(r"^[0-9]{1,9}$")
#: The largest number INTEGER admits: a parameter without a maximum of its own documents this one.
MAX_INTEGER = 999_999_999
DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


@dataclass(frozen=True)
class Param:
    """One query parameter: its name, its syntax and what it means."""

    name: str
    #: "string", "integer", "date", "slugs" (repeatable) or "choice".
    kind: str
    #: What it means, for the OpenAPI document (which is in English).
    description: str
    #: The OpenAPI ``format`` of a slug (``country-slug``), naming where valid values are listed.
    format: str = ""
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None
    choices: tuple = ()

    @property
    def many(self):
        return self.kind == "slugs"


def _dimension_param(dimension):
    plural = dimension.model._meta.verbose_name_plural
    return Param(
        dimension.param,
        "slugs",
        f"Slugs of {plural} (listed at /api/v1/{dimension.relation}/). Repeat the parameter "
        "for more than one: any of them matches, and a node matches with everything under it.",
        format=f"{dimension.param}-slug",
    )


FILTERS = (
    Param(
        "q",
        "string",
        'Words to search for, as a web search reads them: "a phrase", -without, or.',
        max_length=MAX_QUERY_LENGTH,
    ),
    *(_dimension_param(dimension) for dimension in DIMENSIONS),
    Param(
        "type",
        "slugs",
        "Slugs of release types (press-release, news, statement, ...).",
        format="type-slug",
    ),
    Param(
        "date_from",
        "date",
        "Published on this day or later (YYYY-MM-DD, the site's time zone).",
    ),
    Param(
        "date_to",
        "date",
        "Published on this day or earlier (YYYY-MM-DD, the site's time zone).",
    ),
    Param("year", "integer", "Published in this year.", minimum=1973, maximum=2100),
    Param(
        "sort",
        "choice",
        "Order: newest first (default), oldest first, or by relevance to q.",
        choices=tuple(value for value, _label in SORTS),
    ),
    Param(
        "predecessors",
        "choice",
        "1: every node filter also matches the nodes its nodes followed (renamed, "
        "merged or split bodies).",
        choices=("0", "1"),
    ),
)
PAGING = (
    Param("page", "integer", "The page, from 1.", minimum=1, maximum=MAX_INTEGER),
    Param(
        "page_size",
        "integer",
        "Releases per page.",
        minimum=1,
        maximum=MAX_PAGE_SIZE,
    ),
)
LISTING = FILTERS + PAGING
BY_NAME = {param.name: param for param in LISTING}


class InvalidParameters(APIException):
    """400: ``errors`` names each bad parameter and why."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid_parameters"

    def __init__(self, errors, detail=None):
        self.errors = errors
        super().__init__(detail or _("The request's parameters are not valid."))


def _syntax_error(param, values):
    """Why ``values`` (the strings given for ``param``) break its syntax, or None."""
    if not param.many and len(values) > 1:
        return _("Give this parameter once.")
    if param.many and len(values) > MAX_VALUES:
        return ngettext("Give at most %(n)d value.", "Give at most %(n)d values.", MAX_VALUES) % {
            "n": MAX_VALUES
        }
    for value in values:
        if param.kind == "string":
            if "\x00" in value:
                return _("Null characters are not allowed.")
            if param.max_length is not None and len(value) > param.max_length:
                return _("Use at most %(n)d characters.") % {"n": param.max_length}
        elif param.kind == "slugs":
            if not SLUG.fullmatch(value):
                return _(
                    "“%(value)s” is not a slug: lower-case letters, digits, hyphens and "
                    "underscores, at most 120 characters."
                ) % {"value": value[:60]}
        elif param.kind == "integer":
            if not INTEGER.fullmatch(value):
                return _("Enter a whole number.")
            number = int(value)
            if param.minimum is not None and number < param.minimum:
                return _("Enter a number of at least %(n)d.") % {"n": param.minimum}
            if param.maximum is not None and number > param.maximum:
                return _("Enter a number of at most %(n)d.") % {"n": param.maximum}
        elif param.kind == "date":
            try:
                if not DATE.fullmatch(value):
                    raise ValueError
                datetime.date.fromisoformat(value)
            except ValueError:
                return _("Enter a date as YYYY-MM-DD.")
        elif param.kind == "choice" and value not in param.choices:
            return _("Choose one of: %(choices)s.") % {"choices": ", ".join(param.choices)}
    return None


def check_syntax(query, allowed):
    """[(parameter, reason)] for what in ``query`` (a QueryDict) breaks ``allowed``'s syntax."""
    by_name = {param.name: param for param in allowed}
    errors = []
    for name in query:
        param = by_name.get(name)
        if param is None:
            errors.append((name, _("There is no such parameter.")))
            continue
        reason = _syntax_error(param, query.getlist(name))
        if reason:
            errors.append((name, reason))
    return errors


def listing_filterset(query, queryset):
    """The listing's FilterSet over ``queryset`` for ``query``, or ``InvalidParameters``.

    ``query`` has passed ``check_syntax`` (``ApiView.initial``) and may hold
    the paging parameters; the FilterSet is given the filters only, and a
    value it refuses or a slug that names nothing is a 400 too.
    ``predecessors=0`` means what leaving it out means.
    """
    data = query.copy()
    for param in PAGING:
        data.pop(param.name, None)
    if data.get("predecessors") == "0":
        data.pop("predecessors")
    filterset = PressReleaseFilterSet(data, queryset=queryset)
    errors = [
        (name, message) for name, messages in filterset.form.errors.items() for message in messages
    ]
    errors += filterset.unknown_values()
    if errors:
        raise InvalidParameters(errors)
    return filterset


def paging(query, default_size):
    """``(page number, page size)`` of an already checked ``query``."""
    return int(query.get("page", 1)), int(query.get("page_size", default_size))
