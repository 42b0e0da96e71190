"""An XSS corpus saved through the admin into every text field, rendered in Chromium.

Every payload tries to set ``window.__xss``. The pages are opened with the
Content-Security-Policy bypassed, so what is proven is the escaping and the
sanitising themselves, not the policy that backs them up.
"""

import pytest
from django.contrib.auth.models import User

from press.models import PressRelease, ReleaseType
from taxonomy.models import Location, Topic

from .test_browser import CHROMIUM, browser  # noqa: F401 - the shared browser fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="Debian's chromium is not installed"),
    pytest.mark.django_db(transaction=True),
]

PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=1">',
    "<svg onload=window.__xss=1>",
    "<svg><script>window.__xss=1</script></svg>",
    '<a href="javascript:window.__xss=1" id="jslink">click</a>',
    '<a href="data:text/html,<script>parent.__xss=1</script>">d</a>',
    '"><script>window.__xss=1</script>',
    "'><img src=x onerror=window.__xss=1>",
    "</title><script>window.__xss=1</script>",
    "</script><script>window.__xss=1</script>",
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    '<details open ontoggle="window.__xss=1">',
    '<body onload="window.__xss=1">',
    '<math><mtext><table><mglyph><style><img src=x onerror="window.__xss=1">',
    "<p style=\"background:url('javascript:window.__xss=1')\">x</p>",
    "<b onmouseover=window.__xss=1>unclosed",
]
CORPUS = " ".join(PAYLOADS)


@pytest.fixture
def hostile_content(taxonomy):
    """Saved through the admin's own forms, as an editor with bad intent would."""
    from django.test import Client

    admin = User.objects.create_superuser("xss-admin", "x@example.org", "pw-xss-test")
    client = Client()
    client.force_login(admin)
    response = client.post("/admin/taxonomy/topic/add/", {
        "name": f"Topic {PAYLOADS[0]}{PAYLOADS[1]}", "slug": "hostile-topic", "parent": "",
        "description": CORPUS, "is_active": "on", "aliases-TOTAL_FORMS": "1",
        "aliases-INITIAL_FORMS": "0", "aliases-0-name": PAYLOADS[2],
    })  # fmt: skip
    assert response.status_code == 302, response.content[:500]
    topic = Topic.objects.get(slug="hostile-topic")
    moldova = Location.objects.get(slug="moldova")
    response = client.post("/admin/press/pressrelease/add/", {
        "title": f"Release {PAYLOADS[0]} {PAYLOADS[6]} {PAYLOADS[9]}", "slug": "hostile-release",
        "type": ReleaseType.objects.get(slug="news").pk, "summary": CORPUS, "body": CORPUS,
        "status": "published", "published_at_0": "2024-01-02", "published_at_1": "10:00:00",
        "place": PAYLOADS[1], "topics": [topic.pk], "locations": [moldova.pk], "sources": [],
        "structures": [], "meetings": [], "lead_image_alt": PAYLOADS[7],
        "lead_image_caption": PAYLOADS[3], "lead_image_credit": PAYLOADS[4],
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
def test_nothing_executes_on_public_pages(browser, live_server, hostile_content, path):  # noqa: F811
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server.url}{path}")
    page.wait_for_timeout(300)
    # Open every menu and hover every link, the way a reader would.
    for summary in page.locator("summary").all():
        if summary.is_visible():  # the phone's "Filter" control is hidden on a desktop
            summary.click()
    assert page.evaluate("window.__xss") is None
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    assert not [h for h in hrefs if h.strip().lower().startswith(("javascript:", "data:"))]
    assert page.locator("iframe, embed, object").count() == 0
    context.close()


def test_nothing_executes_in_the_admin(browser, live_server, hostile_content):  # noqa: F811
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "xss-admin")
    page.fill("#id_password", "pw-xss-test")
    page.click("input[type=submit]")
    for path in ("/admin/press/pressrelease/", "/admin/taxonomy/topic/",
                 f"/admin/press/pressrelease/{hostile_content.pk}/change/"):  # fmt: skip
        page.goto(f"{live_server.url}{path}")
        page.wait_for_timeout(300)
        assert page.evaluate("window.__xss") is None, path
    context.close()


def test_the_detector_detects(browser):  # noqa: F811
    """The same payloads, unescaped, do set the flag: the checks above can fail."""
    context = browser.new_context()
    page = context.new_page()
    page.set_content(f"<html><body>{PAYLOADS[1]}</body></html>")
    page.wait_for_timeout(200)
    assert page.evaluate("window.__xss") == 1
    context.close()
