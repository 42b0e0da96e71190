"""seed_demo: realistic generated releases, in bulk, with a bounded number of queries."""

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
from PIL import Image
from reversion.models import Version

from press.demo import generate_releases, load_context, plan_releases
from press.dimensions import RELATIONS
from press.html import sanitize_html
from press.models import PressRelease
from press.versions import release_version
from taxonomy.models import TREE_MODELS, Country, Structure

pytestmark = pytest.mark.usefixtures("taxonomy")


@pytest.fixture(scope="module")
def demo_media(tmp_path_factory):
    """One media folder for the module: the image pool is drawn once."""
    return tmp_path_factory.mktemp("demo-media")


@pytest.fixture(autouse=True)
def _media_root(settings, demo_media):
    settings.MEDIA_ROOT = demo_media


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
    assert "Created 300 releases (" in seeded
    assert "releases/s" in seeded


def test_every_release_is_tagged_in_each_required_tree(seeded):
    for relation in ("topics", "countries", "structures", "sources"):
        assert not PressRelease.objects.filter(**{relation: None}).exists(), relation
    assert PressRelease.objects.filter(meetings=None).count() < 300


def test_all_four_trees_are_used_leaves_and_inner_nodes(seeded):
    for relation in RELATIONS:
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
        ("countries", 1, 3),
        ("structures", 1, 2),
        ("meetings", 0, 1),
    ):
        per_release = Counter(release for release, _ in links(relation))
        assert all(low <= n <= high for n in per_release.values()), relation
    with_meeting = len({release for release, _ in links("meetings")})
    assert 30 <= with_meeting <= 90  # about 20%


def test_field_operations_mostly_tag_their_own_country(seeded):
    operations = dict(
        Structure.objects.filter(country__isnull=False).values_list("pk", "country_id")
    )
    tagged_countries = links("countries")
    from_operations = [(r, operations[s]) for r, s in links("sources") if s in operations]
    assert len(from_operations) > 20
    own = sum((release, country) in tagged_countries for release, country in from_operations)
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
    """seed_demo relies on the backend returning the new pks from a bulk insert (where
    ``press.bulk.copy_create`` does not draw them from the sequence first: SQLite)."""
    assert connection.features.can_return_rows_from_bulk_insert


def test_cached_pages_are_invalidated():
    before = release_version()
    generate_releases(5)
    assert release_version() > before


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


def test_every_seeded_release_has_a_first_version_of_its_own(seeded):
    releases = PressRelease.objects.all()
    versions = Version.objects.get_for_model(PressRelease)
    assert versions.count() == 300
    assert set(versions.values_list("object_id", flat=True)) == {
        str(pk) for pk in releases.values_list("pk", flat=True)
    }
    # One revision a release: reverting one never touches another.
    assert versions.values("revision").distinct().count() == 300


def test_a_seeded_release_is_restored_from_its_first_version_after_an_edit(seeded):
    release = PressRelease.objects.filter(status="published").order_by("pk")[5]
    original = {
        "title": release.title,
        "body": release.body,
        "published_at": release.published_at,
        "topics": set(release.topics.values_list("pk", flat=True)),
        "countries": set(release.countries.values_list("pk", flat=True)),
    }
    assert original["topics"] and original["countries"]
    release.title = "Edited title"
    release.body = "<p>Edited body.</p>"
    release.save()
    release.topics.clear()
    release.countries.clear()

    first = Version.objects.get_for_object(release).earliest("revision__date_created")
    first.revision.revert()

    release.refresh_from_db()
    assert release.title == original["title"]
    assert release.body == original["body"]
    assert release.published_at == original["published_at"]
    assert set(release.topics.values_list("pk", flat=True)) == original["topics"]
    assert set(release.countries.values_list("pk", flat=True)) == original["countries"]
    # The others are untouched by the revert.
    assert PressRelease.objects.filter(title="Edited title").count() == 0


# --- A real newsroom: the text, the tags and the pictures agree -----------------

#: What a release tagged with these fields of work talks about (any one word).
TOPIC_WORDS = {
    "elections": ["elect", "vot", "campaign"],
    "media-freedom-and-development": [
        "media",
        "journalis",
        "expression",
        "information",
        "defamation",
        "broadcast",
    ],
    "safety-of-journalists": ["journalist"],
    "combating-trafficking-in-human-beings": ["traffick", "exploitation"],
    "policing": ["polic", "crime"],
    "gender-equality": ["women", "gender"],
    "roma-and-sinti": ["roma"],
    "water-management": ["water"],
    "border-management": ["border", "travel documents"],
    "arms-control": ["arms", "ammunition", "confidence"],
    "youth": ["youth", "young"],
    "rule-of-law": ["judicial", "justice", "trial", "court"],
}
#: What a release from these structures names (any one).
SOURCE_WORDS = {
    "office-for-democratic-institutions-and-human-rights": ["ODIHR"],
    "high-commissioner-on-national-minorities": ["High Commissioner on National Minorities"],
    "representative-on-freedom-of-the-media": ["Representative on Freedom of the Media"],
    "chairpersonship": ["Chairperson-in-Office", "Chairpersonship"],
    "secretary-general": ["Secretary General"],
    "parliamentary-assembly": ["Parliamentary Assembly"],
    "mission-to-moldova": ["Mission to Moldova"],
    "mission-in-kosovo": ["Mission in Kosovo"],
    "presence-in-albania": ["Presence in Albania"],
    # Named as it was on the release's day: the Centre in Bishkek until April 2017.
    "programme-office-in-bishkek": ["Programme Office in Bishkek", "Centre in Bishkek"],
    "conflict-prevention-centre": ["Conflict Prevention Centre"],
}
#: What a release tagged with these meetings names.
MEETING_WORDS = {
    "plenary-meetings-of-the-permanent-council": ["Permanent Council"],
    "ministerial-council-meetings": ["Ministerial Council"],
    "human-rights-meetings": ["Human Dimension"],
    "media-conferences": ["Media Conference"],
    "economic-and-environmental-forum": ["Economic and Environmental Forum"],
    "summit-meetings": ["Summit"],
}
#: Last day of the closed field operations, from their descriptions in the shipped data.
#: Their last days, as the organisation's decisions and closure notices give them.
CLOSED = {
    "special-monitoring-mission-to-ukraine": date(2022, 10, 31),
    "project-co-ordinator-in-ukraine": date(2022, 10, 31),
    "observer-mission-at-the-russian-checkpoints-gukovo-and-donetsk": date(2021, 9, 30),
    "project-co-ordinator-in-baku": date(2015, 7, 4),
    "office-in-yerevan": date(2017, 8, 31),
    "office-in-minsk": date(2011, 3, 31),
    "mission-to-georgia": date(2009, 6, 30),
    "mission-to-croatia": date(2007, 12, 31),
    "office-in-zagreb": date(2012, 1, 17),
}
#: First day of field operations that opened after the demo's first year.
OPENED = {"mission-to-montenegro": date(2006, 6, 29), "office-in-zagreb": date(2008, 1, 1)}
DATELINE = re.compile(
    r"^<p>[A-ZÀ-Ž][A-ZÀ-Ž .'/-]+, (\d{1,2}) (January|February|March|April|May|June|July|"
    r"August|September|October|November|December) (\d{4}) – "
)


@pytest.fixture
def newsroom(settings):
    """Enough releases that every dimension is met many times."""
    call_command("seed_demo", releases=800, seed=2, stdout=StringIO())
    return PressRelease.objects.prefetch_related("topics", "countries", "structures", "meetings")


def _text(release):
    return f"{release.title} {release.body}".lower()


def _check(releases, relation, words):
    """(checked, failures) for the releases tagged with a node whose key has words."""
    checked, failures = 0, []
    for release in releases:
        text = _text(release)
        for node in getattr(release, relation).all():
            if node.key in words:
                checked += 1
                if not any(word.lower() in text for word in words[node.key]):
                    failures.append((release.title, node.key))
    return checked, failures


def test_fields_of_work_match_the_text(newsroom):
    checked, failures = _check(newsroom, "topics", TOPIC_WORDS)
    assert checked > 150
    assert failures == [], "\n".join(map(str, failures))


def test_structures_match_the_text(newsroom):
    checked, failures = _check(newsroom, "structures", SOURCE_WORDS)
    assert checked > 100
    assert failures == []


def test_meetings_match_the_text(newsroom):
    checked, failures = _check(newsroom, "meetings", MEETING_WORDS)
    assert checked > 20
    assert failures == []


def test_every_tagged_country_is_named_in_the_text(newsroom):
    checked, failures = 0, []
    for release in newsroom:
        text = _text(release)
        for country in release.countries.all():
            if country.is_leaf_node():
                checked += 1
                if country.name.lower() not in text:
                    failures.append((release.title, country.name))
    assert checked >= 800
    assert failures == []


def test_a_field_operation_speaks_about_its_own_country(newsroom):
    operations = dict(
        Structure.objects.filter(country__isnull=False).values_list("pk", "country_id")
    )
    checked = 0
    for release in newsroom.prefetch_related("sources"):
        for source in release.sources.all():
            if source.pk in operations:
                checked += 1
                assert operations[source.pk] in {loc.pk for loc in release.countries.all()}
    assert checked > 100


def test_no_release_is_tagged_with_a_former_state(newsroom):
    former = Country.objects.get(key="former-participating-states").get_children()
    assert former.count() == 3  # Czechoslovakia, the GDR, the SFRY
    assert not newsroom.filter(countries__in=former).exists()
    assert newsroom.filter(countries__key="czechia").exists()  # positive control


def test_no_release_after_its_field_operation_closed_or_before_it_opened(newsroom):
    tagged = 0
    for key, last_day in CLOSED.items():
        releases = newsroom.filter(structures__key=key)
        tagged += releases.count()
        # Nothing of a closed operation is still being written or scheduled.
        assert not releases.filter(published_at__isnull=True).exists(), key
        assert not releases.filter(published_at__gt=timezone.now()).exists(), key
        late = releases.filter(published_at__date__gt=last_day)
        assert not late.exists(), (key, list(late.values_list("published_at", flat=True)))
    assert tagged > 40
    for key, first_day in OPENED.items():
        releases = newsroom.filter(structures__key=key)
        assert releases.exists(), key
        assert not releases.filter(published_at__date__lt=first_day).exists(), key


def test_bodies_read_like_press_releases(newsroom):
    bodies = set()
    for release in newsroom:
        body = release.body
        match = DATELINE.match(body)
        assert match, body[:120]
        when = release.published_at or timezone.now()
        local = timezone.localtime(when).date()
        assert (int(match[1]), match[2], int(match[3])) == (
            local.day,
            local.strftime("%B"),
            local.year,
        ), (body[:80], local)
        paragraphs = re.findall(r"<p>(.*?)</p>", body)
        assert len(paragraphs) >= 3
        assert len(set(paragraphs)) == len(paragraphs), body  # no paragraph twice
        assert release.summary not in body  # the body tells it in its own words
        bodies.add(body)
    assert len(bodies) == newsroom.count()  # no two releases read the same


def test_quotes_are_attributed_to_a_role(newsroom):
    quotes = 0
    for release in newsroom:
        if "issued the following statement" in release.body:
            continue  # the whole body is the statement of the role named in its lead
        for paragraph in re.findall(r"<p>(.*?)</p>", release.body):
            if paragraph.startswith("“") or "said: “" in paragraph:
                quotes += 1
                assert re.search(
                    r"(said the |[Tt]he [A-Z][^“”]+ said|said a representative)", paragraph
                ), paragraph
    assert quotes > 300
    # Roles, not invented people: "said the Head of ...", never "said John Smith".
    names = re.compile(r"said (?!the |a )[A-Z][a-z]+ [A-Z][a-z]+")
    assert not any(names.search(release.body) for release in newsroom)


def test_about_half_the_releases_have_a_lead_image_with_alt_text_and_credit(newsroom):
    with_image = newsroom.exclude(lead_image="")
    share = with_image.count() / newsroom.count()
    assert 0.4 <= share <= 0.6
    names = set()
    for release in with_image:
        assert release.lead_image_alt.startswith("Illustration: ")
        assert len(release.lead_image_alt) > 40
        assert release.lead_image_credit == "OSCE/Illustration"
        assert (release.lead_image_width, release.lead_image_height) == (1600, 900)
        names.add(release.lead_image.name)
    assert len(names) >= 10  # varied pictures, not one
    for name in names:
        assert default_storage.exists(name)
        with default_storage.open(name) as file, Image.open(file) as picture:
            assert picture.size == (1600, 900)
            # A composition, not a flat fill or noise: many colours, a visible range.
            extremes = picture.convert("L").getextrema()
            assert extremes[1] - extremes[0] > 60
    release = with_image.first()
    for field, _ in PressRelease.RENDITIONS:
        assert default_storage.exists(getattr(release, field).name), field


def test_the_image_pool_is_drawn_once_and_reused(demo_media):
    generate_releases(20, seed=4)
    folder = Path(demo_media) / "press" / "demo"
    before = {path: path.stat().st_mtime_ns for path in folder.iterdir()}
    generate_releases(20, seed=5)
    after = {path: path.stat().st_mtime_ns for path in folder.iterdir()}
    assert before == after
    assert len(after) == 16


# --- Progress and summary --------------------------------------------------------


class Terminal(StringIO):
    """An output stream that says it is a terminal."""

    def isatty(self):
        return True


def test_seed_demo_draws_a_bar_on_a_terminal_and_prints_a_summary():
    out, err = StringIO(), Terminal()
    call_command("seed_demo", releases=30, stdout=out, stderr=err)
    assert "Releases" in err.getvalue() and "/30" in err.getvalue()
    summary = out.getvalue()
    assert re.search(
        r"Created 30 releases \(\d+ with a lead image, each with a first revision\)", summary
    )


def test_seed_demo_is_quiet_off_a_terminal():
    err = StringIO()
    call_command("seed_demo", releases=30, stdout=StringIO(), stderr=err)
    assert err.getvalue() == ""


def test_load_taxonomy_draws_a_bar_on_a_terminal_and_prints_a_summary():
    out, err = StringIO(), Terminal()
    call_command("load_taxonomy", stdout=out, stderr=err)
    assert "Taxonomy" in err.getvalue() and "node" in err.getvalue()
    assert re.search(r"nothing changed \(\d{3} nodes checked in \d+\.\d s\)", out.getvalue())
    quiet = StringIO()
    call_command("load_taxonomy", stdout=StringIO(), stderr=quiet)
    assert quiet.getvalue() == ""


def test_the_front_page_shows_recent_news(newsroom):
    now = timezone.now()
    published = newsroom.published(now)
    last_year = published.filter(published_at__gte=now - timedelta(days=365)).count()
    assert last_year >= 0.15 * published.count()
    assert published.filter(published_at__gte=now - timedelta(days=14)).exists()
