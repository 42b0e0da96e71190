"""Benchmark settings: production settings plus a trivial view, on loopback over HTTP."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

from osce_cms.settings import *  # noqa: E402,F403

ROOT_URLCONF = "bench.urls"
SECURE_SSL_REDIRECT = False  # loopback HTTP
SECURE_HSTS_SECONDS = 0
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
STORAGES["staticfiles"]["BACKEND"] = (  # noqa: F405
    "django.contrib.staticfiles.storage.StaticFilesStorage"
)
WHITENOISE_USE_FINDERS = True

#: Every cache alias a DummyCache: the project as judged for speed, each
#: request computing everything (counts, facets, navigation, tree index).
#: ``bench.settings_cold`` uses it for a whole process; bench/run.py applies
#: it in-process with ``override_settings`` for its cold measurements.
COLD_CACHES = {
    alias: {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    for alias in CACHES  # noqa: F405
}

#: The API's limit per client address (``api.throttling``, read per request):
#: every bench request comes from one address, hundreds a minute, so the
#: default "120/minute" would answer 429 with the warm cache. Per second, so
#: the throttle still does its work (a cache read and write) on a short history.
API_RATE_LIMIT = "1000000/second"
