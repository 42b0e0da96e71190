"""Serialize writes to one tree.

django-mptt takes no locks: two transactions that move or insert nodes at
the same time both read the same ``lft``/``rght`` values and rewrite them,
which corrupts the tree or hands out one ``tree_id`` twice (django-mptt
issues #236, #417, #555). Every tree write runs inside :func:`tree_write`,
which opens a transaction and takes a lock for that tree's table before mptt
reads anything.

- PostgreSQL: a transaction-level advisory lock, one per tree table. It is
  released at commit or rollback and re-entrant within one transaction.
- SQLite: the settings open every transaction with ``BEGIN IMMEDIATE``, which
  takes the database write lock up front, so writers already queue.

Before the tree's own lock, a tree write changes the trees' version
(``taxonomy.versions``): its row is then the first lock every tree writer
takes, so two transactions that each write several trees (``load_taxonomy``)
never hold one tree's lock while waiting for the other's.
"""

import zlib
from contextlib import contextmanager

from django.db import connections, router, transaction

from .versions import bump_tree_version

# First key of the two-int advisory lock: keeps ours apart from anyone else's.
LOCK_NAMESPACE = 0x05CE


def lock_key(model):
    return zlib.crc32(model._meta.db_table.encode()) & 0x7FFFFFFF


@contextmanager
def tree_write(model, using=None):
    """Run the block in a transaction holding the write lock of ``model``'s tree."""
    db = using or router.db_for_write(model)
    with transaction.atomic(using=db):
        bump_tree_version(using=db)
        connection = connections[db]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, lock_key(model)]
                )
        yield
