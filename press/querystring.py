"""Addresses without empty parameters.

A submitted filter form sends every field, chosen or not
(``?q=&topic=&year=``): such an address says nothing more than the clean
one, splits caches and shares badly. The listing, the node pages and the
feeds answer it with a redirect to the same address without the empty
parameters, the others kept verbatim and in their order.
"""

from urllib.parse import quote, unquote_plus

from django.http import HttpResponseRedirect
from django.utils.encoding import escape_uri_path


def without_empty_params(query_string):
    """``query_string`` without its empty (or blank) parameters, or ``None`` if it has none.

    Parameters are kept byte for byte as sent (encoding and order), so the
    clean address means exactly what the visitor asked for.
    """
    if not query_string:
        return None
    parts = query_string.split("&")
    kept = [part for part in parts if unquote_plus(part.partition("=")[2]).strip()]
    if len(kept) == len(parts):
        return None
    return "&".join(kept)


def redirect_without_empty_params(request):
    """A redirect (302) to the request's address without its empty parameters, or ``None``.

    Only for GET and HEAD: a form post keeps its body and its address.
    """
    if request.method not in ("GET", "HEAD"):
        return None
    # WSGI hands the query string over as its bytes read as latin-1; a
    # browser percent-encodes, but a raw "é" may still come: encode it the
    # way a browser would, so the address keeps meaning what was sent.
    sent = request.META.get("QUERY_STRING", "").encode("iso-8859-1", "replace")
    cleaned = without_empty_params(quote(sent, safe="!$%&'()*+,-./:;=?@_~"))
    if cleaned is None:
        return None
    return HttpResponseRedirect(escape_uri_path(request.path) + (f"?{cleaned}" if cleaned else ""))
