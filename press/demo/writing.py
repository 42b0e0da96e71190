"""Writing planned releases in bulk: a bounded number of queries per batch."""

from __future__ import annotations

import queue
import threading
import time
from itertools import islice

from django.db import transaction
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
    now = clock.now()
    slugs = [f"{plan.slug_base}-{first_number + i}" for i, plan in enumerate(plans)]
    taken.update(slugs)
    _free_slugs(slugs, taken)
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
    taken = set()
    created = with_image = 0
    with progress(total=count, desc="Releases", unit="release", stream=stream) as bar:
        for batch in planned_ahead(_batches(plans, batch_size)):
            with transaction.atomic():
                _write_batch(batch, number + created, taken, images)
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
