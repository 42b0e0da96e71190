from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from api import views as api_views


class HomeView(TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        from press.models import PressRelease

        context = super().get_context_data(**kwargs)
        context["latest"] = list(PressRelease.objects.published().in_language().for_cards()[:8])
        return context


@never_cache
def healthz(request):
    """200 when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means "not healthy"
        return JsonResponse({"status": "unavailable", "database": type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def bad_request(request, exception):
    """A request refused before any view (too many parameters, a bad Host): the
    API's JSON 400 under the API, the site's page elsewhere."""
    if api_views.API_PATH.match(request.path):
        return api_views.bad_request(request, exception)
    return defaults.bad_request(request, exception)


def favicon(request):
    """Browsers ask for /favicon.ico whatever a page links (the admin links nothing)."""
    from django.http import HttpResponsePermanentRedirect
    from django.templatetags.static import static

    return HttpResponsePermanentRedirect(static("favicon.svg"))


def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /press/feed/",
        # The JSON API: every filter set is an address; its documentation is a page.
        "Disallow: /api/",
        "Allow: /api/v1/docs/",
        # Each language's feeds and API too (/fr/press/feed/, /fr/api/, ...).
        *(
            line
            for code, _name in settings.LANGUAGES
            if code != settings.LANGUAGE_CODE
            for line in (
                f"Disallow: /{code}/press/feed/",
                f"Disallow: /{code}/api/",
                f"Allow: /{code}/api/v1/docs/",
            )
        ),
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


MEDIA_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png",
               ".webp": "image/webp"}  # fmt: skip


def media(request, path):
    """Uploaded images, with a content type fixed by us and nothing else served.

    Uploads are re-encoded images (press/images.py); even so, only image
    extensions are served, with ``nosniff`` and a sandboxing policy, so a
    file that slipped through can never run as a page. Production may serve
    /media/ from object storage instead (README, "Scaling out").
    """
    from pathlib import Path

    from django.conf import settings
    from django.core.exceptions import SuspiciousFileOperation
    from django.http import FileResponse, Http404
    from django.utils._os import safe_join

    try:
        full = Path(safe_join(settings.MEDIA_ROOT, path))
    except SuspiciousFileOperation as exc:  # a path outside MEDIA_ROOT
        raise Http404 from exc
    content_type = MEDIA_TYPES.get(full.suffix.lower())
    if content_type is None:
        raise Http404
    try:
        # A name the file system cannot hold (ENAMETOOLONG), a NUL byte, a
        # directory called "x.jpg" or an unreadable file: none of them is
        # an image we serve.
        if not full.is_file():
            raise Http404
        opened = full.open("rb")
    except (OSError, ValueError) as exc:
        raise Http404 from exc
    response = FileResponse(opened, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
