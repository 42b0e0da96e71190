"""The trees' version: one row in the database, a new token with every tree write.

Every write to a tree, an alias, an old node address or a chairpersonship
writes a new token (an UPDATE in the writing transaction; ``tree_write``
takes the row first, so writers of different trees queue in one order). So
the version changes for every process exactly when the edit commits,
whatever the cache backend; and as each token is new, the one a rolled-back
edit wrote never comes back to name data that was never committed.

Each process keeps its tree indexes and its menu under the version
(``taxonomy.index``, ``taxonomy.navigation``). Reading it is one query a
request at most: the first read of a request is remembered until the request
ends or this process writes to the trees. Outside a request every read asks
the database.
"""

import uuid

from asgiref.local import Local
from django.apps import apps
from django.core.signals import request_finished, request_started
from django.db import connections, router, transaction
from django.db.models import Q

from . import clock

_request = Local()  # .memo: a dict during a request, else None


def _start_request(**kwargs):
    _request.memo = {}


def _end_request(**kwargs):
    _request.memo = None


request_started.connect(_start_request, dispatch_uid="request-memo-start")
request_finished.connect(_end_request, dispatch_uid="request-memo-end")


def request_memo():
    """A dict that lives as long as the current request, or None outside one.

    What a request reads several times and must not see change under it (the
    versions here and in ``press.versions``) is kept here, under keys that
    name their owner.
    """
    return getattr(_request, "memo", None)


def tree_version_model():
    """The model of the one row that holds the trees' version and when they last changed."""
    return apps.get_model("taxonomy", "TreeVersion")


def tree_version():
    """The trees' current token, or None when the row is missing (nothing may be kept under it)."""
    memo = request_memo()
    if memo is not None and "tree" in memo:
        return memo["tree"]
    version = tree_version_model().objects.filter(pk=1).values_list("token", flat=True).first()
    if memo is not None:
        memo["tree"] = version
    return version


def tree_version_query(using):
    """``(SQL, params)`` of a subquery that reads the trees' token on ``using``, for a
    caller that reads it beside something of its own (``remember_tree_version``)."""
    model = tree_version_model()
    if router.db_for_read(model) != using:
        return None
    table = connections[using].ops.quote_name(model._meta.db_table)
    return f"SELECT token FROM {table} WHERE id = 1", []  # noqa: S608 - the model's table


def remember_tree_version(version):
    """Take ``version`` (read with ``tree_version_query``) as this request's trees' version,
    unless the request has read it already: one query fewer."""
    memo = request_memo()
    if memo is not None:
        memo.setdefault("tree", version)


def bump_tree_version(using=None, **kwargs):
    """A new token, written in the current transaction (also a signal receiver)."""
    model = tree_version_model()
    db = using or router.db_for_write(model)
    token = uuid.uuid4().hex
    rows = model.objects.using(db).filter(pk=1)
    if not rows.update(token=token):
        # The row is gone (a test database flushed): put it back.
        model.objects.using(db).bulk_create([model(pk=1, token=token)], ignore_conflicts=True)
        rows.update(token=token)
    # When they changed is written once the change has committed, so that it is
    # never earlier than what it stands for (a time read before the commit is).
    once_on_commit(_mark_trees_changed, using=db)
    memo = request_memo()
    if memo is not None:
        memo.pop("tree", None)


def _mark_trees_changed():
    """Move the trees' time to now (never back), after their change committed."""
    now = clock.now()
    rows = tree_version_model().objects.filter(pk=1)
    rows.filter(Q(changed_at__lt=now) | Q(changed_at=None)).update(changed_at=now)


def once_on_commit(func, using=None):
    """``transaction.on_commit(func)`` unless the transaction already holds it.

    An import or a merge writes hundreds of rows in one transaction: one
    write after it commits says as much as hundreds. A callback of a
    savepoint that rolled back is dropped by Django, so the next write
    registers it again.
    """
    connection = transaction.get_connection(using)
    if connection.in_atomic_block and any(entry[1] is func for entry in connection.run_on_commit):
        return
    transaction.on_commit(func, using=using)
