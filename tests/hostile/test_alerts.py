"""The alerts' pages under what a visitor may send: never a 500, and nothing stored amiss.

The subscribe form's POST with a hostile value in every field; the three
signed links with made-up, cut, altered, swapped, padded and huge tokens;
the manage form's fields; the one-click unsubscribe with odd bodies;
parameters repeated past Django's limit. The GET side of ``/alerts/`` (the
listing's parameters) is in test_urls.py with the other public pages.

Each part has its positive control: the same request, well formed, does
what it should (a subscription stored, a link followed, a frequency changed,
a subscription ended), so a refusal here is a refusal of the input and not
a page that never worked.
"""

from urllib.parse import quote, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alerts import tokens
from alerts.models import Subscription

from .corpus import NASTY, nasty_text, wire
from .test_urls import HYPOTHESIS

pytestmark = pytest.mark.usefixtures("taxonomy")

#: The subscribe form's own fields, and the listing's parameters it carries as hidden inputs.
FORM_FIELDS = ["email", "frequency", "language"]
FILTERS = ["q", "topic", "country", "structure", "meeting", "type", "date_from", "date_to",
           "year", "predecessors"]  # fmt: skip
FREQUENCIES = {"immediate", "daily", "weekly"}


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    """Thousands of POSTs from one address: the alerts' limits would answer most with a 429."""
    settings.ALERTS_CLIENT_LIMIT = 1_000_000
    settings.ALERTS_EMAIL_LIMIT = 1_000_000


@pytest.fixture
def hostile(client):
    """The test client, answering a 500 as a response instead of raising it."""
    client.raise_request_exception = False
    return client


def form_post(client, url, pairs):
    """POST ``pairs`` as a browser's form body, bytes as given (lone surrogates included)."""
    body = urlencode([(wire(k), wire(v)) for k, v in pairs])
    return client.post(url, body, content_type="application/x-www-form-urlencoded")


@pytest.fixture
def subscription():
    """A confirmed subscription of one address, and its three links' tokens."""
    from django.utils import timezone

    made = Subscription.objects.create(
        email="owner@example.org",
        query="country=moldova",
        language="en",
        frequency="daily",
        confirmed_at=timezone.now(),
    )
    made.links = {
        "confirm": tokens.confirm_token(made),
        "manage": tokens.manage_token(made.email),
        "unsubscribe": tokens.unsubscribe_token([made]),
    }
    return made


# --- The subscribe form's POST ------------------------------------------------------


def test_control_a_well_formed_subscribe_post_stores_a_subscription(hostile):
    """What the tests below send, well formed: a 200 and one pending subscription."""
    response = form_post(
        hostile,
        "/alerts/",
        [("country", "moldova"), ("topic", "elections"), ("email", "Visitor@Example.org"),
         ("frequency", "weekly"), ("language", "fr")],
    )  # fmt: skip
    assert response.status_code == 200
    assert "Check your inbox" in response.content.decode()
    stored = Subscription.objects.get()
    assert (stored.email, stored.query, stored.language, stored.frequency) == (
        "visitor@example.org",
        "topic=elections&country=moldova",
        "fr",
        "weekly",
    )
    assert stored.confirmed_at is None


def test_every_nasty_value_in_every_field_of_the_subscribe_post_never_500(hostile):
    """Deterministic: each corpus value in each field in turn (the others well formed), then in
    all fields at once. A field's bad value is refused (400); nothing is stored but what the
    form accepts."""
    good = {"email": "visitor@example.org", "frequency": "daily", "language": "en",
            "country": "moldova"}  # fmt: skip
    failures = []
    for value in NASTY:
        queries = [[(field, value), *((k, v) for k, v in good.items() if k != field)]
                   for field in [*FORM_FIELDS, *FILTERS]]  # fmt: skip
        queries.append([(field, value) for field in [*FORM_FIELDS, *FILTERS]])
        for pairs in queries:
            status = form_post(hostile, "/alerts/", pairs).status_code
            if status not in (200, 400):
                failures.append((status, [(k, v[:40]) for k, v in pairs]))
    assert failures == []
    # Whatever was stored is well formed: a valid frequency and language, a lower-case address.
    for stored in Subscription.objects.all():
        assert stored.frequency in FREQUENCIES, stored
        assert stored.language in {"en", "fr", "de", "it", "ru", "es"}, stored
        assert stored.email == stored.email.lower() and "@" in stored.email, stored


@HYPOTHESIS
@given(
    pairs=st.lists(
        st.tuples(st.one_of(st.sampled_from([*FORM_FIELDS, *FILTERS]), st.text(max_size=20)),
                  nasty_text),
        max_size=12,
    )
)  # fmt: skip
def test_random_subscribe_posts_never_500(hostile, pairs):
    assert form_post(hostile, "/alerts/", pairs).status_code < 500


def test_a_huge_email_and_a_huge_search_are_refused_not_stored(hostile):
    """Past the column's length (254 for an address) and the kept filter set's (1,000)."""
    for pairs in (
        [("email", "a" * 300 + "@example.org"), ("frequency", "daily"), ("language", "en")],
        [("email", "visitor@example.org"), ("frequency", "daily"), ("language", "en"),
         ("q", "word " * 2000)],
    ):  # fmt: skip
        assert form_post(hostile, "/alerts/", pairs).status_code == 400
    assert not Subscription.objects.exists()


def test_repeated_parameters_never_500(hostile):
    """A field sent thousands of times: past DATA_UPLOAD_MAX_NUMBER_FIELDS, a 400. Under it,
    the last value of a form field is used, and a filter's values are alternatives, at most
    20 (the listing's limit): more are refused, on the page and in the POST."""
    too_many = [("country", "moldova")] * 5000 + [("email", "visitor@example.org")]
    assert form_post(hostile, "/alerts/", too_many).status_code == 400
    assert hostile.get("/alerts/?" + "&".join(["country=moldova"] * 5000)).status_code == 400
    form = [("email", f"visitor{i}@example.org") for i in range(100)]
    form += [("frequency", f) for f in ("daily", "nonsense", "weekly")]
    form += [("language", "xx"), ("language", "en")]
    over = form_post(hostile, "/alerts/", form + [("country", "moldova")] * 21)
    assert over.status_code == 400
    assert "Choose at most 20 values." in over.content.decode()
    assert not Subscription.objects.exists()
    page = hostile.get("/alerts/?" + "&".join(["country=moldova"] * 21))
    assert page.status_code == 200
    assert "Choose at most 20 values." in page.content.decode()
    assert 'class="alerts-form"' not in page.content.decode()  # nothing to subscribe to
    response = form_post(hostile, "/alerts/", form + [("country", "moldova")] * 20)
    assert response.status_code == 200
    stored = Subscription.objects.get()
    assert (stored.email, stored.frequency, stored.language, stored.query) == (
        "visitor99@example.org",
        "weekly",
        "en",
        "country=moldova",
    )


# --- The signed links ------------------------------------------------------------------


def odd_tokens(genuine):
    """Tokens nobody was sent: made up, cut short, altered, padded, huge, of another kind."""
    cut = [genuine[:-1], genuine[: len(genuine) // 2], genuine.split(":")[0]]
    altered = [genuine[:-1] + ("A" if genuine[-1] != "A" else "B"), genuine.upper(),
               genuine + "x", genuine + "\x00", "\x00" + genuine, genuine * 50]  # fmt: skip
    made_up = ["", " ", ".", "..", "a:b:c", "::", "x" * 10_000, "%00", "%2F", "\x00"]
    return cut + altered + made_up + [v for v in NASTY if v.strip()]


@pytest.mark.parametrize("kind", ["confirm", "manage", "unsubscribe"])
def test_control_each_link_works_with_its_own_token(hostile, subscription, kind):
    response = hostile.get(f"/alerts/{kind}/{subscription.links[kind]}/")
    assert response.status_code == 200
    assert "This link does not work" not in response.content.decode()


@pytest.mark.parametrize("kind", ["confirm", "manage", "unsubscribe"])
def test_odd_tokens_answer_not_found_never_500(hostile, subscription, kind):
    """GET and POST (with a full form) of every odd token: the bad-link page or the resolver's
    404, and the subscription untouched."""
    failures = []
    body = [("List-Unsubscribe", "One-Click"), ("action", "end_all"),
            ("subscription", str(subscription.pk)), ("frequency", "weekly")]  # fmt: skip
    for token in odd_tokens(subscription.links[kind]):
        url = f"/alerts/{kind}/{quote(token.encode('utf-8', 'surrogatepass'), safe='')}/"
        for response in (hostile.get(url), form_post(hostile, url, body)):
            if response.status_code != 404:
                failures.append((response.status_code, response.request["REQUEST_METHOD"],
                                 token[:60]))  # fmt: skip
    assert failures == []
    subscription.refresh_from_db()
    assert (subscription.frequency, subscription.ended_at) == ("daily", None)


@pytest.mark.parametrize(
    ("token_of", "used_as"),
    [(a, b) for a in ("confirm", "manage", "unsubscribe")
     for b in ("confirm", "manage", "unsubscribe") if a != b],
)  # fmt: skip
def test_a_token_of_one_kind_does_not_open_another(hostile, subscription, token_of, used_as):
    """Each kind has its own salt: a real manage link's token in a confirm address is a bad link."""
    url = f"/alerts/{used_as}/{subscription.links[token_of]}/"
    assert hostile.get(url).status_code == 404
    assert form_post(hostile, url, [("List-Unsubscribe", "One-Click"),
                                    ("action", "end_all")]).status_code == 404  # fmt: skip
    subscription.refresh_from_db()
    assert subscription.ended_at is None


@HYPOTHESIS
@given(
    kind=st.sampled_from(["confirm", "manage", "unsubscribe"]),
    token=st.text(min_size=1, max_size=300),
)
def test_random_tokens_never_500(hostile, kind, token):
    url = f"/alerts/{kind}/{quote(token.encode('utf-8', 'surrogatepass'), safe='')}/"
    assert hostile.get(url).status_code < 500
    assert form_post(hostile, url, [("List-Unsubscribe", "One-Click")]).status_code < 500


# --- The manage form -----------------------------------------------------------------


def test_control_the_manage_form_changes_the_frequency(hostile, subscription):
    url = f"/alerts/manage/{subscription.links['manage']}/"
    pairs = [("action", "frequency"), ("subscription", str(subscription.pk)),
             ("frequency", "weekly")]  # fmt: skip
    assert form_post(hostile, url, pairs).status_code == 200
    subscription.refresh_from_db()
    assert subscription.frequency == "weekly"


def test_every_nasty_value_in_the_manage_form_never_500(hostile, subscription):
    """Each corpus value as the action, the subscription and the frequency: a 200 or a 400,
    and the frequency never becomes anything but a valid one."""
    url = f"/alerts/manage/{subscription.links['manage']}/"
    good = {"action": "frequency", "subscription": str(subscription.pk), "frequency": "weekly"}
    failures = []
    for value in NASTY:
        for field in good:
            pairs = [(field, value), *((k, v) for k, v in good.items() if k != field)]
            status = form_post(hostile, url, pairs).status_code
            if status not in (200, 400):
                failures.append((status, field, value[:40]))
    assert failures == []
    subscription.refresh_from_db()
    assert subscription.frequency in FREQUENCIES


def test_ending_through_the_manage_form_with_odd_subscription_values(hostile, subscription):
    """Someone else's subscription, a huge or a negative number: nothing ends, never a 500."""
    other = Subscription.objects.create(email="other@example.org", query="", language="en")
    url = f"/alerts/manage/{subscription.links['manage']}/"
    for value in (str(other.pk), "-1", "0", str(2**63), str(10**30), "9" * 5000, "", "\x00"):
        response = form_post(hostile, url, [("action", "end"), ("subscription", value)])
        assert response.status_code == 200, value[:40]
        assert "That subscription has already ended." in response.content.decode()
    assert not Subscription.objects.exclude(ended_at=None).exists()


# --- The one-click unsubscribe ---------------------------------------------------------


def test_control_one_click_unsubscribe_ends_the_subscription(hostile, subscription):
    url = f"/alerts/unsubscribe/{subscription.links['unsubscribe']}/"
    assert form_post(hostile, url, [("List-Unsubscribe", "One-Click")]).status_code == 200
    subscription.refresh_from_db()
    assert subscription.ended_at is not None


def test_odd_unsubscribe_bodies_are_refused_never_500(hostile, subscription):
    """Anything but ``List-Unsubscribe=One-Click``: a 400, and the subscription goes on."""
    url = f"/alerts/unsubscribe/{subscription.links['unsubscribe']}/"
    failures = []
    for value in [*NASTY, "one-click", "One-Click\x00", " One-Click", "One-Click "]:
        status = form_post(hostile, url, [("List-Unsubscribe", value)]).status_code
        if status != 400:
            failures.append((status, value[:40]))
    for body, content_type in [
        (b"\xff\xfe\x00garbage", "application/x-www-form-urlencoded"),
        (b'{"List-Unsubscribe": "One-Click"}', "application/json"),
        (b"List-Unsubscribe=One-Click", "text/plain"),
        (b"--x\r\nbroken multipart", "multipart/form-data; boundary=x"),
        (b"List-Unsubscribe=One-Click", "multipart/form-data"),  # no boundary
    ]:
        status = hostile.post(url, body, content_type=content_type).status_code
        if status != 400:
            failures.append((status, content_type))
    assert failures == []
    subscription.refresh_from_db()
    assert subscription.ended_at is None
