from django.http import HttpResponse
from django.urls import include, path


def trivial(request):
    """The practical ceiling: Django answering a constant string."""
    response = HttpResponse("ok", content_type="text/plain")
    response["Cache-Control"] = "private"  # measured as a view, never as a cache hit
    return response


urlpatterns = [
    path("__trivial__", trivial),
    path("", include("osce_cms.urls")),
]
