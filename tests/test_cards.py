"""The release cards of every list (listing, node pages, home, related), written in Python.

Expectations are written out by hand: the HTML the card template wrote
before ``release_cards`` replaced it, for the same releases.
"""

from datetime import datetime

import pytest
from django.utils import timezone

from press.models import PressRelease
from press.templatetags.press_tags import release_cards

from .conftest import make_release

pytestmark = pytest.mark.usefixtures("taxonomy")


def card(release, heading="h3"):
    fresh = PressRelease.objects.with_lists().get(pk=release.pk)
    return str(release_cards([fresh], heading))


def test_a_published_card_in_full():
    release = make_release(
        "Chair visits Chisinau",
        slug="chair-visits-chisinau",
        summary="The Chairperson met the President.",
        published_at=timezone.make_aware(datetime(2024, 3, 1, 12, 0)),
    )
    assert card(release) == (
        '<li class="card">\n'
        f'  <p class="kicker">{release.type.name} · '
        '<time datetime="2024-03-01T12:00:00+01:00">1 March 2024</time></p>\n'
        '  <h3><a href="/press/chair-visits-chisinau/">Chair visits Chisinau</a></h3>\n'
        '  <p class="summary">The Chairperson met the President.</p>\n'
        "  \n"
        "</li>"
    )
    assert "<h2><a" in card(release, "h2")


def test_markup_in_a_card_stays_text():
    release = make_release('<script>alert("t")</script> & co', summary="<b>bold</b> & <i>")
    html = card(release)
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&quot;t&quot;)&lt;/script&gt; &amp; co" in html
    assert "&lt;b&gt;bold&lt;/b&gt; &amp; &lt;i&gt;" in html


def test_a_draft_without_a_date_has_a_badge_and_no_empty_time():
    release = make_release("Undated draft", status="draft", published_at=None)
    html = card(release)
    assert '<span class="badge draft">draft</span>' in html
    assert "<time" not in html


def test_a_long_summary_is_cut_at_forty_words():
    words = [f"w{i}" for i in range(50)]
    release = make_release("Long", summary=" ".join(words))
    html = card(release)
    assert " ".join(words[:40]) + " …</p>" in html
    assert "w40" not in html


def test_a_cards_date_is_written_in_the_pages_language_each_time():
    """``card_date`` keeps each day's text per language: asking in one language never
    answers for another, and a card in any language reads its own."""
    from datetime import date

    from django.utils import translation

    from press.templatetags.press_tags import card_date

    day = date(2024, 5, 17)
    for _ in range(2):  # the second round from what the first kept
        assert card_date(day, "en") == "17 May 2024"
        assert card_date(day, "ru") == "17 мая 2024 г."
        assert card_date(day, "fr") == "17 mai 2024"
        assert card_date(day, "de") == "17. Mai 2024"
    release = make_release(
        "Chair visits Chisinau", published_at=timezone.make_aware(datetime(2024, 5, 17, 12, 0))
    )
    with translation.override("ru"):
        assert "17 мая 2024 г.</time>" in card(release)
    assert "17 May 2024</time>" in card(release)
