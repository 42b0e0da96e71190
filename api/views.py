"""The JSON API: the public listing's releases, facets and trees, read-only.

Every list answers from the listing's own engine (``press.listing``,
``press.facets``), so the API and the page never disagree: the same
FilterSet, the same counts from the same read model, the same order. What
differs is the reading of input: strict here (``api.params``), a 400 that
names each bad parameter instead of a notice on a page.

Language: the URL's prefix as on the site (``/ru/api/v1/...``); without one,
the request's ``Accept-Language`` (English when it names none of the site's
languages), and the answer varies by it.
"""

import functools
import math
import re
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import TooManyFieldsSent
from django.core.paginator import EmptyPage
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from press.dimensions import BY_PARAM
from press.facets import build_facets
from press.listing import listing_count, listing_paginator, page_rows
from press.models import OldSlug, PressRelease
from press.versions import last_public_change
from taxonomy import clock
from taxonomy.index import tree_index

from . import schema
from .params import LISTING, InvalidParameters, check_syntax, listing_filterset, paging
from .representations import Builder

#: An address of the API in any language (``/api/...``, ``/fr/api/...``).
API_PATH = re.compile(settings.API_PATH_REGEX)
#: A path under a language prefix (``/ru/api/v1/``): its language is the prefix's.
PREFIXED = re.compile(
    "^/(?:{})/".format(
        "|".join(code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE)
    )
)


def language_from_accept(request):
    """The site's language the request's ``Accept-Language`` prefers, else the default."""
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, _quality in translation.trans_real.parse_accept_lang_header(header):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


class ApiView(APIView):
    """A read-only endpoint: strict parameters, language, caching validators."""

    #: The query parameters this endpoint takes (``api.params``); anything else is a 400.
    params = ()

    def initial(self, request, *args, **kwargs):
        self.prefixed = bool(PREFIXED.match(request.path_info))
        if not self.prefixed:
            translation.activate(language_from_accept(request))
            request.LANGUAGE_CODE = translation.get_language()
        super().initial(request, *args, **kwargs)
        errors = check_syntax(request.query_params, self.params)
        if errors:
            raise InvalidParameters(errors)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if not getattr(self, "prefixed", True):
            patch_vary_headers(response, ("Accept-Language",))
        if response.status_code == 200:
            # Clients and shared caches keep the answer but ask again each time;
            # ETag (ConditionalGetMiddleware) and Last-Modified make that a 304.
            patch_cache_control(response, public=True, no_cache=True)
            changed = self.last_modified()
            # HTTP dates count whole seconds: a change in this very second could be
            # followed by another that the same date would hide, so none is sent
            # until the second has passed (the ETag still is).
            if changed is not None and int(changed.timestamp()) < int(clock.now().timestamp()):
                response["Last-Modified"] = http_date(changed.timestamp())
        return response

    def last_modified(self):
        """When the answer last changed: when anything public did."""
        return last_public_change()

    def builder(self):
        return Builder(self.request)


#: The listing's base, as ``/press/`` names it to the engine: every public release
#: of the language, with no read-model condition of its own.
EVERY_PUBLIC_RELEASE = {"base_key": "all", "base_rows": []}


def public_filterset(query):
    """The listing's FilterSet for ``query`` over the public releases of the language."""
    return listing_filterset(query, PressRelease.objects.published().in_language())


def _page_link(request, number):
    query = request.query_params.copy()
    query["page"] = number
    return request.build_absolute_uri(f"{request.path}?{urlencode(sorted(query.lists()), True)}")


@schema.listing_operation
class ReleaseListView(ApiView):
    """The public releases the listing's parameters select, a page at a time, newest first."""

    params = LISTING

    def get(self, request):
        query = request.query_params
        filterset = public_filterset(query)
        number, size = paging(query, settings.PRESS_PAGE_SIZE)
        paginator = listing_paginator(filterset, size, **EVERY_PUBLIC_RELEASE)
        try:
            page = paginator.page(number)
        except EmptyPage:
            raise exceptions.NotFound(
                _("There is no page %(page)d: the last is %(last)d.")
                % {"page": number, "last": paginator.num_pages}
            ) from None
        rows = []
        if paginator.count:  # nothing to read when the count says there is nothing
            q = filterset.cleaned.get("q", "")
            filtered = any(name != "predecessors" for name, _value in filterset.active_params())
            rows = page_rows(
                page.object_list,
                q,
                page.start_index() - 1,
                headlines=False,
                whole=True,  # the list shows more than a card
                ids_first=filtered and not q,  # a search's matches come from its own index
            )
        return Response(
            {
                "count": paginator.count,
                "next": _page_link(request, number + 1) if page.has_next() else None,
                "previous": _page_link(request, number - 1) if page.has_previous() else None,
                "results": self.builder().releases(rows),
            }
        )


@schema.detail_operation
class ReleaseDetailView(ApiView):
    """One public release (or a withdrawn one, marked) with its body and translations."""

    def get(self, request, slug):
        releases = PressRelease.objects.with_lists().with_public_page()
        release = releases.filter(slug=slug).first()
        if release is None:
            moved = OldSlug.release_named(slug, releases)
            if moved is not None:
                url = reverse("api:release", kwargs={"slug": moved.slug})
                return redirect(request.build_absolute_uri(url), permanent=True)
            raise exceptions.NotFound(_("No public release has this slug."))
        return Response(self.builder().detail(release))


@schema.facets_operation
class FacetsView(ApiView):
    """The counts the listing's facets show for the same parameters."""

    params = LISTING

    def get(self, request):
        filterset = public_filterset(request.query_params)
        count = listing_count(filterset, **EVERY_PUBLIC_RELEASE)
        facets = build_facets(filterset, **EVERY_PUBLIC_RELEASE)
        return Response({"count": count, "facets": Builder.facets(facets)})


class TreeView(ApiView):
    """Every node of one tree, in tree order."""

    dimension = None  # a parameter word: "topic", "country", ...

    def get(self, request):
        dimension = BY_PARAM[self.dimension]
        nodes = self.builder().tree(dimension, tree_index(dimension.model))
        return Response({"count": len(nodes), "results": nodes})


def tree_view(dimension):
    """The view of ``dimension``'s tree, with its own operation in the schema."""
    view = type(
        f"{dimension.model.__name__}TreeView",
        (TreeView,),
        {"dimension": dimension.param, "__doc__": f"Every node of the {dimension.plural} tree."},
    )
    return schema.tree_operation(dimension)(view).as_view()


class SchemaView(ApiView):
    """The OpenAPI 3 document of this API: JSON, or YAML when the client asks for it."""

    # JSON unless the client asks for YAML or the OpenAPI media types.
    renderer_classes = [
        OpenApiJsonRenderer2,
        OpenApiJsonRenderer,
        OpenApiYamlRenderer2,
        OpenApiYamlRenderer,
    ]

    @extend_schema(exclude=True)
    def get(self, request):
        return Response(openapi_document(request))

    def last_modified(self):
        return None  # it changes with the code only; its ETag says when


def openapi_document(request):
    """The document, generated from the code once a process (in English: its language),
    naming the address it was asked at as its server."""
    return {**_openapi_document(), "servers": [{"url": request.build_absolute_uri("/")[:-1]}]}


@functools.cache
def _openapi_document():
    with translation.override(settings.LANGUAGE_CODE):
        return SchemaGenerator(patterns=None).get_schema(request=None, public=True)


def exception_handler(exc, context):
    """DRF's, with the parameters and reasons of a 400 listed for programs to read,
    and a 429 that says when to come back in the request's language."""
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, InvalidParameters):
        response.data = {
            "detail": str(exc.detail),
            "errors": [{"parameter": name, "reason": reason} for name, reason in exc.errors],
        }
    elif response is not None and isinstance(exc, exceptions.Throttled):
        seconds = max(1, math.ceil(exc.wait or 1))
        response.data = {
            "detail": ngettext(
                "Too many requests from this address: try again in %(n)d second.",
                "Too many requests from this address: try again in %(n)d seconds.",
                seconds,
            )
            % {"n": seconds}
        }
    return response


def bad_request(request, exception):
    """A request Django refuses before any view (too many parameters): a JSON 400."""
    detail = _("The request is not valid.")
    if isinstance(exception, TooManyFieldsSent):
        detail = _("The request has too many parameters.")
    return JsonResponse({"detail": detail, "errors": []}, status=400)


@csrf_exempt
def not_found(request, *args, **kwargs):
    """Any other address under the API: a JSON 404 (or the address with its slash)."""
    if not request.path_info.endswith("/"):
        try:
            match = resolve(f"{request.path_info}/")
        except Resolver404:
            match = None
        if match is not None and match.func is not not_found:
            if request.method not in ("GET", "HEAD"):
                return JsonResponse(
                    {"detail": _("Method “%(method)s” not allowed.") % {"method": request.method}},
                    status=405,
                    headers={"Allow": "GET, HEAD, OPTIONS"},
                )
            return redirect(request.get_full_path(force_append_slash=True), permanent=True)
    return JsonResponse({"detail": _("There is nothing at this address.")}, status=404)
