"""Benchmark settings with every cache alias a DummyCache and the page cache off.

For serving or profiling the cold project by hand, e.g.
``DJANGO_SETTINGS_MODULE=bench.settings_cold gunicorn osce_cms.wsgi``.
"""

from bench.settings import *  # noqa: F403

CACHES = COLD_CACHES  # noqa: F405
PAGE_CACHE_ENABLED = False
