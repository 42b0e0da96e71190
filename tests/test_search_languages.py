"""Search in each language: a release is indexed, and a query read, in the page's language.

On PostgreSQL each language has its own text-search configuration
(migration 0011: its Snowball stemmer, accents folded by ``unaccent``), so the
stemming tests are PostgreSQL-only (``postgres`` mark). SQLite's FTS5
fallback stems English only; what it must still do on other pages (no
error, literal words found, English stop words not dropped) runs on both.
"""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.utils import translation

from press import languages
from press.models import PressRelease
from press.search import parse

from .conftest import requires_postgres
from .factories import PressReleaseFactory

pytestmark = pytest.mark.usefixtures("taxonomy")
requires_sqlite = pytest.mark.skipif(settings.IS_POSTGRES, reason="the SQLite FTS5 index")


def found(language, q):
    """Titles of the public releases in ``language`` that a search for ``q`` finds there."""
    with translation.override(language):
        releases = PressRelease.objects.published().in_language().search(q)
        return sorted(release.title for release in releases)


def matched(language, q):
    """Titles of all releases, whatever their language, that ``q`` read in ``language`` matches."""
    with translation.override(language):
        return sorted(release.title for release in PressRelease.objects.search(q))


def listing(client, path, q):
    response = client.get(path, {"q": q})
    assert response.status_code == 200
    return response.content.decode()


def result_count(page):
    return int(re.search(r'data-result-count="(\d+)"', page).group(1))


# --- each language's stemming (PostgreSQL) ---------------------------------------
@pytest.mark.postgres
@requires_postgres
class TestStemmingInEachLanguage:
    def test_russian_inflections_find_each_other(self):
        PressReleaseFactory(language="ru", title="Наблюдение выборов в Молдове")
        PressReleaseFactory(language="ru", title="Конференция по безопасности")
        assert found("ru", "выборы") == ["Наблюдение выборов в Молдове"]
        assert found("ru", "выборах") == ["Наблюдение выборов в Молдове"]

    def test_russian_yo_is_found_as_ye(self):
        PressReleaseFactory(language="ru", title="Отчёт о выборах")
        assert found("ru", "отчет") == ["Отчёт о выборах"]
        assert found("ru", "отчёт") == ["Отчёт о выборах"]

    def test_german_plural_finds_the_singular(self):
        PressReleaseFactory(language="de", title="Beobachtung der Wahl in Georgien")
        PressReleaseFactory(language="de", title="Konferenz über Sicherheit")
        assert found("de", "Wahlen") == ["Beobachtung der Wahl in Georgien"]

    def test_german_umlaut_typed_without_it(self):
        PressReleaseFactory(language="de", title="Wähler in Georgien informiert")
        assert found("de", "Wahler") == ["Wähler in Georgien informiert"]

    def test_french_plural_and_unaccented_find_the_accented_singular(self):
        PressReleaseFactory(language="fr", title="Observation de l'élection présidentielle")
        PressReleaseFactory(language="fr", title="Conférence sur la sécurité")
        assert found("fr", "élections") == ["Observation de l'élection présidentielle"]
        assert found("fr", "election") == ["Observation de l'élection présidentielle"]
        assert found("fr", "securite") == ["Conférence sur la sécurité"]

    def test_french_accented_stop_words_are_still_left_out(self):
        PressReleaseFactory(language="fr", title="Réunion à Vienne")
        assert found("fr", "à") == []
        assert found("fr", "à Vienne") == ["Réunion à Vienne"]

    def test_spanish_plural_finds_the_accented_singular(self):
        PressReleaseFactory(language="es", title="Observación de la elección en Moldavia")
        assert found("es", "elecciones") == ["Observación de la elección en Moldavia"]

    def test_italian_plural_finds_the_singular(self):
        PressReleaseFactory(language="it", title="Osservazione della elezione in Moldova")
        assert found("it", "elezioni") == ["Osservazione della elezione in Moldova"]

    def test_english_unchanged(self):
        PressReleaseFactory(language="en", title="Children trafficked across borders")
        PressReleaseFactory(language="en", title="Child protection in schools")
        assert found("en", "trafficking") == ["Children trafficked across borders"]
        # Positive control: another language's stemmer does not make the link.
        assert matched("fr", "trafficking") == []


@pytest.mark.postgres
@requires_postgres
class TestIndexedInTheReleasesLanguage:
    def test_each_language_is_indexed_with_the_configuration_queries_use(self):
        """The trigger's CASE (migration 0011) and ``languages.SEARCH_CONFIGS`` agree."""
        title = "Élection à Moscou: выборов Wahlen"
        assert set(languages.SEARCH_CONFIGS) == set(languages.CODES)
        for code in languages.CODES:
            release = PressReleaseFactory(language=code, title=title)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT search = setweight(to_tsvector(%s::regconfig, %s), 'A')"
                    " FROM press_pressrelease WHERE id = %s",
                    [languages.search_config(code), title, release.pk],
                )
                assert cursor.fetchone() == (True,), code

    def test_an_unknown_language_code_is_indexed_as_english(self):
        release = PressReleaseFactory(language="en", title="Children trafficked")
        PressRelease.objects.filter(pk=release.pk).update(language="pt")
        assert matched("en", "trafficking") == ["Children trafficked"]

    def test_a_release_moved_from_english_to_french_is_stemmed_in_french(self):
        release = PressReleaseFactory(language="en", title="La mission observera le scrutin")
        # Positive control: indexed in English, the French form is not found.
        assert matched("fr", "observeront") == []
        release.language = "fr"
        release.save()
        assert matched("fr", "observeront") == ["La mission observera le scrutin"]
        assert found("fr", "observeront") == ["La mission observera le scrutin"]

    def test_queryset_update_of_the_language_reindexes(self):
        PressReleaseFactory(language="en", title="La mission observera le scrutin")
        assert matched("fr", "observeront") == []
        PressRelease.objects.update(language="fr")
        assert found("fr", "observeront") == ["La mission observera le scrutin"]

    def test_bulk_create_is_indexed_in_each_language(self):
        template = PressReleaseFactory.build(title="x")
        PressRelease.objects.bulk_create(
            [
                PressRelease(
                    title=title,
                    slug=f"bulk-{language}",
                    language=language,
                    type=template.type,
                    status="published",
                    published_at=template.published_at,
                )
                for language, title in [("fr", "Les élections"), ("ru", "О выборах")]
            ]
        )
        assert found("fr", "election") == ["Les élections"]
        assert found("ru", "выборы") == ["О выборах"]


@pytest.mark.postgres
@requires_postgres
def test_snippets_mark_the_french_word_found(client):
    PressReleaseFactory(
        language="fr",
        title="Moldavie",
        summary="Les observateurs ont suivi les élections législatives à Chișinău.",
    )
    page = listing(client, "/fr/press/", "election")
    assert result_count(page) == 1
    assert "<mark>élections</mark>" in page


# --- the page's language (both databases) ------------------------------------------
class TestThePagesLanguage:
    @pytest.fixture(autouse=True)
    def releases(self, taxonomy):
        PressReleaseFactory(language="en", title="Security conference in Vienna")
        PressReleaseFactory(language="fr", title="Conférence sur la sécurité à Vienne")
        PressReleaseFactory(language="de", title="Sicherheitskonferenz in Wien")

    def test_a_french_page_finds_only_french_releases(self, client):
        page = listing(client, "/fr/press/", "conference")
        assert result_count(page) == 1
        assert "Conférence sur la sécurité à Vienne" in page
        assert "Security conference in Vienna" not in page

    def test_the_english_page_finds_only_english_releases(self, client):
        page = listing(client, "/press/", "conference")
        assert result_count(page) == 1
        assert "Security conference in Vienna" in page
        assert "Conférence sur la sécurité à Vienne" not in page

    def test_a_literal_word_is_found_on_a_non_english_page(self, client):
        """SQLite's English-only fallback still finds the words as written, accents or not."""
        for q in ("sécurité", "securite", "Vienne"):
            page = listing(client, "/fr/press/", q)
            assert result_count(page) == 1, q
            assert "Conférence sur la sécurité à Vienne" in page
        page = listing(client, "/de/press/", "Wien")
        assert result_count(page) == 1
        assert "Sicherheitskonferenz in Wien" in page

    def test_an_english_stop_word_is_a_word_on_other_pages(self, client):
        # "once" is eleven in Spanish: on the Spanish page it is searched for.
        PressReleaseFactory(language="es", title="Once observadores en Moldavia")
        assert found("es", "once") == ["Once observadores en Moldavia"]
        page = listing(client, "/es/press/", "once")
        assert result_count(page) == 1
        assert "too common" not in page
        # Positive control: on the English page it is a stop word.
        PressReleaseFactory(language="en", title="Once more, observers")
        assert found("en", "once") == []


@requires_sqlite
def test_sqlite_leaves_english_stop_words_out_of_english_queries_only():
    assert parse("the die", language="en").match == '("die")'
    assert parse("the die", language="de").match == '("the" AND "die")'
    with translation.override("it"):
        assert parse("do il benvenuto").match == '("do" AND "il" AND "benvenuto")'
    with translation.override("en"):
        assert parse("do il benvenuto").match == '("il" AND "benvenuto")'
