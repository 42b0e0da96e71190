"""Anonymous full-page caching that never shows stale content.

- Keyed by the trees' version (in the database, changed by every tree
  write) and the releases' version (bumped by every write to a release or a
  type; see ``press.versions``), the host and the full URL: an edit changes
  the key, so the very next request renders afresh.
- A page never outlives the next scheduled publication, which happens with
  no write at all: the key names that time too (``public_state``), so once
  the project's clock passes it the key changes, whatever the cache
  backend's own clock says; the entry's lifetime is cut to it as well, so
  the backend drops it then.
- Only anonymous GET/HEAD requests for public pages, only 200 responses
  without cookies; staff and logged-in users always get a fresh page.
- Each cached response keeps its ETag, so ConditionalGetMiddleware answers
  304 to a browser that already has it.
"""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.utils.cache import patch_cache_control, set_response_etag

from api.views import API_PATH
from press.versions import public_state, public_timeout

EXCLUDED_PREFIXES = ("/admin/", "/healthz", "/static/", "/media/")


class PublicPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self.cacheable_request(request):
            return self.get_response(request)
        try:
            # One query for the trees' version; one more when the next
            # publication is not cached.
            state = public_state()
        except (OperationalError, InterfaceError):
            # The database is down: no key can be trusted; the view's own
            # failure is answered with a 503 by DatabaseUnavailableMiddleware.
            return self.get_response(request)
        raw = f"{request.get_host()}{request.get_full_path()}".encode("utf-8", "surrogatepass")
        key = f"page:{state}:{hashlib.sha256(raw).hexdigest()}"
        hit = cache.get(key)
        if hit is not None:
            status, headers, content = hit
            response = HttpResponse(content, status=status)
            for name, value in headers:
                response[name] = value
            response["X-Cache"] = "HIT"
            return response
        response = self.get_response(request)
        if self.cacheable_response(request, response):
            set_response_etag(response)
            patch_cache_control(response, no_cache=True)
            timeout = public_timeout()
            if timeout > 0:
                headers = [(k, v) for k, v in response.items() if k.lower() != "x-cache"]
                cache.set(key, (response.status_code, headers, response.content), timeout)
            response["X-Cache"] = "MISS"
        return response

    @staticmethod
    def cacheable_request(request):
        if not settings.PAGE_CACHE_ENABLED or request.method not in ("GET", "HEAD"):
            return False
        # The JSON API neither: each of its requests is counted by its rate limit.
        if request.path.startswith(EXCLUDED_PREFIXES) or API_PATH.match(request.path):
            return False
        # Anyone with a session (staff, previews, messages) gets a fresh page.
        if settings.SESSION_COOKIE_NAME in request.COOKIES:
            return False
        return not request.user.is_authenticated

    @staticmethod
    def cacheable_response(request, response):
        vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
        return (
            response.status_code == 200
            and not response.streaming
            and not response.cookies
            and "private" not in response.get("Cache-Control", "")
            and vary <= {"cookie", "accept-encoding"}
        )
