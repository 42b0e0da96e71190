"""Email alerts (issue 18), end to end in this process.

A visitor subscribes from any listing (``/alerts/?<its filters>``), confirms
through the real confirmation mail, and hears of each matching release
once: immediately, or in a daily or weekly digest. ``send_alerts`` (the
cron job) runs everything due in this process; mail goes to Django's
outbox, or to a real SMTP server (aiosmtpd) in the whole-life test.

Every expectation is written down here (titles, addresses, words), never
worked out by the code under test; each refusal has its control: the same
request that should succeed does.
"""

import datetime
import html
import json
import re
from datetime import UTC, timedelta
from email import message_from_bytes, policy
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django.http import QueryDict
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from alerts import filter_sets, matching, tokens
from alerts.models import AlertedRelease, Delivery, Subscription
from press.filters import PressReleaseFilterSet
from press.models import PressRelease, ReleaseType
from taxonomy import clock
from taxonomy.merging import merge_nodes
from taxonomy.models import Country, Structure

from . import alerts_helpers
from .alerts_helpers import (
    FROM_EMAIL,
    confirm_link,
    html_of,
    inbox,
    local,
    mails_to,
    manage_link,
    send_alerts,
    subject_of,
    subscribe,
    subscribe_and_confirm,
    text_of,
    to_of,
    unsubscribe_link,
)
from .conftest import make_release, make_user, noon
from .test_workflow import PUBLISHERS, STAFF, logged_in, step

pytestmark = pytest.mark.usefixtures("taxonomy")
smtp_server = alerts_helpers.smtp_server  # the fixture: a real SMTP server (aiosmtpd)

#: The tests' "now": 1 March 2030, 09:00 UTC (10:00 in Vienna, the site's zone).
NOW = datetime.datetime(2030, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def at_now(time_machine):
    """The clock at ``NOW`` (and ticking): ``at_now.shift(timedelta)`` moves it on."""
    time_machine.move_to(NOW, tick=True)
    return time_machine


def later(machine, **delta):
    """Move the clock on by ``delta`` (minutes=1 by default); the new now."""
    machine.shift(timedelta(**(delta or {"minutes": 1})))
    return clock.now()


def publish(title, **fields):
    """A release public as of now (after every subscription confirmed so far)."""
    return make_release(title, published_at=clock.now(), **fields)


def sent():
    """(recipient, subject) of every message sent so far, in order."""
    return [(to_of(m)[0], subject_of(m)) for m in inbox()]


def subscription(email, query=None):
    found = Subscription.objects.filter(email=email)
    if query is not None:
        found = found.filter(query=query)
    return found.get()


def confirmed(client, params, email, frequency="immediate", language="en", **kwargs):
    """Subscribe and confirm through the real pages and mail, then forget the mail."""
    result = subscribe_and_confirm(client, params, email, frequency, language, **kwargs)
    mail.outbox.clear()
    return result


#: The check-inbox page's words, and the /alerts/ page's list of filters in words.
CHECK_INBOX = "Check your inbox"
PHRASES = re.compile(r'<ul class="alerts-phrases">(.*?)</ul>', re.S)


def phrases(page):
    """The filter set in words, as the /alerts/ page lists it."""
    found = PHRASES.search(page)
    if not found:
        return []
    return [html.unescape(p) for p in re.findall(r"<li>(.*?)</li>", found.group(1))]


def alerts_link(page):
    """The listing's "Get email alerts" link: (path, sorted query pairs)."""
    found = re.search(r'<a href="([^"]*)">Get email alerts</a>', page)
    assert found, "no Get email alerts link"
    url = urlsplit(html.unescape(found.group(1)))
    return url.path, sorted(parse_qsl(url.query))


# --- 1. Subscribe from anywhere ---------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("/press/?country=moldova&topic=elections",
         [("country", "moldova"), ("topic", "elections")]),
        ("/countries/moldova/?topic=elections", [("country", "moldova"), ("topic", "elections")]),
        ("/topics/elections/?country=serbia", [("country", "serbia"), ("topic", "elections")]),
        ("/press/?q=ceasefire", [("q", "ceasefire")]),
        ("/press/?type=news&year=2024", [("type", "news"), ("year", "2024")]),
        ("/press/", []),
    ],
)  # fmt: skip
def test_every_listing_links_to_alerts_for_its_own_filters(client, page, expected):
    make_release("Mission observes elections", tags={"countries": ["moldova"]})
    response = client.get(page)
    assert response.status_code == 200
    path, query = alerts_link(response.content.decode())
    assert path == "/alerts/"
    assert query == expected
    # The link opens the subscribe page, with the listing's filters in its form.
    follow = client.get(path, query)
    assert follow.status_code == 200
    assert '<form method="post" action="/alerts/" class="alerts-form"' in follow.content.decode()


def test_the_alerts_page_says_the_filter_set_in_words(client):
    page = client.get(
        "/alerts/?country=moldova&country=serbia&topic=elections&q=ceasefire&sort=date&page=2"
    ).content.decode()
    assert sorted(phrases(page)) == sorted(["“ceasefire”", "Elections", "Moldova or Serbia"])
    # The listing's order and page are not filters: not said, not kept.
    for hidden in (
        '<input type="hidden" name="country" value="moldova">',
        '<input type="hidden" name="country" value="serbia">',
        '<input type="hidden" name="topic" value="elections">',
        '<input type="hidden" name="q" value="ceasefire">',
    ):
        assert hidden in page
    assert 'name="sort"' not in page and 'name="page"' not in page

    dates = client.get("/alerts/?date_from=2024-05-01&date_to=2024-05-31&type=news").content
    assert sorted(phrases(dates.decode())) == ["1 May 2024 to 31 May 2024", "News"]

    everything = client.get("/alerts/").content.decode()
    assert phrases(everything) == []
    assert "Every new press release." in everything


def test_the_alerts_page_in_french(client):
    response = client.get("/fr/alerts/?country=moldova&topic=elections")
    assert response.status_code == 200
    page = response.content.decode()
    assert sorted(phrases(page)) == ["Moldavie", "Élections"]
    assert '<html lang="fr"' in page
    assert 'action="/fr/alerts/"' in page
    # The form offers the page's language first.
    assert re.search(r'<option value="fr"[^>]*selected', page)


REFUSALS = [
    ({"country": "atlantis"}, "Nothing is called “atlantis” among countries and regions."),
    ({"topic": ["elections", "no-such-topic"]}, "Nothing is called “no-such-topic”"),
    ({"type": "rumour"}, "There is no release type “rumour”."),
    ({"date_from": "2024-02-30"}, "Enter a valid date."),
    ({"year": "twenty"}, "Enter a whole number."),
]


@pytest.mark.parametrize(("filters", "reason"), REFUSALS)
def test_filters_that_name_nothing_are_refused_with_the_reason(client, filters, reason):
    data = {**filters, "email": "someone@example.org", "frequency": "immediate", "language": "en"}
    response = client.post("/alerts/", data)
    assert response.status_code == 400
    assert reason in html.unescape(response.content.decode())
    assert "These filters cannot be subscribed to:" in response.content.decode()
    assert not Subscription.objects.exists()
    send_alerts()
    assert mail.outbox == []

    # Control: the same request with a filter that names something is taken.
    data = {"country": "moldova", "email": "someone@example.org"}
    response = client.post("/alerts/", {**data, "frequency": "immediate", "language": "en"})
    assert response.status_code == 200
    assert Subscription.objects.count() == 1
    send_alerts()
    assert sent() == [("someone@example.org", "Confirm your email alerts")]


@pytest.mark.parametrize(
    "fields",
    [
        {"email": "not-an-address"},
        {"email": ""},
        {"email": "a@example.org", "frequency": "hourly"},
        {"email": "a@example.org", "language": "xx"},
    ],
)
def test_a_bad_form_is_refused_and_nothing_is_stored(client, fields):
    data = {"country": "moldova", "frequency": "immediate", "language": "en", **fields}
    response = client.post("/alerts/", data)
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()
    assert not Subscription.objects.exists()
    send_alerts()
    assert mail.outbox == []
    # Control: the good form.
    good = {"country": "moldova", "email": "a@example.org", "frequency": "immediate"}
    assert client.post("/alerts/", {**good, "language": "en"}).status_code == 200
    assert Subscription.objects.count() == 1


def test_the_address_is_stored_in_one_spelling(client):
    subscribe(client, {"country": "moldova"}, "  Someone@EXAMPLE.org ")
    assert list(Subscription.objects.values_list("email", "query", "language")) == [
        ("someone@example.org", "country=moldova", "en")
    ]


def test_a_filter_set_is_stored_in_one_spelling(client):
    """The same filters in another order, with a sort and a page, are one subscription."""
    subscribe(client, "topic=elections&country=serbia&country=moldova&sort=date", "a@example.org")
    subscribe(client, "country=moldova&page=3&topic=elections&country=serbia", "a@example.org")
    assert list(Subscription.objects.values_list("query", flat=True)) == [
        "topic=elections&country=moldova&country=serbia"
    ]


HOSTILE = [
    "country=" + "a" * 5000,
    "year=99999999999999999999",
    "date_from=99999-01-01",
    "date_from=0001-01-01&date_to=9999-12-31",
    "q=" + "x" * 3000,
    "q=%00",
    "country=moldova%00",
    "q=%22unterminated",
    "q=NEAR(a%20b)",
    "predecessors=yes",
    "&".join(f"country=c{n}" for n in range(300)),
]


@pytest.mark.parametrize("query", HOSTILE)
def test_nothing_a_visitor_sends_gives_a_500(client, query):
    assert client.get(f"/alerts/?{query}").status_code == 200
    data = QueryDict(query).copy()
    data.update({"email": "p@example.org", "frequency": "immediate", "language": "en"})
    assert client.post("/alerts/", data).status_code in (200, 400)
    for kind in ("confirm", "manage", "unsubscribe"):
        for method in (client.get, client.post):
            assert method(f"/alerts/{kind}/{query[:300]}/").status_code == 404


def test_words_are_escaped_on_the_page_and_in_the_mail(client, at_now):
    # Words the release lacks, excluded: the release matches on SQLite and PostgreSQL alike.
    words = 'ceasefire -"<script>alert(1)</script>"'
    page = client.get("/alerts/", {"q": words}).content.decode()
    assert "<script>alert(1)" not in page
    shown = "“ceasefire -&quot;&lt;script&gt;alert(1)&lt;/script&gt;&quot;”"
    assert shown in page  # control: the words are there, escaped
    confirmed(client, {"q": words}, "x@example.org")
    later(at_now)
    publish("Ceasefire holds")
    send_alerts()
    assert sent() == [("x@example.org", "Ceasefire holds")]
    body = html_of(inbox()[0])
    assert "<script>" not in body
    assert shown in body


# --- 2. Double opt-in -------------------------------------------------------------------


def test_nothing_but_the_confirmation_is_sent_until_the_owner_confirms(client, at_now):
    response = subscribe(client, {"country": "moldova"}, "a@example.org")
    assert response.status_code == 200
    assert CHECK_INBOX in response.content.decode()
    send_alerts()
    assert sent() == [("a@example.org", "Confirm your email alerts")]
    link = confirm_link(inbox()[0])

    # A matching release meanwhile: nothing for an unconfirmed address.
    later(at_now)
    publish("Moldova votes while unconfirmed", tags={"countries": ["moldova"]})
    send_alerts()
    assert len(mail.outbox) == 1
    assert not Delivery.objects.exists()

    # A mail scanner follows the link: a page with a button, nothing confirmed.
    shown = client.get(link)
    assert shown.status_code == 200
    assert "Yes, start my alerts" in shown.content.decode()
    assert subscription("a@example.org").confirmed_at is None
    send_alerts()
    assert len(mail.outbox) == 1

    # The owner presses it.
    later(at_now)
    done = client.post(link)
    assert done.status_code == 200
    assert "Your alerts are on" in done.content.decode()
    assert subscription("a@example.org").is_active
    # Published before the confirmation: never sent.
    send_alerts()
    assert len(mail.outbox) == 1

    # Control: a release published after it alerts.
    later(at_now)
    publish("Moldova counts the votes", tags={"countries": ["moldova"]})
    send_alerts()
    assert sent()[1:] == [("a@example.org", "Moldova counts the votes")]


def test_a_confirmation_link_lasts_seven_days(client, at_now):
    for email in ("early@example.org", "late@example.org"):
        subscribe(client, {"country": "moldova"}, email)
    send_alerts()
    early = confirm_link(mails_to("early@example.org")[0])
    late = confirm_link(mails_to("late@example.org")[0])

    at_now.move_to(NOW + timedelta(days=6, hours=23))
    assert client.post(early).status_code == 200  # control: still good
    assert subscription("early@example.org").is_active

    at_now.move_to(NOW + timedelta(days=8))
    for answer in (client.get(late), client.post(late)):
        assert answer.status_code == 410
        assert "This link has expired" in answer.content.decode()
        # It offers to ask again for the same filters.
        assert 'href="/alerts/?country=moldova"' in answer.content.decode()
    assert subscription("late@example.org").confirmed_at is None


def test_a_tampered_or_foreign_token_is_404(client):
    subscribe(client, {"country": "moldova"}, "a@example.org")
    send_alerts()
    link = confirm_link(inbox()[0])
    token = link.rstrip("/").rsplit("/", 1)[1]
    # The last character of the signature changed; another kind of link's token.
    last = token[-1]
    tampered = token[:-1] + ("A" if last != "A" else "B")
    other_kind = tokens.manage_token("a@example.org")
    for bad in (tampered, other_kind, "nonsense", token + "x"):
        path = f"/alerts/confirm/{bad}/"
        for answer in (client.get(path), client.post(path)):
            assert answer.status_code == 404
            assert "This link does not work" in answer.content.decode()
    assert subscription("a@example.org").confirmed_at is None
    # Control: the genuine link.
    assert client.post(link).status_code == 200
    assert subscription("a@example.org").is_active


def test_an_old_confirmation_link_dies_when_the_address_asks_again(client, at_now):
    subscribe(client, {"country": "moldova"}, "a@example.org")
    send_alerts()
    later(at_now)
    subscribe(client, {"country": "moldova"}, "a@example.org")
    send_alerts()
    first, second = (confirm_link(m) for m in inbox())
    assert first != second
    assert client.get(first).status_code == 404
    assert client.post(first).status_code == 404
    assert subscription("a@example.org").confirmed_at is None
    assert client.post(second).status_code == 200  # control
    assert subscription("a@example.org").is_active


def test_a_used_confirmation_link_cannot_start_an_ended_subscription_again(client, at_now):
    subscribe(client, {"country": "moldova"}, "a@example.org")
    send_alerts()
    link = confirm_link(inbox()[0])
    assert client.post(link).status_code == 200
    assert subscription("a@example.org").is_active
    # Still within its seven days, the link shows the subscription as on (control).
    assert client.get(link).status_code == 200
    client.post(
        reverse(
            "alerts:unsubscribe", args=[tokens.unsubscribe_token([subscription("a@example.org")])]
        ),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert subscription("a@example.org").ended_at is not None
    assert client.get(link).status_code == 404
    assert client.post(link).status_code == 404
    assert subscription("a@example.org").ended_at is not None


def test_asking_again_for_what_one_has_sends_already_and_changes_nothing(client, at_now):
    before = confirmed(client, {"country": "moldova"}, "a@example.org", "immediate")
    later(at_now)
    response = subscribe(client, {"country": "moldova"}, "a@example.org", "weekly")
    assert response.status_code == 200
    assert CHECK_INBOX in response.content.decode()
    send_alerts()
    assert sent() == [("a@example.org", "You already get these alerts")]
    text = text_of(inbox()[0])
    assert "This address already gets them (As soon as they are published)." in text
    assert "/alerts/confirm/" not in text
    after = subscription("a@example.org")
    assert (after.frequency, after.confirmed_at, after.created_at) == (
        "immediate",
        before.confirmed_at,
        before.created_at,
    )


# --- 3. No enumeration ------------------------------------------------------------------


def normalised(response):
    """A page without what differs per request: the CSRF token and the CSP nonce."""
    text = response.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "csrf", text)
    text = re.sub(r'nonce="[^"]*"', 'nonce=""', text)
    return response.status_code, text


def test_the_answer_does_not_say_whether_an_address_is_known(client):
    def ask(email="a@example.org"):
        return normalised(subscribe(client, {"country": "moldova"}, email))

    new = ask()
    pending = ask()
    send_alerts()
    assert client.post(confirm_link(inbox()[-1])).status_code == 200
    assert subscription("a@example.org").is_active
    known = ask()
    assert new[0] == 200
    assert new == pending == known
    # Another, never seen address: the same page but for the address it names.
    other = ask("b@example.org")
    assert other[0] == 200
    assert other[1].replace("b@example.org", "a@example.org") == new[1]
    # The mails differ: that is where the owner learns which it was.
    send_alerts()
    subjects = [subject for _to, subject in sent()]
    assert subjects.count("You already get these alerts") == 1


# --- 4. Rate limits ---------------------------------------------------------------------


def test_a_client_asks_so_often_an_hour_then_429(client, settings):
    settings.ALERTS_CLIENT_LIMIT = 3
    for n in range(3):
        answer = subscribe(
            client, {"country": "moldova"}, f"a{n}@example.org", remote_addr="192.0.2.7"
        )
        assert answer.status_code == 200
    refused = subscribe(client, {"country": "moldova"}, "a3@example.org", remote_addr="192.0.2.7")
    assert refused.status_code == 429
    assert "Too many requests from your address" in refused.content.decode()
    assert not Subscription.objects.filter(email="a3@example.org").exists()
    # Control: another client is still served.
    other = subscribe(client, {"country": "moldova"}, "a3@example.org", remote_addr="192.0.2.8")
    assert other.status_code == 200
    assert Subscription.objects.filter(email="a3@example.org").exists()


def test_ipv6_clients_count_by_their_64(client, settings):
    settings.ALERTS_CLIENT_LIMIT = 1
    first = subscribe(client, {"country": "moldova"}, "a@example.org", remote_addr="2001:db8::1")
    assert first.status_code == 200
    same_64 = subscribe(client, {"country": "moldova"}, "b@example.org", remote_addr="2001:db8::2")
    assert same_64.status_code == 429
    other_64 = subscribe(
        client, {"country": "moldova"}, "c@example.org", remote_addr="2001:db8:0:1::1"
    )
    assert other_64.status_code == 200


def test_an_address_gets_so_many_confirmations_a_day(client, settings):
    settings.ALERTS_EMAIL_LIMIT = 2
    answers = []
    # The same inbox, spelled otherwise the third and fourth times.
    for spelling in ("a@example.org", "a@example.org", "A@Example.ORG", "a@EXAMPLE.org"):
        answer = subscribe(client, {"country": "moldova"}, spelling)
        answers.append(normalised(answer))
        send_alerts()
    assert {status for status, _text in answers} == {200}
    assert len({text for _status, text in answers}) == 1
    assert sent() == [("a@example.org", "Confirm your email alerts")] * 2
    # Control: another address still gets its confirmation.
    subscribe(client, {"country": "moldova"}, "b@example.org")
    send_alerts()
    assert sent()[-1] == ("b@example.org", "Confirm your email alerts")


# --- 5. What is sent --------------------------------------------------------------------


def test_a_matching_release_alerts_once_another_never(client, at_now):
    confirmed(client, {"country": "moldova"}, "a@example.org")
    later(at_now)
    publish("Moldova votes", tags={"countries": ["moldova"]})
    publish("Serbia votes", tags={"countries": ["serbia"]})
    publish("A draft about Moldova", status="draft", tags={"countries": ["moldova"]})
    send_alerts()
    send_alerts()
    assert sent() == [("a@example.org", "Moldova votes")]


def test_a_node_filter_takes_in_its_descendants(client, at_now):
    confirmed(client, {"country": "participating-states"}, "states@example.org")
    confirmed(client, {"structure": "secretariat"}, "secretariat@example.org")
    confirmed(client, {"country": "moldova"}, "moldova@example.org")
    later(at_now)
    publish("Chisinau hosts a seminar", tags={"countries": ["moldova"]})
    publish("CPC briefs delegations", tags={"structures": ["conflict-prevention-centre"]})
    publish("Tokyo conference opens", tags={"countries": ["japan"]})  # a partner, not a state
    send_alerts()
    assert sorted(sent()) == [
        ("moldova@example.org", "Chisinau hosts a seminar"),
        ("secretariat@example.org", "CPC briefs delegations"),
        ("states@example.org", "Chisinau hosts a seminar"),
    ]


def test_type_and_year_filters(client, at_now):
    confirmed(client, {"type": "news"}, "news@example.org")
    confirmed(client, {"type": ["news", "statement"]}, "either@example.org")
    confirmed(client, {"year": "2030"}, "thisyear@example.org")
    confirmed(client, {"year": "2029"}, "lastyear@example.org")
    confirmed(client, {"year": "2030", "type": "news"}, "both@example.org")
    later(at_now)
    publish("A news item", type=ReleaseType.objects.get(slug="news"))
    publish("A statement", type=ReleaseType.objects.get(slug="statement"))
    publish("A press release")
    send_alerts()
    assert sorted(sent()) == [
        ("both@example.org", "A news item"),
        ("either@example.org", "A news item"),
        ("either@example.org", "A statement"),
        ("news@example.org", "A news item"),
        ("thisyear@example.org", "A news item"),
        ("thisyear@example.org", "A press release"),
        ("thisyear@example.org", "A statement"),
    ]


def test_a_query_filter_alerts_releases_with_its_words(client, at_now):
    confirmed(client, {"q": "ceasefire"}, "words@example.org")
    confirmed(client, {"q": "ceasefire", "country": "moldova"}, "moldova@example.org")
    later(at_now)
    publish("Ceasefire holds in the east", tags={"countries": ["serbia"]})
    publish(
        "Talks resume in Chisinau",
        body="<p>The sides agreed to respect the ceasefire line.</p>",
        tags={"countries": ["moldova"]},
    )
    publish("Budget adopted", body="<p>The Permanent Council adopted the budget.</p>")
    send_alerts()
    assert sorted(sent()) == [
        ("moldova@example.org", "Talks resume in Chisinau"),
        ("words@example.org", "Ceasefire holds in the east"),
        ("words@example.org", "Talks resume in Chisinau"),
    ]


def test_date_filters(client, at_now):
    confirmed(client, {"date_from": "2030-03-01", "date_to": "2030-03-31"}, "march@example.org")
    confirmed(client, {"date_to": "2030-02-28"}, "february@example.org")
    confirmed(client, {"date_from": "2030-04-01"}, "april@example.org")
    later(at_now)
    publish("Early March")
    send_alerts()
    at_now.move_to(datetime.datetime(2030, 4, 2, 9, 0, tzinfo=UTC))
    publish("Early April")
    send_alerts()
    assert sorted(sent()) == [
        ("april@example.org", "Early April"),
        ("march@example.org", "Early March"),
    ]


def test_predecessors(client, at_now):
    confirmed(client, {"structure": "office-in-zagreb", "predecessors": "1"}, "with@example.org")
    confirmed(client, {"structure": "office-in-zagreb"}, "without@example.org")
    later(at_now)
    publish("Mission to Croatia reports", tags={"structures": ["mission-to-croatia"]})
    publish("Office in Zagreb reports", tags={"structures": ["office-in-zagreb"]})
    send_alerts()
    assert sorted(sent()) == [
        ("with@example.org", "Mission to Croatia reports"),
        ("with@example.org", "Office in Zagreb reports"),
        ("without@example.org", "Office in Zagreb reports"),
    ]


def import_records(tmp_path, *records):
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    call_command("import_press_releases", str(path), stdout=None)


def test_an_archive_import_alerts_nobody_a_record_dated_now_does(client, at_now, tmp_path):
    confirmed(client, {"country": "moldova"}, "a@example.org")
    later(at_now, minutes=10)
    # Five minutes ago, in the site's time as an import gives it.
    just_now = timezone.localtime(clock.now() - timedelta(minutes=5)).replace(tzinfo=None)
    record = {"type": "Press release", "countries": ["Moldova"], "topics": ["Elections"],
              "summary": "A summary.", "body": "A paragraph."}  # fmt: skip
    import_records(
        tmp_path,
        {**record, "title": "Archive: Moldova elections of 2019", "date": "2019-02-24"},
        {**record, "title": "Archive: Moldova observes", "date": "2024-05-17"},
        {**record, "title": "Moldova statement of today", "date": just_now.isoformat()},
    )
    assert PressRelease.objects.count() == 3
    send_alerts()
    assert sent() == [("a@example.org", "Moldova statement of today")]
    # Only the record of today was matched: the archive is older than every confirmation.
    assert list(AlertedRelease.objects.values_list("release__title", flat=True)) == [
        "Moldova statement of today"
    ]
    send_alerts()
    assert len(mail.outbox) == 1


def test_a_correction_does_not_alert_again(client, at_now):
    confirmed(client, {"country": "moldova"}, "a@example.org")
    later(at_now)
    release = publish("Moldova votes", tags={"countries": ["moldova"]})
    send_alerts()
    assert sent() == [("a@example.org", "Moldova votes")]
    later(at_now)
    release.title = "Moldova votes (corrected)"
    release.summary = "A corrected summary."
    release.save()
    send_alerts()
    assert sent() == [("a@example.org", "Moldova votes")]


def test_a_scheduled_release_alerts_when_its_time_comes_with_no_write(client, at_now):
    confirmed(client, {"country": "moldova"}, "a@example.org")
    later(at_now)
    release = make_release(
        "Scheduled for noon",
        published_at=NOW + timedelta(hours=3),
        tags={"countries": ["moldova"]},
    )
    written = PressRelease.objects.filter(pk=release.pk).values("updated_at").get()
    send_alerts()
    at_now.move_to(NOW + timedelta(hours=2, minutes=59))
    send_alerts()
    assert mail.outbox == []
    at_now.move_to(NOW + timedelta(hours=3, minutes=1))
    send_alerts()
    assert sent() == [("a@example.org", "Scheduled for noon")]
    assert PressRelease.objects.filter(pk=release.pk).values("updated_at").get() == written


def test_a_release_approved_in_review_alerts(client, at_now):
    confirmed(client, {"country": "moldova"}, "a@example.org")
    later(at_now)
    writer = make_user("writer", group=STAFF)
    publisher = make_user("publisher", group=PUBLISHERS)
    release = make_release(
        "Reviewed and approved",
        status="in_review",
        edited_by=writer,
        edited_at=clock.now() - timedelta(minutes=1),
        tags={"countries": ["moldova"]},
    )
    send_alerts()
    assert mail.outbox == []  # in review: not public
    step(logged_in(publisher), release, "approve", publish="now")
    assert release.state == "published"
    send_alerts()
    assert sent() == [("a@example.org", "Reviewed and approved")]


def test_a_subscription_hears_of_releases_in_its_language_and_speaks_it(client, at_now):
    confirmed(client, {"country": "moldova"}, "en@example.org", language="en")
    subscribe_and_confirm(client, {"country": "moldova"}, "fr@example.org", "immediate", "fr",
                          prefix="/fr")  # fmt: skip
    confirmation = mails_to("fr@example.org")[0]
    assert confirmation["Content-Language"] == "fr"
    assert subject_of(confirmation) == "Confirmez vos alertes par courriel"
    assert "Moldavie" in text_of(confirmation)  # the filter set, in French, in the body
    assert "http://127.0.0.1:8000/fr/alerts/confirm/" in text_of(confirmation)
    assert '<html lang="fr">' in html_of(confirmation)
    mail.outbox.clear()
    later(at_now)
    publish("Moldova votes", tags={"countries": ["moldova"]})
    french = publish(
        "La Moldavie vote", language="fr", place="Chisinau", tags={"countries": ["moldova"]}
    )
    send_alerts()
    assert sorted(sent()) == [
        ("en@example.org", "Moldova votes"),
        ("fr@example.org", "La Moldavie vote"),
    ]
    message = mails_to("fr@example.org")[0]
    assert message["Content-Language"] == "fr"
    text = text_of(message)
    assert "CHISINAU, 1 mars 2030" in text
    assert "Moldavie" in text  # the filter set, in French
    assert f"http://127.0.0.1:8000/fr/press/{french.slug}/" in text
    assert "http://127.0.0.1:8000/fr/alerts/manage/" in text
    assert "/fr/alerts/unsubscribe/" in str(message["List-Unsubscribe"])
    assert '<html lang="fr">' in html_of(message)


def test_a_release_withdrawn_before_its_alert_is_not_sent(client, at_now):
    confirmed(client, {"country": "moldova"}, "a@example.org")
    later(at_now)
    gone = publish("Published by mistake", tags={"countries": ["moldova"]})
    kept = publish("Moldova votes", tags={"countries": ["moldova"]})
    assert matching.sweep() == (2, 2)
    publisher = make_user("publisher", group=PUBLISHERS)
    step(logged_in(publisher), gone, "withdraw", comment="Published by mistake.")
    assert gone.state == "withdrawn"
    send_alerts()
    assert sent() == [("a@example.org", "Moldova votes")]
    assert Delivery.objects.get(release=gone).dropped
    assert not Delivery.objects.get(release=kept).dropped


def test_a_subscription_to_everything_hears_of_everything_in_its_language(client, at_now):
    confirmed(client, {}, "all@example.org")
    later(at_now)
    publish("Moldova votes", tags={"countries": ["moldova"]})
    publish("Untagged note")
    publish("Note en français", language="fr")
    send_alerts()
    assert sorted(sent()) == [
        ("all@example.org", "Moldova votes"),
        ("all@example.org", "Untagged note"),
    ]
    assert "You get this because you asked for alerts about: All press releases." in text_of(
        inbox()[0]
    )


# --- 6. Digests -------------------------------------------------------------------------


def test_a_daily_digest(client, at_now):
    confirmed(client, {"country": "moldova"}, "d@example.org", "daily")
    start = subscription("d@example.org").confirmed_at
    at_now.move_to(start + timedelta(hours=1))
    publish("Morning in Moldova", tags={"countries": ["moldova"]})
    send_alerts()
    at_now.move_to(start + timedelta(hours=5))
    publish("Afternoon in Moldova", tags={"countries": ["moldova"]})
    publish("Afternoon in Serbia", tags={"countries": ["serbia"]})
    send_alerts()
    at_now.move_to(start + timedelta(hours=23))
    send_alerts()
    assert mail.outbox == []

    at_now.move_to(start + timedelta(days=1, minutes=1))
    send_alerts()
    send_alerts()
    assert sent() == [("d@example.org", "2 new press releases: Moldova")]
    text = text_of(inbox()[0])
    assert "Morning in Moldova" in text and "Afternoon in Moldova" in text
    assert "Serbia" not in text
    assert text.index("Morning in Moldova") < text.index("Afternoon in Moldova")

    # The next day's digest has the next day's release, alone.
    at_now.move_to(start + timedelta(days=1, hours=2))
    publish("Next day in Moldova", tags={"countries": ["moldova"]})
    send_alerts()
    assert len(mail.outbox) == 1
    at_now.move_to(start + timedelta(days=2, minutes=2))
    send_alerts()
    assert sent()[1:] == [("d@example.org", "Next day in Moldova")]


def test_a_weekly_digest(client, at_now):
    confirmed(client, {"country": "moldova"}, "w@example.org", "weekly")
    start = subscription("w@example.org").confirmed_at
    at_now.move_to(start + timedelta(hours=1))
    publish("Monday in Moldova", tags={"countries": ["moldova"]})
    at_now.move_to(start + timedelta(days=3))
    publish("Thursday in Moldova", tags={"countries": ["moldova"]})
    for days in (1, 3, 6):
        at_now.move_to(start + timedelta(days=days, minutes=5))
        send_alerts()
    assert mail.outbox == []
    at_now.move_to(start + timedelta(days=7, minutes=1))
    send_alerts()
    assert sent() == [("w@example.org", "2 new press releases: Moldova")]
    text = text_of(inbox()[0])
    assert "Monday in Moldova" in text and "Thursday in Moldova" in text
    assert "How often: Once a week." in text


def test_one_mail_per_address_lists_its_daily_subscriptions_together(client, at_now):
    confirmed(client, {"country": "moldova"}, "m@example.org", "daily")
    confirmed(client, {"topic": "elections"}, "m@example.org", "daily")
    confirmed(client, {"country": "serbia"}, "m@example.org", "weekly")
    start = Subscription.objects.order_by("-confirmed_at").first().confirmed_at
    at_now.move_to(start + timedelta(hours=1))
    publish("Moldova holds elections", tags={"countries": ["moldova"], "topics": ["elections"]})
    publish("Moldova signs a memorandum", tags={"countries": ["moldova"]})
    publish("Serbia opens an office", tags={"countries": ["serbia"]})
    at_now.move_to(start + timedelta(days=1, minutes=1))
    send_alerts()
    assert len(mail.outbox) == 1
    message = inbox()[0]
    assert to_of(message) == ["m@example.org"]
    # Two distinct releases, one of them under both subscriptions.
    assert subject_of(message) in (
        "2 new press releases: Moldova; Elections",
        "2 new press releases: Elections; Moldova",
    )
    text = text_of(message)
    moldova, elections = text.index("== Moldova =="), text.index("== Elections ==")
    assert "Serbia opens an office" not in text  # weekly: not yet
    first, second = sorted([moldova, elections])
    sections = {text[first:second].splitlines()[0]: text[first:second],
                text[second:].splitlines()[0]: text[second:].split("\n--\n")[0]}  # fmt: skip
    assert "Moldova holds elections" in sections["== Moldova =="]
    assert "Moldova signs a memorandum" in sections["== Moldova =="]
    assert "Moldova holds elections" in sections["== Elections =="]
    assert "Moldova signs a memorandum" not in sections["== Elections =="]


def test_a_digest_unsubscribe_link_ends_the_subscriptions_it_lists(client, at_now):
    confirmed(client, {"country": "moldova"}, "m@example.org", "daily")
    confirmed(client, {"topic": "elections"}, "m@example.org", "daily")
    confirmed(client, {"country": "serbia"}, "m@example.org", "weekly")
    start = Subscription.objects.order_by("-confirmed_at").first().confirmed_at
    at_now.move_to(start + timedelta(hours=1))
    publish("Moldova holds elections", tags={"countries": ["moldova"], "topics": ["elections"]})
    at_now.move_to(start + timedelta(days=1, minutes=1))
    send_alerts()
    ended = Client(enforce_csrf_checks=True).post(
        unsubscribe_link(inbox()[0]),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert ended.status_code == 200
    assert sorted(Subscription.objects.filter(ended_at=None).values_list("query", flat=True)) == [
        "country=serbia"
    ]


def test_a_subscription_ended_and_asked_for_again_starts_afresh(client, at_now):
    """What a daily subscription was owed when it ended is not sent when it starts again."""
    confirmed(client, {"country": "moldova"}, "d@example.org", "daily")
    later(at_now)
    publish("Before it ended", tags={"countries": ["moldova"]})
    send_alerts()
    assert mail.outbox == []  # owed to the next digest
    ended = subscription("d@example.org")
    manage = f"/alerts/manage/{tokens.manage_token('d@example.org')}/"
    assert client.post(manage, {"action": "end", "subscription": ended.pk}).status_code == 200

    at_now.move_to(NOW + timedelta(days=20))
    confirmed(client, {"country": "moldova"}, "d@example.org", "daily")
    again = subscription("d@example.org").confirmed_at
    at_now.move_to(again + timedelta(hours=2))
    publish("After it started again", tags={"countries": ["moldova"]})
    at_now.move_to(again + timedelta(days=1, minutes=1))
    send_alerts()
    assert sent() == [("d@example.org", "After it started again")]


# --- 7. Exactly once, in this process ---------------------------------------------------


def test_each_release_goes_once_to_each_subscription(client, at_now):
    confirmed(client, {"country": "moldova"}, "a@example.org")
    confirmed(client, {"topic": "elections"}, "a@example.org")
    confirmed(client, {"country": "moldova"}, "b@example.org")
    later(at_now)
    publish("Moldova holds elections", tags={"countries": ["moldova"], "topics": ["elections"]})
    assert matching.sweep() == (1, 3)
    assert matching.sweep() == (0, 0)
    send_alerts()
    send_alerts()
    assert sorted(sent()) == [
        ("a@example.org", "Moldova holds elections"),
        ("a@example.org", "Moldova holds elections"),
        ("b@example.org", "Moldova holds elections"),
    ]
    assert Delivery.objects.filter(done_at__isnull=False).count() == 3
    # Each of a@'s two mails is for one of its subscriptions (its own unsubscribe link).
    links = {unsubscribe_link(m) for m in mails_to("a@example.org")}
    assert len(links) == 2


# --- 8. The mail ------------------------------------------------------------------------

SITE = "https://press.example.org"


def test_the_alert_mail(client, at_now, settings):
    settings.SITE_URL = SITE
    confirmed(client, {"country": "moldova", "topic": "elections"}, "a@example.org")
    later(at_now)
    release = publish(
        "Mission observes local elections",
        place="Chisinau",
        summary="Observers visited 300 polling stations.",
        tags={"countries": ["moldova"], "topics": ["elections"]},
    )
    send_alerts()
    assert sent() == [("a@example.org", "Mission observes local elections")]
    message = inbox()[0]
    assert message["From"] == settings.DEFAULT_FROM_EMAIL
    text, page = text_of(message), html_of(message)
    assert text is not None and page is not None
    url = f"{SITE}/press/{release.slug}/"
    for part in (text, page):
        assert "Mission observes local elections" in part
        assert "CHISINAU, 1 March 2030" in part
        assert "Observers visited 300 polling stations." in part
        assert "You get this because you asked for alerts about: Elections; Moldova." in part
    assert url in text
    assert f'<a href="{url}"' in page

    assert str(message["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"
    # (A long header is folded onto a second line: its value starts after the fold.)
    assert re.fullmatch(
        rf"<{re.escape(SITE)}/alerts/unsubscribe/[^>\s]+/>",
        str(message["List-Unsubscribe"]).strip(),
    )
    assert str(message["List-Id"]) == "OSCE press release alerts <press-alerts.press.example.org>"
    assert re.fullmatch(r"<alert\.[0-9a-f]{32}@press\.example\.org>", str(message["Message-ID"]))

    manage = client.get(manage_link(message))
    assert manage.status_code == 200
    assert "Elections; Moldova" in manage.content.decode()
    assert "a@example.org" in manage.content.decode()


def test_one_click_unsubscribe(client, at_now):
    confirmed(client, {"country": "moldova"}, "a@example.org")
    confirmed(client, {"country": "moldova"}, "b@example.org")
    later(at_now)
    publish("Moldova votes", tags={"countries": ["moldova"]})
    send_alerts()
    link = unsubscribe_link(mails_to("a@example.org")[0])
    mail_client = Client(enforce_csrf_checks=True)  # no cookie, no token: a mail client

    # A GET (a link scanner) shows a button and ends nothing.
    shown = mail_client.get(link)
    assert shown.status_code == 200
    assert subscription("a@example.org").is_active
    # A POST without the field: 400, nothing ended.
    assert mail_client.post(link, {}).status_code == 400
    assert mail_client.post(link, {"List-Unsubscribe": "yes"}).status_code == 400
    assert subscription("a@example.org").is_active
    # A tampered link: 404, nothing ended.
    tampered = link[:-2] + ("A" if link[-2] != "A" else "B") + "/"
    one_click = "List-Unsubscribe=One-Click"
    form = "application/x-www-form-urlencoded"
    assert mail_client.post(tampered, one_click, content_type=form).status_code == 404
    assert subscription("a@example.org").is_active

    ended = mail_client.post(link, one_click, content_type=form)
    assert ended.status_code == 200
    assert subscription("a@example.org").ended_at is not None
    assert subscription("b@example.org").is_active

    mail.outbox.clear()
    later(at_now)
    publish("Moldova counts", tags={"countries": ["moldova"]})
    send_alerts()
    assert sent() == [("b@example.org", "Moldova counts")]  # b@ is the control


def test_the_manage_page(client, at_now):
    confirmed(client, {"country": "moldova"}, "a@example.org")
    confirmed(client, {"topic": "elections"}, "a@example.org")
    confirmed(client, {"country": "serbia"}, "other@example.org")
    later(at_now)
    publish("Moldova votes", tags={"countries": ["moldova"]})
    send_alerts()
    manage = manage_link(mails_to("a@example.org")[0])
    moldova = subscription("a@example.org", "country=moldova")
    elections = subscription("a@example.org", "topic=elections")
    serbia = subscription("other@example.org")

    page = client.get(manage).content.decode()
    listed = re.search(r'<ul class="alerts-list">(.*?)</ul>', page, re.S).group(1)
    assert "Moldova" in listed and "Elections" in listed and "Serbia" not in listed

    # Change how often.
    changed = client.post(manage, {"action": "frequency", "subscription": moldova.pk,
                                   "frequency": "daily"})  # fmt: skip
    assert changed.status_code == 200 and "Saved." in changed.content.decode()
    assert subscription("a@example.org", "country=moldova").frequency == "daily"
    mail.outbox.clear()
    later(at_now)
    publish("Moldova holds elections", tags={"countries": ["moldova"], "topics": ["elections"]})
    send_alerts()
    # The daily one waits for its digest; the immediate one goes now.
    assert len(mail.outbox) == 1
    assert unsubscribe_link(inbox()[0]) == local(
        "http://127.0.0.1:8000" + f"/alerts/unsubscribe/{tokens.unsubscribe_token([elections])}/"
    )

    # Another address's subscription cannot be touched from this page.
    other = client.post(manage, {"action": "end", "subscription": serbia.pk})
    assert "That subscription has already ended." in other.content.decode()
    assert subscription("other@example.org").is_active
    # Nonsense: 400, nothing changed.
    assert client.post(manage, {"action": "explode", "subscription": moldova.pk}).status_code == 400
    nonsense = {"action": "frequency", "subscription": moldova.pk, "frequency": "hourly"}
    assert client.post(manage, nonsense).status_code == 400
    assert subscription("a@example.org", "country=moldova").frequency == "daily"

    # End one.
    ended = client.post(manage, {"action": "end", "subscription": elections.pk})
    assert "That subscription has ended." in ended.content.decode()
    assert subscription("a@example.org", "topic=elections").ended_at is not None
    assert subscription("a@example.org", "country=moldova").is_active

    # A tampered token: 404, nothing ended (the genuine one is the control).
    token = manage.rstrip("/").rsplit("/", 1)[1]
    tampered = f"/alerts/manage/{token[:-1]}{'A' if token[-1] != 'A' else 'B'}/"
    assert client.get(tampered).status_code == 404
    assert client.post(tampered, {"action": "end_all"}).status_code == 404
    assert subscription("a@example.org", "country=moldova").is_active

    # End all.
    done = client.post(manage, {"action": "end_all"})
    assert "You will get no more alerts." in done.content.decode()
    assert not Subscription.objects.filter(email="a@example.org", ended_at=None).exists()
    assert subscription("other@example.org").is_active


# --- 9. A whole life over a real SMTP server --------------------------------------------


def test_a_whole_life_over_smtp(client, at_now, smtp_server):
    subscribe_and_confirm(client, {"country": "moldova"}, "life@example.org", smtp=smtp_server)
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["life@example.org"]]
    later(at_now)
    publish("Moldova votes", tags={"countries": ["moldova"]})
    publish("Serbia votes", tags={"countries": ["serbia"]})
    send_alerts()
    received = inbox(smtp_server)
    assert [subject_of(m) for m in received][1:] == ["Moldova votes"]
    envelope = smtp_server.envelopes[-1]
    assert (envelope.mail_from, envelope.rcpt_tos) == (FROM_EMAIL, ["life@example.org"])
    alert = received[-1]
    assert str(alert["List-Unsubscribe-Post"]) == "List-Unsubscribe=One-Click"

    ended = Client(enforce_csrf_checks=True).post(
        unsubscribe_link(alert),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert ended.status_code == 200
    later(at_now)
    publish("Moldova counts", tags={"countries": ["moldova"]})
    send_alerts()
    send_alerts()
    assert len(smtp_server.envelopes) == 2


# --- 10. The keys agree with the listing's FilterSet --------------------------------------

POOLS = {
    "topic": ["elections", "safety-of-journalists", "media-freedom-and-development",
              "conflict-prevention-and-resolution"],
    "country": ["moldova", "serbia", "japan", "participating-states",
                "asian-partners-for-co-operation", "croatia"],
    "structure": ["mission-to-moldova", "representative-on-freedom-of-the-media",
                  "office-for-democratic-institutions-and-human-rights",
                  "conflict-prevention-centre", "secretariat", "institutions",
                  "field-operations", "office-in-zagreb", "mission-to-croatia",
                  "closed-field-activities"],
    "meeting": ["plenary-meetings-of-the-permanent-council", "annual-osce-asian-conferences"],
    "type": ["press-release", "news", "statement"],
}  # fmt: skip
YEARS = ["2007", "2010", "2023", "2024", "2025"]


@st.composite
def filter_sets_drawn(draw):
    pairs = []
    for name, pool in POOLS.items():
        for value in draw(st.lists(st.sampled_from(pool), max_size=2, unique=True)):
            pairs.append((name, value))
    year = draw(st.none() | st.sampled_from(YEARS))
    if year:
        pairs.append(("year", year))
    if draw(st.booleans()):
        pairs.append(("predecessors", "1"))
    return pairs


@pytest.fixture
def corpus(listing_corpus):
    """The listing's corpus, and two releases of a field operation and its successor."""
    public = [r for r in listing_corpus.values() if r.is_public]
    public.append(make_release("Mission to Croatia reports", published_at=noon(2007, 6, 1),
                               tags={"structures": ["mission-to-croatia"],
                                     "countries": ["croatia"]}))  # fmt: skip
    public.append(make_release("Office in Zagreb reports", published_at=noon(2010, 6, 1),
                               type=ReleaseType.objects.get(slug="statement"),
                               tags={"structures": ["office-in-zagreb"]}))  # fmt: skip
    return public


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pairs=filter_sets_drawn())
def test_the_keys_agree_with_the_listing(corpus, pairs):
    query = QueryDict(mutable=True)
    for name, value in pairs:
        query.appendlist(name, value)
    raw = query.urlencode()
    stored = filter_sets.read(QueryDict(raw))
    assert stored.errors == []
    subscription = Subscription.objects.create(
        email="h@example.org",
        query=stored.query,
        language="en",
        confirmed_at=noon(2000, 1, 1),
    )
    try:
        matching.index(subscription)
        for release in corpus:
            listed = PressReleaseFilterSet(
                QueryDict(raw), queryset=PressRelease.objects.filter(pk=release.pk)
            ).qs.exists()
            alerted = subscription.pk in matching.subscriptions_for(release)
            assert alerted == listed, (raw, release.title)
    finally:
        subscription.delete()


def test_the_keys_agree_on_known_cases(corpus):
    """Positive controls for the property: some sets do and some do not list some releases."""
    titles = {r.title: r for r in corpus}

    def alerted(raw):
        subscription = Subscription.objects.create(
            email=f"{raw}@example.org",
            query=filter_sets.read(QueryDict(raw)).query,
            language="en",
            confirmed_at=noon(2000, 1, 1),
        )
        matching.index(subscription)
        return sorted(
            t for t, r in titles.items() if subscription.pk in matching.subscriptions_for(r)
        )

    assert alerted("country=participating-states&topic=elections") == [
        "Mission to Moldova observes local elections",
        "ODIHR opens observation mission in Serbia",
    ]
    assert alerted("structure=office-in-zagreb&predecessors=1") == [
        "Mission to Croatia reports",
        "Office in Zagreb reports",
    ]
    assert alerted("structure=office-in-zagreb") == ["Office in Zagreb reports"]
    assert alerted("type=news&year=2025") == [
        "Conflict Prevention Centre briefs the Permanent Council"
    ]
    assert alerted("meeting=annual-osce-asian-conferences&country=moldova") == []


# --- 11. The trees change -----------------------------------------------------------------


def test_a_renamed_node_keeps_its_subscribers(client, at_now):
    confirmed(client, {"country": "moldova"}, "a@example.org")
    moldova = Country.objects.get(slug="moldova")
    moldova.slug = "republic-of-moldova"
    moldova.save()
    later(at_now)
    publish("Moldova votes", tags={"countries": ["republic-of-moldova"]})
    publish("Serbia votes", tags={"countries": ["serbia"]})
    send_alerts()
    assert sent() == [("a@example.org", "Moldova votes")]
    assert "Moldova" in text_of(inbox()[0])
    # A new subscriber with the old address is stored under the new slug.
    subscribe(client, {"country": "moldova"}, "b@example.org")
    assert subscription("b@example.org").query == "country=republic-of-moldova"


def test_a_merged_node_keeps_its_subscribers(client, at_now):
    astana = Structure.objects.get(slug="programme-office-in-astana")
    duplicate = Structure.objects.create(
        name="Programme Office in Kazakhstan",
        slug="programme-office-in-kazakhstan",
        parent=astana.parent,
        country=astana.country,
    )
    confirmed(client, {"structure": "programme-office-in-kazakhstan"}, "dup@example.org")
    confirmed(client, {"structure": "programme-office-in-astana"}, "astana@example.org")
    keys_before = set(subscription("dup@example.org").keys.values_list("value", flat=True))
    assert keys_before == {duplicate.pk}

    merge_nodes(survivor=astana, others=[duplicate])
    later(at_now)
    publish("Astana office trains border guards", tags={"structures": [astana.slug]})
    send_alerts()
    assert sorted(sent()) == [
        ("astana@example.org", "Astana office trains border guards"),
        ("dup@example.org", "Astana office trains border guards"),
    ]
    assert set(subscription("dup@example.org").keys.values_list("value", flat=True)) == {astana.pk}


# --- 12. What an attacker's review found ---------------------------------------------------


class RefusingServer:
    """An SMTP handler that refuses one recipient for good (550) and keeps the rest."""

    def __init__(self, refused):
        self.refused = refused
        self.accepted = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() == self.refused:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        self.accepted.append((envelope.rcpt_tos[0], str(message["Subject"])))
        return "250 Message accepted for delivery"


@pytest.fixture
def refusing_server(settings):
    from aiosmtpd.controller import Controller

    handler = RefusingServer("nosuchuser@example.org")
    controller = Controller(handler, hostname="127.0.0.1", port=alerts_helpers.free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield handler
    finally:
        controller.stop()


def test_a_refused_address_holds_back_nobody(client, at_now, refusing_server):
    for email in ("first@example.org", "nosuchuser@example.org", "third@example.org"):
        subscribe(client, {"country": "moldova"}, email)
    send_alerts()
    assert sorted(refusing_server.accepted) == [
        ("first@example.org", "Confirm your email alerts"),
        ("third@example.org", "Confirm your email alerts"),
    ]
    # Refused for good: not tried again ahead of everyone else at every run.
    assert not subscription("nosuchuser@example.org").confirm_due
    send_alerts()
    assert len(refusing_server.accepted) == 2

    # Alerts too: a confirmed address the server now refuses (a mailbox closed since).
    for email in ("first@example.org", "nosuchuser@example.org", "third@example.org"):
        Subscription.objects.filter(email=email).update(confirmed_at=clock.now())
        matching.index(subscription(email))
    later(at_now)
    publish("Moldova votes", tags={"countries": ["moldova"]})
    publish("Moldova counts", tags={"countries": ["moldova"]})
    send_alerts()
    alerts = sorted(pair for pair in refusing_server.accepted if "Confirm" not in pair[1])
    assert alerts == [
        ("first@example.org", "Moldova counts"),
        ("first@example.org", "Moldova votes"),
        ("third@example.org", "Moldova counts"),
        ("third@example.org", "Moldova votes"),
    ]
    refused = Delivery.objects.filter(subscription=subscription("nosuchuser@example.org"))
    assert [(d.dropped, d.done_at is not None) for d in refused] == [(True, True)] * 2
    assert not Delivery.objects.filter(done_at=None).exists()


def test_an_address_no_mail_can_carry_is_refused_and_never_stops_the_sending(client, at_now):
    bad = "a@" + "\ue000" + ".com"  # a domain with no ASCII form
    answer = client.post("/alerts/", {"email": bad, "frequency": "daily", "language": "en"})
    assert answer.status_code == 400
    assert not Subscription.objects.filter(email=bad).exists()
    good = client.post(
        "/alerts/", {"email": "a@example.com", "frequency": "daily", "language": "en"}
    )
    assert good.status_code == 200  # control
    # One that got in before this check (an old row): it is dropped, the others go.
    Subscription.objects.create(email=bad, query="", language="en", confirm_due=True)
    send_alerts()
    assert [to for to, _subject in sent()] == ["a@example.com"]
    assert not Subscription.objects.get(email=bad).confirm_due


def test_an_ended_subscription_asked_for_again_gets_nothing_old_before_it_confirms(client, at_now):
    confirmed(client, {"country": "moldova"}, "gone@example.org", frequency="daily")
    later(at_now)
    publish("Moldova votes", tags={"countries": ["moldova"]})
    send_alerts()  # matched: owed to the next daily digest
    assert Delivery.objects.filter(done_at=None).count() == 1
    link = reverse(
        "alerts:unsubscribe", args=[tokens.unsubscribe_token([subscription("gone@example.org")])]
    )
    form = "application/x-www-form-urlencoded"
    assert client.post(link, "List-Unsubscribe=One-Click", content_type=form).status_code == 200
    # Anyone asks for it again, immediate this time.
    subscribe(client, {"country": "moldova"}, "gone@example.org", frequency="immediate")
    at_now.shift(timedelta(days=2))
    send_alerts()
    assert sent() == [("gone@example.org", "Confirm your email alerts")]
    # Control: once confirmed, what is new is sent.
    assert client.post(confirm_link(inbox()[0])).status_code == 200
    mail.outbox.clear()
    later(at_now)
    publish("Moldova counts", tags={"countries": ["moldova"]})
    send_alerts()
    assert sent() == [("gone@example.org", "Moldova counts")]


def test_asked_again_while_its_confirmation_is_being_sent(client, at_now, monkeypatch):
    from alerts import sending

    subscribe(client, {"country": "moldova"}, "racer@example.org")
    real = sending.alert_mail.confirmation
    raced = []

    def asked_again_meanwhile(subscription):
        message = real(subscription)
        if not raced:  # the second request arrives while the first mail is written
            raced.append(True)
            later(at_now)
            subscribe(client, {"country": "moldova"}, "racer@example.org")
        return message

    monkeypatch.setattr(sending.alert_mail, "confirmation", asked_again_meanwhile)
    send_alerts()
    links = [confirm_link(m) for m in inbox()]
    assert len(links) == 2  # the second request's mail went too
    assert client.post(links[0]).status_code == 404  # the first request's link is spent
    assert client.post(links[1]).status_code == 200
    assert subscription("racer@example.org").is_active


def test_a_node_page_filtered_by_its_own_tree_offers_no_alert_it_cannot_mean(client):
    both = client.get("/topics/elections/?topic=gender-equality").content.decode()
    assert "Get email alerts" not in both
    assert "application/rss+xml" not in both
    one = client.get("/topics/elections/?country=moldova").content.decode()
    assert alerts_link(one) == ("/alerts/", [("country", "moldova"), ("topic", "elections")])


def test_a_daily_digest_keeps_its_hour(client, at_now):
    confirmed(client, {"country": "moldova"}, "daily@example.org", frequency="daily")
    start = subscription("daily@example.org").confirmed_at
    later(at_now)
    publish("Monday's release", tags={"countries": ["moldova"]})
    at_now.move_to(start + timedelta(days=1, minutes=14))  # the clock's run comes late
    send_alerts()
    assert sent() == [("daily@example.org", "Monday's release")]
    mail.outbox.clear()
    later(at_now)
    publish("Tuesday's release", tags={"countries": ["moldova"]})
    # The next day's digest is due at the same hour, not 14 minutes later.
    at_now.move_to(start + timedelta(days=2, minutes=-14))
    send_alerts()
    assert sent() == [("daily@example.org", "Tuesday's release")]


def test_a_subscription_to_a_node_deleted_since_is_not_called_everything(client, at_now):
    confirmed(client, {"country": "moldova"}, "a@example.org")
    Subscription.objects.filter(email="a@example.org").update(query="country=gone-since")
    assert filter_sets.from_query("country=gone-since").words() == "gone-since"
    page = client.get(
        reverse("alerts:manage", args=[tokens.manage_token("a@example.org")])
    ).content.decode()
    assert "gone-since" in page
    assert "All press releases" not in page


def test_the_429_says_when_to_come_back_and_mapped_ipv4_counts_as_ipv4(client, settings):
    settings.ALERTS_CLIENT_LIMIT = 1
    fields = {"email": "a@example.org", "frequency": "daily", "language": "en"}
    assert client.post("/alerts/", fields, REMOTE_ADDR="10.0.0.7").status_code == 200
    refused = client.post("/alerts/", fields, REMOTE_ADDR="::ffff:10.0.0.7")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "3600"
    assert client.post("/alerts/", fields, REMOTE_ADDR="10.0.0.8").status_code == 200  # control


def test_a_request_never_confirmed_is_forgotten_a_day_after_its_link_expires(client, at_now):
    subscribe(client, {"country": "moldova"}, "never@example.org")
    confirmed(client, {"country": "moldova"}, "kept@example.org")
    send_alerts()
    at_now.shift(timedelta(days=6))
    subscribe(client, {"country": "serbia"}, "recent@example.org")
    send_alerts()
    assert Subscription.objects.filter(email="never@example.org").exists()  # within 8 days
    at_now.shift(timedelta(days=2, minutes=1))
    send_alerts()
    assert not Subscription.objects.filter(email="never@example.org").exists()
    # Controls: a confirmed one, and a request whose link still works, stay.
    assert subscription("kept@example.org").is_active
    assert Subscription.objects.filter(email="recent@example.org").exists()
