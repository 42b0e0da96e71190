"""Press releases: the publication rule, safe HTML, addresses."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from press.html import sanitize_html, text_to_html
from press.models import OldSlug, PressRelease

from .conftest import make_release

pytestmark = pytest.mark.usefixtures("taxonomy")

NOON = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)


class TestPublicationRule:
    def test_drafts_are_never_published(self):
        make_release("Draft", status="draft")
        assert not PressRelease.objects.published().exists()

    def test_a_future_release_is_scheduled_not_published(self):
        with time_machine.travel(NOON, tick=False):
            release = make_release("Later", published_at=NOON + timedelta(days=1))
            assert not PressRelease.objects.published().exists()
            assert list(PressRelease.objects.scheduled()) == [release]
            assert release.state == "scheduled"

    def test_a_scheduled_release_becomes_public_when_its_time_comes(self):
        at = NOON + timedelta(minutes=5)
        with time_machine.travel(NOON, tick=False) as traveller:
            release = make_release("Soon", published_at=at)
            traveller.move_to(at - timedelta(seconds=1))
            assert not PressRelease.objects.published().exists()
            assert not release.is_public
            traveller.move_to(at)
            assert list(PressRelease.objects.published()) == [release]
            assert release.is_public and release.state == "published"

    def test_publishing_without_a_date_means_now(self):
        release = make_release("Now", status="draft")
        with time_machine.travel(NOON, tick=False):
            release.status = PressRelease.Status.PUBLISHED
            release.save()
            assert release.is_public
        assert release.published_at == NOON

    def test_the_database_refuses_published_without_a_date(self):
        from django.db import IntegrityError, transaction

        release = make_release("Now")
        with pytest.raises(IntegrityError), transaction.atomic():
            PressRelease.objects.filter(pk=release.pk).update(published_at=None)
        # The control: a draft may have no date, through the very same update.
        PressRelease.objects.filter(pk=release.pk).update(status="draft", published_at=None)
        assert PressRelease.objects.get(pk=release.pk).published_at is None


class TestDescendantFilter:
    def test_a_parent_node_finds_releases_tagged_below_it(self):
        release = make_release("Journalists", tags={"topics": ["safety-of-journalists"]})
        make_release("Youth", tags={"topics": ["youth"]})
        from taxonomy.models import Topic

        parent = Topic.objects.get(slug="media-freedom-and-development")
        assert list(PressRelease.objects.under("topic", [parent])) == [release]

    def test_participating_states_means_all_fifty_seven(self):
        from taxonomy.models import Country

        a = make_release("Moldova", tags={"countries": ["moldova"]})
        b = make_release("Canada", tags={"countries": ["canada"]})
        make_release("Japan", tags={"countries": ["japan"]})
        states = Country.objects.get(slug="participating-states")
        assert set(PressRelease.objects.under("country", [states])) == {a, b}

    def test_a_release_tagged_twice_in_one_subtree_counts_once(self):
        from taxonomy.models import Structure

        make_release(
            "Two units",
            tags={"structures": ["conflict-prevention-centre", "transnational-threats-department"]},
        )
        secretariat = Structure.objects.get(slug="secretariat")
        assert PressRelease.objects.under("structure", [secretariat]).count() == 1


class TestSafeHtml:
    @pytest.mark.parametrize(
        "dangerous",
        [
            "<script>alert(1)</script>",
            '<img src=x onerror="alert(1)">',
            '<a href="javascript:alert(1)">x</a>',
            '<a href="data:text/html;base64,PHNjcmlwdD4=">x</a>',
            '<p onclick="alert(1)" style="color:red">x</p>',
            "<svg><script>alert(1)</script></svg>",
            "<iframe src=//evil.example></iframe>",
            '<p>unclosed <b onmouseover="alert(1)">bold',
        ],
    )
    def test_dangerous_html_is_removed_on_save(self, dangerous):
        release = make_release("XSS", body=f"<p>Keep me</p>{dangerous}")
        release.refresh_from_db()
        body = release.body.lower()
        for bad in ("<script", "onerror", "javascript:", "data:", "onclick", "style=", "<svg",
                    "<iframe", "onmouseover", "<img"):  # fmt: skip
            assert bad not in body
        assert "<p>Keep me</p>" in release.body

    def test_ordinary_formatting_survives(self):
        html = '<h2>Title</h2><p><strong>a</strong> <em>b</em> <a href="https://osce.org">c</a></p>'
        cleaned = sanitize_html(html)
        assert "<h2>Title</h2>" in cleaned and "<strong>a</strong>" in cleaned
        assert 'href="https://osce.org"' in cleaned

    def test_plain_text_becomes_paragraphs(self):
        assert "<script" not in text_to_html("One.\n\n<script>x</script>")
        assert text_to_html("First\n\nSecond & third") == "<p>First</p><p>Second &amp; third</p>"


class TestAddresses:
    def test_slug_comes_from_the_title_and_stays_unique(self):
        a = make_release("Ministerial Council in Malta")
        b = make_release("Ministerial Council in Malta")
        assert a.slug == "ministerial-council-in-malta"
        assert b.slug == "ministerial-council-in-malta-2"

    def test_a_changed_slug_keeps_the_old_one_redirecting(self, client):
        release = make_release("First title")
        release.slug = "second-title"
        release.save()
        assert OldSlug.objects.get(slug="first-title").release == release
        response = client.get("/press/first-title/")
        assert response.status_code == 301
        assert response["Location"] == "/press/second-title/"

    def test_changing_back_removes_the_redirect(self):
        release = make_release("First title")
        release.slug = "second-title"
        release.save()
        release.slug = "first-title"
        release.save()
        assert list(OldSlug.objects.values_list("slug", flat=True)) == ["second-title"]
