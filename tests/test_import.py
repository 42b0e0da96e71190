"""import_press_releases: formats, name resolution, per-record transactions, idempotency,
revisions, progress and the summary."""

import datetime as dt
import json
from io import StringIO
from pathlib import Path

import pytest
import reversion
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from press.importing import (
    import_files,
    normalize_place,
    parse_page,
    split_dateline,
)
from press.models import PressRelease
from taxonomy.models import Meeting, MeetingAlias, Topic, TopicAlias
from tests.factories import UserFactory

ROOT = Path(settings.BASE_DIR)
SEED = ROOT / "press" / "data" / "seed" / "osce-press-release-2024-05-17.txt"
DATA = Path(__file__).resolve().parent / "data"
SEED_TITLE = (
    "OSCE and Council of Europe leadership stress the importance of strengthened "
    "co-operation to protect the principles and values of the Organizations"
)

pytestmark = pytest.mark.usefixtures("taxonomy")


def record(**overrides):
    data = {
        "title": "Chairpersonship welcomes agreement",
        "date": "2025-03-03",
        "type": "Press release",
        "place": "Vienna",
        "sources": ["OSCE Chairpersonship"],
        "structures": [],
        "topics": ["Elections"],
        "countries": ["Austria"],
        "meetings": [],
        "summary": "A summary.",
        "body": "First paragraph.\n\nSecond paragraph.",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not ...}


def write_jsonl(path, *records):
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(*paths, dry_run=False):
    """call_command; returns (stdout, stderr, error or None)."""
    out, err = StringIO(), StringIO()
    args = [str(p) for p in paths] + (["--dry-run"] if dry_run else [])
    try:
        call_command("import_press_releases", *args, stdout=out, stderr=err)
    except CommandError as exc:
        return out.getvalue(), err.getvalue(), exc
    return out.getvalue(), err.getvalue(), None


def local_date(moment):
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def slugs(manager):
    return set(manager.values_list("slug", flat=True))


# --- The seed page --------------------------------------------------------------


def test_seed_page_imports_with_every_field():
    report = import_files([SEED])
    assert (report.created, report.failed) == (1, 0), report.errors

    release = PressRelease.objects.get()
    assert release.title == SEED_TITLE
    assert local_date(release.published_at) == dt.date(2024, 5, 17)
    assert timezone.localtime(release.published_at).time() == dt.time(0, 0)
    assert release.place == "Strasbourg"
    assert release.type.name == "Press release"
    assert release.status == PressRelease.Status.PUBLISHED
    assert slugs(release.sources) == {"chairpersonship", "secretariat"}
    assert slugs(release.structures) >= {"chairpersonship", "secretariat"}
    assert release.body.count("<p>") == 7
    assert release.body.startswith("<p>The leadership of the Council of Europe")
    assert "STRASBOURG" not in release.body
    assert release.is_public


def test_seed_page_reimport_changes_nothing():
    import_files([SEED])
    before = list(PressRelease.objects.values_list("pk", "updated_at"))

    out, err, error = run(SEED)

    assert error is None, err
    assert "created 0, updated 0, unchanged 1, failed 0" in out
    assert list(PressRelease.objects.values_list("pk", "updated_at")) == before


# --- Bad records --------------------------------------------------------------------


def test_bad_record_is_reported_and_the_others_go_in(tmp_path):
    path = write_jsonl(
        tmp_path / "three.jsonl",
        record(title="First release"),
        record(title="Second release", date="2024-02-30", type="Podcast"),
        record(title="Third release"),
    )

    out, err, error = run(path)

    assert isinstance(error, CommandError)
    assert "created 2, updated 0, unchanged 0, failed 1" in out
    [line] = [line for line in err.splitlines() if line.startswith(f"{path}:")]
    assert line.startswith(f"{path}:2: ")
    assert "bad date '2024-02-30'" in line and "unknown type 'Podcast'" in line
    assert set(PressRelease.objects.values_list("title", flat=True)) == {
        "First release",
        "Third release",
    }
    assert not PressRelease.objects.filter(title="Second release").exists()


@pytest.mark.parametrize(
    "bad, expected",
    [
        (record(title=""), "missing title"),
        (record(title=...), "missing title"),
        (record(date="2024-13-45"), "bad date '2024-13-45'"),
        (record(date=...), "missing date"),
        ('{"title": "Broken", "date": ', "invalid JSON"),
        ("[1, 2]", "expected a JSON object"),
        (record(colour="blue", author="x"), "unknown key(s): 'author', 'colour'"),
        (record(type="Podcast"), "unknown type 'Podcast'"),
        (record(status="archived"), "bad status"),
        (record(topics="Elections"), "'topics' must be a list of names"),
        (record(source_url="not a url"), "bad source_url"),
    ],
)
def test_each_kind_of_bad_record_is_reported_with_its_line(tmp_path, bad, expected):
    # A blank line counts: the bad record is on line 4.
    path = write_jsonl(tmp_path / "in.jsonl", record(title="Good one"), "", "", bad)

    report = import_files([path])

    assert (report.created, report.failed) == (1, 1)
    [error] = report.errors
    assert error.startswith(f"{path}:4: ")
    assert expected in error
    assert PressRelease.objects.count() == 1


def test_every_problem_of_a_record_is_named_at_once(tmp_path):
    path = write_jsonl(
        tmp_path / "in.jsonl",
        record(title="", date="yesterday", meetings=["Tea party"], colour="red"),
    )

    report = import_files([path])

    [error] = report.errors
    for part in ("unknown key(s): 'colour'", "missing title", "bad date"):
        assert part in error
    # The unknown tag is no reason to refuse a record, but it is named with the errors.
    assert "Tea party" not in error
    assert report.warnings == [
        f"{path}:1: warning: tag 'Tea party' given under meetings matches no node; "
        "imported without it"
    ]


def test_unreadable_file_is_a_failure_and_the_other_files_go_in(tmp_path):
    good = write_jsonl(tmp_path / "good.jsonl", record())

    out, err, error = run(tmp_path / "missing.jsonl", good)

    assert isinstance(error, CommandError)
    assert "created 1, updated 0, unchanged 0, failed 1" in out
    assert f"{tmp_path / 'missing.jsonl'}: cannot read" in err


def test_summary_is_printed_before_the_command_fails(tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", record(date="2024-13-45"))
    out, err, error = run(path)
    assert "failed 1" in out
    assert "1 record(s) failed" in str(error)


# --- Names ----------------------------------------------------------------------


def test_aliases_prefixes_and_closed_suffixes_resolve(tmp_path):
    path = write_jsonl(
        tmp_path / "in.jsonl",
        record(
            sources=["OSCE Mission to Moldova", "OSCE Chairmanship"],
            structures=["OSCE Mission to Georgia (closed)"],
            countries=["Czech Republic", "republic of moldova"],
            topics=["ELECTIONS", "Media freedom"],
            meetings=["OSCE Ministerial Council meetings"],
            type="press-release",
        ),
    )

    report = import_files([path])

    assert report.created == 1, report.errors
    release = PressRelease.objects.get()
    assert slugs(release.sources) == {"mission-to-moldova", "chairpersonship"}
    assert slugs(release.structures) == {
        "mission-to-moldova",
        "chairpersonship",
        "mission-to-georgia",
    }
    assert slugs(release.countries) == {"czechia", "moldova"}
    assert slugs(release.topics) == {"elections", "media-freedom-and-development"}
    assert slugs(release.meetings) == {"ministerial-council-meetings"}
    assert release.type.slug == "press-release"


# --- Idempotency and updates ------------------------------------------------------


def test_changed_summary_updates_the_release(tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", record(), record(title="Another"))
    import_files([path])
    pk = PressRelease.objects.get(title="Chairpersonship welcomes agreement").pk

    write_jsonl(path, record(summary="A better summary."), record(title="Another"))
    out, err, error = run(path)

    assert error is None, err
    assert "created 0, updated 1, unchanged 1, failed 0" in out
    assert PressRelease.objects.count() == 2
    assert PressRelease.objects.get(pk=pk).summary == "A better summary."


def test_changed_tags_update_the_links(tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", record())
    import_files([path])

    write_jsonl(path, record(topics=["Gender equality"], countries=[]))
    report = import_files([path])

    assert report.updated == 1
    [outcome] = report.outcomes
    assert set(outcome.changed) == {"topics", "countries"}
    release = PressRelease.objects.get()
    assert slugs(release.topics) == {"gender-equality"}
    assert not release.countries.exists()
    assert slugs(release.structures) == {"chairpersonship"}


def test_source_url_is_the_identity_when_given(tmp_path):
    url = "https://www.osce.org/chairpersonship/566001"
    path = write_jsonl(tmp_path / "in.jsonl", record(source_url=url))
    import_files([path])

    write_jsonl(path, record(source_url=url, title="Corrected title", date="2025-03-04"))
    report = import_files([path])

    assert (report.created, report.updated) == (0, 1)
    release = PressRelease.objects.get()
    assert (release.title, release.source_url) == ("Corrected title", url)


def test_explicit_slug_is_used_and_is_the_identity(tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", record(slug="my-own-address"))
    import_files([path])
    assert PressRelease.objects.get().slug == "my-own-address"

    write_jsonl(path, record(slug="my-own-address", title="Renamed"))
    report = import_files([path])

    assert (report.created, report.updated) == (0, 1)
    assert PressRelease.objects.get().title == "Renamed"


# --- An import never overwrites a release it does not own ----------------------------


def admin_release(**fields):
    """A release as an editor writes it in the admin (no import identity)."""
    from tests.conftest import make_release

    defaults = {"title": "Written in the admin", "summary": "The editor's summary."}
    return make_release(**{**defaults, **fields})


def unchanged(release):
    stored = PressRelease.objects.get(pk=release.pk)
    return (stored.title, stored.summary, stored.slug, stored.published_at) == (
        release.title,
        release.summary,
        release.slug,
        release.published_at,
    )


def test_a_record_with_the_slug_of_an_admin_release_gets_a_free_slug(tmp_path):
    mine = admin_release(slug="vienna-statement")
    path = write_jsonl(tmp_path / "in.jsonl", record(slug="vienna-statement", title="Imported"))

    out, err, error = run(path)

    assert error is None, err
    assert "created 1, updated 0" in out and "slugs taken 1" in out
    assert f"{path}:1: warning: slug 'vienna-statement' belongs to another release" in err
    assert unchanged(mine)
    assert PressRelease.objects.get(title="Imported").slug == "vienna-statement-2"
    # A second run finds the release it created, not the editor's.
    assert "created 0, updated 0, unchanged 1" in run(path)[0]
    assert unchanged(mine)


def test_a_record_with_the_slug_of_a_release_from_another_address_gets_a_free_slug(tmp_path):
    first = write_jsonl(
        tmp_path / "a.jsonl", record(slug="shared", source_url="https://example.org/a")
    )
    import_files([first])
    second = write_jsonl(
        tmp_path / "b.jsonl",
        record(slug="shared", source_url="https://example.org/b", title="Another one"),
    )

    report = import_files([second])

    assert (report.created, report.updated, report.failed) == (1, 0, 0)
    assert dict(PressRelease.objects.values_list("source_url", "slug")) == {
        "https://example.org/a": "shared",
        "https://example.org/b": "shared-2",
    }
    assert PressRelease.objects.get(slug="shared").title == "Chairpersonship welcomes agreement"


def test_a_record_with_the_title_and_date_of_an_admin_release_is_another_release(tmp_path):
    moment = timezone.make_aware(dt.datetime(2025, 3, 3, 0, 0))
    mine = admin_release(title="Chairpersonship welcomes agreement", published_at=moment)
    path = write_jsonl(tmp_path / "in.jsonl", record(summary="The import's summary."))

    report = import_files([path])

    assert (report.created, report.updated) == (1, 0)
    assert unchanged(mine)
    assert PressRelease.objects.count() == 2
    assert import_files([path]).unchanged == 1


def test_a_record_with_the_source_address_of_an_admin_release_updates_it(tmp_path):
    """The one way to claim a release written by hand: give its source address."""
    url = "https://www.osce.org/chairpersonship/566001"
    mine = admin_release(source_url=url)
    path = write_jsonl(tmp_path / "in.jsonl", record(source_url=url, title="From the archive"))

    report = import_files([path])

    assert (report.created, report.updated) == (0, 1)
    assert PressRelease.objects.get(pk=mine.pk).title == "From the archive"


def test_two_records_with_one_slug_in_a_file_never_replace_each_other(tmp_path):
    path = write_jsonl(
        tmp_path / "in.jsonl",
        record(slug="twice", title="The first"),
        record(slug="twice", title="The second"),
        record(slug="twice", title="The first"),  # the same record again: nothing to do
    )

    out, err, error = run(path)

    assert isinstance(error, CommandError)
    assert "created 1, updated 0, unchanged 1, failed 1" in out
    [line] = [line for line in err.splitlines() if line.startswith(f"{path}:2: ")]
    assert "slug 'twice' is also on line 1 of this file" in line
    assert list(PressRelease.objects.values_list("title", flat=True)) == ["The first"]


def test_a_later_file_of_the_same_run_may_update_a_release(tmp_path):
    url = "https://example.org/corrected"
    first = write_jsonl(tmp_path / "a.jsonl", record(source_url=url))
    second = write_jsonl(tmp_path / "b.jsonl", record(source_url=url, summary="Corrected."))

    report = import_files([first, second])

    assert (report.created, report.updated, report.failed) == (1, 1, 0)
    assert PressRelease.objects.get().summary == "Corrected."


def test_same_title_on_another_day_is_another_release(tmp_path):
    path = write_jsonl(
        tmp_path / "in.jsonl",
        record(title="Daily report", date="2025-01-01"),
        record(title="Daily report", date="2025-01-02"),
        record(title="Daily report", date="2025-01-02"),  # the same one again
    )

    report = import_files([path])

    assert (report.created, report.unchanged) == (2, 1)
    assert sorted(PressRelease.objects.values_list("slug", flat=True)) == [
        "daily-report",
        "daily-report-2",
    ]
    assert import_files([path]).unchanged == 3


def test_dates_are_local_midnight_or_local_datetimes(tmp_path):
    path = write_jsonl(
        tmp_path / "in.jsonl",
        record(title="Date only", date="2025-06-30"),
        record(title="Local time", date="2025-06-30T23:30:00"),
        record(title="With offset", date="2025-06-30T23:30:00+00:00"),
    )
    import_files([path])
    tz = timezone.get_default_timezone()

    def moment(title):
        return timezone.localtime(PressRelease.objects.get(title=title).published_at, tz)

    assert moment("Date only").replace(tzinfo=None) == dt.datetime(2025, 6, 30)
    assert moment("Local time").replace(tzinfo=None) == dt.datetime(2025, 6, 30, 23, 30)
    assert moment("With offset") == dt.datetime(2025, 6, 30, 23, 30, tzinfo=dt.UTC)


def test_status_draft_is_kept(tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", record(status="draft"))
    import_files([path])
    release = PressRelease.objects.get()
    assert release.status == PressRelease.Status.DRAFT
    assert not release.is_public


# --- Dry run ------------------------------------------------------------------------


def test_dry_run_writes_nothing_but_says_what_would_happen(tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", record(), record(title="Another"))

    out, err, error = run(path, dry_run=True)

    assert error is None, err
    assert "created 2, updated 0, unchanged 0, failed 0" in out
    assert "Dry run" in out
    assert f"{path}:1: would create chairpersonship-welcomes-agreement" in out
    assert PressRelease.objects.count() == 0


def test_dry_run_reports_updates_without_making_them(tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", record())
    import_files([path])
    write_jsonl(path, record(summary="Changed."))

    report = import_files([path], dry_run=True)

    assert report.updated == 1
    assert report.outcomes[0].changed == ("summary",)
    assert PressRelease.objects.get().summary == "A summary."


# --- Plain-text pages and datelines ----------------------------------------------


def test_date_first_dateline():
    report = import_files([DATA / "page-date-first.txt"])

    assert report.created == 1, report.errors
    release = PressRelease.objects.get()
    assert release.type.name == "News"
    assert local_date(release.published_at) == dt.date(2025, 10, 30)
    assert release.place == "Sarajevo"
    assert release.body.startswith("<p>The OSCE Mission to Bosnia and Herzegovina today")
    assert slugs(release.sources) == {"mission-to-bosnia-and-herzegovina"}


def test_several_places_and_an_em_dash():
    report = import_files([DATA / "page-several-places.txt"])

    assert report.created == 1, report.errors
    release = PressRelease.objects.get()
    assert local_date(release.published_at) == dt.date(2025, 3, 3)
    assert release.place == "Vienna/Warsaw"
    assert release.body.startswith("<p>A new handbook")
    assert slugs(release.sources) == {
        "office-for-democratic-institutions-and-human-rights",
        "secretariat",
    }


@pytest.mark.parametrize(
    "paragraph, expected",
    [
        ("STRASBOURG, 17 May 2024 - Text", ("STRASBOURG", "17 May 2024", "Text")),
        ("VIENNA/WARSAW, 3 March 2025 – Text", ("VIENNA/WARSAW", "3 March 2025", "Text")),
        ("VIENNA/WARSAW, 3 March 2025 — Text", ("VIENNA/WARSAW", "3 March 2025", "Text")),
        ("30 October 2025, SARAJEVO – Text", ("SARAJEVO", "30 October 2025", "Text")),
        ("Vienna, 3 march 2025 – Text", ("Vienna", "3 march 2025", "Text")),
        ("NUR-SULTAN, 1 June 2019 - Text", ("NUR-SULTAN", "1 June 2019", "Text")),
        ("30 October 2025, BANJA LUKA – Text", ("BANJA LUKA", "30 October 2025", "Text")),
        ("ST. PETERSBURG, 5 July 2025 - Text", ("ST. PETERSBURG", "5 July 2025", "Text")),
        ("The meeting on 3 March 2025 - went well", None),
        ("Ministers met in Vienna. 3 March 2025 - Text", None),
        ("No dateline at all.", None),
    ],
)
def test_split_dateline(paragraph, expected):
    assert split_dateline(paragraph) == expected


@pytest.mark.parametrize(
    "place, expected",
    [
        ("STRASBOURG", "Strasbourg"),
        ("VIENNA/WARSAW", "Vienna/Warsaw"),
        ("THE HAGUE", "The Hague"),
        ("Vienna", "Vienna"),
        ("  BANJA   LUKA ", "Banja Luka"),
    ],
)
def test_normalize_place(place, expected):
    assert normalize_place(place) == expected


def test_page_date_line_wins_over_the_dateline():
    text = (
        "Press release\nTitle here\n- Date:\n- 18 May 2024\n- Place:\n- VIENNA\n"
        "STRASBOURG, 17 May 2024 - Body text.\n"
    )
    line, data = parse_page(text, type_names={"press release"})
    assert line == 2
    assert data["date"] == "2024-05-18"
    assert data["place"] == "VIENNA"
    assert data["body"] == "<p>Body text.</p>"


def test_page_without_a_date_fails_at_the_title_line(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text("-\n- Home\nPress release\nA title\n- Date:\n- Place:\nNo dateline here.\n")

    report = import_files([path])

    assert report.errors == [f"{path}:4: missing date"]
    assert not PressRelease.objects.exists()


def test_page_without_a_release_fails_at_line_one(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text("-\n- Home\nJust navigation\n")
    [error] = import_files([path]).errors
    assert error.startswith(f"{path}:1: no press release found")


def test_text_file_starting_with_a_brace_is_json_lines(tmp_path):
    path = write_jsonl(tmp_path / "export.txt", record())
    assert import_files([path]).created == 1


# --- Safety and scale -----------------------------------------------------------


def test_dangerous_html_is_sanitised(tmp_path):
    path = write_jsonl(
        tmp_path / "in.jsonl", record(body="<script>alert(1)</script><p onclick=x>Hi</p>")
    )
    import_files([path])
    body = PressRelease.objects.get().body
    assert body == "<p>Hi</p>"
    # Stored sanitised, so the same record again is unchanged.
    assert import_files([path]).unchanged == 1


def test_plain_text_body_becomes_escaped_paragraphs(tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", record(body="One & two.\n\nThree < four."))
    import_files([path])
    assert PressRelease.objects.get().body == "<p>One &amp; two.</p><p>Three &lt; four.</p>"


class Terminal(StringIO):
    """An error stream that says it is a terminal, as a person's shell is."""

    def isatty(self):
        return True


def test_long_import_draws_a_progress_bar_on_a_terminal(tmp_path):
    records = [record(title=f"Release {n}", date="2025-01-01") for n in range(1001)]
    path = write_jsonl(tmp_path / "long.jsonl", *records)
    err = Terminal()

    report = import_files([path], dry_run=True, stderr=err, verbosity=1)

    assert report.created == 1001
    assert "/1001" in err.getvalue()  # tqdm's "n/total"
    assert "line" in err.getvalue()


@pytest.mark.parametrize("stream, verbosity", [(StringIO, 1), (Terminal, 0)])
def test_no_progress_output_off_a_terminal_or_when_quiet(tmp_path, stream, verbosity):
    records = [record(title=f"Release {n}", date="2025-01-01") for n in range(1001)]
    path = write_jsonl(tmp_path / "long.jsonl", *records)
    err = stream()

    report = import_files([path], dry_run=True, stderr=err, verbosity=verbosity)

    assert report.created == 1001
    assert err.getvalue() == ""


def test_queries_do_not_grow_with_the_number_of_unchanged_records(
    tmp_path, django_assert_max_num_queries
):
    records = [record(title=f"Release {n}") for n in range(60)]
    path = write_jsonl(tmp_path / "in.jsonl", *records)
    import_files([path])

    # Name indexes (12: nodes, aliases, dated names of 4 trees) + types + one
    # batch: candidates, old slugs, 5 link tables; and per group of 50 records
    # (the transaction it is written in, here a savepoint inside the test's
    # transaction) a SAVEPOINT and its RELEASE.
    with django_assert_max_num_queries(24 + 2 * 2):
        report = import_files([path])
    assert report.unchanged == 60


def test_unknown_page_field_is_reported_at_the_title_line(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text("Press release\nA title\n- Date: 17 May 2024\n- Mood:\n- Happy\nBody.\n")
    assert import_files([path]).errors == [f"{path}:2: unknown field 'mood' on line 4"]


# --- Tags: never lose a release for a tag ------------------------------------------


def test_a_name_of_another_tree_is_filed_there_and_reported(tmp_path):
    # A real item names a region of the countries tree under structures.
    path = write_jsonl(
        tmp_path / "in.jsonl",
        record(structures=["Asian Partners for Co-operation"], countries=["Japan"]),
    )

    out, err, error = run(path)

    assert error is None, err
    assert "created 1, updated 0, unchanged 0, failed 0, tag warnings 1" in out
    assert (
        f"{path}:1: warning: tag 'Asian Partners for Co-operation' given under structures "
        "was filed under countries (Asian Partners for Co-operation)"
    ) in err.splitlines()
    release = PressRelease.objects.get()
    assert slugs(release.countries) == {"asian-partners-for-co-operation", "japan"}
    assert slugs(release.structures) == {"chairpersonship"}


@pytest.mark.parametrize(
    "key, name, relation, slug, filed_under",
    [
        ("sources", "Moldova", "countries", "moldova", "countries"),
        ("topics", "Secretariat", "structures", "secretariat", "structures"),
        ("countries", "Elections", "topics", "elections", "topics"),
        ("meetings", "Asian Partners", "countries", "asian-partners-for-co-operation", "countries"),
    ],
)
def test_every_key_files_a_name_found_in_exactly_one_other_tree(
    tmp_path, key, name, relation, slug, filed_under
):
    path = write_jsonl(
        tmp_path / "in.jsonl", record(**{"sources": [], "topics": [], "countries": [], key: [name]})
    )

    report = import_files([path])

    assert (report.created, report.failed, report.tag_warnings) == (1, 0, 1)
    [warning] = report.warnings
    assert warning.startswith(
        f"{path}:1: warning: tag {name!r} given under {key} was filed under {filed_under} "
    )
    release = PressRelease.objects.get()
    assert slug in slugs(getattr(release, relation))
    # A name found elsewhere is a tag of its own tree, never a source.
    assert not release.sources.exists()


def test_a_name_found_in_its_own_tree_stays_there_without_a_warning(tmp_path):
    Topic.objects.create(name="Moldova")  # a topic that shares a country's name
    path = write_jsonl(tmp_path / "in.jsonl", record(topics=["Moldova"], countries=[]))

    report = import_files([path])

    assert (report.created, report.tag_warnings) == (1, 0)
    release = PressRelease.objects.get()
    assert slugs(release.topics) == {"moldova"}
    assert not release.countries.exists()


def test_an_unknown_name_leaves_the_release_imported_without_it(tmp_path):
    path = write_jsonl(
        tmp_path / "in.jsonl",
        record(title="First release"),
        record(
            title="Second release",
            countries=["Austria", "Atlantis"],
            topics=["Elections", "Underwater basket weaving"],
        ),
    )

    out, err, error = run(path)

    assert error is None, err
    assert "created 2, updated 0, unchanged 0, failed 0, tag warnings 2" in out
    assert [line for line in err.splitlines() if line.startswith(f"{path}:")] == [
        f"{path}:2: warning: tag 'Underwater basket weaving' given under topics matches no "
        "node; imported without it",
        f"{path}:2: warning: tag 'Atlantis' given under countries matches no node; "
        "imported without it",
    ]
    release = PressRelease.objects.get(title="Second release")
    assert slugs(release.countries) == {"austria"}
    assert slugs(release.topics) == {"elections"}

    # The same file again changes nothing, and still says what was left out.
    again = import_files([path])
    assert (again.unchanged, again.tag_warnings) == (2, 2)


def test_a_name_of_several_other_trees_is_left_out_and_reported(tmp_path):
    Topic.objects.create(name="Harbour Watch")
    Meeting.objects.create(name="Harbour Watch conference", slug="harbour-watch-conference")
    MeetingAlias.objects.create(node=Meeting.objects.get(slug="harbour-watch-conference"),
                                name="Harbour Watch")  # fmt: skip
    path = write_jsonl(tmp_path / "in.jsonl", record(structures=["Harbour Watch"]))

    report = import_files([path])

    assert (report.created, report.failed) == (1, 0)
    [warning] = report.warnings
    assert warning.startswith(f"{path}:1: warning: tag 'Harbour Watch' given under structures ")
    assert "ambiguous" in warning and "imported without it" in warning
    assert "topics: Harbour Watch" in warning
    assert "meetings: Harbour Watch conference" in warning
    release = PressRelease.objects.get()
    assert not release.topics.filter(slug="harbour-watch").exists()
    assert not release.meetings.exists()


def test_a_name_of_two_nodes_of_its_own_tree_is_left_out_not_guessed(tmp_path):
    # "Harbour Watch" is a topic of two nodes, and a meeting elsewhere: no guess.
    for slug in ("elections", "youth"):
        TopicAlias.objects.create(node=Topic.objects.get(slug=slug), name="Harbour Watch")
    Meeting.objects.create(name="Harbour Watch")
    path = write_jsonl(tmp_path / "in.jsonl", record(topics=["Harbour Watch"]))

    report = import_files([path])

    assert (report.created, report.failed) == (1, 0)
    [warning] = report.warnings
    assert warning.startswith(f"{path}:1: warning: tag 'Harbour Watch' given under topics ")
    assert "ambiguous" in warning and "Elections" in warning and "Youth" in warning
    release = PressRelease.objects.get()
    assert not release.topics.exists() and not release.meetings.exists()


def test_a_page_export_with_a_misplaced_tag_is_imported(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text(
        "Press release\nA title\n- Date: 17 May 2024\n- Source:\n- OSCE Secretariat\n"
        "- Structure:\n- Asian Partners for Co-operation\nVIENNA, 17 May 2024 - Body.\n"
    )

    report = import_files([path])

    assert (report.created, report.failed) == (1, 0)
    assert report.warnings == [
        f"{path}:2: warning: tag 'Asian Partners for Co-operation' given under structures "
        "was filed under countries (Asian Partners for Co-operation)"
    ]
    release = PressRelease.objects.get()
    assert slugs(release.countries) == {"asian-partners-for-co-operation"}
    assert slugs(release.sources) == {"secretariat"}


# --- Revisions: what was imported can be restored ----------------------------------


def test_an_imported_release_can_be_restored_after_an_edit(tmp_path):
    path = write_jsonl(
        tmp_path / "in.jsonl",
        record(title="Imported title", body="Imported body.", topics=["Elections"]),
    )
    import_files([path])
    release = PressRelease.objects.get()
    with reversion.create_revision():
        release.title = "Edited title"
        release.body = "<p>Edited body.</p>"
        release.save()
        release.topics.set(Topic.objects.filter(slug="youth"))
        reversion.set_comment("Edited")

    versions = Version.objects.get_for_object(release)
    assert [v.revision.comment for v in versions] == ["Edited", "Imported from in.jsonl:1"]
    versions[1].revision.revert()

    release.refresh_from_db()
    assert release.title == "Imported title"
    assert release.body == "<p>Imported body.</p>"
    assert slugs(release.topics) == {"elections"}
    assert slugs(release.countries) == {"austria"}


def test_an_update_is_recorded_in_the_release_history(tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", record())
    import_files([path])
    write_jsonl(path, record(summary="Changed.", topics=["Youth"]))
    import_files([path])

    release = PressRelease.objects.get()
    updated, imported = Version.objects.get_for_object(release)
    assert imported.revision.comment == "Imported from in.jsonl:1"
    assert imported.field_dict["summary"] == "A summary."
    assert updated.revision.comment == "Updated by import from in.jsonl:1"
    assert updated.field_dict["summary"] == "Changed."
    youth = Topic.objects.get(slug="youth").pk
    assert set(updated.field_dict["topics"]) == {youth}


def test_the_import_version_is_the_one_reversion_itself_would_write(tmp_path):
    path = write_jsonl(
        tmp_path / "in.jsonl",
        record(
            sources=["OSCE Secretariat"],
            structures=["Mission to Moldova"],
            meetings=["Ministerial Council meetings"],
        ),
    )
    import_files([path])
    release = PressRelease.objects.get()
    with reversion.create_revision():
        reversion.add_to_revision(release)

    by_admin, by_import = Version.objects.get_for_object(release)
    # The same fields and values (a date may be written in another offset: the same moment).
    imported_data, admin_data = (json.loads(v.serialized_data) for v in (by_import, by_admin))
    assert imported_data[0]["fields"].keys() == admin_data[0]["fields"].keys()
    # Except the search vector: PostgreSQL computes it (a generated column, never
    # restored by a revert), so the import, which does not read the row back, has none.
    imported_fields, admin_fields = by_import.field_dict, by_admin.field_dict
    imported_fields.pop("search"), admin_fields.pop("search")
    assert imported_fields == admin_fields
    assert (by_import.object_repr, by_import.db, by_import.format) == (
        "Chairpersonship welcomes agreement",
        "default",
        "json",
    )
    assert set(by_import.field_dict["structures"]) == set(
        release.structures.values_list("pk", flat=True)
    )
    assert len(by_import.field_dict["structures"]) == 2  # the source is a structure too


def test_unchanged_records_and_dry_runs_write_no_revision(tmp_path):
    path = write_jsonl(tmp_path / "in.jsonl", record(), record(title="Another"))
    import_files([path], dry_run=True)
    assert not Version.objects.exists()

    import_files([path])
    assert Version.objects.count() == 2
    import_files([path])
    write_jsonl(path, record(summary="Changed."), record(title="Another"))
    import_files([path], dry_run=True)
    assert Version.objects.count() == 2


def test_the_admin_history_lists_the_import(tmp_path, client):
    path = write_jsonl(tmp_path / "in.jsonl", record())
    import_files([path])
    release = PressRelease.objects.get()
    client.force_login(UserFactory(username="boss", is_superuser=True))

    response = client.get(reverse("admin:press_pressrelease_history", args=[release.pk]))

    assert response.status_code == 200
    assert "Imported from in.jsonl:1" in response.content.decode()


# --- The summary ------------------------------------------------------------------


def test_the_summary_gives_each_file_then_the_totals(tmp_path):
    first = write_jsonl(tmp_path / "first.jsonl", record(), record(title="x", date="no"))
    second = write_jsonl(tmp_path / "second.jsonl", record(title="Other", topics=["Nowhere"]))

    out, err, error = run(first, second)

    assert isinstance(error, CommandError)
    assert out.splitlines()[-3:] == [
        f"{first}: created 1, updated 0, unchanged 0, failed 1, tag warnings 0, slugs taken 0",
        f"{second}: created 1, updated 0, unchanged 0, failed 0, tag warnings 1, slugs taken 0",
        "created 2, updated 0, unchanged 0, failed 1, tag warnings 1, slugs taken 0",
    ]


def test_releases_imported_before_the_import_identity_get_it_from_their_history(tmp_path):
    """The migration's backfill: a re-import after the upgrade still finds them."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("press.migrations.0007_import_key")
    url = "https://example.org/with-address"
    path = write_jsonl(tmp_path / "in.jsonl", record(), record(title="B", source_url=url))
    import_files([path])
    mine = admin_release(title="Never imported")
    PressRelease.objects.update(import_key="")  # as they were before the field

    migration.backfill(apps, None)

    assert dict(PressRelease.objects.values_list("title", "import_key")) == {
        "Chairpersonship welcomes agreement": "title:2025-03-03:Chairpersonship welcomes agreement",
        "B": f"url:{url}",
        mine.title: "",
    }
    assert import_files([path]).unchanged == 2


# --- Groups: records are committed fifty at a time ------------------------------


def test_records_are_written_in_groups_with_one_read_model_refresh_each(tmp_path, monkeypatch):
    from press import listing_model

    calls = []
    real = listing_model.refresh
    monkeypatch.setattr(listing_model, "refresh", lambda ids, **kw: (calls.append(set(ids)),
                                                                    real(ids, **kw)))  # fmt: skip
    path = write_jsonl(tmp_path / "in.jsonl", *[record(title=f"Grouped {n}") for n in range(120)])
    report = import_files([path])
    assert report.created == 120
    # 50 + 50 + 20 records: three refreshes, each of its group's releases.
    assert [len(ids) for ids in calls] == [50, 50, 20]
    assert listing_model.verify() == []


def fail_the_next_refresh(monkeypatch):
    """The read model's next refresh raises (as a serialization failure would); the list
    it returns gets the ids that refresh was given."""
    from django.db import DatabaseError

    from press import listing_model

    real, failures = listing_model.refresh, []

    def refresh_failing_once(ids, **kwargs):
        if not failures:
            failures.append(set(ids))
            raise DatabaseError("could not serialize access")
        return real(ids, **kwargs)

    monkeypatch.setattr(listing_model, "refresh", refresh_failing_once)
    return failures


def test_a_group_that_fails_is_written_again_record_by_record(tmp_path, monkeypatch, caplog):
    """The group's refresh fails once: nothing of the group was reported yet, and each
    record is written again in a transaction of its own; none is lost or counted twice."""
    from press import listing_model

    failures = fail_the_next_refresh(monkeypatch)
    path = write_jsonl(tmp_path / "in.jsonl", *[record(title=f"Retried {n}") for n in range(7)])
    report = import_files([path])
    assert len(failures) == 1 and len(failures[0]) == 7  # the whole group, once
    assert (report.created, report.updated, report.unchanged) == (7, 0, 0)
    assert report.errors == []
    assert PressRelease.objects.filter(title__startswith="Retried ").count() == 7
    assert "writing it record by record" in caplog.text
    assert listing_model.verify() == []
    # A second run finds every record as written.
    assert import_files([path]).unchanged == 7


def _stored(titles):
    """What the import left of the releases titled ``titles``, by slug, without ids and times:
    the row, the links, the first revision's data and comment, the workflow record."""
    stored = {}
    for release in PressRelease.objects.filter(title__in=titles):
        (version,) = Version.objects.get_for_object(release)
        data = json.loads(version.serialized_data)[0]["fields"]
        for moment in ("created_at", "updated_at", "embargo_key"):
            data.pop(moment, None)
        (step,) = release.transitions.values_list("name", "source", "target", "comment")
        stored[release.slug] = {
            "row": (
                release.title,
                release.status,
                release.published_at,
                release.body,
                release.summary,
                release.place,
                release.source_url,
                release.language,
                release.import_key,
                bool(release.embargo_key),
            ),  # fmt: skip
            "links": {
                name: slugs(getattr(release, name))
                for name in ("sources", "structures", "topics", "countries", "meetings")
            },  # fmt: skip
            "revision": (version.revision.comment, version.object_repr, data),
            "step": step,
        }
    return stored


GROUP_RECORDS = [
    record(title="Written together", body="<script>x()</script>First.\n\nSecond."),
    record(title="Scheduled together", date="2099-05-01"),
    record(title="Draft together", status="draft", topics=["Youth", "Elections"]),
    record(title="Written together", date="2025-03-04", source_url="https://example.org/p/2"),
]


def test_the_new_releases_of_a_group_are_written_as_one_by_one_saves_write_them(
    tmp_path, monkeypatch
):
    """The group's new releases go in together; the same records written one by one
    (the group failing once, as below) leave exactly the same rows, links, first
    revisions and workflow records."""
    from press import listing_model

    titles = {r["title"] for r in GROUP_RECORDS}
    path = write_jsonl(tmp_path / "in.jsonl", *GROUP_RECORDS)
    assert import_files([path]).created == 4
    together = _stored(titles)
    assert listing_model.verify() == []
    PressRelease.objects.filter(title__in=titles).delete()

    failures = fail_the_next_refresh(monkeypatch)
    assert import_files([path]).created == 4
    assert failures  # this time each record was saved on its own
    one_by_one = _stored(titles)

    assert together == one_by_one
    # Written down, not derived: what both ways must have stored.
    assert set(together) == {
        "written-together", "written-together-2", "scheduled-together", "draft-together",
    }  # fmt: skip
    first = together["written-together"]
    assert "<script>" not in first["row"][3] and "First." in first["row"][3]
    assert first["revision"][:2] == ("Imported from in.jsonl:1", "Written together")
    assert first["step"] == ("import", "", "published", "in.jsonl:1")
    assert together["scheduled-together"]["step"][2] == "scheduled"
    assert together["scheduled-together"]["row"][-1] is True  # an embargo key
    assert together["draft-together"]["step"][2] == "draft"
    assert together["draft-together"]["links"]["topics"] == {"youth", "elections"}
    assert together["written-together-2"]["revision"][2]["topics"] == [
        Topic.objects.get(slug="elections").pk
    ]


def test_new_releases_cost_the_same_queries_however_many_a_group_holds(tmp_path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    ContentType.objects.get_for_model(PressRelease)  # cached for the process from here on
    counts = []
    for size, prefix in ((5, "Few"), (50, "Many")):
        path = write_jsonl(
            tmp_path / f"{prefix}.jsonl",
            *[record(title=f"{prefix} {n}", date=f"2025-03-{1 + n % 28:02d}") for n in range(size)],
        )
        with CaptureQueriesContext(connection) as queries:
            assert import_files([path]).created == size
        counts.append(len(queries))
    # SQLite takes at most 999 parameters a statement: there, 50 new rows of
    # releases need two INSERTs.
    assert counts[1] - counts[0] == (1 if connection.vendor == "sqlite" else 0), counts
    # One by one, 50 new releases took over 500 queries (a savepoint, the row,
    # an old-address check and a query per link table, revision and workflow
    # record each).
    assert counts[1] < 60, counts


def test_a_new_release_the_database_refuses_fails_alone(tmp_path, caplog):
    """A row the database itself refuses (here a trigger; in life a constraint or a
    concurrent writer) breaks the group's shared write: the group is written again
    record by record, and only that record fails."""
    from django.db import connection

    from press import listing_model

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_title() RETURNS trigger AS $$ BEGIN "
                "IF NEW.title = 'Refused by the database' THEN "
                "RAISE EXCEPTION 'refused by the trigger'; END IF; RETURN NEW; END $$ "
                "LANGUAGE plpgsql"
            )
            cursor.execute(
                "CREATE TRIGGER refuse_title BEFORE INSERT ON press_pressrelease "
                "FOR EACH ROW EXECUTE FUNCTION refuse_title()"
            )
        else:
            cursor.execute(
                "CREATE TRIGGER refuse_title BEFORE INSERT ON press_pressrelease "
                "WHEN NEW.title = 'Refused by the database' "
                "BEGIN SELECT RAISE(ABORT, 'refused by the trigger'); END"
            )
    path = write_jsonl(
        tmp_path / "in.jsonl",
        record(title="Kept 1"),
        record(title="Kept 2"),
        record(title="Refused by the database"),
        record(title="Kept 3"),
    )

    report = import_files([path])

    assert (report.created, report.failed) == (3, 1)
    (error,) = report.errors
    assert error.startswith(f"{path}:3: not saved:") and "refused by the trigger" in error
    assert "writing it record by record" in caplog.text
    kept = PressRelease.objects.filter(title__startswith="Kept ")
    assert kept.count() == 3
    for release in kept:
        assert slugs(release.topics) == {"elections"}
        assert Version.objects.get_for_object(release).count() == 1
        assert release.transitions.count() == 1
    assert listing_model.verify() == []
    # Positive control: without the trigger the same record goes in.
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER refuse_title" + (" ON press_pressrelease"
                       if connection.vendor == "postgresql" else ""))  # fmt: skip
    assert import_files([path]).created == 1


def test_records_another_import_stored_meanwhile_match_what_it_stored(tmp_path, monkeypatch):
    """Two imports of one file at once: the second read its batch before the first
    committed, so its new releases clash with the first's slugs. Its group is written
    again record by record with the stored releases read again: every record matches
    what the first stored, and none fails or is stored twice."""
    from press import listing_model
    from press.importing.writing import Importer

    path = write_jsonl(
        tmp_path / "in.jsonl",
        *[record(title=f"Twice {n}", source_url=f"https://example.org/t/{n}") for n in range(6)],
    )
    assert import_files([path]).created == 6  # the first import, committed meanwhile

    # The second import's batch read, from before that commit: nothing stored, no slug taken.
    stale = {"existing": 1, "taken": 1}
    real_existing, real_taken = Importer._existing, Importer._taken_slugs

    def existing(self, records):
        if stale["existing"]:
            stale["existing"] -= 1
            return real_existing(self, [])
        return real_existing(self, records)

    def taken(self, records):
        if stale["taken"]:
            stale["taken"] -= 1
            return set()
        return real_taken(self, records)

    monkeypatch.setattr(Importer, "_existing", existing)
    monkeypatch.setattr(Importer, "_taken_slugs", taken)

    report = import_files([path])

    assert stale == {"existing": 0, "taken": 0}  # the stale read was used
    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (0, 0, 6)
    assert PressRelease.objects.filter(title__startswith="Twice ").count() == 6
    assert listing_model.verify() == []


def test_a_group_that_cannot_be_read_again_is_still_written_record_by_record(tmp_path, monkeypatch):
    """The trouble that sank the group persists when it is read again: the run goes on,
    each record written (or failing) on its own, none left unreported."""
    from django.db import DatabaseError

    from press.importing.writing import Importer

    failures = fail_the_next_refresh(monkeypatch)
    real_existing, reads = Importer._existing, []

    def existing(self, records):
        reads.append(len(records))
        if len(reads) == 2:  # the read again, after the group failed
            raise DatabaseError("server closed the connection unexpectedly")
        return real_existing(self, records)

    monkeypatch.setattr(Importer, "_existing", existing)
    path = write_jsonl(tmp_path / "in.jsonl", *[record(title=f"Unread {n}") for n in range(3)])

    report = import_files([path])

    assert failures and reads == [3, 3]
    assert (report.created, report.failed) == (3, 0)
    assert PressRelease.objects.filter(title__startswith="Unread ").count() == 3


def test_create_releases_writes_what_save_would_and_tells_the_listeners(taxonomy):
    """press.bulk.create_releases: each release filled in as save() fills it in, slugs
    free among themselves too, an old address of the same slug dropped, post_save sent."""
    from django.db.models.signals import post_save

    from press.bulk import create_releases
    from press.models import OldSlug, ReleaseType

    kept = PressRelease.objects.create(
        title="Older", slug="older", type=ReleaseType.objects.first(), status="draft"
    )
    OldSlug.objects.create(slug="given-back", release=kept)
    heard = []

    def listener(sender, instance, created, **kwargs):
        heard.append((instance.pk, created))

    post_save.connect(listener, sender=PressRelease, dispatch_uid="test-bulk-heard")
    try:
        releases = [
            PressRelease(title="Same title", type=kept.type, status="published",
                         body="<script>x()</script><p>Kept.</p>"),
            PressRelease(title="Same title", type=kept.type, status="draft"),
            PressRelease(title="Other", slug="given-back", type=kept.type, status="draft"),
        ]  # fmt: skip
        create_releases(releases)
    finally:
        post_save.disconnect(sender=PressRelease, dispatch_uid="test-bulk-heard")

    assert [r.slug for r in releases] == ["same-title", "same-title-2", "given-back"]
    assert all(r.pk for r in releases)
    assert heard == [(r.pk, True) for r in releases]
    first = PressRelease.objects.get(pk=releases[0].pk)
    assert first.body == "<p>Kept.</p>" and first.published_at is not None
    assert not OldSlug.objects.filter(slug="given-back").exists()
    with pytest.raises(ValueError):
        create_releases([kept])  # not a new release
