"""Release pages, node pages, feeds and crawler files."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from taxonomy.models import Country, Structure, Topic

from .conftest import make_release

pytestmark = pytest.mark.usefixtures("taxonomy")


def at(y, m, d):
    return timezone.make_aware(datetime(y, m, d, 12, 0))


@pytest.fixture
def release():
    return make_release(
        "Chairperson-in-Office visits Chisinau",
        published_at=at(2024, 5, 17),
        place="Chisinau",
        summary="The Chair met the President of Moldova.",
        body="<p>CHISINAU – The Chairperson-in-Office met ...</p>",
        tags={
            "sources": ["chairpersonship"],
            "structures": ["chairpersonship", "mission-to-moldova"],
            "topics": ["conflict-prevention-and-resolution"],
            "countries": ["moldova"],
        },
    )


class TestReleasePage:
    def test_shows_title_date_place_sources_body_and_tags(self, client, release):
        page = client.get(release.get_absolute_url()).content.decode()
        assert "<h1>Chairperson-in-Office visits Chisinau</h1>" in page
        assert "17 May 2024" in page and "Chisinau" in page
        assert '<a href="/structures/chairpersonship/">Chairpersonship</a>' in page
        assert 'href="/structures/field-operations/mission-to-moldova/"' in page
        assert 'href="/topics/conflict-prevention-and-resolution/"' in page
        assert 'href="/countries/moldova/"' in page
        assert "The Chairperson-in-Office met" in page
        assert page.count("<h1") == 1

    def test_tags_are_read_in_one_query_in_tree_order_and_follow_a_rename(self, client, release):
        """The page's tags and sources come from the link rows and the trees' index."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from press.tags import tag_refs

        tag_refs(release)  # builds this process's tree indexes
        with CaptureQueriesContext(connection) as queries:
            tags = tag_refs(release)
        # One query reads the links; the rest only ask the trees' version
        # (outside a request, once per tree); no node row is read.
        reads = [q["sql"] for q in queries.captured_queries if "treeversion" not in q["sql"]]
        assert len(reads) == 1 and "UNION ALL" in reads[0]
        assert [r.slug for r in tags["sources"]] == ["chairpersonship"]
        # The Chairpersonship comes before the field operations in the tree.
        assert [r.slug for r in tags["structures"]] == ["chairpersonship", "mission-to-moldova"]
        assert [r.slug for r in tags["countries"]] == ["moldova"]
        assert tags["meetings"] == []
        moldova = Country.objects.get(slug="moldova")
        moldova.name = "Republic of Moldova"
        moldova.save()
        page = client.get(release.get_absolute_url()).content.decode()
        assert '<a href="/countries/moldova/">Republic of Moldova</a>' in page

    def test_canonical_opengraph_and_json_ld(self, client, release):
        page = client.get(release.get_absolute_url()).content.decode()
        url = f"http://testserver{release.get_absolute_url()}"
        assert f'<link rel="canonical" href="{url}">' in page
        assert '<meta property="og:title" content="Chairperson-in-Office visits Chisinau">' in page
        data = json.loads(
            re.search(r'<script type="application/ld\+json">(.*?)</script>',
                      page, re.S).group(1)
        )  # fmt: skip
        assert data["@type"] == "NewsArticle"
        assert data["headline"] == release.title
        assert data["datePublished"].startswith("2024-05-17")
        assert data["mainEntityOfPage"] == url

    def test_breadcrumbs(self, client, release):
        page = client.get(release.get_absolute_url()).content.decode()
        crumbs = re.search(r'<nav class="breadcrumbs".*?</nav>', page, re.S).group(0)
        assert "Home" in crumbs and "Newsroom" in crumbs and 'aria-current="page"' in crumbs

    def test_related_releases_share_the_most_nodes(self, client, release):
        best = make_release(
            "Best match",
            published_at=at(2024, 1, 1),
            tags={
                "structures": ["chairpersonship", "mission-to-moldova"],
                "countries": ["moldova"],
            },
        )
        weaker = make_release(
            "Weaker match", published_at=at(2024, 6, 1), tags={"countries": ["moldova"]}
        )
        make_release("Unrelated", tags={"topics": ["youth"]})
        make_release("Draft match", status="draft", tags={"countries": ["moldova"]})
        page = client.get(release.get_absolute_url()).content.decode()
        related = page.split('id="related-heading"')[1]
        assert related.index(best.title) < related.index(weaker.title)
        assert "Unrelated" not in related and "Draft match" not in related

    @pytest.mark.parametrize("index", [True, False], ids=["listing index", "kept totals"])
    def test_a_tag_most_of_the_archive_shares_relates_nothing(
        self, client, monkeypatch, settings, index
    ):
        from press import related

        settings.LISTING_INDEX = index  # the tags' totals from either source

        subject = make_release("Subject", tags={"countries": ["moldova"], "topics": ["youth"]})
        same_country = [
            make_release(f"Moldova {n}", tags={"countries": ["moldova"]}) for n in range(3)
        ]
        same_topic = make_release("Youth", tags={"topics": ["youth"]})
        # Positive control: with the usual bar, Moldova (4 releases) relates them all.
        found = {r.pk for r in related.related_releases(subject)}
        assert found == {same_topic.pk, *(r.pk for r in same_country)}
        # Where 4 releases are a large part of the archive, Moldova tells nothing
        # and only the rarer topic relates.
        monkeypatch.setattr(related, "COMMON_MAX", 2)
        cache.clear()
        assert [r.pk for r in related.related_releases(subject)] == [same_topic.pk]

    @pytest.mark.parametrize("index", [True, False], ids=["listing index", "kept totals"])
    def test_when_every_tag_is_common_the_rarest_relates_newest_first(
        self, monkeypatch, settings, index
    ):
        from press import related

        settings.LISTING_INDEX = index  # the tags' totals from either source

        subject = make_release(
            "Subject", published_at=at(2024, 1, 1),
            tags={"countries": ["moldova"], "topics": ["youth"]},
        )  # fmt: skip
        older = make_release("Older", published_at=at(2023, 1, 1), tags={"topics": ["youth"]})
        newer = make_release("Newer", published_at=at(2024, 5, 1), tags={"topics": ["youth"]})
        newest = make_release("Newest", published_at=at(2024, 9, 1), tags={"topics": ["youth"]})
        make_release("Draft", status="draft", tags={"topics": ["youth"]})
        make_release("Scheduled", published_at=at(2100, 1, 1), tags={"topics": ["youth"]})
        for n in range(5):
            make_release(f"Moldova {n}", published_at=at(2024, 2, 1),
                         tags={"countries": ["moldova"]})  # fmt: skip
        # Moldova (6 releases) and youth (4 public ones, the subject among them)
        # are both above a bar of 2: youth, the rarer, relates, newest first.
        monkeypatch.setattr(related, "COMMON_MAX", 2)
        cache.clear()
        assert [r.title for r in related.related_releases(subject, limit=2)] == ["Newest", "Newer"]
        assert [r.pk for r in related.related_releases(subject)] == [newest.pk, newer.pk, older.pk]

    @pytest.mark.parametrize("index", [True, False], ids=["listing index", "read model"])
    def test_a_release_under_a_tag_shares_it(self, settings, index):
        """Sharing a node is sitting under it: the Conflict Prevention Centre is in the
        Secretariat, so a release tagged with the Centre shares the Secretariat."""
        from press import related

        settings.LISTING_INDEX = index
        subject = make_release("Subject", tags={"structures": ["secretariat"]})
        below = make_release("Centre", published_at=at(2024, 1, 1),
                             tags={"structures": ["conflict-prevention-centre"]})  # fmt: skip
        beside = make_release("Mission", published_at=at(2024, 2, 1),
                              tags={"structures": ["mission-to-moldova"]})  # fmt: skip
        found = [r.pk for r in related.related_releases(subject)]
        assert below.pk in found
        assert beside.pk not in found
        # Not the other way round: the Secretariat is not under the Centre.
        assert subject.pk not in [r.pk for r in related.related_releases(below)]

    def test_the_listing_index_and_the_read_model_relate_alike(self, settings):
        """Over a corpus of mixed tags (nodes and their ancestors, every dimension,
        equal dates, drafts, a scheduled release), both give the same releases in
        the same order for every release."""
        import random

        from press import related

        rng = random.Random(13)
        nodes = {
            "structures": ["secretariat", "conflict-prevention-centre", "mission-to-moldova"],
            "countries": ["moldova", "serbia"],
            "topics": ["elections", "youth"],
            "meetings": ["human-rights-meetings"],
        }
        made = []
        for n in range(40):
            tags = {
                rel: rng.sample(slugs, rng.randint(0, min(2, len(slugs))))
                for rel, slugs in nodes.items()
            }
            status = "draft" if n % 13 == 5 else "published"
            when = at(2100, 1, 1) if n == 7 else at(2020 + n % 4, 1 + n % 3, 1)
            made.append(make_release(f"Release {n}", status=status, published_at=when, tags=tags))
        answers = {}
        for index in (True, False):
            settings.LISTING_INDEX = index
            answers[index] = {
                r.pk: [x.pk for x in related.related_releases(r, limit=6)] for r in made
            }
        assert answers[True] == answers[False]
        # Positive control: the corpus relates something, in more than one order.
        assert sum(bool(found) for found in answers[True].values()) > 30
        assert len({tuple(found) for found in answers[True].values()}) > 5

    def test_old_slug_redirects_permanently(self, client, release):
        old = release.get_absolute_url()
        release.slug = "chair-visits-chisinau"
        release.save()
        response = client.get(old)
        assert response.status_code == 301
        assert response["Location"] == "/press/chair-visits-chisinau/"

    def test_a_draft_is_404_to_the_public_even_by_an_old_slug(self, client, release):
        release.slug = "renamed"
        release.save()
        # The control: published, both addresses lead to it.
        assert client.get("/press/chairperson-in-office-visits-chisinau/").status_code == 301
        assert client.get("/press/renamed/").status_code == 200
        release.status = "draft"
        release.save()
        assert client.get("/press/chairperson-in-office-visits-chisinau/").status_code == 404
        assert client.get("/press/renamed/").status_code == 404

    def test_body_html_is_sanitised_on_the_page(self, client):
        evil = make_release("Evil", body='<p>ok</p><img src=x onerror="alert(1)">')
        page = client.get(evil.get_absolute_url()).content.decode()
        assert "<p>ok</p>" in page  # the body is on the page, less its dangerous part
        assert "onerror" not in page


class TestNodePages:
    def test_a_node_page_lists_releases_of_its_descendants(self, client):
        make_release("Unit release", tags={"structures": ["conflict-prevention-centre"]})
        make_release("Other release", tags={"structures": ["mission-to-serbia"]})
        page = client.get("/structures/secretariat/").content.decode()
        assert "Unit release" in page and "Other release" not in page
        assert 'data-result-count="1"' in page
        assert "Conflict Prevention Centre" in page  # a child

    def test_a_node_page_is_filterable_by_the_other_filters(self, client):
        make_release(
            "Elections in Moldova", tags={"countries": ["moldova"], "topics": ["elections"]}
        )
        make_release("Youth in Moldova", tags={"countries": ["moldova"], "topics": ["youth"]})
        page = client.get("/countries/moldova/?topic=elections").content.decode()
        assert "Elections in Moldova" in page and "Youth in Moldova" not in page

    def test_country_page_lists_field_operations_and_years_chaired(self, client):
        page = client.get("/countries/ukraine/").content.decode()
        assert re.search(
            r'Special Monitoring Mission to Ukraine</a>\s*<span class="badge">closed</span>', page
        )
        assert "Chaired the OSCE in 2013" in page

    def test_closed_operation_keeps_its_releases_reachable(self, client):
        make_release(
            "SMM daily report", tags={"structures": ["special-monitoring-mission-to-ukraine"]}
        )
        page = client.get(
            "/structures/closed-field-activities/special-monitoring-mission-to-ukraine/"
        ).content.decode()
        assert "SMM daily report" in page
        assert (
            '<h1>Special Monitoring Mission to Ukraine <span class="badge">closed</span></h1>'
            in page
        )

    def test_renamed_node_redirects_from_its_old_address(self, client):
        node = Topic.objects.get(slug="youth")
        node.slug = "youth-and-security"
        node.save()
        response = client.get("/topics/youth/")
        assert response.status_code == 301
        assert response["Location"] == "/topics/youth-and-security/"

    def test_moved_structure_redirects_to_its_new_path(self, client):
        unit = Structure.objects.get(slug="gender-issues-programme")
        Structure.objects.move_node(unit, Structure.objects.get(slug="institutions"), "last-child")
        response = client.get("/structures/secretariat/gender-issues-programme/")
        assert response.status_code == 301
        assert response["Location"] == "/structures/institutions/gender-issues-programme/"

    def test_node_page_links_its_feed(self, client):
        page = client.get("/countries/moldova/").content.decode()
        assert 'type="application/rss+xml"' in page and "/press/feed/?country=moldova" in page


class TestCrawlers:
    def test_sitemap_index_and_sections_are_valid_xml_with_lastmod(self, client):
        release = make_release("In the sitemap")
        make_release("Not in the sitemap", status="draft")
        index = ET.fromstring(client.get("/sitemap.xml").content)
        ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
        sections = [loc.text for loc in index.findall("s:sitemap/s:loc", ns)]
        assert any("sitemap-releases.xml" in s for s in sections)
        releases = ET.fromstring(client.get("/sitemap-releases.xml").content)
        urls = [u.findtext("s:loc", namespaces=ns) for u in releases.findall("s:url", ns)]
        assert urls == [f"http://testserver{release.get_absolute_url()}"]
        assert releases.find("s:url/s:lastmod", ns) is not None
        structures = client.get("/sitemap-structures.xml").content.decode()
        assert "/structures/secretariat/conflict-prevention-centre/" in structures

    def test_robots_txt(self, client):
        body = client.get("/robots.txt").content.decode()
        assert "Disallow: /admin/" in body
        assert "Sitemap: http://testserver/sitemap.xml" in body


class TestFullTextSearch:
    @pytest.fixture
    def docs(self):
        return {
            "title": make_release("Water management in Central Asia", summary="Rivers."),
            "summary": make_release("Regional meeting", summary="Discussed water co-operation."),
            "body": make_release("Another meeting", body="<p>The topic was water.</p>"),
            "other": make_release("Media freedom conference", summary="Journalists met."),
        }

    def titles(self, client, query):
        page = client.get("/press/", query).content.decode()
        return re.findall(r'<h3><a href="/press/[^"]+/">([^<]+)</a></h3>', page)

    def test_ranking_weighs_title_over_summary_over_body(self, client, docs):
        assert self.titles(client, {"q": "water", "sort": "relevance"}) == [
            "Water management in Central Asia", "Regional meeting", "Another meeting",
        ]  # fmt: skip

    def test_websearch_syntax_phrase_and_exclusion(self, client, docs):
        assert self.titles(client, {"q": '"water management"'}) == [docs["title"].title]
        assert self.titles(client, {"q": "meeting -regional"}) == ["Another meeting"]

    def test_stemming(self, client, docs):
        assert self.titles(client, {"q": "journalist"}) == ["Media freedom conference"]

    def test_snippets_are_highlighted_and_escaped(self, client):
        make_release("Safe", summary="Typed <script>alert(1)</script> 5 < 7 & elections here")
        page = client.get("/press/", {"q": "elections"}).content.decode()
        assert "<mark>elections</mark>" in page
        assert "<script>alert(1)</script>" not in page
        assert "5 &lt; 7 &amp; <mark>elections</mark>" in page
