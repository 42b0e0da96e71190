"""Writing planned releases in bulk: a bounded number of queries per batch."""

from __future__ import annotations

import queue
import threading
import time
from itertools import islice

from django.db import connections, router, transaction
from django.db.models import Max

from press import listing_model, workflow
from press.bulk import copy_create, insert_links, record_revisions
from press.models import OldSlug, PressRelease
from press.versions import bump_release_version
from taxonomy import clock
from taxonomy.progress import progress

from .context import load_context
from .images import HEIGHT, POOL, WIDTH, ensure_pool
from .planner import plan_releases

#: Slugs checked against existing ones per query.
SLUG_CHECK_CHUNK = 500
#: The relations written for each release.
RELATIONS = ("sources", "structures", "topics", "countries", "meetings")
#: The revision comment of a generated release's first version.
COMMENT = "Generated demo content"
#: Batches written at once on PostgreSQL, each by a thread on a connection of
#: its own: the database builds one batch's search vectors on one core while
#: it writes the other's read model on another.
WRITERS = 2


def _free_slugs(slugs, taken):
    """Rename, in place, the slugs a release or an old address already uses.

    Generated slugs end in a running number above every existing id, so a
    clash needs a hand-made slug that looks just like one: rare, but possible.
    """
    while True:
        clashes = set()
        for start in range(0, len(slugs), SLUG_CHECK_CHUNK):
            part = slugs[start : start + SLUG_CHECK_CHUNK]
            for model in (PressRelease, OldSlug):
                clashes.update(model.objects.filter(slug__in=part).values_list("slug", flat=True))
        if not clashes:
            return
        for index, slug in enumerate(slugs):
            if slug in clashes:
                n = 2
                while f"{slug}-{n}" in taken:
                    n += 1
                slugs[index] = f"{slug}-{n}"
                taken.add(slugs[index])


def _image_fields(plan, images):
    if plan.image is None:
        return {}
    return {
        "lead_image": images[plan.image],
        "lead_image_width": WIDTH,
        "lead_image_height": HEIGHT,
        "lead_image_alt": plan.image_alt,
        "lead_image_credit": plan.image_credit,
    }


def _write_batch(plans, first_number, taken, images):
    """Write one batch of planned releases; ``taken`` is ``(slugs given, its lock)``."""
    now = clock.now()
    slugs = [f"{plan.slug_base}-{first_number + i}" for i, plan in enumerate(plans)]
    given, lock = taken
    with lock:  # two writers never rename two clashing slugs alike
        given.update(slugs)
        _free_slugs(slugs, given)
    releases = [
        PressRelease(
            title=plan.title,
            slug=slug,
            type_id=plan.type_id,
            status=plan.status,
            published_at=plan.published_at,
            place=plan.place,
            summary=plan.summary,
            body=plan.body,
            # A scheduled release has an embargo link (press.embargo).
            embargo_key=workflow.new_embargo_key()
            if plan.status == PressRelease.Status.PUBLISHED and plan.published_at > now
            else "",
            **_image_fields(plan, images),
        )
        for plan, slug in zip(plans, slugs, strict=True)
    ]
    # The links below rely on the pks: copy_create draws them from the
    # sequence (PostgreSQL); SQLite >= 3.35 returns them from the bulk insert.
    copy_create(releases)
    for relation in RELATIONS:
        insert_links(
            relation,
            (
                (release.pk, node_id)
                for release, plan in zip(releases, plans, strict=True)
                for node_id in getattr(plan, relation)
            ),
        )
    # Link INSERTs send no signals: the listing's read model is written here.
    listing_model.refresh([release.pk for release in releases])
    plan_of = {release.pk: plan for release, plan in zip(releases, plans, strict=True)}
    record_revisions(
        releases,
        lambda release: {r: getattr(plan_of[release.pk], r) for r in RELATIONS},
        comment=COMMENT,
    )


def _batches(plans, size):
    while batch := list(islice(plans, size)):
        yield batch


def planned_ahead(batches):
    """``batches``, each drawn by a thread of its own while the one before is written.

    Planning is Python alone, and writing a batch mostly waits for the
    database, which lets other Python run: the two overlap. One batch is
    planned ahead at most; an error while planning is raised here, where the
    batch was asked for, and a writer that stops early stops the planner.
    """
    ready = queue.Queue(maxsize=1)
    stop = threading.Event()

    def put(item):
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def plan():
        try:
            for batch in batches:
                if not put((batch, None)):
                    return
            put((None, None))
        except BaseException as error:  # handed to the writer's thread
            put((None, error))

    planner = threading.Thread(target=plan, name="seed_demo planner", daemon=True)
    planner.start()
    try:
        while True:
            batch, error = ready.get()
            if error is not None:
                raise error
            if batch is None:
                return
            yield batch
    finally:
        stop.set()
        planner.join()


def writers_for(connection):
    """How many batches to write at once: ``WRITERS`` on PostgreSQL, but one where the
    caller's transaction is open (an atomic block, or autocommit turned off),
    whose rows only its own connection sees, and on SQLite, which takes one
    writer at a time."""
    if (
        connection.vendor != "postgresql"
        or connection.in_atomic_block
        or not connection.get_autocommit()
    ):
        return 1
    return WRITERS


def written(batches, write, writers=1):
    """``write(batch, offset)`` for each of ``batches`` (``offset``: the releases in the
    batches before it); yield each batch once it is written.

    With one writer, in the caller's thread. With more, each in a thread of
    its own, on a connection of its own (closed when it ends), taking the
    next batch as it finishes one; the offsets are those of the batches'
    order all the same. The first error stops every writer (a batch being
    written is finished or rolled back by its own transaction) and is raised
    here once they have stopped; so does leaving the loop early.
    """
    if writers == 1:
        offset = 0
        for batch in batches:
            write(batch, offset)
            offset += len(batch)
            yield batch
        return
    source, lock, offset = iter(batches), threading.Lock(), 0
    done, failed = queue.Queue(), threading.Event()

    def work():
        nonlocal offset
        try:
            while not failed.is_set():
                with lock:
                    batch = next(source, None)  # may take a batch's planning: look again
                    if batch is None or failed.is_set():
                        return
                    first, offset = offset, offset + len(batch)
                write(batch, first)
                done.put((batch, None))
        except BaseException as error:  # handed to the caller's thread
            failed.set()
            done.put((None, error))
        finally:
            try:
                connections.close_all()  # this thread's own
            finally:
                done.put(None)

    threads = [
        threading.Thread(target=work, name=f"seed_demo writer {n}", daemon=True)
        for n in range(writers)
    ]
    for thread in threads:
        thread.start()
    error, ended = None, 0
    try:
        while ended < writers:
            item = done.get()
            if item is None:
                ended += 1
            elif item[1] is not None:
                error = error or item[1]
            else:
                yield item[0]
    finally:
        failed.set()
        for thread in threads:
            thread.join()
        getattr(source, "close", lambda: None)()  # a planner thread behind it stops too
    if error is not None:
        raise error


def generate_releases(count, *, seed=1, batch_size=2000, stdout=None, stream=None) -> int:
    """Create ``count`` generated releases, ``batch_size`` a transaction; return the number.

    ``stdout`` gets the summary line; ``stream`` (stderr by default) the
    progress bars, drawn only on a terminal.
    """
    if count < 1:
        return 0
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    started = time.monotonic()
    context = load_context()
    plans = plan_releases(count, context=context, seed=seed)
    images = ensure_pool(progress(range(len(POOL)), desc="Images", unit="image", stream=stream))
    # Slugs end in a running number above every existing id: a second run
    # with the same seed (the same titles) still gets new slugs.
    number = (PressRelease.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
    taken = (set(), threading.Lock())

    def write(batch, offset):
        with transaction.atomic():
            _write_batch(batch, number + offset, taken, images)

    writers = writers_for(connections[router.db_for_write(PressRelease)])
    created = with_image = 0
    with progress(total=count, desc="Releases", unit="release", stream=stream) as bar:
        for batch in written(planned_ahead(_batches(plans, batch_size)), write, writers):
            created += len(batch)
            with_image += sum(plan.image is not None for plan in batch)
            bar.update(len(batch))
    # bulk_create sends no signals: invalidate the cached pages once, here.
    bump_release_version()
    if stdout is not None:
        elapsed = time.monotonic() - started
        stdout.write(
            f"Created {created} releases ({with_image} with a lead image, each with a first "
            f"revision) in {elapsed:.1f} s ({created / max(elapsed, 1e-6):.0f} releases/s)."
        )
    return created
