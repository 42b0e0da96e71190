"""The interface in six languages: the catalogs, and the pages that use them.

English is the source (unprefixed); French, German, Italian, Russian and
Spanish live under /fr/, /de/, /it/, /ru/ and /es/, each with a catalog in
``locale/<code>/LC_MESSAGES/django.po`` and its compiled ``.mo`` (committed,
so a fresh clone needs no gettext tools). Every expectation below is
written out by hand, never read from a catalog.
"""

import ast
import gettext
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import translation

from .conftest import make_release

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
#: Every language of the site but English, which the source strings are in.
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != "en"]
VIENNA = ZoneInfo("Europe/Vienna")
#: What ``makemessages`` reads: the project's own code and templates.
MAKEMESSAGES = [
    "makemessages",
    "--extension=html,txt,py,xsl",
    "--ignore=.venv",
    "--ignore=node_modules",
    "--ignore=tests",
    "--ignore=bench",
    "--ignore=staticfiles",
]


# --- the catalogs ----------------------------------------------------------------
def read_po(path):
    """The entries of a .po file: [{"ctx", "id", "plural", "strs": [...], "flags"}].

    Enough of the format for the files ``makemessages`` writes: comments,
    flags, msgctxt, msgid, msgid_plural, msgstr and msgstr[n], each possibly
    continued on following quoted lines. Obsolete entries (#~) are left out.
    """
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry = {"ctx": None, "id": None, "plural": None, "strs": {}, "flags": set()}
        current = None
        for line in block.splitlines():
            if line.startswith("#~"):
                entry = None
                break
            if line.startswith("#,"):
                entry["flags"].update(f.strip() for f in line[2:].split(","))
            elif line.startswith("#"):
                continue
            elif line.startswith("msgctxt "):
                current = entry["ctx"] = [line[8:]]
            elif line.startswith("msgid_plural "):
                current = entry["plural"] = [line[13:]]
            elif line.startswith("msgid "):
                current = entry["id"] = [line[6:]]
            elif line.startswith("msgstr["):
                index = int(line[7 : line.index("]")])
                current = entry["strs"][index] = [line[line.index("]") + 2 :]]
            elif line.startswith("msgstr "):
                current = entry["strs"][0] = [line[7:]]
            elif line.startswith('"'):
                current.append(line)
        if entry is None or entry["id"] is None:
            continue
        for key in ("ctx", "id", "plural"):
            if entry[key] is not None:
                entry[key] = "".join(ast.literal_eval(part) for part in entry[key])
        strs = entry["strs"]
        entry["strs"] = ["".join(ast.literal_eval(part) for part in strs[i]) for i in sorted(strs)]
        entries.append(entry)
    header, messages = entries[0], entries[1:]
    assert header["id"] == "", f"{path} starts without its header"
    return header, messages


def translated(entry):
    return bool(entry["strs"]) and all(entry["strs"])


def po_path(code):
    return LOCALE / code / "LC_MESSAGES" / "django.po"


@pytest.mark.parametrize("code", LANGUAGES)
class TestCatalog:
    def test_nearly_everything_is_translated_and_nothing_is_fuzzy(self, code):
        header, messages = read_po(po_path(code))
        done = [m for m in messages if translated(m)]
        assert len(messages) > 200  # the interface, not an empty catalog
        assert len(done) / len(messages) >= 0.95, (
            f"{code}: {len(done)}/{len(messages)} translated; missing: "
            f"{[m['id'] for m in messages if not translated(m)][:10]}"
        )
        assert [m["id"] for m in messages if "fuzzy" in m["flags"]] == []
        assert "fuzzy" not in header["flags"], "a fuzzy header is left out of the .mo"

    def test_the_mo_file_is_compiled_from_the_po_file(self, code):
        header, messages = read_po(po_path(code))
        with (LOCALE / code / "LC_MESSAGES" / "django.mo").open("rb") as mo_file:
            mo = gettext.GNUTranslations(mo_file)
        plural_forms = next(
            line for line in header["strs"][0].splitlines() if line.startswith("Plural-Forms:")
        )
        assert mo.info()["plural-forms"] == plural_forms.split(":", 1)[1].strip()
        # One n for each plural form the language's rule picks.
        form_of = {}
        for n in range(200):
            form_of.setdefault(mo.plural(n), n)
        stale = []
        for m in (m for m in messages if translated(m)):
            if m["plural"] is None:
                got = mo.pgettext(m["ctx"], m["id"]) if m["ctx"] else mo.gettext(m["id"])
                if got != m["strs"][0]:
                    stale.append(m["id"])
                continue
            for index, text in enumerate(m["strs"]):
                if index not in form_of:
                    stale.append(f"{m['id']} [{index}]: no n picks this form")
                    continue
                n = form_of[index]
                got = (
                    mo.npgettext(m["ctx"], m["id"], m["plural"], n)
                    if m["ctx"]
                    else mo.ngettext(m["id"], m["plural"], n)
                )
                if got != text:
                    stale.append(f"{m['id']} [{index}]")
        assert stale == [], f"run compilemessages: {code}'s .mo differs from its .po"


def test_russian_has_three_plural_forms():
    header, messages = read_po(po_path("ru"))
    assert "nplurals=3;" in header["strs"][0]
    plurals = [m for m in messages if m["plural"] is not None]
    assert plurals and all(len(m["strs"]) == 3 for m in plurals)


@pytest.mark.skipif(not shutil.which("xgettext"), reason="gettext's xgettext is not installed")
def test_the_catalogs_hold_every_string_of_the_source(tmp_path):
    """``makemessages`` run on a copy of the project adds no message to our catalogs."""
    copy = tmp_path / "project"
    ignore = shutil.ignore_patterns(
        ".*", "node_modules", "tests", "bench", "docs", "media", "staticfiles", "__pycache__",
        "*.mo", "*.sqlite3",
    )  # fmt: skip
    shutil.copytree(ROOT, copy, ignore=ignore)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "osce_cms.settings",
        "DJANGO_LOCAL": "1",
        "SQLITE_PATH": str(tmp_path / "unused.sqlite3"),
    }
    env.pop("DATABASE_URL", None)
    args = [sys.executable, "manage.py", *MAKEMESSAGES, *(f"--locale={c}" for c in LANGUAGES)]
    subprocess.run(args, cwd=copy, env=env, check=True, capture_output=True, timeout=300)
    for code in LANGUAGES:
        _header, ours = read_po(po_path(code))
        _header, fresh = read_po(copy / "locale" / code / "LC_MESSAGES" / "django.po")
        known = {(m["ctx"], m["id"]) for m in ours}
        missing = [m["id"] for m in fresh if (m["ctx"], m["id"]) not in known]
        assert missing == [], f"{code}: run makemessages ({' '.join(MAKEMESSAGES)}) and translate"


# --- the pages ---------------------------------------------------------------------
def get(client, path):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def release_in(language, title, **fields):
    fields.setdefault("published_at", datetime(2024, 5, 17, 10, 0, tzinfo=VIENNA))
    return make_release(title, language=language, **fields)


@pytest.mark.usefixtures("taxonomy")
class TestPages:
    def test_the_newsroom_in_french(self, client):
        page = get(client, "/fr/press/")
        assert '<html lang="fr">' in page
        assert "Aller au contenu principal" in page
        assert "<h1>Salle de presse</h1>" in page
        assert "Organisation pour la sécurité et la coopération en Europe" in page
        assert "Filtrer les communiqués de presse" in page
        assert "Appliquer les filtres" in page
        assert "Aucun communiqué de presse ne correspond à ces filtres." in page
        assert "Skip to main content" not in page

    def test_the_home_page_in_german(self, client):
        page = get(client, "/de/")
        assert '<html lang="de">' in page
        assert "Zum Hauptinhalt springen" in page
        assert "Organisation für Sicherheit und Zusammenarbeit in Europa" in page
        assert '<span class="brand-mark" aria-hidden="true">OSZE</span>' in page
        assert "Neues aus dem Newsroom" in page
        assert "Wallnerstraße 6, 1010 Wien, Österreich" in page
        # The menu is built per language too.
        assert "Tätigkeitsbereiche" in page and "Unsere Arbeit" in page

    def test_the_newsroom_in_russian(self, client):
        page = get(client, "/ru/press/")
        assert "Перейти к основному содержанию" in page
        assert "<h1>Пресс-центр</h1>" in page
        assert "Организация по безопасности и сотрудничеству в Европе" in page
        assert "ОБСЕ" in page
        assert "Сначала новые" in page  # a sort order, from Python

    def test_english_stays_unprefixed_and_english(self, client):
        page = get(client, "/press/")
        assert '<html lang="en">' in page
        assert "Skip to main content" in page
        assert "<h1>Newsroom</h1>" in page
        for foreign in ("Aller au contenu", "Hauptinhalt", "Перейти", "Salle de presse"):
            assert foreign not in page

    def test_a_russian_card_dates_its_release_in_russian(self, client):
        release_in("ru", "Миссия в Молдове поддерживает местные выборы")
        page = get(client, "/ru/press/")
        assert '<time datetime="2024-05-17T10:00:00+02:00">17 мая 2024 г.</time>' in page
        assert "Пресс-релиз · " in page  # the release type, translated
        assert "May" not in page

    def test_the_release_page_in_french_and_spanish(self, client):
        release = release_in("fr", "La Présidence en visite à Chisinau", place="Chisinau")
        page = get(client, release.get_absolute_url())
        assert "17 mai 2024" in page
        assert "<dt>Date\u00a0:</dt>" in page and "<dt>Lieu\u00a0:</dt>" in page
        assert '<p class="kicker">Communiqué de presse</p>' in page
        spanish = release_in("es", "La Presidencia visita Chisinau")
        assert "17 de mayo de 2024" in get(client, spanish.get_absolute_url())

    def test_the_result_count_takes_russian_plurals(self, client):
        counts = {}
        for total in (1, 2, 5, 21):
            while len(counts) < total:
                release_in("ru", f"Материал {len(counts) + 1}")
                counts[len(counts) + 1] = True
            page = get(client, "/ru/press/")
            assert f'data-result-count="{total}"' in page
            counts[total] = page
        assert ">1 пресс-релиз</p>" in counts[1]
        assert ">2 пресс-релиза</p>" in counts[2]
        assert ">5 пресс-релизов</p>" in counts[5]
        assert ">21 пресс-релиз</p>" in counts[21]

    def test_counts_are_grouped_as_each_language_writes_them(self):
        from press.templatetags.press_tags import grouped

        expected = {
            "en": "12,345",
            "fr": "12\u00a0345",
            "de": "12.345",
            "it": "12.345",
            "ru": "12\u00a0345",
            "es": "12\u00a0345",
        }
        for code, text in expected.items():
            with translation.override(code):
                assert grouped(12345) == text, code
                assert grouped(999) == "999"

    def test_a_page_not_found_in_italian(self, client):
        response = client.get("/it/press/nessun-comunicato/")
        assert response.status_code == 404
        page = response.content.decode()
        assert "Pagina non trovata" in page
        assert "Visita la sala stampa" in page

    def test_feeds_are_titled_in_the_language(self, client):
        release_in("de", "Mission unterstützt Kommunalwahlen")
        feed = get(client, "/de/press/feed/")
        assert "<title>Pressemitteilungen der OSZE</title>" in feed
        assert "<category>Pressemitteilung</category>" in feed
        filtered = get(client, "/de/press/feed/?date_from=2024-05-01")
        assert "<title>Pressemitteilungen: ab dem 1. Mai 2024</title>" in filtered

    def test_the_feed_stylesheet_writes_the_language_s_dates(self, client):
        russian = get(client, "/ru/press/feed/style.xsl")
        assert "Это новостная лента." in russian
        assert "<xsl:text> г.</xsl:text>" in russian
        assert ">мая</xsl:when>" in russian  # the genitive, after the day
        german = get(client, "/de/press/feed/style.xsl")
        assert "<xsl:text>. </xsl:text>" in german and ">Mai</xsl:when>" in german
        spanish = get(client, "/es/press/feed/style.xsl")
        assert spanish.count("<xsl:text> de </xsl:text>") == 2
        italian = get(client, "/it/press/feed/style.xsl")
        assert ">maggio</xsl:when>" in italian  # lower case, as Italian writes months

    def test_chips_and_notices_are_translated(self, client):
        page = get(client, "/es/press/?q=elecciones&type=nada&sort=date")
        assert "Orden: Más antiguos primero" in page
        assert "«elecciones»" in page
        assert "No existe el tipo de comunicado «nada»." in page


def test_dates_in_each_language():
    """The named formats the pages use, per language (osce_cms/formats)."""
    from django.utils.formats import date_format

    day = datetime(2024, 5, 7, 10, 0, tzinfo=VIENNA)
    expected = {
        "en": ("7 May 2024", "7 May 2024, 10:00 CEST"),
        "fr": ("7 mai 2024", "7 mai 2024 à 10:00 CEST"),
        "de": ("7. Mai 2024", "7. Mai 2024, 10:00 CEST"),
        "it": ("7 maggio 2024", "7 maggio 2024, 10:00 CEST"),
        "ru": ("7 мая 2024 г.", "7 мая 2024 г., 10:00 CEST"),
        "es": ("7 de mayo de 2024", "7 de mayo de 2024, 10:00 CEST"),
    }
    for code, (date, when) in expected.items():
        with translation.override(code):
            assert date_format(day) == date, code
            assert date_format(day, "DATETIME_FORMAT") == when, code


# --- in a real browser ---------------------------------------------------------
@pytest.mark.browser
@pytest.mark.skipif(not shutil.which("chromium"), reason="Debian's chromium is not installed")
@pytest.mark.django_db(transaction=True)
def test_a_russian_feed_reads_as_a_russian_page(taxonomy, live_server, page):
    release_in("ru", "Миссия в Молдове поддерживает местные выборы")
    page.goto(f"{live_server.url}/ru/press/feed/")
    assert page.locator("h1").inner_text() == "Пресс-релизы ОБСЕ"
    assert page.locator(".about-feed").inner_text().startswith("Это новостная лента.")
    assert page.locator(".feed-items .date").inner_text() == "17 мая 2024 г."
