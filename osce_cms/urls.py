from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path, re_path

from api import views as api_views
from press.nodes import NodeReleasesView
from press.sitemaps import SITEMAPS
from taxonomy.urls import tree_urlpatterns

from . import views

handler400 = "osce_cms.views.bad_request"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("favicon.ico", views.favicon),
    path("sitemap.xml", sitemap_views.index, {"sitemaps": SITEMAPS}, name="sitemap"),
    path(
        "sitemap-<section>.xml",
        sitemap_views.sitemap,
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("admin/", admin.site.urls),
]

# The public pages in each language: English at /press/, French at
# /fr/press/, and so on (settings.LANGUAGES).
urlpatterns += i18n_patterns(
    path("", views.HomeView.as_view(), name="home"),
    path("press/", include("press.urls")),
    # The JSON API, in each language as the pages are (/fr/api/v1/...); anything
    # else under api/ (another version, a typo) is the API's JSON 404.
    path("api/v1/", include("api.urls")),
    re_path(r"^api(?:/[\s\S]*)?$", api_views.not_found),
    # Email alerts for any listing's filter set (/alerts/?country=moldova).
    path("alerts/", include("alerts.urls")),
    # The trees' addresses and names (taxonomy:topic, ...), each node's page
    # listing its releases.
    path("", include((tree_urlpatterns(NodeReleasesView), "taxonomy"))),
    prefix_default_language=False,
)

if settings.MEDIA_URL.startswith("/"):
    urlpatterns.append(path(f"{settings.MEDIA_URL.lstrip('/')}<path:path>", views.media))
