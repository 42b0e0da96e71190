"""The listing's read model stays right through every write that moves a release.

Each test states where releases should sit as literal slugs (from the
shipped taxonomy: Moldova lies under Participating States, the Conflict
Prevention Centre under the Secretariat), reads the rows back, and asks
``verify()`` — which recomputes everything from the tags — to agree.
"""

from datetime import datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from press import listing_model
from press.models import ListingPending, ListingRow, ListingTotal, PressRelease, ReleaseType
from taxonomy import clock
from taxonomy.merging import merge_nodes
from taxonomy.models import Country, Structure, Topic
from tests.conftest import make_release

pytestmark = pytest.mark.usefixtures("taxonomy")

MODELS = {"topic": Topic, "country": Country, "structure": Structure}


def at(y, m, d):
    return timezone.make_aware(datetime(y, m, d, 12))


def placed(release):
    """{(dimension, slug or value)} the read model holds for ``release``."""
    found = set()
    for dimension, value in ListingRow.objects.filter(release_id=release.pk).values_list(
        "dimension", "value"
    ):
        if dimension in MODELS:
            found.add((dimension, MODELS[dimension].objects.get(pk=value).slug))
        elif dimension == "type":
            found.add((dimension, ReleaseType.objects.get(pk=value).slug))
        else:
            found.add((dimension, value))
    return found


def total(dimension, slug):
    value = MODELS[dimension].objects.get(slug=slug).pk
    row = ListingTotal.objects.filter(dimension=dimension, value=value).first()
    return row.n if row else 0


def assert_consistent():
    assert listing_model.verify() == []


def test_a_tagged_release_sits_under_its_tags_and_their_ancestors():
    release = make_release(
        "Vote observed",
        published_at=at(2024, 3, 1),
        tags={"countries": ["moldova"], "structures": ["conflict-prevention-centre"]},
    )
    assert placed(release) == {
        ("country", "moldova"),
        ("country", "participating-states"),
        ("structure", "conflict-prevention-centre"),
        ("structure", "secretariat"),
        ("type", "press-release"),
        ("year", 2024),
    }
    assert total("country", "participating-states") == 1
    assert_consistent()


def test_two_countries_under_one_region_count_the_release_once():
    release = make_release("Two states", tags={"countries": ["moldova", "serbia"]})
    countries = {slug for dim, slug in placed(release) if dim == "country"}
    assert countries == {"moldova", "serbia", "participating-states"}
    assert total("country", "participating-states") == 1
    assert_consistent()


def test_retagging_from_either_side_moves_the_rows():
    release = make_release("Retagged", tags={"countries": ["moldova"]})
    release.countries.set(Country.objects.filter(slug="japan"))
    assert {s for d, s in placed(release) if d == "country"} == {
        "japan",
        "asian-partners-for-co-operation",
    }
    assert total("country", "participating-states") == 0
    # From the node's side: Serbia gains the release, then loses it again.
    serbia = Country.objects.get(slug="serbia")
    serbia.press_releases.add(release)
    assert ("country", "participating-states") in placed(release)
    serbia.press_releases.clear()
    assert ("country", "participating-states") not in placed(release)
    assert_consistent()


def test_unpublishing_and_publishing_change_the_totals_not_the_rows():
    release = make_release("On and off", tags={"topics": ["elections"]})
    assert total("topic", "elections") == 1
    release.status = PressRelease.Status.DRAFT
    release.save()
    assert total("topic", "elections") == 0
    assert ("topic", "elections") in placed(release)  # drafts are found by the admin
    release.status = PressRelease.Status.PUBLISHED
    release.save()
    assert total("topic", "elections") == 1
    assert_consistent()


def test_type_and_year_rows_follow_the_release():
    release = make_release("Moved in time", published_at=at(2019, 6, 1))
    release.type = ReleaseType.objects.get(slug="news")
    release.published_at = at(2021, 6, 1)
    release.save()
    assert {(d, v) for d, v in placed(release) if d in ("type", "year")} == {
        ("type", "news"),
        ("year", 2021),
    }
    assert_consistent()


def test_deleting_a_release_takes_it_out_of_the_totals():
    release = make_release("Gone", tags={"topics": ["elections"]})
    make_release("Stays", tags={"topics": ["elections"]})
    assert total("topic", "elections") == 2
    release.delete()
    assert total("topic", "elections") == 1
    assert not ListingRow.objects.filter(release_id=release.pk).exists()
    PressRelease.objects.filter(title="Stays").delete()  # a queryset delete too
    assert total("topic", "elections") == 0
    assert_consistent()


def test_moving_a_node_moves_the_releases_under_it():
    release = make_release("Field work", tags={"structures": ["conflict-prevention-centre"]})
    centre = Structure.objects.get(slug="conflict-prevention-centre")
    institutions = Structure.objects.get(slug="institutions")
    Structure.objects.move_node(centre, institutions, "last-child")
    structures = {s for d, s in placed(release) if d == "structure"}
    assert structures == {"conflict-prevention-centre", "institutions"}
    assert total("structure", "secretariat") == 0
    assert total("structure", "institutions") == 1
    # And back, by saving a new parent, as the admin's form does.
    centre.refresh_from_db()
    centre.parent = Structure.objects.get(slug="secretariat")
    centre.save()
    structures = {s for d, s in placed(release) if d == "structure"}
    assert structures == {"conflict-prevention-centre", "secretariat"}
    assert_consistent()


def test_merging_nodes_retags_the_read_model():
    duplicate = Topic.objects.create(name="Elections (old)", slug="elections-old")
    release = make_release("Old tag", tags={"topics": ["elections-old"]})
    elections = Topic.objects.get(slug="elections")
    merge_nodes(survivor=elections, others=[duplicate])
    assert {s for d, s in placed(release) if d == "topic"} == {"elections"}
    assert total("topic", "elections") == 1
    assert_consistent()


def test_scheduled_releases_join_the_public_totals_when_their_time_comes(time_machine):
    make_release("Now", tags={"topics": ["elections"]})
    later = clock.now() + timedelta(days=2)
    scheduled = make_release("Later", published_at=later, tags={"topics": ["elections"]})
    elections = Topic.objects.get(slug="elections").pk
    assert (
        listing_model.public_totals(["topic"], now=clock.now(), language="en")["topic"][elections]
        == 1
    )
    assert total("topic", "elections") == 1  # kept out until its time
    assert ListingPending.objects.filter(release_id=scheduled.pk).exists()
    # Its time comes with no write at all: readers count it.
    time_machine.move_to(later + timedelta(hours=1))
    assert (
        listing_model.public_totals(["topic"], now=clock.now(), language="en")["topic"][elections]
        == 2
    )
    # The next write of anything folds it into the totals.
    make_release("Unrelated")
    assert total("topic", "elections") == 2
    assert not ListingPending.objects.filter(release_id=scheduled.pk).exists()
    assert (
        listing_model.public_totals(["topic"], now=clock.now(), language="en")["topic"][elections]
        == 2
    )
    assert_consistent()


def test_bulk_writers_keep_the_read_model(tmp_path):
    call_command("seed_demo", releases=30, verbosity=0, stdout=StringIO())
    assert ListingRow.objects.filter(dimension="type").count() == 30
    assert_consistent()


def test_verify_finds_damage_and_check_trees_rebuilds_it():
    release = make_release("Damaged", tags={"countries": ["moldova"]})
    assert_consistent()  # positive control: right before the damage
    states = Country.objects.get(slug="participating-states").pk
    ListingRow.objects.filter(release_id=release.pk, dimension="country", value=states).delete()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE press_listingtotal SET n = n + 5 WHERE dimension = 'type'")
        cursor.execute(
            "UPDATE press_listingpair SET n = n + 2 "
            "WHERE dimension = 'type' AND other_dimension = 'year'"
        )
    problems = listing_model.verify()
    assert any("1 row(s) missing" in p for p in problems)
    assert any("listing totals" in p for p in problems)
    assert any("listing pairs" in p for p in problems)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("check_trees", stdout=StringIO(), stderr=err)
    assert "listing read model: BROKEN" in err.getvalue()
    out = StringIO()
    call_command("check_trees", rebuild=True, stdout=out, stderr=StringIO())
    assert "listing read model: rebuilt" in out.getvalue()
    assert ("country", "participating-states") in placed(release)
    assert_consistent()


def _mixed_releases(soon):
    """Two public releases, a draft and one scheduled for ``soon``, most under Moldova.

    Returns the first public one ("Public": Moldova, elections, 2024).
    """
    first = make_release(
        "Public",
        published_at=at(2024, 3, 1),
        tags={"countries": ["moldova"], "topics": ["elections"]},
    )
    make_release(
        "Public too",
        published_at=at(2023, 3, 1),
        tags={"countries": ["serbia", "moldova"], "structures": ["secretariat"]},
    )
    make_release("Draft", status="draft", tags={"countries": ["moldova"]})
    make_release("Scheduled", published_at=soon, tags={"countries": ["moldova"]})
    return first


def test_counts_from_rows_alone_agree_with_counting_the_releases(time_machine):
    """Two ways to one answer: the rows-only counts against a grouped count of the
    releases the filters select, over public, draft, scheduled and now-due releases."""
    from django.http import QueryDict

    from press.facets import counts_for, facet_params, value_counts
    from press.filters import PressReleaseFilterSet

    soon = clock.now() + timedelta(hours=2)
    _mixed_releases(soon)
    make_release(
        "Far future", published_at=soon + timedelta(days=30), tags={"topics": ["elections"]}
    )
    time_machine.move_to(soon + timedelta(minutes=1))  # "Scheduled" is now due, unwritten
    base = PressRelease.objects.published()
    for query in [
        "",
        "country=moldova",
        "country=participating-states&topic=elections",
        "year=2024",
        "type=press-release&country=serbia",
        "structure=secretariat",
    ]:
        filterset = PressReleaseFilterSet(QueryDict(query), queryset=base)
        params = facet_params()
        from_rows = counts_for(filterset, params, base_rows=[], fallback_key=None)
        from_releases = value_counts(filterset.qs, params)
        assert from_rows == from_releases, query
        assert sum(from_rows["type"].values()) == filterset.qs.count(), query


def test_counts_under_one_value_from_the_kept_pairs_agree_with_the_releases(time_machine):
    """A node page's and a one-filter listing's facets come from the kept pairs: they agree
    with a grouped count of the releases the filter selects, over public, draft,
    scheduled and now-due releases, after a re-tag, an unpublish and a delete."""
    from django.http import QueryDict

    from press.facets import counts_for, facet_params, value_counts
    from press.filters import PressReleaseFilterSet

    soon = clock.now() + timedelta(hours=2)
    first = _mixed_releases(soon)
    gone = make_release("Deleted", tags={"countries": ["moldova"], "topics": ["youth"]})
    first.topics.set([Topic.objects.get(slug="youth")])
    gone.delete()
    unpublished = make_release("Unpublished", tags={"countries": ["moldova"]})
    unpublished.status = "draft"
    unpublished.save()
    time_machine.move_to(soon + timedelta(minutes=1))  # "Scheduled" is now due, unwritten
    base = PressRelease.objects.published()
    for param, slug in [
        ("country", "moldova"),
        ("country", "participating-states"),
        ("topic", "youth"),
        ("structure", "secretariat"),
        ("type", "press-release"),
        ("year", "2024"),
    ]:
        filterset = PressReleaseFilterSet(QueryDict(f"{param}={slug}"), queryset=base)
        params = [p for p in facet_params() if p != param]
        from_pairs = counts_for(filterset, params, base_rows=[], fallback_key=None)
        from_releases = value_counts(filterset.qs, params)
        assert from_pairs == from_releases, (param, slug)
    # Under two single values, the count is the kept pair's.
    from press.facets import rows_count

    for query in [
        "country=moldova&topic=youth",
        "country=participating-states&year=2024",
        "type=press-release&country=serbia",
        "structure=secretariat&country=moldova",
        "topic=elections&year=2023",
    ]:
        filterset = PressReleaseFilterSet(QueryDict(query), queryset=base)
        assert rows_count(filterset, base_rows=[]) == filterset.qs.count(), query
    # Moldova, written down: Public (now youth), Public too, the now-due Scheduled.
    moldova = PressReleaseFilterSet(QueryDict("country=moldova"), queryset=base)
    counts = counts_for(moldova, ["topic"], base_rows=[], fallback_key=None)
    youth = Topic.objects.get(slug="youth").pk
    assert counts["topic"] == {youth: 1}
    assert sum(counts_for(moldova, ["type"], base_rows=[], fallback_key=None)["type"].values()) == 3
    assert_consistent()
