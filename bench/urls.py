from django.http import HttpResponse
from django.urls import path

from osce_cms.urls import urlpatterns as site_urlpatterns


def trivial(request):
    """The practical ceiling: Django answering a constant string."""
    response = HttpResponse("ok", content_type="text/plain")
    response["Cache-Control"] = "private"  # measured as a view, never as a cache hit
    return response


# The site's own patterns, not include()d: its i18n_patterns must stay at the top level.
urlpatterns = [path("__trivial__", trivial), *site_urlpatterns]
