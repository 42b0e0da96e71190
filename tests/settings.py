"""Test overlay on the one product settings module: only what a test run needs."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-not-secret")

from osce_cms.settings import *  # noqa: E402,F403

# Hashing passwords slowly protects nobody in a test database.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests speak plain HTTP to the test client.
SECURE_SSL_REDIRECT = False
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
# Serve static files from the apps and static/ without running collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
