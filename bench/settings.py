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
