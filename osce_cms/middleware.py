"""Response hardening that Django's own middleware does not cover."""

import logging

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.middleware.locale import LocaleMiddleware
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.cache import patch_vary_headers

logger = logging.getLogger("osce_cms.availability")

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


ADMIN_PREFIX = "/admin/"


class SecurityHeadersMiddleware:
    """Permissions-Policy everywhere (the CSP is ContentSecurityPolicyMiddleware's)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the admin's policy under /admin/.

    Public pages get ``CONTENT_SECURITY_POLICY``; every admin page
    ``ADMIN_CONTENT_SECURITY_POLICY`` unless its view chose a policy with
    django-csp's decorators. A response that already has the header keeps it.
    """

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if not report_only and parts.config is None and request.path_info.startswith(ADMIN_PREFIX):
            parts.config = settings.ADMIN_CONTENT_SECURITY_POLICY["DIRECTIVES"]
        return parts


ADMIN_PREFIX = "/admin/"


class LanguageFromPathMiddleware(LocaleMiddleware):
    """The page's language is its address's: English unprefixed, the others under /fr/, ...

    Django's LocaleMiddleware already activates the prefix's language, and
    English for every unprefixed address (``prefix_default_language=False``),
    whatever the browser asks. Its response step would still mark unprefixed
    pages ``Vary: Accept-Language``, which they do not: a shared cache would
    keep one copy per browser language of the same English page. Here the
    response only says its language. The admin is the exception: editors
    read it in their browser's language.
    """

    def process_request(self, request):
        if request.path_info.startswith(ADMIN_PREFIX):
            # Editors read the admin in their browser's language (or the
            # language cookie): Django's catalogs and ours cover it.
            translation.activate(translation.get_language_from_request(request))
            request.LANGUAGE_CODE = translation.get_language()
            return
        super().process_request(request)

    def process_response(self, request, response):
        if request.path_info.startswith(ADMIN_PREFIX):
            patch_vary_headers(response, ("Accept-Language",))
        response.headers.setdefault("Content-Language", translation.get_language())
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
