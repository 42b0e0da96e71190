"""Six languages: each language's listing, its read model, a release's own language and
its translations (switcher, hreflang, sitemap), shared tags, feeds, the import's
``language`` and ``translation_group``, and "Add translation" in the admin."""

import json
import re
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify

from press import listing_model
from press.importing import import_files
from press.models import ListingTotal, PressRelease
from press.workflow import page_token
from taxonomy.models import Country, Topic
from tests.conftest import make_release, requires_postgres
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("taxonomy")

COUNT = re.compile(r'data-result-count="(\d+)"')


def count_on(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return int(COUNT.search(response.content.decode()).group(1))


def titles_on(client, url):
    return set(re.findall(r'<h[23]><a href="[^"]*">([^<]*)</a></h[23]>', client.get(url).text))


@pytest.fixture
def newsroom(db):
    """Two English releases, one French, one Russian; the French and one English
    release are translations of one another."""
    en = make_release("Elections observed", tags={"topics": ["elections"]}, translation_group="g")
    fr = make_release(
        "Élections observées", language="fr", tags={"topics": ["elections"]}, translation_group="g"
    )
    make_release("Another English release", tags={"countries": ["moldova"]})
    ru = make_release("Выборы в Молдове", language="ru", tags={"countries": ["moldova"]})
    return {"en": en, "fr": fr, "ru": ru}


# --- URLs and listings ------------------------------------------------------------


def test_each_language_lists_its_own_releases(client, newsroom):
    assert count_on(client, "/press/") == 2
    assert count_on(client, "/fr/press/") == 1
    assert count_on(client, "/ru/press/") == 1
    assert count_on(client, "/de/press/") == 0
    assert "Élections observées" in client.get("/fr/press/").text
    assert "Élections observées" not in client.get("/press/").text
    assert "Выборы в Молдове" in client.get("/ru/").text  # the home page too
    assert "Выборы в Молдове" not in client.get("/").text


@pytest.mark.parametrize(
    ("prefix", "code"),
    [("", "en"), ("/fr", "fr"), ("/de", "de"), ("/it", "it"), ("/ru", "ru"), ("/es", "es")],
)
def test_every_languages_listing_feed_and_node_page(client, db, prefix, code):
    for language in ("en", "fr", "de", "it", "ru", "es"):
        make_release(f"Release in {language}", language=language, tags={"topics": ["elections"]})
    response = client.get(f"{prefix}/press/")
    assert response["Content-Language"] == code
    assert count_on(client, f"{prefix}/press/") == 1
    assert titles_on(client, f"{prefix}/press/") == {f"Release in {code}"}
    assert count_on(client, f"{prefix}/topics/elections/") == 1
    assert count_on(client, f"{prefix}/press/?topic=elections&year=2026") <= 1
    feed = client.get(f"{prefix}/press/feed/").text
    assert f"Release in {code}<" in feed
    assert feed.count("<item>") == 1


def test_filters_and_node_pages_count_in_the_page_language(client, newsroom):
    assert count_on(client, "/press/?country=moldova") == 1
    assert count_on(client, "/ru/press/?country=moldova") == 1
    assert count_on(client, "/fr/press/?country=moldova") == 0
    assert count_on(client, "/ru/countries/moldova/") == 1
    assert count_on(client, "/fr/topics/elections/") == 1
    assert count_on(client, "/fr/press/?topic=elections&country=moldova") == 0


def test_page_language_is_marked_for_browsers_and_machines(client, newsroom):
    response = client.get("/fr/press/")
    assert response["Content-Language"] == "fr"
    assert '<html lang="fr"' in response.text
    response = client.get("/press/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response["Content-Language"] == "en"
    assert '<html lang="en"' in response.text  # the address says English, not the browser
    # ... so no page varies by the browser's language (a shared cache keeps one copy).
    assert "Accept-Language" not in response.get("Vary", "")
    assert "Accept-Language" not in client.get("/ru/press/").get("Vary", "")


def test_unknown_language_prefix_is_not_found(client, newsroom):
    assert client.get("/xx/press/").status_code == 404


def test_read_model_totals_are_kept_per_language(newsroom):
    elections = Topic.objects.get(slug="elections").pk
    totals = {
        (t.language, t.value): t.n
        for t in ListingTotal.objects.filter(dimension="topic", value=elections)
    }
    assert totals == {("en", elections): 1, ("fr", elections): 1}
    # Moving a release to another language moves its counts.
    newsroom["ru"].language = "de"
    newsroom["ru"].save()
    moldova = Country.objects.get(slug="moldova").pk
    kept = dict(
        ListingTotal.objects.filter(dimension="country", value=moldova, n__gt=0).values_list(
            "language", "n"
        )
    )
    assert kept == {"en": 1, "de": 1}
    assert listing_model.verify() == []


def test_verify_finds_a_total_counted_in_the_wrong_language(newsroom):
    assert listing_model.verify() == []
    ListingTotal.objects.filter(language="fr").update(language="it")
    problems = listing_model.verify()
    said = " ".join(problems)
    assert problems
    assert "(fr)" in said or "(it)" in said


# --- a release in its language, and its translations --------------------------------


def test_release_lives_under_its_language_prefix(client, newsroom):
    fr = newsroom["fr"]
    assert client.get(f"/fr/press/{fr.slug}/").status_code == 200
    response = client.get(f"/press/{fr.slug}/")
    assert response.status_code == 302
    assert response["Location"] == f"/fr/press/{fr.slug}/"
    assert client.get(f"/de/press/{fr.slug}/")["Location"] == f"/fr/press/{fr.slug}/"
    with translation.override("en"):
        assert fr.get_absolute_url() == f"/fr/press/{fr.slug}/"


def test_release_page_names_its_translations(client, newsroom):
    en, fr = newsroom["en"], newsroom["fr"]
    html = client.get(f"/press/{en.slug}/").text
    alternates = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)"', html))
    assert alternates == {
        "en": f"http://testserver/press/{en.slug}/",
        "fr": f"http://testserver/fr/press/{fr.slug}/",
        "x-default": f"http://testserver/press/{en.slug}/",
    }
    switcher = html[html.index('class="languages"') :]
    switcher = switcher[: switcher.index("</nav>")]
    assert f'href="/fr/press/{fr.slug}/"' in switcher  # its own translation
    assert 'href="/de/press/"' in switcher  # no German version: the German listing
    assert '<span aria-current="true" lang="en"><span class="language-name">English</span>' in (
        switcher
    )


def test_a_draft_translation_is_not_offered(client, newsroom):
    make_release("Wahlen beobachtet", language="de", status="draft", translation_group="g")
    html = client.get(f"/press/{newsroom['en'].slug}/").text
    assert 'hreflang="de" href="http' not in html
    assert 'href="/de/press/"' in html


def test_listing_switcher_keeps_the_filters_but_not_the_page(client, newsroom):
    html = client.get("/press/?topic=elections&page=1").text
    assert 'href="/ru/press/?topic=elections"' in html
    html = client.get("/ru/countries/moldova/").text
    assert 'href="/countries/moldova/"' in html
    assert 'hreflang="x-default" href="http://testserver/countries/moldova/"' in html


def test_sitemap_lists_the_alternates(client, newsroom):
    xml = client.get("/sitemap-releases.xml").text
    en, fr = newsroom["en"], newsroom["fr"]
    entry = xml[xml.index(f"<loc>http://testserver/press/{en.slug}/</loc>") :]
    entry = entry[: entry.index("</url>")]
    assert f'hreflang="fr" href="http://testserver/fr/press/{fr.slug}/"' in entry
    assert f'hreflang="x-default" href="http://testserver/press/{en.slug}/"' in entry
    assert f"<loc>http://testserver/ru/press/{newsroom['ru'].slug}/</loc>" in xml
    sections = client.get("/sitemap-sections.xml").text
    assert "<loc>http://testserver/es/press/</loc>" in sections
    assert 'hreflang="it" href="http://testserver/it/press/"' in sections


def test_feeds_per_language(client, newsroom):
    feed = client.get("/ru/press/feed/").text
    assert "Выборы в Молдове" in feed
    assert "Elections observed" not in feed
    assert f"/ru/press/{newsroom['ru'].slug}/" in feed
    assert "Выборы в Молдове" not in client.get("/press/feed/").text


def test_related_releases_stay_in_the_page_language(client, db):
    tags = {"topics": ["elections"], "countries": ["moldova"]}
    one = make_release("Moldova votes", tags=tags)
    make_release("Moldova votes again", tags=tags)
    make_release("La Moldavie vote", language="fr", tags=tags)
    html = client.get(f"/press/{one.slug}/").text
    assert "Moldova votes again" in html
    assert "La Moldavie vote" not in html


# --- shared tags ------------------------------------------------------------------


def test_a_change_to_one_translations_tags_is_made_to_all(newsroom):
    en, fr = newsroom["en"], newsroom["fr"]
    en.countries.add(Country.objects.get(slug="moldova"))
    assert set(fr.countries.values_list("slug", flat=True)) == {"moldova"}
    fr.topics.clear()
    assert not en.topics.exists()
    # A release outside the group keeps its own.
    assert set(newsroom["ru"].countries.values_list("slug", flat=True)) == {"moldova"}
    assert listing_model.verify() == []


def test_a_moldova_filter_finds_both_translations_after_tagging_one(client, newsroom):
    newsroom["fr"].countries.add(Country.objects.get(slug="moldova"))
    assert count_on(client, "/fr/press/?country=moldova") == 1
    assert count_on(client, "/press/?country=moldova") == 2


# --- import -----------------------------------------------------------------------


def record(**fields):
    data = {
        "title": "Chairpersonship welcomes agreement",
        "date": "2025-03-03",
        "type": "Press release",
        "place": "Vienna",
        "topics": ["Elections"],
        "summary": "A summary.",
        "body": "Text.",
    }
    data.update(fields)
    return json.dumps(data, ensure_ascii=False)


def test_import_of_a_translation_group(tmp_path, db):
    path = tmp_path / "group.jsonl"
    path.write_text(
        "\n".join(
            [
                record(translation_group="agreement-2025", countries=["Moldova"]),
                record(
                    title="La présidence salue l'accord",
                    language="fr",
                    topics=[],
                    translation_group="agreement-2025",
                ),  # fmt: skip
                record(
                    title="Председательство приветствует соглашение",
                    language="ru",
                    translation_group="agreement-2025",
                    topics=[],
                ),  # fmt: skip
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    report = import_files([path])
    assert (report.created, report.failed) == (3, 0)
    group = PressRelease.objects.filter(translation_group="agreement-2025")
    assert dict(group.values_list("language", "title")) == {
        "en": "Chairpersonship welcomes agreement",
        "fr": "La présidence salue l'accord",
        "ru": "Председательство приветствует соглашение",
    }
    # Addresses are ASCII, transliterated from the title.
    assert group.get(language="ru").slug == "predsedatelstvo-privetstvuet-soglashenie"
    # The translations without tags of their own carry the group's.
    for release in group:
        assert set(release.topics.values_list("slug", flat=True)) == {"elections"}, release
        assert set(release.countries.values_list("slug", flat=True)) == {"moldova"}, release
    assert listing_model.verify() == []
    # The same file again changes nothing.
    again = import_files([path])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_import_refuses_a_bad_language_and_a_second_release_in_one_language(tmp_path, db):
    path = tmp_path / "bad.jsonl"
    path.write_text(
        "\n".join(
            [
                record(language="pt"),
                record(title="Un", language="fr", translation_group="x"),
                record(title="Deux", language="fr", translation_group="x"),
                record(title="Good"),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    out, err = StringIO(), StringIO()
    with pytest.raises(Exception):  # noqa: B017 - the command fails when a record failed
        call_command("import_press_releases", str(path), stdout=out, stderr=err)
    errors = err.getvalue()
    assert f"{path}:1: " in errors and "bad language 'pt'" in errors
    assert f"{path}:3: " in errors and "already has a release in 'fr'" in errors
    assert set(PressRelease.objects.values_list("title", flat=True)) == {"Un", "Good"}


def test_import_default_language_is_english(tmp_path, db):
    path = tmp_path / "plain.jsonl"
    path.write_text(record() + "\n", encoding="utf-8")
    import_files([path])
    assert PressRelease.objects.get().language == "en"


# --- the admin --------------------------------------------------------------------


@pytest.fixture
def editor_client(client, db):
    user = UserFactory(username="editor", is_superuser=True)
    client.force_login(user)
    return client


def test_add_translation_starts_from_the_release(editor_client, newsroom):
    ru = newsroom["ru"]
    change = editor_client.get(reverse("admin:press_pressrelease_change", args=[ru.pk])).text
    add = f"/admin/press/pressrelease/add/?translation_of={ru.pk}&amp;language=fr"
    assert add in change
    form = editor_client.get(
        reverse("admin:press_pressrelease_add"), {"translation_of": ru.pk, "language": "fr"}
    )
    assert form.status_code == 200
    initial = form.context["adminform"].form.initial
    assert initial["title"] == "Выборы в Молдове"
    assert initial["language"] == "fr"
    assert initial["countries"] == [Country.objects.get(slug="moldova").pk]
    assert initial["slug"] == f"{ru.slug}-fr"  # a free address to start from


def _post_translation(client, source, language, title, **fields):
    data = {
        "title": title,
        "slug": slugify(title) or "x",
        "language": language,
        "type": source.type_id,
        "summary": "",
        "body": "<p>Texte.</p>",
        "status": "draft",
        "published_at": "",
        "place": "",
        "translation_of": source.pk,
        "countries": [Country.objects.get(slug="moldova").pk],
        "lead_image_alt": "",
        "lead_image_caption": "",
        "lead_image_credit": "",
        "source_url": "",
        **fields,
    }
    return client.post(reverse("admin:press_pressrelease_add"), data)


def test_saved_translation_joins_the_group_and_shares_tags(editor_client, newsroom):
    ru = newsroom["ru"]
    # The translator adds a topic: the group's tags are then the new ones.
    topic = Topic.objects.get(slug="elections").pk
    response = _post_translation(editor_client, ru, "fr", "Élections en Moldavie", topics=[topic])
    assert response.status_code == 302, response.context["adminform"].form.errors
    added = PressRelease.objects.get(title="Élections en Moldavie")
    ru.refresh_from_db()
    assert ru.translation_group and added.translation_group == ru.translation_group
    assert added.language == "fr"
    assert set(added.countries.values_list("slug", flat=True)) == {"moldova"}
    assert set(ru.topics.values_list("slug", flat=True)) == {"elections"}  # shared back
    # Another ungrouped release is not a translation of either.
    other = PressRelease.objects.get(title="Another English release")
    assert other.translation_group == ""
    assert not other.topics.exists()
    change = editor_client.get(reverse("admin:press_pressrelease_change", args=[ru.pk])).text
    assert "Élections en Moldavie" in change  # listed among the translations


def test_a_second_translation_in_one_language_is_refused(editor_client, newsroom):
    response = _post_translation(editor_client, newsroom["en"], "fr", "Encore en français")
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "Élections observées" in str(errors["language"])
    assert not PressRelease.objects.filter(title="Encore en français").exists()


def test_robots_keeps_crawlers_off_every_languages_feeds(client, db):
    body = client.get("/robots.txt").text
    for prefix in ("", "/fr", "/de", "/it", "/ru", "/es"):
        assert f"Disallow: {prefix}/press/feed/\n" in body


def test_the_languages_of_names_are_the_sites():
    from django.conf import settings

    from press import languages
    from taxonomy import languages as node_languages

    site = tuple(code for code, _name in settings.LANGUAGES)
    assert site == ("en", "fr", "de", "it", "ru", "es")
    assert site == languages.CODES
    # The trees' name columns (a migration) follow the same list.
    assert site == node_languages.LANGUAGES


def test_a_feed_names_its_language(client, newsroom):
    assert "<language>ru</language>" in client.get("/ru/press/feed/").text
    assert "<language>en</language>" in client.get("/press/feed/").text


def test_editors_read_the_admin_in_their_browsers_language(client, db):
    french = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="fr")
    assert "Nom d’utilisateur" in french.text
    assert "Accept-Language" in french["Vary"]
    # Positive control: without the header, English.
    assert "Username" in client.get("/admin/login/").text
    # The public pages still follow the address alone.
    assert '<html lang="en"' in client.get("/press/", HTTP_ACCEPT_LANGUAGE="fr").text


def test_a_translations_language_cannot_become_one_its_group_has(editor_client, newsroom):
    fr = newsroom["fr"]
    url = reverse("admin:press_pressrelease_change", args=[fr.pk])
    response = editor_client.post(url, {**_form_of(fr), "language": "en"})
    assert response.status_code == 200
    assert "Elections observed" in str(response.context["adminform"].form.errors["language"])
    fr.refresh_from_db()
    assert fr.language == "fr"
    # Positive control: a language the group lacks is accepted.
    response = editor_client.post(url, {**_form_of(fr), "language": "de"})
    assert response.status_code == 302
    fr.refresh_from_db()
    assert fr.language == "de"


def _form_of(release):
    return {
        "title": release.title,
        "slug": release.slug,
        "language": release.language,
        "type": release.type_id,
        "summary": release.summary,
        "body": release.body or "<p>Text.</p>",
        "release_version": page_token(release),
        "published_at_0": timezone.localtime(release.published_at).strftime("%Y-%m-%d"),
        "published_at_1": timezone.localtime(release.published_at).strftime("%H:%M:%S"),
        "place": "",
        "topics": list(release.topics.values_list("pk", flat=True)),
        "lead_image_alt": "",
        "lead_image_caption": "",
        "lead_image_credit": "",
        "source_url": "",
    }


@pytest.mark.parametrize("value", ["²", "abc", "-1", "9" * 40, "1e3", ""])
def test_hostile_translation_sources_are_ignored(editor_client, newsroom, value):
    response = editor_client.get(
        reverse("admin:press_pressrelease_add"), {"translation_of": value, "language": "zz"}
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.initial.get("title") is None


def test_a_vanished_source_is_said_on_the_form(editor_client, newsroom):
    ru = newsroom["ru"]
    missing = PressRelease.objects.order_by("-pk")[0].pk + 1000
    response = _post_translation(editor_client, ru, "fr", "Orphelin", translation_of=missing)
    assert response.status_code == 200
    assert "no longer exists" in " ".join(response.context["adminform"].form.non_field_errors())


def test_adding_a_translation_needs_the_right_to_change_its_source(client, newsroom):
    from django.contrib.auth.models import Permission

    adder = UserFactory(username="adder")
    adder.user_permissions.add(
        *Permission.objects.filter(codename__in=["add_pressrelease", "view_pressrelease"])
    )
    client.force_login(adder)
    response = _post_translation(client, newsroom["ru"], "fr", "Sans droit")
    assert response.status_code in (200, 403)
    assert not PressRelease.objects.filter(title="Sans droit").exists()
    newsroom["ru"].refresh_from_db()
    assert newsroom["ru"].translation_group == ""
    # Positive control: Communications staff (who may change releases) can.
    client.force_login(UserFactory(username="writer", group="Communications staff"))
    response = _post_translation(client, newsroom["ru"], "fr", "Avec droit")
    assert response.status_code == 302
    assert PressRelease.objects.filter(title="Avec droit").exists()


# --- the switcher on addresses nothing answers --------------------------------------


@pytest.mark.parametrize("path", ["/de//evil.example/", "/fr/%5Cevil.example/", "/fr/nope%20x/"])
def test_a_404_links_each_languages_home_and_names_no_alternates(client, db, path):
    response = client.get(path)
    assert response.status_code == 404
    html = response.text
    assert "evil.example" not in html.split("<main")[0]
    assert 'hreflang="x-default"' not in html
    switcher = html[html.index('class="languages"') :]
    switcher = switcher[: switcher.index("</nav>")]
    hrefs = re.findall(r'href="([^"]*)"', switcher)
    assert set(hrefs) <= {"/", "/fr/", "/de/", "/it/", "/ru/", "/es/"}, hrefs
    assert len(hrefs) == 5


def test_a_404_of_a_known_address_names_no_alternates(client, db):
    html = client.get("/fr/press/no-such-release/").text
    assert 'hreflang="x-default"' not in html
    # Positive control: a page that exists names them.
    assert 'hreflang="x-default"' in client.get("/fr/press/").text


def test_switcher_paths_are_the_sites_own_and_quoted(client, db):
    html = client.get("/fr/press/?q=%3Cb%3E%22x%22&page=2").text
    switcher = html[html.index('class="languages"') :]
    switcher = switcher[: switcher.index("</nav>")]
    assert 'href="/press/?q=%3Cb%3E%22x%22"' in switcher
    assert "<b>" not in switcher


def test_an_ungrouped_release_lists_no_translations(editor_client, newsroom):
    other = PressRelease.objects.get(title="Another English release")
    page = editor_client.get(reverse("admin:press_pressrelease_change", args=[other.pk])).text
    listed = page[page.index('<ul class="translations">') :]
    listed = listed[: listed.index("</ul>")]
    assert "Выборы в Молдове" not in listed  # ungrouped too, but no translation of it
    assert listed.count("Add translation") == 5


def test_records_of_a_group_with_other_tags_keep_the_first_and_say_so(tmp_path, db):
    path = tmp_path / "flip.jsonl"
    path.write_text(
        record(translation_group="flip", topics=["Elections"])
        + "\n"
        + record(
            title="Démocratie", language="fr", translation_group="flip", topics=["Democratization"]
        )
        + "\n",
        encoding="utf-8",
    )
    first = import_files([path])
    assert (first.created, first.failed) == (2, 0)
    [warning] = first.warnings
    assert warning.startswith(f"{path}:2: warning: its tags differ from those flip.jsonl:1 gave")
    for release in PressRelease.objects.filter(translation_group="flip"):
        assert set(release.topics.values_list("slug", flat=True)) == {"elections"}
    # Every later run of the same file changes nothing.
    for _ in range(2):
        again = import_files([path])
        assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_a_dry_run_refuses_a_second_release_in_one_language_of_a_group(tmp_path, db):
    path = tmp_path / "twice.jsonl"
    path.write_text(
        record(title="Un", language="fr", translation_group="x")
        + "\n"
        + record(title="Deux", language="fr", translation_group="x")
        + "\n",
        encoding="utf-8",
    )
    report = import_files([path], dry_run=True)
    assert (report.created, report.failed) == (1, 1)
    assert "already has a release in 'fr' (line twice.jsonl:1)" in report.errors[0]
    assert not PressRelease.objects.exists()


def test_a_release_joining_a_group_by_import_shares_its_tags(tmp_path, db):
    path = tmp_path / "join.jsonl"
    path.write_text(record(title="Alone", countries=["Moldova"]) + "\n", encoding="utf-8")
    import_files([path])
    make_release("Seul", language="fr", translation_group="late")
    path.write_text(
        record(title="Alone", countries=["Moldova"], translation_group="late") + "\n",
        encoding="utf-8",
    )
    report = import_files([path])
    assert report.updated == 1
    french = PressRelease.objects.get(title="Seul")
    assert set(french.countries.values_list("slug", flat=True)) == {"moldova"}
    assert listing_model.verify() == []


# --- two editors at once --------------------------------------------------------------


@pytest.mark.postgres
@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_editors_adding_one_language_at_once_take_turns(taxonomy):
    """The second editor waits for the first and is told, instead of a 500."""
    source = make_release("Shared story", translation_group="story")
    editor = UserFactory(username="second-editor", is_superuser=True)
    answers = []

    def second_editor():
        client = Client()
        client.force_login(editor)
        try:
            answers.append(_post_translation(client, source, "fr", "Deuxième version"))
        finally:
            connection.close()

    with transaction.atomic():
        # The first editor's save holds the group while it adds its French version.
        list(PressRelease.objects.select_for_update().filter(translation_group="story"))
        thread = threading.Thread(target=second_editor)
        thread.start()
        thread.join(1.5)
        assert thread.is_alive()  # the second waits for the first
        make_release("Première version", language="fr", translation_group="story")
    thread.join(20)
    [response] = answers
    assert response.status_code == 200
    assert "Première version" in str(response.context["adminform"].form.errors["language"])
    assert list(
        PressRelease.objects.filter(translation_group="story", language="fr").values_list(
            "title", flat=True
        )
    ) == ["Première version"]


class TestAlternatePathsAsReverseWritesThem:
    """``reversed_in`` keeps each reversal per process: the same as ``reverse()`` each time."""

    @pytest.mark.parametrize("code", ["en", "ru", "fr", "de"])
    def test_the_same_as_reverse_in_each_language(self, code):
        from osce_cms.templatetags.languages import reversed_in

        for _ in range(2):  # the second answer comes from the memo
            for name, kwargs in (("home", {}), ("press:list", {}),
                                 ("press:detail", {"slug": "water-talks"})):  # fmt: skip
                with translation.override(code):
                    expected = reverse(name, kwargs=kwargs)
                assert reversed_in(code, name, kwargs=kwargs) == expected

    def test_written_out_and_none_where_nothing_reverses(self):
        from osce_cms.templatetags.languages import reversed_in

        assert reversed_in("en", "press:detail", kwargs={"slug": "water"}) == "/press/water/"
        assert reversed_in("ru", "press:detail", kwargs={"slug": "water"}) == "/ru/press/water/"
        assert reversed_in("en", "press:detail", kwargs={"slug": "no/slash"}) is None

    def test_under_a_script_prefix(self):
        from django.test.utils import set_script_prefix

        from osce_cms.templatetags.languages import reversed_in

        set_script_prefix("/site/")
        try:
            assert reversed_in("fr", "home") == "/site/fr/"
        finally:
            set_script_prefix("/")
        assert reversed_in("fr", "home") == "/fr/"


@pytest.mark.parametrize(
    "url", ["/sitemap-nonexistent.xml", "/sitemap-releases.xml?p=999", "/ru/sitemap-nowhere.xml"]
)
def test_a_sitemap_address_that_is_not_found_answers_404(client, url):
    """Its pattern passes the sitemaps (a dict) to its view: the language switcher of the
    404 page reverses the matched view with them, and must not fail on them."""
    response = client.get(url)
    assert response.status_code == 404
    assert 'class="languages"' in response.content.decode()


def test_the_memo_of_paths_holds_no_visitors_slug(client):
    """Addresses a visitor makes up (any slug, found or not) are reversed each time, not
    kept: the memo holds the site's own names only."""
    from osce_cms.templatetags import languages as tags

    for n in range(30):
        client.get(f"/press/made-up-{n}/")
        client.get(f"/topics/made-up-{n}/")
    kept = list(tags._PATHS)
    assert kept, "positive control: argument-free views are kept"
    assert all("made-up" not in str(key) for key in kept)
    assert len(kept) < 200
