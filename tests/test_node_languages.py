"""Tree nodes named in the page's language: countries by the CLDR, the rest by their columns.

English pages show the canonical ``name``; /fr/, /de/, ... pages show the
CLDR's name of a country with an ISO code and, for any other node, its own
column (``name_fr``, ...), or the English name where that is empty.
"""

import copy
import re
import xml.etree.ElementTree as ET

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from taxonomy.index import tree_index
from taxonomy.languages import LANGUAGES, NAME_FIELDS, cldr_names, names_of
from taxonomy.models import Country, Structure, Topic
from taxonomy.services import TaxonomyDataError, load_taxonomy, read_data, validate

from .conftest import make_release
from .factories import TopicFactory

pytestmark = pytest.mark.usefixtures("taxonomy")


def text(response):
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    return response.content.decode()


def menu(page):
    """The site menu of a page."""
    return page.split('<nav class="site-nav"')[1].split("</nav>")[0]


def breadcrumbs(page):
    return page.split('<nav class="breadcrumbs"')[1].split("</nav>")[0]


def h1(page):
    return re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)


def facet_label(page, param, slug):
    """The label of one facet checkbox, or None."""
    found = re.search(rf'<label for="f-{param}-{slug}">([^<]*)', page)
    return found.group(1) if found else None


def chips(page):
    found = re.search(r'<ul class="chips"[^>]*>(.*?)</ul>', page, re.S)
    return re.findall(r">([^<>]+)</a>", found.group(1)) if found else []


def clear_french_name(model, slug):
    node = model.objects.get(slug=slug)
    node.name_fr = ""
    node.save()
    return node


class TestTheRule:
    def test_a_country_with_an_iso_code_is_named_by_the_cldr(self):
        assert names_of("Germany", iso_code="DE") == (
            "Germany",
            "Allemagne",
            "Deutschland",
            "Germania",
            "Германия",
            "Alemania",
        )

    def test_the_cldr_wins_over_a_column(self):
        assert names_of("Germany", ["Typed by hand"], iso_code="DE")[1] == "Allemagne"

    def test_other_nodes_take_their_column_or_the_english_name(self):
        assert names_of("Secretariat", ["Secrétariat", "", "", "Секретариат"]) == (
            "Secretariat",
            "Secrétariat",
            "Secretariat",
            "Secretariat",
            "Секретариат",
            "Secretariat",
        )

    def test_a_grouping_without_an_iso_code_is_like_any_other_node(self):
        states = Country.objects.get(slug="participating-states")
        assert states.iso_code == ""
        assert states.name_in("fr") == "États participants"
        assert states.name_in("en") == "Participating States"

    def test_the_index_names_a_node_in_the_active_language(self):
        germany = tree_index(Country).by_slug["germany"]
        secretariat = tree_index(Structure).by_slug["secretariat"]
        expected = {
            "en": ("Germany", "Secretariat"),
            "fr": ("Allemagne", "Secrétariat"),
            "de": ("Deutschland", "Sekretariat"),
            "it": ("Germania", "Segretariato"),
            "ru": ("Германия", "Секретариат"),
            "es": ("Alemania", "Secretaría"),
        }
        assert set(expected) == set(LANGUAGES)
        for language, names in expected.items():
            with translation.override(language):
                assert (germany.name, secretariat.name) == names
            assert (germany.name_in(language), secretariat.name_in(language)) == names

    def test_a_regional_variant_of_a_language_counts_as_the_language(self):
        assert tree_index(Country).by_slug["germany"].name_in("fr-ch") == "Allemagne"

    def test_english_keeps_the_canonical_name(self):
        with translation.override("en"):
            assert tree_index(Country).by_slug["turkiye"].name == "Türkiye"


class TestCountriesInEveryLanguage:
    @pytest.mark.parametrize(
        ("prefix", "germany", "not_shown"),
        [
            ("/fr", "Allemagne", "Germany"),
            ("/de", "Deutschland", "Germany"),
            ("/ru", "Германия", "Germany"),
            ("", "Germany", "Allemagne"),
        ],
    )
    def test_the_countries_page(self, client, prefix, germany, not_shown):
        page = text(client.get(f"{prefix}/countries/"))
        content = page.split("<main", 1)[-1]
        assert f">{germany}</a>" in content
        assert f">{not_shown}</a>" not in content

    def test_countries_are_listed_alphabetically_by_the_names_shown(self, client):
        content = text(client.get("/fr/countries/")).split('<ul class="tree">')[1]
        # "Allemagne" among the A, though Germany sits among the G in English.
        assert content.index(">Albanie<") < content.index(">Allemagne<")
        assert content.index(">Allemagne<") < content.index(">Andorre<")
        # The groups keep the editors' order.
        assert content.index(">États participants<") < content.index(
            ">Partenaires asiatiques pour la coopération<"
        )

    def test_a_french_listings_country_facet(self, client):
        make_release("Une visite", language="fr", tags={"countries": ["germany"]})
        page = text(client.get("/fr/press/"))
        assert facet_label(page, "country", "germany") == "Allemagne"
        page = text(client.get("/fr/press/?country=germany"))
        assert facet_label(page, "country", "germany") == "Allemagne"
        assert "Allemagne" in chips(page)

    @pytest.mark.parametrize(
        ("prefix", "germany"), [("/de", "Deutschland"), ("/ru", "Германия"), ("", "Germany")]
    )
    def test_a_chosen_country_in_other_languages(self, client, prefix, germany):
        page = text(client.get(f"{prefix}/press/?country=germany"))
        assert facet_label(page, "country", "germany") == germany
        assert germany in chips(page)

    def test_the_country_page_and_its_field_operations(self, client):
        page = text(client.get("/fr/countries/moldova/"))
        assert h1(page).startswith("Moldavie")
        assert "<title>Moldavie" in page
        assert ">Mission en Moldavie</a>" in page
        assert "Moldavie" in breadcrumbs(page)

    def test_a_field_operation_names_its_country(self, client):
        page = text(client.get("/ru/structures/field-operations/mission-to-moldova/"))
        assert h1(page).startswith("Миссия в Молдове")
        assert ">Молдова</a>" in page

    def test_the_chairpersonship(self, client):
        with time_machine.travel("2025-06-01 12:00 +00:00", tick=False):
            french = menu(text(client.get("/fr/")))
            english = menu(text(client.get("/")))
        assert "Finlande" in french.split('class="chair-note"')[1]
        assert "Finland – OSCE Chairpersonship 2025" in english
        assert "Finlande" not in english


class TestOtherNodesInEveryLanguage:
    def test_the_node_page(self, client):
        page = text(client.get("/fr/structures/secretariat/conflict-prevention-centre/"))
        assert h1(page) == "Centre de prévention des conflits"
        assert "<title>Centre de prévention des conflits" in page
        crumbs = breadcrumbs(page)
        assert ">Secrétariat</a>" in crumbs
        assert "Centre de prévention des conflits" in crumbs
        assert "Secretariat" not in crumbs

    def test_the_children_of_a_node(self, client):
        page = text(client.get("/fr/structures/institutions/"))
        assert ">Bureau des institutions démocratiques et des droits de l&#x27;homme</a>" in page

    def test_the_index_page(self, client):
        page = text(client.get("/fr/topics/"))
        assert ">Maîtrise des armements</a>" in page.split('<ul class="tree">')[1]

    def test_facet_and_chip(self, client):
        make_release("Un communiqué", language="fr", tags={"structures": ["secretariat"]})
        page = text(client.get("/fr/press/"))
        assert facet_label(page, "structure", "secretariat") == "Secrétariat"
        page = text(client.get("/fr/press/?structure=secretariat"))
        assert facet_label(page, "structure", "secretariat") == "Secrétariat"
        assert "Secrétariat" in chips(page)

    def test_the_menu(self, client):
        nav = menu(text(client.get("/fr/")))
        assert ">Secrétariat</a>" in nav
        assert ">Mission en Moldavie</a>" in nav
        assert ">Allemagne</a>" in nav
        assert ">Secretariat</a>" not in nav

    def test_the_feed_title(self, client):
        make_release("Un communiqué", language="fr", tags={"structures": ["secretariat"]})
        response = client.get("/fr/press/feed/?structure=secretariat")
        assert response.status_code == 200
        title = ET.fromstring(response.content).find("channel").findtext("title")
        assert "Secrétariat" in title

    def test_the_release_pages_tags(self, client):
        release = make_release(
            "Un communiqué",
            language="fr",
            tags={"structures": ["conflict-prevention-centre"], "countries": ["germany"]},
        )
        page = text(client.get(release.get_absolute_url()))
        tags = page.split('id="tags-heading"')[1].split("</section>")[0]
        assert ">Centre de prévention des conflits</a>" in tags
        assert ">Allemagne</a>" in tags
        json_ld = page.split('<script type="application/ld+json">')[1].split("</script>")[0]
        assert "Centre de prévention des conflits" in json_ld

    def test_a_node_without_a_french_name_shows_the_english_one(self, client):
        clear_french_name(Topic, "youth")
        TopicFactory(name="Sport and security", slug="sport-and-security")
        page = text(client.get("/fr/topics/youth/"))
        assert h1(page) == "Youth"
        nav = menu(text(client.get("/fr/")))
        assert ">Youth</a>" in nav
        assert ">Sport and security</a>" in nav
        assert ">Maîtrise des armements</a>" in nav  # the control: the others are French
        make_release("Jeunes", language="fr", tags={"topics": ["youth"]})
        page = text(client.get("/fr/press/?topic=youth"))
        assert facet_label(page, "topic", "youth") == "Youth"
        assert "Youth" in chips(page)

    def test_another_language_is_not_taken_for_the_missing_one(self, client):
        node = clear_french_name(Topic, "youth")
        assert node.name_de == "Jugend"
        assert h1(text(client.get("/fr/topics/youth/"))) == "Youth"
        assert h1(text(client.get("/de/topics/youth/"))) == "Jugend"


class TestEnglishPagesUnchanged:
    def test_node_pages_menu_and_facets(self, client):
        make_release("A release", tags={"structures": ["secretariat"], "countries": ["germany"]})
        page = text(client.get("/structures/secretariat/conflict-prevention-centre/"))
        assert h1(page) == "Conflict Prevention Centre"
        assert ">Secretariat</a>" in breadcrumbs(page)
        assert ">Secretariat</a>" in menu(page)
        page = text(client.get("/press/?structure=secretariat"))
        assert facet_label(page, "structure", "secretariat") == "Secretariat"
        assert facet_label(page, "country", "germany") == "Germany"
        assert "Secretariat" in chips(page)
        for french in ("Secrétariat", "Allemagne", "Centre de prévention"):
            assert french not in page


class TestTheMenuKeptPerLanguage:
    def test_one_language_never_leaks_into_another(self, client):
        first = menu(text(client.get("/fr/")))
        english = menu(text(client.get("/")))
        again = menu(text(client.get("/fr/")))
        german = menu(text(client.get("/de/press/")))
        assert ">Secrétariat</a>" in first and ">Secretariat</a>" not in first
        assert ">Secretariat</a>" in english and ">Secrétariat</a>" not in english
        assert again == first
        assert ">Sekretariat</a>" in german and ">Secrétariat</a>" not in german

    def test_the_menus_addresses_are_the_languages(self, client):
        assert 'href="/fr/structures/secretariat/"' in menu(text(client.get("/fr/")))
        assert 'href="/structures/secretariat/"' in menu(text(client.get("/")))

    def test_an_edit_of_a_french_name_reaches_the_french_menu(self, client):
        menu(text(client.get("/fr/")))
        node = Structure.objects.get(slug="secretariat")
        node.name_fr = "Le Secrétariat"
        node.save()
        assert ">Le Secrétariat</a>" in menu(text(client.get("/fr/")))
        assert ">Secretariat</a>" in menu(text(client.get("/")))


class TestLoadingNames:
    def test_the_shipped_names_are_loaded(self):
        node = Structure.objects.get(key="office-for-democratic-institutions-and-human-rights")
        assert node.name_fr == "Bureau des institutions démocratiques et des droits de l'homme"
        assert node.name_ru == "Бюро по демократическим институтам и правам человека"
        assert Structure.objects.get(key="secretariat").name_es == "Secretaría"
        # Countries with an ISO code have none: the CLDR names them.
        germany = Country.objects.get(key="germany")
        assert [getattr(germany, field) for field in NAME_FIELDS] == [""] * 5

    def test_every_non_country_node_of_the_file_has_its_names(self):
        data = read_data()

        def walk(items):
            for item in items:
                yield item
                yield from walk(item.get("children", []))

        for tree in ("topics", "structures", "meetings", "countries"):
            for item in walk(data[tree]):
                if not item.get("iso_code"):
                    assert set(item.get("names", {})) == {"fr", "de", "it", "ru", "es"}, item

    def test_a_second_load_changes_nothing(self):
        assert not load_taxonomy().changed

    def test_a_new_name_in_the_file_reaches_the_node(self):
        data = copy.deepcopy(read_data())
        youth = next(t for t in data["topics"] if t["key"] == "youth")
        youth["names"]["fr"] = "Les jeunes"
        report = load_taxonomy(data=data)
        assert any("Youth (name_fr)" in line for line in report.updated)
        node = Topic.objects.get(key="youth")
        assert (node.name_fr, node.name_de) == ("Les jeunes", "Jugend")
        assert not load_taxonomy(data=data).changed

    def test_an_administrators_name_survives_a_reload(self):
        node = Topic.objects.get(key="youth")
        node.name_fr = "Jeunes"
        node.save()
        assert not load_taxonomy().changed
        node.refresh_from_db()
        assert node.name_fr == "Jeunes"

    def test_a_file_loaded_before_names_existed_gets_them_once(self):
        # As a database loaded before migration 0006: no names, none in source_data.
        for model in (Topic, Structure):
            for node in model.objects.all():
                for field in NAME_FIELDS:
                    setattr(node, field, "")
                    node.source_data.pop(field, None)
                node.save()
        report = load_taxonomy()
        assert report.updated
        assert Structure.objects.get(key="secretariat").name_fr == "Secrétariat"
        assert not load_taxonomy().changed

    def test_names_for_a_country_with_an_iso_code_are_refused(self):
        data = copy.deepcopy(read_data())
        germany = next(c for c in data["countries"][0]["children"] if c["key"] == "germany")
        germany["names"] = {"fr": "Allemagne"}
        with pytest.raises(TaxonomyDataError, match="CLDR"):
            validate(data)

    @pytest.mark.parametrize(
        ("names", "message"),
        [({"en": "Youth"}, "unknown language 'en'"), ({"fr": 1}, "fr must be a string"),
         (["Jeunesse"], "names must be an object")],
    )  # fmt: skip
    def test_bad_names_name_the_place(self, names, message):
        data = copy.deepcopy(read_data())
        next(t for t in data["topics"] if t["key"] == "youth")["names"] = names
        with pytest.raises(TaxonomyDataError, match=message):
            validate(data)


class TestAdmin:
    def test_the_form_saves_a_french_name(self, admin_client_site):
        node = Topic.objects.get(slug="youth")
        url = reverse("admin:taxonomy_topic_change", args=[node.pk])
        page = text(admin_client_site.get(url))
        assert "Names in other languages" in page
        assert 'name="name_fr"' in page and 'value="Jeunesse"' in page
        response = admin_client_site.post(
            url,
            {
                "name": node.name,
                "slug": node.slug,
                "parent": "",
                "description": node.description,
                "is_active": "on",
                "name_fr": "Jeunes et sécurité",
                "name_de": "Jugend",
                "name_it": "",
                "name_ru": "Молодежь",
                "name_es": "Juventud",
                "aliases-TOTAL_FORMS": "0",
                "aliases-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        node.refresh_from_db()
        assert (node.name_fr, node.name_it) == ("Jeunes et sécurité", "")
        assert node.name_in("it") == "Youth"

    def test_a_country_with_an_iso_code_shows_the_cldr_names_read_only(self, admin_client_site):
        germany = Country.objects.get(slug="germany")
        page = text(
            admin_client_site.get(reverse("admin:taxonomy_country_change", args=[germany.pk]))
        )
        assert "Allemagne" in page and "Германия" in page and "CLDR" in page
        assert 'name="name_fr"' not in page
        assert cldr_names("DE")["de"] == "Deutschland"

    def test_a_grouping_has_editable_names(self, admin_client_site):
        states = Country.objects.get(slug="participating-states")
        page = text(
            admin_client_site.get(reverse("admin:taxonomy_country_change", args=[states.pk]))
        )
        assert 'name="name_fr"' in page and "États participants" in page

    def test_the_admin_finds_a_node_by_a_translated_name(self, admin_client_site):
        page = text(
            admin_client_site.get(
                reverse("admin:taxonomy_structure_changelist"), {"q": "Secrétariat"}
            )
        )
        assert "Secretariat" in page
