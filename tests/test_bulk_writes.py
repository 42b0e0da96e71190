"""press.bulk's writes by the thousand (COPY on PostgreSQL), and seed_demo's planning thread."""

import threading
import time
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from reversion.models import Revision

from press import bulk, listing_model
from press.bulk import copy_create, insert_links
from press.demo.writing import planned_ahead
from press.models import PressRelease, ReleaseType
from taxonomy.models import Topic

from .conftest import requires_postgres

pytestmark = pytest.mark.usefixtures("taxonomy")


@pytest.fixture
def copy_from_one_row(monkeypatch):
    """PostgreSQL COPYs from the first row on: the tests' few rows take the bulk path."""
    monkeypatch.setattr(bulk, "COPY_AT", 1)


PUBLISHED = datetime(2024, 5, 17, 9, 30, tzinfo=UTC)


def new_releases(tag):
    news = ReleaseType.objects.get(slug="news")
    return [
        PressRelease(
            title=f"Mine clearance in {tag}",
            slug=f"mine-clearance-{tag}",
            type=news,
            status="published",
            published_at=PUBLISHED,
            place="Vienna",
            summary="Experts met.",
            body="<p>Experts cleared ammunition depots.</p>",
        ),
        PressRelease(title=f"Draft {tag}", slug=f"draft-{tag}", type=news, status="draft"),
    ]


#: What each release above is stored as, written down here (not read from the model).
STORED = [
    {
        "title": "Mine clearance in {tag}",
        "slug": "mine-clearance-{tag}",
        "status": "published",
        "published_at": PUBLISHED,
        "place": "Vienna",
        "summary": "Experts met.",
        "body": "<p>Experts cleared ammunition depots.</p>",
        "lead_image": "",
        "language": "en",
    },
    {
        "title": "Draft {tag}",
        "slug": "draft-{tag}",
        "status": "draft",
        "published_at": None,
        "place": "",
        "summary": "",
        "body": "",
        "lead_image": "",
        "language": "en",
    },
]


def stored(release):
    return PressRelease.objects.filter(pk=release.pk).values(*STORED[0]).get()


@pytest.mark.usefixtures("copy_from_one_row")
def test_copy_create_stores_each_field_and_gives_the_pks():
    with CaptureQueriesContext(connection) as queries:
        releases = copy_create(new_releases("copy"))
    copied = [q["sql"] for q in queries if q["sql"].startswith("COPY press_pressrelease ")]
    assert len(copied) == (1 if connection.vendor == "postgresql" else 0)

    pks = [release.pk for release in releases]
    assert all(isinstance(pk, int) and pk > 0 for pk in pks) and len(set(pks)) == 2
    assert not any(release._state.adding for release in releases)
    for release, expected in zip(releases, STORED, strict=True):
        assert stored(release) == {
            key: value.format(tag="copy") if isinstance(value, str) else value
            for key, value in expected.items()
        }
        row = PressRelease.objects.get(pk=release.pk)
        assert row.created_at is not None and row.updated_at is not None  # auto_now(_add)
    # The search trigger ran for a copied row as for an inserted one.
    assert list(PressRelease.objects.search("ammunition").values_list("pk", flat=True)) == [pks[0]]
    # The next release saved one by one takes a pk after them: the sequence moved.
    later = PressRelease.objects.create(title="Later", type=releases[0].type, status="draft")
    assert later.pk > max(pks)


@requires_postgres
@pytest.mark.usefixtures("copy_from_one_row")
def test_copy_create_stores_what_bulk_create_stores():
    copied = copy_create(new_releases("a"))
    inserted = PressRelease.objects.bulk_create(new_releases("b"))
    fields = [f.attname for f in PressRelease._meta.concrete_fields]
    ignored = {"id", "title", "slug", "created_at", "updated_at", "search"}
    for one, other in zip(copied, inserted, strict=True):
        a = PressRelease.objects.filter(pk=one.pk).values(*fields).get()
        b = PressRelease.objects.filter(pk=other.pk).values(*fields).get()
        assert {k: v for k, v in a.items() if k not in ignored} == {
            k: v for k, v in b.items() if k not in ignored
        }
        assert (a["search"] is None) == (b["search"] is None)


@pytest.mark.usefixtures("copy_from_one_row")
def test_copy_create_refuses_what_it_cannot_write_before_writing_anything():
    saved = PressRelease.objects.create(
        title="Saved", type=ReleaseType.objects.first(), status="draft"
    )
    fresh = new_releases("refused")
    with pytest.raises(ValueError):
        copy_create([*fresh, saved])  # not a new instance
    assert [release.pk for release in fresh] == [None, None]  # nothing drawn or written
    assert not PressRelease.objects.filter(slug__startswith="mine-clearance-refused").exists()
    assert copy_create([]) == []


@pytest.mark.usefixtures("copy_from_one_row")
def test_copy_create_takes_a_related_objects_pk_as_bulk_create_does():
    user = get_user_model()(username="editor")
    revision = Revision(comment="By an editor", user=user, date_created=PUBLISHED)
    user.save()  # after it was assigned: its pk is read at the write, as bulk_create reads it
    copy_create([revision])
    assert Revision.objects.get(pk=revision.pk).user_id == user.pk
    with pytest.raises(ValueError):  # an unsaved one is refused, as by bulk_create
        copy_create(
            [
                Revision(
                    comment="By nobody", user=get_user_model()(username="x"), date_created=PUBLISHED
                )
            ]
        )


@pytest.mark.usefixtures("copy_from_one_row")
def test_a_refused_copied_release_takes_its_batch_with_it():
    PressRelease.objects.create(
        title="Taken", slug="mine-clearance-taken", type=ReleaseType.objects.first(),
        status="draft",
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        copy_create(new_releases("taken"))  # the first one's slug is taken
    assert not PressRelease.objects.filter(slug="draft-taken").exists()
    # Positive control: the same batch with free slugs goes in whole.
    written = copy_create(new_releases("free"))
    assert PressRelease.objects.filter(pk__in=[r.pk for r in written]).count() == 2


@pytest.mark.parametrize("copy_at", [1, 100], ids=["copy", "insert"])
def test_a_row_the_database_refuses_raises_djangos_error_and_the_others_stay(copy_at, monkeypatch):
    monkeypatch.setattr(bulk, "COPY_AT", copy_at)
    release = PressRelease.objects.create(
        title="Tagged", type=ReleaseType.objects.first(), status="draft"
    )
    first, second = Topic.objects.order_by("pk")[:2]
    insert_links("topics", [(release.pk, first.pk)])  # positive control: it goes in
    assert list(release.topics.all()) == [first]
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_links("topics", [(release.pk, second.pk), (release.pk, first.pk)])
    # The refused write took nothing with it, and left the transaction usable.
    assert list(release.topics.all()) == [first]
    insert_links("topics", [(release.pk, second.pk)])
    assert set(release.topics.all()) == {first, second}


def test_links_written_in_bulk_reach_the_read_model():
    release = PressRelease.objects.create(
        title="Tagged", type=ReleaseType.objects.first(), status="published",
        published_at=PUBLISHED,
    )  # fmt: skip
    topic = Topic.objects.order_by("pk").first()
    insert_links("topics", [(release.pk, topic.pk)])
    listing_model.refresh([release.pk])
    assert listing_model.verify() == []


def planner_threads():
    return [t for t in threading.enumerate() if t.name == "seed_demo planner"]


def test_planned_ahead_gives_every_batch_in_order():
    assert list(planned_ahead(iter([[1, 2], [3], [4, 5]]))) == [[1, 2], [3], [4, 5]]
    assert planner_threads() == []


def test_an_error_while_planning_reaches_the_writer():
    def batches():
        yield [1]
        raise LookupError("no such tree")

    given = []
    with pytest.raises(LookupError, match="no such tree"):
        for batch in planned_ahead(batches()):
            given.append(batch)
    assert given == [[1]]
    assert planner_threads() == []


def test_a_writer_that_stops_early_stops_the_planner():
    drawn = []

    def batches():
        for n in range(1000):
            drawn.append(n)
            yield [n]

    ahead = planned_ahead(batches())
    assert next(ahead) == [0]
    ahead.close()  # the writer failed: its loop is left
    assert planner_threads() == []
    assert len(drawn) <= 3  # one written, at most one waiting, one being handed over


def writer_threads():
    return [t for t in threading.enumerate() if t.name.startswith("seed_demo writer")]


def test_two_writers_write_every_batch_once_with_the_offsets_of_their_order():
    from press.demo.writing import written

    batches = [[1, 2, 3], [4], [5, 6], [7, 8, 9, 10], [11]]
    calls, lock = [], threading.Lock()

    def write(batch, offset):
        with lock:
            calls.append((batch[0], offset, threading.current_thread().name))

    given = list(written(iter(batches), write, writers=2))
    assert sorted(map(tuple, given)) == sorted(map(tuple, batches))
    # Each batch's offset: the releases in the batches before it (3, 1, 2, 4).
    assert sorted(call[:2] for call in calls) == [(1, 0), (4, 3), (5, 4), (7, 6), (11, 10)]
    assert {call[2] for call in calls} <= {"seed_demo writer 0", "seed_demo writer 1"}
    assert writer_threads() == []


def test_one_writer_writes_in_the_callers_thread():
    from press.demo.writing import written

    threads = []

    def write(batch, offset):
        threads.append(threading.current_thread())

    given = list(written(iter([[1], [2]]), write, 1))
    assert given == [[1], [2]] and threads == [threading.current_thread()] * 2


def test_a_failing_writer_stops_the_others_and_its_error_is_raised():
    from press.demo.writing import written

    taken = []

    def write(batch, offset):
        taken.append(batch[0])
        if batch[0] == 2:
            raise LookupError("refused")

    with pytest.raises(LookupError, match="refused"):
        list(written(iter([[n] for n in range(1000)]), write, writers=2))
    assert writer_threads() == []
    assert len(taken) < 10  # the writers stopped: the rest was never taken


def test_leaving_the_loop_early_stops_the_writers():
    from press.demo.writing import written

    taken = []

    def write(batch, offset):  # a batch takes a while, as a real one does
        taken.append(batch)
        time.sleep(0.01)

    batches = written(iter([[n] for n in range(1000)]), write, writers=2)
    next(batches)
    batches.close()
    assert writer_threads() == []
    assert len(taken) < 10


def test_one_writer_inside_a_transaction_or_on_sqlite():
    from press.demo.writing import WRITERS, writers_for

    assert connection.in_atomic_block  # the test's own transaction
    assert writers_for(connection) == 1  # another connection would not see its rows
    assert WRITERS > 1


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_seed_demo_with_two_writers_leaves_what_one_would(taxonomy):
    from press.demo.writing import WRITERS, generate_releases, writers_for

    assert not connection.in_atomic_block
    assert writers_for(connection) == WRITERS == 2
    top = PressRelease.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    # Four batches, two at once, each above COPY_AT: the COPYs run side by side.
    assert generate_releases(400, seed=3, batch_size=100) == 400

    releases = PressRelease.objects.all()
    assert releases.count() == 400
    slugs = releases.values_list("slug", flat=True)
    numbers = sorted(int(slug.rsplit("-", 1)[1]) for slug in slugs)
    assert numbers == list(range(top + 1, top + 401))  # every running number once
    assert listing_model.verify() == []
    assert Revision.objects.count() == 400
    from reversion.models import Version

    assert sorted(Version.objects.values_list("object_id", flat=True)) == sorted(
        str(pk) for pk in releases.values_list("pk", flat=True)
    )
    assert writer_threads() == []
