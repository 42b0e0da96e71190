"""Run ``send_alerts`` once, at a given moment: several of these do the same work at once.

Run by tests/test_alerts_worker.py, two at once, against the test database::

    DJANGO_SETTINGS_MODULE=tests.settings DATABASE_URL=postgres://.../test_db \
        python tests/workers/alerts_send_at.py --at 1767225600.5

Django is set up first (the slow part of starting); the process then sleeps
until ``--at`` (seconds since the epoch) and runs ``manage.py send_alerts``
once, so the processes reach the database together rather than a second
apart. Prints send_alerts' one line; an error ends it with a traceback.
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--at", type=float, required=True)
    args = parser.parse_args()
    connection.ensure_connection()  # connected before the moment, as a running clock is
    time.sleep(max(0.0, args.at - time.time()))
    call_command("send_alerts")


if __name__ == "__main__":
    main()
