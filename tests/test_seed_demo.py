"""seed_demo: realistic generated releases, in bulk, with a bounded number of queries."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from osce_cms.content import content_version
from press.demo import generate_releases, load_context, plan_releases
from press.html import sanitize_html
from press.models import NODE_RELATIONS, PressRelease
from taxonomy.models import TREE_MODELS, Structure

pytestmark = pytest.mark.usefixtures("taxonomy")


def links(relation):
    """(release pk, node pk) pairs of one relation."""
    field = PressRelease._meta.get_field(relation)
    through = field.remote_field.through
    return set(
        through.objects.values_list(
            f"{field.m2m_field_name()}_id", f"{field.m2m_reverse_field_name()}_id"
        )
    )


@pytest.fixture
def seeded():
    out = StringIO()
    call_command("seed_demo", releases=300, stdout=out)
    return out.getvalue()


def test_creates_the_number_asked_for_and_reports_progress(seeded):
    assert PressRelease.objects.count() == 300
    assert "300/300 releases…" in seeded
    assert "Created 300 releases in" in seeded
    assert "releases/s" in seeded


def test_every_release_is_tagged_in_each_required_tree(seeded):
    for relation in ("topics", "locations", "structures", "sources"):
        assert not PressRelease.objects.filter(**{relation: None}).exists(), relation
    assert PressRelease.objects.filter(meetings=None).count() < 300


def test_all_four_trees_are_used_leaves_and_inner_nodes(seeded):
    for relation in NODE_RELATIONS.values():
        model = PressRelease._meta.get_field(relation).related_model
        used = model.objects.filter(pk__in={node for _, node in links(relation)})
        assert used.count() >= 5, relation
        if relation != "meetings":  # the shipped meetings tree is flat
            assert any(node.is_leaf_node() for node in used), relation
            assert any(not node.is_leaf_node() for node in used), relation


def test_each_source_is_also_a_structure(seeded):
    sources = links("sources")
    assert len(sources) == 300  # one source a release
    assert sources <= links("structures")


def test_tag_counts_stay_within_the_ranges(seeded):
    for relation, low, high in (
        ("topics", 1, 3),
        ("locations", 1, 3),
        ("structures", 1, 2),
        ("meetings", 0, 1),
    ):
        per_release = Counter(release for release, _ in links(relation))
        assert all(low <= n <= high for n in per_release.values()), relation
    with_meeting = len({release for release, _ in links("meetings")})
    assert 30 <= with_meeting <= 90  # about 20%


def test_field_operations_mostly_tag_their_own_country(seeded):
    operations = dict(
        Structure.objects.filter(location__isnull=False).values_list("pk", "location_id")
    )
    locations = links("locations")
    from_operations = [(r, operations[s]) for r, s in links("sources") if s in operations]
    assert len(from_operations) > 20
    own = sum((release, country) in locations for release, country in from_operations)
    assert own >= 0.75 * len(from_operations)


def test_statuses_and_dates(seeded):
    now = timezone.now()
    releases = PressRelease.objects.all()
    drafts = releases.filter(status=PressRelease.Status.DRAFT)
    scheduled = releases.scheduled(now)
    published = releases.published(now)
    assert drafts.count() == 9 and scheduled.count() == 3  # 3% and 1% of 300
    assert published.count() == 288
    assert not drafts.filter(published_at__isnull=False).exists()
    assert not scheduled.filter(published_at__gt=now + timedelta(days=60)).exists()
    earliest = published.order_by("published_at").first().published_at
    assert earliest >= datetime(2003, 12, 31, 23, tzinfo=UTC)
    assert timezone.is_aware(earliest)
    # Spread over the years, not bunched.
    years = Counter(published.values_list("published_at__year", flat=True))
    assert len(years) >= 15


def test_types_spread_with_press_release_most_common(seeded):
    counts = Counter(PressRelease.objects.values_list("type__slug", flat=True))
    assert len(counts) >= 6
    assert counts.most_common(1)[0][0] == "press-release"


def test_slugs_unique_and_text_is_safe_html(seeded):
    releases = list(PressRelease.objects.values("slug", "title", "summary", "body", "place"))
    assert len({r["slug"] for r in releases}) == len(releases)
    for release in releases:
        assert release["title"] and release["summary"] and release["place"]
        assert release["body"].startswith("<p>") and release["body"].endswith("</p>")
        assert 3 <= release["body"].count("<p>") <= 6
        assert sanitize_html(release["body"]) == release["body"]


def test_same_seed_same_plan_other_seed_other_plan():
    context = load_context()
    now = timezone.now()
    first = list(plan_releases(150, context=context, seed=5, now=now))
    again = list(plan_releases(150, context=context, seed=5, now=now))
    other = list(plan_releases(150, context=context, seed=6, now=now))
    assert first == again
    assert [p.title for p in first] != [p.title for p in other]
    assert len({p.title for p in first}) > 100  # varied, not a handful of templates


def test_a_second_run_with_the_same_seed_adds_new_releases():
    call_command("seed_demo", releases=40, seed=3, stdout=StringIO())
    call_command("seed_demo", releases=40, seed=3, stdout=StringIO())
    assert PressRelease.objects.count() == 80
    assert PressRelease.objects.values("slug").distinct().count() == 80
    titles = list(PressRelease.objects.order_by("pk").values_list("title", flat=True))
    assert titles[:40] == titles[40:]


def test_a_generated_slug_already_taken_is_renamed():
    """A hand-made slug that looks like a generated one does not break the run."""
    plan = next(plan_releases(1, context=load_context(), seed=9))
    top = PressRelease.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    call_command("seed_demo", releases=1, seed=9, stdout=StringIO())
    taken = PressRelease.objects.get()
    assert taken.slug == f"{plan.slug_base}-{top + 1}"
    taken.slug = f"{plan.slug_base}-{taken.pk + 1}"
    taken.save()
    generate_releases(1, seed=9)
    assert PressRelease.objects.count() == 2
    assert PressRelease.objects.values("slug").distinct().count() == 2


def test_query_count_does_not_grow_with_the_number_of_releases(django_assert_max_num_queries):
    with django_assert_max_num_queries(60) as small:
        generate_releases(200, batch_size=1000)
    with django_assert_max_num_queries(60) as large:
        generate_releases(400, batch_size=1000)
    # One batch each: the same statements. SQLite splits an INSERT at 999
    # parameters, so there the larger batch takes a few more.
    slack = 0 if connection.vendor == "postgresql" else 15
    assert len(large.captured_queries) - len(small.captured_queries) <= slack


def test_bulk_insert_returns_ids():
    """seed_demo relies on the backend returning the new pks from a bulk insert."""
    assert connection.features.can_return_rows_from_bulk_insert


def test_cached_pages_are_invalidated():
    before = content_version()
    generate_releases(5)
    assert content_version() > before


def _raw_empty(model, done):
    """Delete every row of ``model`` and of what points to it, without any rules.

    Inside the test's transaction: it all comes back at the rollback.
    """
    for relation in model._meta.related_objects:
        dependent = relation.through if relation.many_to_many else relation.related_model
        if dependent is not model and dependent not in done:
            _raw_empty(dependent, done)
    model._base_manager.all()._raw_delete(model._base_manager.db)
    done.add(model)


def test_empty_trees_stop_with_a_hint_to_load_them():
    done = set()
    for model in TREE_MODELS:
        _raw_empty(model, done)
    with pytest.raises(CommandError, match="load_taxonomy"):
        call_command("seed_demo", releases=10, stdout=StringIO())
    assert not PressRelease.objects.exists()
