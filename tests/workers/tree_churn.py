"""Churn the Topic, Country and Structure trees for a while, from one process.

Run by tests/test_no_lost_data.py, several at once, against the test database::

    DJANGO_SETTINGS_MODULE=tests.settings DATABASE_URL=postgres://.../test_db \
        python tests/workers/tree_churn.py --seconds 8 --seed 1

Random moves (``move_node`` left/right/last-child), inserts of child nodes,
renames and re-parenting saves, each one its own transaction, from instances
that other processes may have made stale. Only ``InvalidMove`` is expected
(the choice was made on stale rows: mptt may rightly refuse it) and counted;
anything else ends the process with a traceback and a non-zero exit code.

Prints one JSON line: what was done, and how many inserts committed per tree.
"""

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from mptt.exceptions import InvalidMove  # noqa: E402

from taxonomy.models import Country, Structure, Topic  # noqa: E402

MODELS = (Topic, Country, Structure)
POSITIONS = ("left", "right", "last-child")


def churn(seconds, seed):
    rng = random.Random(seed)
    counts = {"moves": 0, "renames": 0, "reparents": 0, "invalid_moves": 0, "operations": 0}
    inserts = {model.__name__: 0 for model in MODELS}
    deadline = time.monotonic() + seconds
    step = 0
    while time.monotonic() < deadline:
        step += 1
        model = rng.choice(MODELS)
        # Fresh rows now; by the time they are used another process may have moved them.
        nodes = list(model.objects.all())
        node, target = rng.choice(nodes), rng.choice(nodes)
        operation = rng.choice(("move", "move", "insert", "rename", "reparent"))
        try:
            if operation == "move":
                model.objects.move_node(node, target, rng.choice(POSITIONS))
                counts["moves"] += 1
            elif operation == "insert":
                # Unique across processes: the seed is in the name (and so the slug).
                model(name=f"Churn {seed}-{step}", parent=target).save()
                # save() runs in its own transaction: returning means committed.
                inserts[model.__name__] += 1
            elif operation == "rename":
                node.name = f"{node.name[:150]} ~"
                node.save()
                counts["renames"] += 1
            else:
                node.parent = None if rng.random() < 0.1 else target
                node.save()
                counts["reparents"] += 1
        except InvalidMove:
            counts["invalid_moves"] += 1
        counts["operations"] += 1
    return {"seed": seed, "inserts": inserts, **counts}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--seed", type=int, required=True)
    args = parser.parse_args()
    result = churn(args.seconds, args.seed)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
