"""The demo's releases in every language (press/data/demo/translations.jsonl): four stories,
each in the site's six languages, joined by a translation group that shares its tags."""

import html
import json
from collections import defaultdict
from datetime import UTC, datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from osce_cms.management.commands.demo_setup import DEMO_TRANSLATIONS
from press.importing import import_files
from press.importing.tags import RELATIONS
from press.languages import CODES
from press.models import PressRelease
from tests.conftest import requires_postgres

pytestmark = pytest.mark.usefixtures("taxonomy")

#: After the last story (27 November 2026): every release is public, whatever the machine's clock.
LATER = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
FRENCH_TITLE = (
    "Une formation de l’OSCE par simulation aide les praticiens à identifier "
    "les victimes de la traite le long des routes migratoires"
)


def records():
    lines = DEMO_TRANSLATIONS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


@pytest.fixture
def later():
    with time_machine.travel(LATER, tick=False):
        yield


@pytest.fixture
def report(later):
    return import_files([DEMO_TRANSLATIONS])


def test_the_file_gives_each_group_its_tags_once():
    by_group = defaultdict(list)
    for record in records():
        by_group[record["translation_group"]].append(record)
        assert record["status"] == "published"
        assert record["date"].startswith("2026-11-") and record["date"].endswith("+01:00")
        assert record["body"].count("\n\n") in (1, 2), record["title"]  # 2-3 paragraphs
        tag_keys = set(record) & set(RELATIONS)
        if record["language"] == "en":
            assert tag_keys == set(RELATIONS) and record["topics"], record["title"]
        else:
            assert not tag_keys, record["title"]  # a translation takes its group's tags
    assert len(by_group) == 4
    for group, members in by_group.items():
        assert sorted(r["language"] for r in members) == sorted(CODES), group


def test_imports_every_release_without_failures_or_warnings(report):
    assert (report.created, report.updated, report.failed) == (24, 0, 0), report.errors
    assert report.tag_warnings == 0, report.warnings
    assert report.warnings == []
    assert PressRelease.objects.count() == 24
    assert all(release.is_public for release in PressRelease.objects.all())


def test_four_groups_of_six_languages_share_their_tags(report):
    groups = defaultdict(list)
    for release in PressRelease.objects.all():
        groups[release.translation_group].append(release)
    assert len(groups) == 4
    for group, members in groups.items():
        assert group.startswith("demo-2026-")
        assert sorted(r.language for r in members) == sorted(CODES), group
        topics = {frozenset(r.topics.values_list("slug", flat=True)) for r in members}
        assert len(topics) == 1 and next(iter(topics)), (group, topics)
        for relation in RELATIONS:  # the sources and every other tree, too
            shared = {frozenset(getattr(r, relation).values_list("pk", flat=True)) for r in members}
            assert len(shared) == 1, (group, relation)


def test_importing_again_changes_nothing(report):
    before = sorted(PressRelease.objects.values_list("pk", "slug", "updated_at"))

    again = import_files([DEMO_TRANSLATIONS])

    assert (again.unchanged, again.created, again.updated, again.failed) == (24, 0, 0, 0)
    assert sorted(PressRelease.objects.values_list("pk", "slug", "updated_at")) == before


def test_each_language_lists_its_own_translations(client, report):
    french = {r["title"] for r in records() if r["language"] == "fr"}
    assert FRENCH_TITLE in french and len(french) == 4

    french_page = html.unescape(client.get("/fr/press/").content.decode())
    english_page = html.unescape(client.get("/press/").content.decode())

    assert all(title in french_page for title in french)
    assert not any(title in english_page for title in french)
    russian_page = html.unescape(client.get("/ru/press/").content.decode())
    assert "Миссия ОБСЕ в Молдове запускает программу медиаграмотности" in russian_page


#: A word of the election story in each language, inflected otherwise than in its text.
INFLECTED = {
    "en": "observing",
    "fr": "élection",
    "de": "Wahl",
    "it": "elezione",
    "ru": "выборах",
    "es": "elección",
}


@requires_postgres
@pytest.mark.parametrize("language, word", INFLECTED.items())
def test_search_finds_a_story_by_another_form_of_its_words(client, report, language, word):
    election = PressRelease.objects.get(
        translation_group="demo-2026-election-observation", language=language
    )
    prefix = "" if language == "en" else f"/{language}"

    page = html.unescape(client.get(f"{prefix}/press/", {"q": word}).content.decode())

    assert election.title in page


def test_demo_setup_imports_the_translations(later, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    out = StringIO()

    call_command("demo_setup", releases=3, stdout=out)

    assert PressRelease.objects.exclude(translation_group="").count() == 24
    assert set(PressRelease.objects.values_list("language", flat=True)) == set(CODES)
    assert "created 24, updated 0, unchanged 0, failed 0" in out.getvalue()
