"""Embargo links: journalists read an approved, scheduled release before it goes out.

The link is read from where a publisher finds it (the ``data-embargo-link``
element of the change form and the Review page) and opened by an anonymous
client, with the page cache on. Every refusal (a tampered, revoked, expired
link; a release unscheduled or reopened) is checked after the same link, or
one made the same way, was seen to work.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import signing
from django.test import Client

from press.models import PressRelease, Transition

from .conftest import make_release, make_user
from .test_workflow import (
    PUBLISHERS,
    SITE_ADMINS,
    STAFF,
    change_url,
    embargo_link,
    error_text,
    logged_in,
    post_step,
    review_url,
    save_change_form,
    step,
    step_form,
    text_of,
)

pytestmark = pytest.mark.usefixtures("taxonomy")

#: 1 March 2030, 09:00 UTC. The release is approved to go out on 2 March at
#: 11:00 Vienna time (CET, UTC+1): 10:00 UTC.
NOW = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)
GOES_OUT = datetime(2030, 3, 2, 10, 0, tzinfo=UTC)
GOES_OUT_INPUT = "2030-03-02T11:00"
TITLE = "Ministers agree on a new water treaty"


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    settings.PAGE_CACHE_ENABLED = True


@pytest.fixture
def traveller():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def publisher(traveller):
    return logged_in(make_user("publisher", group=PUBLISHERS))


def scheduled(publisher, *, title=TITLE, **fields):
    """A release written by staff, approved by ``publisher`` for GOES_OUT."""
    writer = make_user("writer", group=STAFF)
    release = make_release(
        title,
        status="in_review",
        edited_by=writer,
        edited_at=NOW - timedelta(hours=1),
        summary="Six states sign.",
        **fields,
    )
    step(publisher, release, "approve", publish="at", publish_at=GOES_OUT_INPUT)
    assert (release.state, release.published_at) == ("scheduled", GOES_OUT)
    return release


def link_of(client, release):
    """The embargo link on the change form, checked to be the one on the Review page."""
    link = embargo_link(client.get(change_url(release)))
    assert embargo_link(client.get(review_url(release))) == link
    return link


def assert_embargoed_page(response, title=TITLE, until="2 March 2030, 11:00"):
    assert response.status_code == 200
    text = text_of(response)
    assert f"Embargoed until {until}" in text
    assert title in text
    assert "noindex" in response["X-Robots-Tag"]
    cache_control = {v.strip() for v in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= cache_control
    assert '<meta name="robots" content="noindex' in response.content.decode()
    assert response.get("X-Cache") != "HIT"


# --- the whole life of a link -------------------------------------------------------


def test_an_embargo_link_from_approval_to_expiry(publisher, traveller):
    release = scheduled(publisher)
    link = link_of(publisher, release)
    assert link.startswith("/press/embargo/")
    public = Client()

    # Before the time: the link shows the release, embargoed; the public URL is 404.
    assert_embargoed_page(public.get(link))
    assert public.get(release.get_absolute_url()).status_code == 404

    # Never from the page cache: a change made behind every cache's back shows at once.
    PressRelease.objects.filter(pk=release.pk).update(title="Ministers agree on a treaty")
    assert_embargoed_page(public.get(link), title="Ministers agree on a treaty")
    assert public.get(release.get_absolute_url()).status_code == 404

    # The time comes: the link leads to the public page, which is there now.
    traveller.move_to(GOES_OUT + timedelta(minutes=1))
    response = public.get(link)
    assert response.status_code == 302
    assert response["Location"] == release.get_absolute_url()
    assert public.get(release.get_absolute_url()).status_code == 200
    # No link is shown any more (the release is public), but the old one still leads there.
    assert "data-embargo-link" not in publisher.get(change_url(release)).content.decode()

    traveller.move_to(GOES_OUT + timedelta(days=7) - timedelta(minutes=1))
    assert public.get(link).status_code == 302

    # Seven days after publication, the link is gone; the public page stays.
    traveller.move_to(GOES_OUT + timedelta(days=7))
    assert public.get(link).status_code == 404
    assert public.get(release.get_absolute_url()).status_code == 200


def test_the_page_cache_does_serve_public_pages_stale_to_a_quiet_update(publisher):
    """The control for the test above: an ``.update()`` does not reach a cached public page."""
    release = make_release("Cached public release")
    public = Client()
    assert public.get(release.get_absolute_url())["X-Cache"] == "MISS"
    PressRelease.objects.filter(pk=release.pk).update(title="Quietly changed")
    response = public.get(release.get_absolute_url())
    assert response["X-Cache"] == "HIT"
    assert "Cached public release" in text_of(response)


def test_a_release_approved_for_now_has_no_link(publisher):
    release = make_release(
        "Out at once", status="in_review", edited_by=make_user("writer", group=STAFF)
    )
    step(publisher, release, "approve", publish="now")
    assert release.state == "published"
    for url in (change_url(release), review_url(release)):
        assert "data-embargo-link" not in publisher.get(url).content.decode()
    assert release.embargo_key == ""


def test_staff_see_the_link_but_cannot_make_or_send_one(publisher):
    release = scheduled(publisher)
    staff = logged_in(make_user("writer", group=STAFF))
    link = embargo_link(staff.get(change_url(release)))
    assert Client().get(link).status_code == 200
    page = staff.get(review_url(release)).content.decode()
    assert step_form(page, "new_link") is None
    assert step_form(page, "send_link") is None


# --- refusals ---------------------------------------------------------------------------


def tampered(link, position):
    """``link`` with one character of its token changed."""
    prefix, token = link.rstrip("/").rsplit("/", 1)
    changed = token[:position] + ("A" if token[position] != "A" else "B") + token[position + 1 :]
    return f"{prefix}/{changed}/"


def test_a_tampered_link_is_404(publisher):
    release = scheduled(publisher)
    link = link_of(publisher, release)
    public = Client()
    assert public.get(link).status_code == 200
    token = link.rstrip("/").rsplit("/", 1)[1]
    for position in (0, len(token) // 2, len(token) - 1):
        assert public.get(tampered(link, position)).status_code == 404, position
    assert public.get(link[:-3] + "/").status_code == 404
    assert public.get("/press/embargo/not-a-token/").status_code == 404
    # Another release's number under this release's key, signed any other way: 404.
    other = scheduled(publisher, title="Another scheduled release")
    assert public.get(link_of(publisher, other)).status_code == 200
    forged = signing.dumps([other.pk, release.embargo_key], compress=False)
    assert public.get(f"/press/embargo/{forged}/").status_code == 404
    forged = signing.dumps([other.pk, release.embargo_key], salt="other", compress=False)
    assert public.get(f"/press/embargo/{forged}/").status_code == 404


def test_a_new_link_revokes_the_old_one(publisher):
    release = scheduled(publisher)
    old = link_of(publisher, release)
    public = Client()
    assert public.get(old).status_code == 200

    step(publisher, release, "new_link")

    new = link_of(publisher, release)
    assert new != old
    assert public.get(old).status_code == 404
    assert_embargoed_page(public.get(new))
    assert release.state == "scheduled"


def test_unscheduling_kills_the_link(publisher):
    release = scheduled(publisher)
    link = link_of(publisher, release)
    public = Client()
    assert public.get(link).status_code == 200

    step(publisher, release, "unschedule", comment="Hold it.")

    assert release.state == "draft"
    assert public.get(link).status_code == 404
    assert public.get(release.get_absolute_url()).status_code == 404
    assert "data-embargo-link" not in publisher.get(change_url(release)).content.decode()


def test_approving_again_after_unscheduling_gives_a_new_link(publisher):
    release = scheduled(publisher)
    first = link_of(publisher, release)
    step(publisher, release, "unschedule", comment="Hold it.")
    writer = logged_in(make_user("writer", group=STAFF))
    step(writer, release, "submit")
    step(publisher, release, "approve", publish="at", publish_at=GOES_OUT_INPUT)
    second = link_of(publisher, release)
    public = Client()
    assert public.get(second).status_code == 200
    assert public.get(first).status_code == 404


def test_a_content_change_reopens_the_release_and_kills_the_link(publisher):
    release = scheduled(publisher)
    link = link_of(publisher, release)
    public = Client()
    assert public.get(link).status_code == 200

    writer = make_user("writer", group=STAFF)
    response = save_change_form(logged_in(writer), release, title="Ministers agree, almost")

    assert release.state == "in_review"
    assert release.edited_by == writer
    assert public.get(link).status_code == 404
    assert public.get(release.get_absolute_url()).status_code == 404
    last = Transition.objects.filter(release=release).order_by("-at", "-pk").first()
    assert (last.name, last.source, last.target, last.user) == (
        "reopen",
        "scheduled",
        "in_review",
        writer,
    )
    assert response.status_code == 302


def test_saving_a_scheduled_release_unchanged_keeps_it_scheduled(publisher):
    release = scheduled(publisher)
    link = link_of(publisher, release)
    save_change_form(logged_in(make_user("writer", group=STAFF)), release)
    assert release.state == "scheduled"
    assert Client().get(link).status_code == 200


def test_a_withdrawn_release_has_no_working_link(publisher, traveller):
    release = scheduled(publisher)
    link = link_of(publisher, release)
    traveller.move_to(GOES_OUT + timedelta(hours=1))
    assert Client().get(link).status_code == 302
    step(publisher, release, "withdraw", comment="Wrong treaty.")
    assert Client().get(link).status_code == 404


# --- languages -------------------------------------------------------------------------


def test_a_french_release_answers_under_its_language_prefix(publisher):
    release = scheduled(publisher, title="Les ministres s'accordent", language="fr")
    link = link_of(publisher, release)
    assert link.startswith("/fr/press/embargo/")
    public = Client()
    response = public.get(link)
    assert response.status_code == 200
    assert "Les ministres s&#x27;accordent" in response.content.decode()
    assert "noindex" in response["X-Robots-Tag"]
    assert 'class="preview-banner embargo-banner"' in response.content.decode()
    # The same token under another language's prefix leads to the French one.
    token = link.rstrip("/").rsplit("/", 1)[1]
    for wrong in (f"/press/embargo/{token}/", f"/de/press/embargo/{token}/"):
        response = public.get(wrong)
        assert response.status_code == 302, wrong
        assert response["Location"] == link
        assert "private" in response["Cache-Control"]
    assert public.get(release.get_absolute_url()).status_code == 404


# --- sending the link ------------------------------------------------------------------


def test_sending_the_link_mails_each_address_on_its_own(publisher, mailoutbox):
    release = scheduled(publisher)
    link = link_of(publisher, release)
    response = step(
        publisher,
        release,
        "send_link",
        addresses="desk@news.example, editor@paper.example\nwire@agency.example;desk@news.example",
    )
    assert response.status_code == 302
    assert [m.to for m in mailoutbox] == [
        ["desk@news.example"],
        ["editor@paper.example"],
        ["wire@agency.example"],
    ]
    for message in mailoutbox:
        assert message.cc == [] and message.bcc == []
        assert message.subject == f"Embargoed until 2 March 2030, 11:00 CET: {TITLE}"
        assert f"http://testserver{link}" in message.body
        assert "Not for publication or broadcast before that time." in message.body
        assert message.reply_to == ["publisher@example.org"]
    # The link in the mail works.
    assert Client().get(link).status_code == 200
    messages = [str(m) for m in publisher.get(review_url(release)).context["messages"]]
    assert "The embargo link went to 3 addresses." in messages


@pytest.mark.parametrize(
    ("addresses", "said"),
    [
        ("desk@news.example, not-an-address", "Not an email address: not-an-address"),
        ("", "Give at least one address."),
        ("desk@news.example\n@nobody", "Not an email address: @nobody"),
    ],
)
def test_bad_addresses_send_nothing(publisher, mailoutbox, addresses, said):
    release = scheduled(publisher)
    _offered, response = post_step(publisher, release, "send_link", addresses=addresses)
    assert response.status_code == 200
    assert said in error_text(response)
    assert mailoutbox == []
    # The control: a good address goes out from the same page.
    step(publisher, release, "send_link", addresses="desk@news.example")
    assert [m.to for m in mailoutbox] == [["desk@news.example"]]


def test_no_link_is_sent_for_a_release_that_is_not_scheduled(publisher, mailoutbox):
    release = make_release("Out already", edited_by=make_user("writer", group=STAFF))
    _offered, response = post_step(
        publisher, release, "send_link", forge=True, addresses="desk@news.example"
    )
    assert response.status_code == 200
    assert "Only a release scheduled for publication has an embargo link." in error_text(response)
    assert mailoutbox == []
    _offered, response = post_step(publisher, release, "new_link", forge=True)
    assert response.status_code == 200
    assert "Only a release scheduled for publication has an embargo link." in error_text(response)
    assert PressRelease.objects.get(pk=release.pk).embargo_key == ""


def test_a_stale_page_sends_no_link(publisher, mailoutbox, traveller):
    release = scheduled(publisher)
    page = publisher.get(review_url(release)).content.decode()
    seen = step_form(page, "send_link")
    traveller.shift(timedelta(minutes=1))
    other = logged_in(make_user("siteadmin", group=SITE_ADMINS))
    step(other, release, "new_link")
    fresh = link_of(other, release)
    response = publisher.post(review_url(release), {**seen, "addresses": ["desk@news.example"]})
    assert response.status_code == 200
    assert "siteadmin saved this press release" in error_text(response)
    assert mailoutbox == []
    assert re.search(r"/press/embargo/[^/]+/", fresh)


def test_a_date_near_the_end_of_the_calendar_breaks_no_page(publisher):
    """A draft dated 9999 by a slip of the keyboard, then approved for then: every page answers."""
    writer = make_user("writer", group=STAFF)
    staff = logged_in(writer)
    release = make_release("Far off", status="draft", edited_by=writer)
    save_change_form(staff, release, published_at_0="9999-12-31", published_at_1="23:00")
    assert release.published_at == datetime(9999, 12, 31, 22, 0, tzinfo=UTC)
    for url in (change_url(release), review_url(release)):
        assert staff.get(url).status_code == 200, url
    step(staff, release, "submit")
    step(publisher, release, "approve", publish="at", publish_at="9999-12-31T23:00")
    assert release.state == "scheduled"
    link = link_of(publisher, release)
    assert_embargoed_page(Client().get(link), title="Far off", until="31 December 9999, 23:00")
