"""press.bulk's writes by the thousand (COPY on PostgreSQL), and seed_demo's planning thread."""

import threading
from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction

from press import listing_model
from press.bulk import copy_create, insert_links
from press.demo.writing import planned_ahead
from press.models import PressRelease, ReleaseType
from taxonomy.models import Topic

pytestmark = pytest.mark.usefixtures("taxonomy")

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


def test_copy_create_stores_each_field_and_gives_the_pks():
    releases = copy_create(new_releases("copy"))

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


def test_copy_create_refuses_an_instance_that_has_a_pk():
    saved = PressRelease.objects.create(
        title="Saved", type=ReleaseType.objects.first(), status="draft"
    )
    if connection.vendor == "postgresql":
        with pytest.raises(ValueError):
            copy_create([saved])
    assert copy_create([]) == []


def test_a_row_the_database_refuses_raises_djangos_error_and_the_others_stay():
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
