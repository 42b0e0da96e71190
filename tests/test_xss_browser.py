"""An XSS corpus saved through the admin into every text field, rendered in Chromium.

Every payload tries to set ``window.__xss``. The pages are opened with the
Content-Security-Policy bypassed, so what is proven is the escaping and the
sanitising themselves, not the policy that backs them up. The controls at the
end prove the detector: the same payloads, put into a page unescaped and
visited the same way, do set the flag; and the site's policy alone stops them.
"""

import pytest
from csp.utils import build_policy
from django.urls import reverse

from press.models import PressRelease, ReleaseType
from taxonomy.models import Country, Topic

from .conftest import CHROMIUM
from .factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="Debian's chromium is not installed"),
    pytest.mark.django_db(transaction=True),
]

# Each of these sets the flag when it reaches a page unescaped (the controls below
# check every one of them, so a payload that stops working is noticed).
RUNS_UNESCAPED = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    "<svg onload=window.__xss=1>",
    "<svg><script>window.__xss=1</script></svg>",
    '"><script>window.__xss=1</script>',
    "'><img src=x onerror=window.__xss=1>",
    "</title><script>window.__xss=1</script>",
    "</script><script>window.__xss=1</script>",
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    '<details open ontoggle="window.__xss=1">',
    '<body onload="window.__xss=1">',
    "<b onmouseover=window.__xss=1>unclosed",
]
# These need a click on a link, or are aimed at a sanitiser rather than a browser
# (Chromium runs none of them on its own): the checks for javascript:/data: links and
# embedded frames below, and the sanitiser's tests in test_press_model, cover them.
FOR_THE_SANITISER = [
    '<a href="javascript:window.__xss=1" id="jslink">click</a>',
    '<a href="data:text/html,<script>parent.__xss=1</script>">d</a>',
    '<math><mtext><table><mglyph><style><img src=x onerror="window.__xss=1">',
    "<p style=\"background:url('javascript:window.__xss=1')\">x</p>",
]
PAYLOADS = RUNS_UNESCAPED + FOR_THE_SANITISER
CORPUS = " ".join(PAYLOADS)
PASSWORD = "pw-for-tests"  # UserFactory's


def reader_visit(page, url):
    """Open the page the way a reader would and say whether any payload ran."""
    page.goto(url)
    page.wait_for_timeout(300)
    for summary in page.locator("summary").all():
        if summary.is_visible():  # the phone's Filter control is hidden on a desktop
            summary.click()  # open every menu and disclosure a reader can see
    # Point at everything: inline mouse handlers would fire.
    page.evaluate(
        "document.querySelectorAll('body *').forEach("
        "e => e.dispatchEvent(new MouseEvent('mouseover', {bubbles: true})))"
    )
    return page.evaluate("window.__xss") is not None


@pytest.fixture
def hostile_content(taxonomy):
    """Saved through the admin's own forms, as an editor with bad intent would."""
    from django.test import Client

    client = Client()
    client.force_login(UserFactory(username="xss-admin", is_superuser=True))
    response = client.post("/admin/taxonomy/topic/add/", {
        "name": f"Topic {PAYLOADS[0]}{PAYLOADS[1]}", "slug": "hostile-topic", "parent": "",
        "description": CORPUS, "is_active": "on", "aliases-TOTAL_FORMS": "1",
        "aliases-INITIAL_FORMS": "0", "aliases-0-name": PAYLOADS[2],
    })  # fmt: skip
    assert response.status_code == 302, response.content[:500]
    topic = Topic.objects.get(slug="hostile-topic")
    moldova = Country.objects.get(slug="moldova")
    response = client.post("/admin/press/pressrelease/add/", {
        "title": f"Release {PAYLOADS[0]} {PAYLOADS[4]} {PAYLOADS[7]}", "slug": "hostile-release",
        "language": "en",
        "type": ReleaseType.objects.get(slug="news").pk, "summary": CORPUS, "body": CORPUS,
        "status": "published", "published_at_0": "2024-01-02", "published_at_1": "10:00:00",
        "place": PAYLOADS[1], "topics": [topic.pk], "countries": [moldova.pk], "sources": [],
        "structures": [], "meetings": [], "lead_image_alt": PAYLOADS[5],
        "lead_image_caption": PAYLOADS[3], "lead_image_credit": PAYLOADS[12],
        "source_url": "",
    })  # fmt: skip
    assert response.status_code == 302, response.content[:500]
    release = PressRelease.objects.get(slug="hostile-release")
    assert "<script" not in release.body and "onerror" not in release.body
    return release


@pytest.mark.parametrize(
    "path",
    [
        "/press/hostile-release/",
        "/press/",
        "/press/?q=window",
        "/topics/hostile-topic/",
        "/topics/",
        "/countries/moldova/",
        "/",
    ],
)
def test_nothing_executes_on_public_pages(browser, live_server, hostile_content, path):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    assert not reader_visit(page, f"{live_server.url}{path}")
    # The payloads did reach the page, as text: the check above was not vacuous.
    assert "__xss" in page.inner_text("body")
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    assert not [h for h in hrefs if h.strip().lower().startswith(("javascript:", "data:"))]
    assert page.locator("iframe, embed, object").count() == 0
    context.close()


def test_nothing_executes_in_the_admin(browser, live_server, hostile_content):
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "xss-admin")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    change = reverse("admin:press_pressrelease_change", args=[hostile_content.pk])
    for path in (reverse("admin:press_pressrelease_changelist"),
                 reverse("admin:taxonomy_topic_changelist"), change):  # fmt: skip
        assert not reader_visit(page, f"{live_server.url}{path}"), path
        assert "__xss" in page.inner_text("body"), path
    context.close()


# --- the controls: the detector detects -------------------------------------------------


def serve_unescaped(page, url, payload):
    """Answer ``url`` with the payload pasted into a page, raw, under the site's own policy."""
    html = (
        "<!doctype html><html lang='en'><head><title>Control</title></head>"
        f"<body><main><h1>Control</h1><p>{payload}</p></main></body></html>"
    )
    page.route(url, lambda route: route.fulfill(
        status=200, content_type="text/html; charset=utf-8", body=html,
        headers={"Content-Security-Policy": build_policy()},  # the public policy, from settings
    ))  # fmt: skip


@pytest.mark.parametrize("payload", RUNS_UNESCAPED)
def test_control_each_payload_runs_when_not_escaped(browser, live_server, payload):
    """Same origin, same bypassed policy, same visit as above: here the flag is set."""
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    url = f"{live_server.url}/press/unescaped-control/"
    serve_unescaped(page, url, payload)
    assert reader_visit(page, url)
    context.close()


@pytest.mark.parametrize("payload", RUNS_UNESCAPED)
def test_control_the_sites_policy_alone_stops_each_payload(browser, live_server, payload):
    """The second line of defence: with the policy enforced, even a raw payload is inert."""
    context = browser.new_context()
    page = context.new_page()
    url = f"{live_server.url}/press/unescaped-control/"
    serve_unescaped(page, url, payload)
    assert not reader_visit(page, url)
    context.close()
