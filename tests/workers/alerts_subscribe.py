"""Ask for alerts through the real subscribe page, from a process of its own.

Run by tests/test_alerts_worker.py with the production task backend
(``TASKS_BACKEND=rq``), so that the page queues its confirmation on Redis::

    DJANGO_SETTINGS_MODULE=tests.settings DATABASE_URL=postgres://.../test_db \
        TASKS_BACKEND=rq REDIS_URL=redis://127.0.0.1:6379/11 DJANGO_ALLOWED_HOSTS=testserver \
        python tests/workers/alerts_subscribe.py --email reader@example.org country=moldova

POSTs the form of ``/alerts/?<filters>`` with Django's test client (the
whole middleware stack and the view, in this process) and prints one JSON
line: the answer's status code.
"""

import argparse
import json
import os
import sys
from pathlib import Path
from urllib.parse import parse_qsl

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.test import Client  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--email", required=True)
    parser.add_argument("--frequency", default="immediate")
    parser.add_argument("--language", default="en")
    parser.add_argument("filters", help="the listing's parameters: country=moldova&topic=...")
    args = parser.parse_args()
    data = dict(parse_qsl(args.filters))
    data.update(email=args.email, frequency=args.frequency, language=args.language)
    response = Client().post(f"/alerts/?{args.filters}", data)
    print(json.dumps({"status": response.status_code}))


if __name__ == "__main__":
    main()
