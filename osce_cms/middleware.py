"""Response hardening that Django's own middleware does not cover."""

import logging

from django.db import DatabaseError, InterfaceError, OperationalError
from django.template.loader import render_to_string

logger = logging.getLogger("osce_cms.availability")

# Public pages load nothing inline and nothing from elsewhere: no
# 'unsafe-inline' anywhere. JSON-LD is a data block, not a script.
PUBLIC_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


class SecurityHeadersMiddleware:
    """Content-Security-Policy on public pages; Permissions-Policy everywhere."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith("/admin/") and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = PUBLIC_CSP
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class DatabaseUnavailableMiddleware:
    """A database outage answers 503 with Retry-After, not a 500 traceback.

    Connections are checked before reuse (CONN_HEALTH_CHECKS), so once the
    database is back the next request simply reconnects.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        if isinstance(exception, DatabaseError) and "does not exist" in str(exception):
            return None  # a schema problem is a bug, not an outage
        logger.warning("database unavailable: %s", exception.__class__.__name__)
        from django.http import HttpResponse

        body = render_to_string("503.html", request=None)
        response = HttpResponse(body, status=503)
        response["Retry-After"] = "30"
        response["Cache-Control"] = "no-store"
        return response
