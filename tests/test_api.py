"""The JSON API: what it answers, that it agrees with the page, and how it refuses bad input.

The contract tests (``test_api_contract.py``) check every answer against the
OpenAPI document; these write down what the answers must say.
"""

import json
import re
from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from press.models import OldSlug, PressRelease
from taxonomy.models import Country, Structure, Topic

from .conftest import make_release

pytestmark = pytest.mark.usefixtures("taxonomy")

API = "/api/v1/releases/"


def at(y, m, d):
    return timezone.make_aware(datetime(y, m, d, 12, 0))


@pytest.fixture
def corpus(listing_corpus):
    """The listing's test data (``conftest.listing_corpus``), one release said in full, and a
    French one."""
    made = dict(listing_corpus)
    first = made["moldova_elections"]
    first.place, first.summary = "Chisinau", "Observers watched the vote."
    first.save()
    first.sources.set(Structure.objects.filter(slug="mission-to-moldova"))
    made["french"] = make_release(
        "La Mission en Moldavie observe les élections",
        published_at=at(2024, 5, 2),
        language="fr",
        tags={"countries": ["moldova"], "topics": ["elections"]},
    )
    return made


def get_json(client, path, query=None, **headers):
    url = path + (f"?{urlencode(query, doseq=True)}" if query else "")
    response = client.get(url, headers=headers)
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    return response, json.loads(response.content)


def page_titles(client, query):
    response = client.get("/press/", query)
    assert response.status_code == 200
    page = response.content.decode()
    count = int(re.search(r'data-result-count="(\d+)"', page).group(1))
    return count, re.findall(r'<h3><a href="/press/[^"]+/">([^<]+)</a></h3>', page)


class TestListing:
    def test_a_result_says_everything_a_card_needs(self, client, corpus):
        response, data = get_json(client, API, {"country": "moldova", "topic": "elections"})
        assert response.status_code == 200
        assert data["count"] == 1 and data["next"] is None and data["previous"] is None
        (result,) = data["results"]
        assert result == {
            "title": "Mission to Moldova observes local elections",
            "slug": "mission-to-moldova-observes-local-elections",
            "url": "http://testserver/press/mission-to-moldova-observes-local-elections/",
            "api_url": "http://testserver/api/v1/releases/mission-to-moldova-observes-local-elections/",
            # Noon in Vienna in November: UTC+1, said with the offset.
            "published_at": "2023-11-05T12:00:00+01:00",
            "type": {"slug": "press-release", "name": "Press release"},
            "place": "Chisinau",
            "summary": "Observers watched the vote.",
            "language": "en",
            "sources": [
                {"slug": "mission-to-moldova", "name": "Mission to Moldova",
                 "url": "http://testserver/structures/field-operations/mission-to-moldova/"}
            ],
            "topics": [
                {"slug": "elections", "name": "Elections",
                 "url": "http://testserver/topics/elections/"}
            ],
            "countries": [
                {"slug": "moldova", "name": "Moldova",
                 "url": "http://testserver/countries/moldova/"}
            ],
            "structures": [
                {"slug": "mission-to-moldova", "name": "Mission to Moldova",
                 "url": "http://testserver/structures/field-operations/mission-to-moldova/"}
            ],
            "meetings": [],
            "image": None,
        }  # fmt: skip

    def test_only_public_releases_of_the_language_newest_first(self, client, corpus):
        _response, data = get_json(client, API)
        assert [r["title"] for r in data["results"]] == [
            "Asian Partners conference opens in Tokyo",
            "Conflict Prevention Centre briefs the Permanent Council",
            "ODIHR opens observation mission in Serbia",
            "Journalists trained in Chisinau",
            "Mission to Moldova observes local elections",
        ]
        assert data["count"] == 5

    def test_a_node_filter_takes_its_descendants(self, client, corpus):
        _r, data = get_json(client, API, {"structure": "secretariat"})
        assert [r["title"] for r in data["results"]] == [
            "Conflict Prevention Centre briefs the Permanent Council"
        ]
        _r, data = get_json(client, API, {"country": ["serbia", "japan"]})
        assert data["count"] == 2

    def test_pages_link_to_each_other_with_every_parameter_kept(self, client, corpus):
        _r, first = get_json(client, API, {"page_size": 2, "sort": "date"})
        assert first["count"] == 5 and len(first["results"]) == 2
        assert first["previous"] is None
        assert first["next"] == "http://testserver/api/v1/releases/?page=2&page_size=2&sort=date"
        _r, second = get_json(client, first["next"].removeprefix("http://testserver"))
        assert [r["title"] for r in second["results"]] == [
            "ODIHR opens observation mission in Serbia",
            "Conflict Prevention Centre briefs the Permanent Council",
        ]
        assert second["previous"] == (
            "http://testserver/api/v1/releases/?page=1&page_size=2&sort=date"
        )

    def test_a_page_past_the_last_is_a_404_naming_the_last(self, client, corpus):
        response, data = get_json(client, API, {"page": 4, "page_size": 2})
        assert response.status_code == 404
        assert data == {"detail": "There is no page 4: the last is 3."}
        response, _data = get_json(client, API, {"page": 3, "page_size": 2})
        assert response.status_code == 200  # control: the last page is there

    def test_no_match_is_an_empty_first_page(self, client, corpus):
        response, data = get_json(client, API, {"country": "japan", "topic": "elections"})
        assert response.status_code == 200
        assert data == {"count": 0, "next": None, "previous": None, "results": []}

    def test_the_lead_image(self, client, corpus):
        from .images import upload

        release = corpus["japan"]
        release.lead_image = upload()
        release.lead_image_alt = "Delegates at the conference"
        release.lead_image_credit = "OSCE/Example"
        release.save()
        _r, data = get_json(client, API, {"country": "japan"})
        image = data["results"][0]["image"]
        assert image["url"].startswith("http://testserver/media/")
        assert (image["width"], image["height"]) == (1200, 800)
        assert (image["alt"], image["credit"]) == ("Delegates at the conference", "OSCE/Example")


#: Filter combinations the page and the API must answer alike.
COMBINATIONS = [
    {},
    {"country": "moldova"},
    {"country": "participating-states"},
    {"country": ["serbia", "japan"]},
    {"topic": "elections", "country": "moldova"},
    {"structure": "secretariat"},
    {"structure": "institutions", "year": "2024"},
    {"meeting": "annual-osce-asian-conferences"},
    {"type": "news"},
    {"type": "news", "year": "2025"},
    {"date_from": "2024-01-01", "date_to": "2024-12-31"},
    {"date_from": "2024-12-31", "date_to": "2024-01-01"},  # swapped, on both
    {"q": "elections"},
    {"q": "mission", "country": "moldova"},
    {"sort": "date"},
    {"topic": "media-freedom-and-development"},
]


class TestSameAsThePage:
    @pytest.mark.parametrize("query", COMBINATIONS, ids=lambda q: urlencode(q, doseq=True) or "-")
    def test_count_and_order_are_the_pages(self, client, corpus, query):
        count, titles = page_titles(client, query)
        response, data = get_json(client, API, query)
        assert response.status_code == 200, data
        assert data["count"] == count
        assert [r["title"] for r in data["results"]] == titles

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        country=st.lists(st.sampled_from(["moldova", "serbia", "japan", "participating-states",
                                          "asian-partners-for-co-operation"]), max_size=2),
        topic=st.lists(st.sampled_from(["elections", "safety-of-journalists",
                                        "media-freedom-and-development"]), max_size=2),
        structure=st.lists(st.sampled_from(["secretariat", "institutions",
                                            "mission-to-moldova"]), max_size=1),
        year=st.sampled_from([None, "2023", "2024", "2025"]),
        kind=st.sampled_from([None, "news", "press-release"]),
    )  # fmt: skip
    def test_any_combination_counts_the_same(
        self, client, corpus, country, topic, structure, year, kind
    ):
        query = {"country": country, "topic": topic, "structure": structure}
        query = {k: v for k, v in query.items() if v}
        if year:
            query["year"] = year
        if kind:
            query["type"] = kind
        count, titles = page_titles(client, query)
        _response, data = get_json(client, API, query)
        assert (data["count"], [r["title"] for r in data["results"]]) == (count, titles)
        _response, facets = get_json(client, "/api/v1/facets/", query)
        assert facets["count"] == count


class TestFacets:
    def test_counts_per_option_with_the_other_filters(self, client, corpus):
        _r, data = get_json(client, "/api/v1/facets/", {"country": "moldova"})
        assert data["count"] == 2
        facets = {f["param"]: f for f in data["facets"]}
        assert [f["param"] for f in data["facets"]] == [
            "topic", "country", "structure", "meeting", "type", "year"
        ]  # fmt: skip
        topics = {o["value"]: o["count"] for o in facets["topic"]["options"]}
        # Safety of journalists sits under media freedom: a parent counts its children's.
        assert topics == {
            "elections": 1,
            "media-freedom-and-development": 1,
            "safety-of-journalists": 1,
        }
        child = next(o for o in facets["topic"]["options"] if o["value"] == "safety-of-journalists")
        assert (child["level"], child["parent"]) == (1, "media-freedom-and-development")
        # The chosen facet counts without its own filter: every country is offered.
        countries = {o["value"]: (o["count"], o["selected"]) for o in facets["country"]["options"]}
        assert countries["moldova"] == (2, True)
        assert countries["serbia"] == (1, False)
        assert countries["japan"] == (1, False)
        years = {o["value"]: o["count"] for o in facets["year"]["options"]}
        assert years == {"2023": 1, "2024": 1}
        kinds = {o["value"]: o["count"] for o in facets["type"]["options"]}
        assert kinds == {"press-release": 1, "news": 1}

    def test_paging_and_order_are_accepted_and_change_nothing(self, client, corpus):
        _r, plain = get_json(client, "/api/v1/facets/", {"country": "moldova"})
        _r, paged = get_json(
            client, "/api/v1/facets/", {"country": "moldova", "page": 2, "sort": "date"}
        )
        assert plain == paged


class TestStrictInput:
    @pytest.mark.parametrize(
        ("query", "parameter", "reason"),
        [
            ({"colour": "red"}, "colour", "There is no such parameter."),
            ({"year": "abc"}, "year", "Enter a whole number."),
            ({"year": "2024.0"}, "year", "Enter a whole number."),
            ({"year": "1900"}, "year", "Enter a number of at least 1973."),
            ({"year": ["2023", "2024"]}, "year", "Give this parameter once."),
            ({"date_from": "2024-5-1"}, "date_from", "Enter a date as YYYY-MM-DD."),
            ({"date_to": "2024-02-30"}, "date_to", "Enter a date as YYYY-MM-DD."),
            ({"country": "Moldova"}, "country", "“Moldova” is not a slug"),
            ({"country": ""}, "country", "“” is not a slug"),
            (
                {"country": "moldava"},
                "country",
                "Nothing is called “moldava” among countries and regions.",
            ),
            ({"topic": [f"t{i}" for i in range(21)]}, "topic", "Give at most 20 values."),
            ({"type": "memo"}, "type", "There is no release type “memo”."),
            ({"sort": "title"}, "sort", "Choose one of: -date, date, relevance."),
            ({"q": "x" * 201}, "q", "Use at most 200 characters."),
            ({"q": "moldova\x00"}, "q", "Null characters are not allowed."),
            ({"page": "0"}, "page", "Enter a number of at least 1."),
            ({"page": "last"}, "page", "Enter a whole number."),
            ({"page_size": "101"}, "page_size", "Enter a number of at most 100."),
            ({"predecessors": "yes"}, "predecessors", "Choose one of: 0, 1."),
        ],
    )
    def test_a_bad_parameter_is_a_400_naming_it(self, client, corpus, query, parameter, reason):
        for path in (API, "/api/v1/facets/"):
            response, data = get_json(client, path, query)
            assert response.status_code == 400, (path, data)
            assert data["detail"] == "The request's parameters are not valid."
            assert [e["parameter"] for e in data["errors"]] == [parameter]
            assert data["errors"][0]["reason"].startswith(reason)

    def test_every_bad_parameter_is_named_at_once(self, client, corpus):
        _r, data = get_json(client, API, {"year": "x", "colour": "red", "sort": "up"})
        assert {e["parameter"] for e in data["errors"]} == {"year", "colour", "sort"}

    def test_good_values_of_the_same_parameters_are_accepted(self, client, corpus):
        # The control for the refusals above.
        query = {
            "year": "2024", "date_from": "2024-05-01", "date_to": "2024-12-31",
            "country": "moldova", "topic": ["elections", "human-rights"], "type": "news",
            "sort": "date", "q": "moldova", "page": "1", "page_size": "100",
            "predecessors": "1", "structure": "secretariat", "meeting": "human-rights-meetings",
        }  # fmt: skip
        for path in (API, "/api/v1/facets/"):
            response, data = get_json(client, path, query)
            assert response.status_code == 200, data

    def test_a_former_slug_names_its_node_as_on_the_page(self, client, corpus):
        from taxonomy.models import OldNodeSlug

        moldova = Country.objects.get(slug="moldova")
        OldNodeSlug.objects.create(tree="country", slug="moldavia", node_id=moldova.pk)
        count, _titles = page_titles(client, {"country": "moldavia"})
        response, data = get_json(client, API, {"country": "moldavia"})
        assert response.status_code == 200
        assert data["count"] == count == 2

    def test_trees_and_a_release_take_no_parameters(self, client, corpus):
        response, data = get_json(client, "/api/v1/topics/", {"page": "2"})
        assert response.status_code == 400
        assert data["errors"] == [{"parameter": "page", "reason": "There is no such parameter."}]
        slug = corpus["japan"].slug
        response, _data = get_json(client, f"{API}{slug}/", {"x": "1"})
        assert response.status_code == 400

    def test_reasons_are_in_the_requests_language(self, client, corpus):
        _r, data = get_json(client, "/fr/api/v1/releases/", {"year": "abc"})
        assert data["errors"][0]["reason"] != "Enter a whole number."
        assert data["detail"] != "The request's parameters are not valid."


class TestRelease:
    def test_the_release_with_body_and_translations(self, client, corpus):
        release = corpus["moldova_elections"]
        release.body = "<p>Observers <strong>watched</strong>.</p><script>alert(1)</script>"
        release.translation_group = "moldova-2023"
        release.save()
        french = corpus["french"]
        french.translation_group = "moldova-2023"
        french.save()
        response, data = get_json(client, f"{API}{release.slug}/")
        assert response.status_code == 200
        assert data["body"] == "<p>Observers <strong>watched</strong>.</p>"
        assert data["translations"] == [
            {
                "language": "fr",
                "title": "La Mission en Moldavie observe les élections",
                "url": f"http://testserver/fr/press/{french.slug}/",
                "api_url": f"http://testserver/api/v1/releases/{french.slug}/",
            }
        ]
        assert data["withdrawn"] is None
        assert data["countries"][0]["slug"] == "moldova"
        assert data["updated_at"].endswith("+01:00")

    def test_drafts_and_scheduled_releases_are_not_there(self, client, corpus):
        for name in ("draft", "scheduled"):
            response, data = get_json(client, f"{API}{corpus[name].slug}/")
            assert response.status_code == 404
            assert data == {"detail": "No public release has this slug."}

    def test_a_withdrawn_release_is_there_marked(self, client, corpus):
        release = corpus["cpc"]
        PressRelease.objects.filter(pk=release.pk).update(
            status=PressRelease.Status.WITHDRAWN,
            withdrawn_at=at(2025, 2, 1),
            withdrawal_note="Published in error.",
        )
        _r, data = get_json(client, f"{API}{release.slug}/")
        assert data["withdrawn"] == {
            "at": "2025-02-01T12:00:00+01:00",
            "note": "Published in error.",
        }
        _r, listing = get_json(client, API)
        assert release.slug not in [r["slug"] for r in listing["results"]]

    def test_a_former_slug_redirects(self, client, corpus):
        release = corpus["japan"]
        OldSlug.objects.create(slug="tokyo-conference", release=release)
        response = client.get(f"{API}tokyo-conference/")
        assert response.status_code == 301
        assert response["Location"] == f"http://testserver{API}{release.slug}/"

    def test_a_former_slug_of_a_draft_does_not_redirect(self, client, corpus):
        OldSlug.objects.create(slug="old-draft", release=corpus["draft"])
        response, _data = get_json(client, f"{API}old-draft/")
        assert response.status_code == 404


class TestTrees:
    def test_every_node_in_tree_order_with_its_parent(self, client, corpus):
        response, data = get_json(client, "/api/v1/topics/")
        assert response.status_code == 200
        assert data["count"] == Topic.objects.count() == len(data["results"])
        by_slug = {node["slug"]: node for node in data["results"]}
        child = by_slug["safety-of-journalists"]
        assert child["parent"] == "media-freedom-and-development"
        assert child["level"] == 1
        assert child["url"] == "http://testserver/topics/safety-of-journalists/"
        assert child["releases_url"] == (
            "http://testserver/api/v1/releases/?topic=safety-of-journalists"
        )
        slugs = [node["slug"] for node in data["results"]]
        assert slugs.index("media-freedom-and-development") < slugs.index("safety-of-journalists")

    def test_closed_nodes_are_marked(self, client, corpus):
        _r, data = get_json(client, "/api/v1/countries/")
        closed = {node["slug"] for node in data["results"] if node["closed"]}
        assert "czech-and-slovak-federal-republic" in closed
        assert "moldova" not in closed  # control: a country that stands

    @pytest.mark.parametrize("tree", ["topics", "countries", "structures", "meetings"])
    def test_each_tree(self, client, corpus, tree):
        response, data = get_json(client, f"/api/v1/{tree}/")
        assert response.status_code == 200 and data["count"] > 0


class TestLanguage:
    def test_the_prefix_chooses_releases_and_names(self, client, corpus):
        _r, data = get_json(client, "/fr/api/v1/releases/")
        assert [r["title"] for r in data["results"]] == [
            "La Mission en Moldavie observe les élections"
        ]
        assert data["results"][0]["countries"][0]["name"] == "Moldavie"
        assert data["results"][0]["url"].startswith("http://testserver/fr/press/")

    def test_accept_language_without_a_prefix(self, client, corpus):
        response, data = get_json(client, API, **{"Accept-Language": "fr-CH, fr;q=0.9"})
        assert [r["language"] for r in data["results"]] == ["fr"]
        assert response["Content-Language"] == "fr"
        assert "Accept-Language" in response["Vary"]

    def test_a_language_the_site_lacks_is_english(self, client, corpus):
        response, data = get_json(client, API, **{"Accept-Language": "ja, xx-;q=0.5, ***"})
        assert response.status_code == 200
        assert {r["language"] for r in data["results"]} == {"en"}

    def test_a_prefixed_answer_does_not_vary_by_the_header(self, client, corpus):
        response, _data = get_json(client, "/fr/api/v1/topics/", **{"Accept-Language": "ru"})
        assert "Accept-Language" not in response.get("Vary", "")
        assert response["Content-Language"] == "fr"


class TestHttp:
    @pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
    def test_writes_are_405_without_a_csrf_token(self, client, corpus, method):
        response = getattr(client, method)(API, data="{}", content_type="application/json")
        assert response.status_code == 405
        assert response["Allow"] == "GET, HEAD, OPTIONS"
        assert json.loads(response.content)["detail"].startswith("Method")

    def test_an_unknown_address_is_a_json_404(self, client, corpus):
        for path in ("/api/v1/press-releases/", "/api/", "/api", "/api/v2/releases/",
                     "/api/v1/releases/a%0Ab/"):  # fmt: skip
            response, data = get_json(client, path)
            assert response.status_code == 404, path
            assert data == {"detail": "There is nothing at this address."}
        response, data = get_json(client, "/fr/api/v1/nothing/")
        assert response.status_code == 404
        assert data == {"detail": "Il n’y a rien à cette adresse."}
        response = client.post("/api/v1/anything/")
        assert response.status_code == 404
        # Control: a page's unknown address is the site's own 404 page.
        assert client.get("/apis/")["Content-Type"].startswith("text/html")

    def test_the_docs_page_takes_no_writes(self, client, corpus):
        assert client.get("/api/v1/docs/").status_code == 200
        for method in ("post", "put", "delete"):
            assert getattr(client, method)("/api/v1/docs/").status_code == 405

    def test_too_many_parameters_are_a_json_400(self, client, corpus):
        query = "&".join(f"p{i}=1" for i in range(1001))
        response, data = get_json(client, f"{API}?{query}")
        assert response.status_code == 400
        assert data == {"detail": "The request has too many parameters.", "errors": []}

    def test_a_missing_slash_redirects_with_the_query(self, client, corpus):
        response = client.get("/api/v1/facets?country=moldova")
        assert response.status_code == 301
        assert response["Location"] == "/api/v1/facets/?country=moldova"
        # A word in any script survives the redirect as it was sent.
        response = client.get("/api/v1/releases", QUERY_STRING="q=%C3%A9lection")
        assert response["Location"] == "/api/v1/releases/?q=%C3%A9lection"
        # A write to that address is a 405, not a redirect to where it is a 405.
        response = client.post("/api/v1/releases")
        assert response.status_code == 405
        assert response["Allow"] == "GET, HEAD, OPTIONS"

    def test_crawlers_are_kept_off_the_api_but_not_its_documentation(self, client, corpus):
        body = client.get("/robots.txt").text
        for prefix in ("", "/fr", "/ru"):
            assert f"Disallow: {prefix}/api/\n" in body
            assert f"Allow: {prefix}/api/v1/docs/\n" in body

    def test_cors_lets_any_site_read_the_api_only(self, client, corpus):
        response = client.get(API, headers={"Origin": "https://partner.example"})
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "ETag" in response["Access-Control-Expose-Headers"]
        preflight = client.options(
            API,
            headers={"Origin": "https://partner.example", "Access-Control-Request-Method": "GET"},
        )
        assert preflight.status_code == 200
        assert "GET" in preflight["Access-Control-Allow-Methods"]
        assert "POST" not in preflight["Access-Control-Allow-Methods"]
        # Control: the site's own pages do not open up.
        page = client.get("/press/", headers={"Origin": "https://partner.example"})
        assert "Access-Control-Allow-Origin" not in page

    def test_the_api_is_never_served_from_the_page_cache(self, client, corpus, settings):
        settings.PAGE_CACHE_ENABLED = True
        settings.API_RATE_LIMIT = "2/minute"
        assert client.get(API).status_code == 200
        assert "X-Cache" not in client.get(API)
        # Each request reached the rate limit: none was answered from a cache.
        assert client.get(API).status_code == 429
        # Control: the same cache does keep a page.
        client.get("/press/")
        assert client.get("/press/")["X-Cache"] == "HIT"

    def test_the_parameter_table_declares_exactly_the_filtersets_filters(self):
        from api.params import FILTERS
        from press.filters import PressReleaseFilterSet

        assert {p.name for p in FILTERS} == set(PressReleaseFilterSet.base_filters)

    def test_the_schema_is_openapi_3_json_and_yaml(self, client, corpus):
        response, document = get_json(client, "/api/v1/schema/")
        assert response.status_code == 200
        assert document["openapi"].startswith("3.")
        assert set(document["paths"]) == {
            "/api/v1/releases/", "/api/v1/releases/{slug}/", "/api/v1/facets/",
            "/api/v1/topics/", "/api/v1/countries/", "/api/v1/structures/", "/api/v1/meetings/",
        }  # fmt: skip
        parameters = {
            p["name"] for p in document["paths"]["/api/v1/releases/"]["get"]["parameters"]
        }
        assert parameters == {
            "q", "topic", "country", "structure", "meeting", "type", "date_from", "date_to",
            "year", "sort", "predecessors", "page", "page_size", "Accept-Language",
        }  # fmt: skip
        yaml = client.get("/api/v1/schema/", headers={"Accept": "application/yaml"})
        assert yaml.status_code == 200
        assert yaml.content.startswith(b"openapi: 3.")


class TestRateLimit:
    def test_too_many_requests_from_one_address_are_a_429(self, client, corpus, settings):
        settings.API_RATE_LIMIT = "3/minute"
        for _ in range(3):
            assert client.get("/api/v1/topics/").status_code == 200
        response, data = get_json(client, "/api/v1/topics/")
        assert response.status_code == 429
        assert int(response["Retry-After"]) > 0
        wait = int(response["Retry-After"])
        assert data["detail"] == (
            f"Too many requests from this address: try again in {wait} seconds."
        )
        # Another address still gets its answers.
        other = client.get("/api/v1/topics/", REMOTE_ADDR="192.0.2.7")
        assert other.status_code == 200

    def test_a_forged_forwarded_address_does_not_escape_the_limit(self, client, corpus, settings):
        settings.API_RATE_LIMIT = "2/minute"
        for i in range(2):
            client.get("/api/v1/topics/", headers={"X-Forwarded-For": f"198.51.100.{i}"})
        response = client.get("/api/v1/topics/", headers={"X-Forwarded-For": "198.51.100.99"})
        assert response.status_code == 429

    def test_a_crowd_of_other_addresses_does_not_wipe_a_count(self, client, corpus, settings):
        settings.API_RATE_LIMIT = "2/minute"
        for _ in range(2):
            client.get("/api/v1/topics/")
        assert client.get("/api/v1/topics/").status_code == 429
        for i in range(400):  # more than a default local-memory cache keeps
            client.get("/api/v1/topics/", REMOTE_ADDR=f"10.0.{i // 250}.{i % 250}")
        assert client.get("/api/v1/topics/").status_code == 429

    def test_an_ipv6_client_is_counted_by_its_64(self, client, corpus, settings):
        settings.API_RATE_LIMIT = "2/minute"
        for host in ("1", "2"):
            assert (
                client.get("/api/v1/topics/", REMOTE_ADDR=f"2001:db8:1:1::{host}").status_code
                == 200
            )
        assert client.get("/api/v1/topics/", REMOTE_ADDR="2001:db8:1:1::3").status_code == 429
        # Control: another network is another client.
        assert client.get("/api/v1/topics/", REMOTE_ADDR="2001:db8:1:2::1").status_code == 200

    def test_the_message_is_in_the_requests_language(self, client, corpus, settings):
        settings.API_RATE_LIMIT = "1/minute"
        client.get("/ru/api/v1/topics/")
        response, data = get_json(client, "/ru/api/v1/topics/")
        assert response.status_code == 429
        assert "Expected" not in data["detail"] and "Too many" not in data["detail"]

    def test_the_limit_is_a_setting(self, client, corpus, settings):
        settings.API_RATE_LIMIT = "1000/minute"  # control: nothing refused at this rate
        assert all(client.get("/api/v1/topics/").status_code == 200 for _ in range(10))


class TestConditional:
    def test_etag_gives_a_304_until_a_release_changes(self, client, corpus):
        first = client.get(API)
        etag = first["ETag"]
        again = client.get(API, headers={"If-None-Match": etag})
        assert again.status_code == 304
        release = corpus["japan"]
        release.title = "Asian Partners conference closes in Tokyo"
        release.save()
        changed = client.get(API, headers={"If-None-Match": etag})
        assert changed.status_code == 200
        assert changed["ETag"] != etag

    @pytest.mark.django_db(transaction=True)
    def test_last_modified_moves_with_a_committed_change(self, client, corpus):
        # Real commits: the releases' clock moves once the change has committed.
        # (Each answer is read a second after the change: see the test below.)
        moment = timezone.now() + timedelta(hours=1)
        with time_machine.travel(moment, tick=False):
            corpus["serbia_elections"].save()
        with time_machine.travel(moment + timedelta(seconds=1), tick=False):
            stamp = client.get("/api/v1/countries/")["Last-Modified"]
            again = client.get("/api/v1/countries/", headers={"If-Modified-Since": stamp})
            assert again.status_code == 304
        with time_machine.travel(moment + timedelta(hours=1), tick=False):
            corpus["cpc"].save()
        with time_machine.travel(moment + timedelta(hours=1, seconds=1), tick=False):
            response = client.get("/api/v1/countries/", headers={"If-Modified-Since": stamp})
            assert response.status_code == 200
            assert response["Last-Modified"] != stamp

    def test_a_scheduled_release_going_public_moves_last_modified(self, client, corpus):
        scheduled = corpus["scheduled"]
        before = client.get(API)["Last-Modified"]
        with time_machine.travel(scheduled.published_at + timedelta(minutes=1), tick=False):
            response = client.get(API, headers={"If-Modified-Since": before})
            assert response.status_code == 200
            assert scheduled.slug in {r["slug"] for r in json.loads(response.content)["results"]}

    @pytest.mark.django_db(transaction=True)
    def test_no_last_modified_in_the_second_of_a_change(self, client, corpus):
        # A second change in the same second would hide behind the same date.
        moment = timezone.now() + timedelta(days=1)
        with time_machine.travel(moment, tick=False):
            corpus["japan"].save()
            response = client.get(API)
            assert "Last-Modified" not in response
            assert response["ETag"]
        with time_machine.travel(moment + timedelta(seconds=1), tick=False):
            assert "Last-Modified" in client.get(API)  # control: once the second has passed

    @pytest.mark.django_db(transaction=True)
    def test_editing_a_draft_does_not_tell_the_public(self, client, corpus):
        from press.versions import last_public_change

        before = last_public_change()
        with time_machine.travel(timezone.now() + timedelta(days=1), tick=False):
            for name in ("draft", "scheduled"):
                release = PressRelease.objects.get(pk=corpus[name].pk)
                release.title += " (edited)"
                release.save()
                release.topics.set(Topic.objects.filter(slug="elections"))
            assert last_public_change() == before
            # Control: a public release's edit does.
            public = PressRelease.objects.get(pk=corpus["japan"].pk)
            public.save()
            assert last_public_change() > before

    @pytest.mark.django_db(transaction=True)
    def test_a_release_leaving_the_public_moves_it(self, client, corpus):
        from press.versions import last_public_change

        before = last_public_change()
        with time_machine.travel(timezone.now() + timedelta(days=1), tick=False):
            release = PressRelease.objects.get(pk=corpus["japan"].pk)
            release.status = PressRelease.Status.DRAFT  # as an import may set it
            release.save()
            assert last_public_change() > before

    def test_answers_are_revalidated_not_stored_stale(self, client, corpus):
        response = client.get(API)
        assert "no-cache" in response["Cache-Control"]
        assert "public" in response["Cache-Control"]


@pytest.mark.django_db(transaction=True)
class TestClocks:
    """What ``Last-Modified`` is made of (``press.versions.last_public_change``)."""

    @staticmethod
    def clock_writes(queries):
        return [
            q["sql"] for q in queries if "press_releaseclock" in q["sql"] and "UPDATE" in q["sql"]
        ]

    def test_one_clock_write_per_transaction_however_many_releases(self, corpus):
        from django.db import connection, transaction
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as together, transaction.atomic():
            for name in ("japan", "cpc", "serbia_elections"):
                corpus[name].save()
        assert len(self.clock_writes(together.captured_queries)) == 1
        # Control: three transactions write three times.
        with CaptureQueriesContext(connection) as apart:
            for name in ("japan", "cpc", "serbia_elections"):
                corpus[name].save()
        assert len(self.clock_writes(apart.captured_queries)) == 3

    def test_a_rolled_back_change_does_not_move_the_clock(self, corpus):
        from django.db import transaction

        from press.versions import last_public_change

        before = last_public_change()
        with time_machine.travel(timezone.now() + timedelta(days=1), tick=False):
            with pytest.raises(RuntimeError), transaction.atomic():
                corpus["japan"].save()
                raise RuntimeError("roll back")
            assert last_public_change() == before
            corpus["japan"].save()  # control: committed, it moves
            assert last_public_change() > before

    def test_a_tree_write_moves_it(self, client, corpus):
        from taxonomy.versions import bump_tree_version

        moment = timezone.now() + timedelta(days=1)
        with time_machine.travel(moment, tick=False):
            before = client.get("/api/v1/topics/")["Last-Modified"]
            bump_tree_version()
        with time_machine.travel(moment + timedelta(seconds=1), tick=False):
            response = client.get("/api/v1/topics/", headers={"If-Modified-Since": before})
            assert response.status_code == 200
            assert response["Last-Modified"] != before
