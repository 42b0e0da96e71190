"""Concurrent tree writes on PostgreSQL leave every tree intact."""

import contextlib
import random
import threading

import pytest
from django.db import OperationalError, close_old_connections, connection, connections, transaction
from mptt.exceptions import InvalidMove

from taxonomy.integrity import tree_problems
from taxonomy.locking import tree_write
from taxonomy.models import Topic

from .conftest import requires_postgres

pytestmark = [requires_postgres, pytest.mark.django_db(transaction=True)]


def run_in_threads(target, count):
    errors = []

    def wrapper(index):
        try:
            target(index)
        except Exception as exc:  # reported below, with the thread's index
            errors.append((index, exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=wrapper, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def test_a_tree_write_waits_for_the_lock(taxonomy):
    held = threading.Event()
    release = threading.Event()

    def holder(_index):
        with tree_write(Topic):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=run_in_threads, args=(holder, 1))
    thread.start()
    assert held.wait(10)
    try:
        with pytest.raises(OperationalError, match="lock timeout"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '300ms'")
            Topic(name="Blocked while another writer holds the lock").save()
    finally:
        release.set()
        thread.join()
    assert not Topic.objects.filter(name__startswith="Blocked").exists()
    # The control: once the lock is free, the very same write goes through.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '300ms'")
        Topic(name="Blocked while another writer holds the lock").save()
    assert Topic.objects.filter(name__startswith="Blocked").count() == 1


def test_concurrent_moves_and_inserts_keep_the_tree_intact(taxonomy):
    start = Topic.objects.count()
    workers, rounds = 6, 25

    def work(index):
        rng = random.Random(index)
        close_old_connections()
        for step in range(rounds):
            nodes = list(Topic.objects.all())
            node = rng.choice(nodes)
            target = rng.choice(nodes)
            if step % 3 == 0:
                Topic(name=f"Inserted {index}-{step}", parent=target).save()
            elif step % 3 == 1:
                # The choice was made on stale rows: mptt may rightly refuse it.
                with contextlib.suppress(InvalidMove):
                    Topic.objects.move_node(
                        node, target, rng.choice(["left", "right", "last-child"])
                    )
            else:
                # A rename and a re-parent in one save, from a stale instance.
                node.parent = None if rng.random() < 0.2 else target
                node.name = f"{node.name[:150]} ·"
                with contextlib.suppress(InvalidMove):
                    node.save()

    errors = run_in_threads(work, workers)
    assert errors == []
    assert tree_problems(Topic) == []
    inserted = workers * len(range(0, rounds, 3))
    assert Topic.objects.count() == start + inserted
