"""The email alerts' pages in Chromium: subscribe, confirm, manage, unsubscribe, by clicking.

A visitor follows the listing's "Get email alerts" link, fills in the real
form and submits it; the confirmation mail is sent as the cron job sends it
(``send_alerts``, in this process: the live server is a thread of it, so
Django's locmem outbox holds what either sends), its link is opened and its
button clicked; the manage page's frequency is changed by choosing and
clicking. Every page runs under the site's own Content-Security-Policy with
no violation and no console error (the collector is
test_admin_csp_browser.py's, and so is its control: a page that breaks the
policy is reported), and none overflows a 375 px phone.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from .conftest import AXE, BROWSER_TESTS, make_release
from .test_admin_csp_browser import control_violations, violations, watched_page

pytestmark = BROWSER_TESTS

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
EMAIL = "reader@example.org"
#: A filter set with something of everything: words, three trees, types, dates.
MANY = ("/alerts/?q=election+observation&topic=elections&topic=youth&topic=gender-equality"
        "&country=moldova&country=serbia&country=georgia&structure=mission-to-moldova"
        "&type=news&type=press-release&date_from=2023-01-01&date_to=2025-12-31")  # fmt: skip


@pytest.fixture
def site(taxonomy, live_server, settings):
    """Releases for the listing, and mail links that point at the live server."""
    settings.SITE_URL = live_server.url
    make_release(
        "Mission to Moldova supports local elections",
        tags={"countries": ["moldova"], "topics": ["elections"]},
    )
    make_release("Elections in Serbia observed", tags={"countries": ["serbia"]})
    return live_server.url


@pytest.fixture
def open_page(browser, site):
    """A page in a new context that collects CSP violations and console errors."""
    contexts = []

    def open_page(size=DESKTOP):
        context = browser.new_context(viewport=size)
        contexts.append(context)
        page = watched_page(context, site)
        return page

    yield open_page
    for context in contexts:
        context.close()


def clean(page, status=200):
    """No violation and no console error on the page so far; then start counting afresh.

    A page answered with an error status is reported by Chromium as a failed
    resource: that one message, for that status, is expected.
    """
    expected = f"the server responded with a status of {status}"
    errors = [e for e in page.console_errors if status == 200 or expected not in e]
    found = violations(page), errors
    page.evaluate("window.__cspViolations = []")
    page.csp_console.clear()
    page.console_errors.clear()
    return found


def goto(page, path, status=200):
    response = page.goto(f"{page.base}{path}")
    assert response.status == status, (path, response.status)
    policy = response.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    return response


def heading(page):
    return page.locator("main h1").inner_text().strip()


def overflow(page):
    """How far the page is wider than the window (0: no sideways scrolling)."""
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def send_alerts():
    """What the cron job does: send what is due (here, the confirmation), in this process."""
    call_command("send_alerts", "--quiet")


def confirm_link(site, email):
    """The confirmation link in the one mail sent to ``email``, as a path."""
    sent = [m for m in mail.outbox if m.to == [email]]
    assert len(sent) == 1, [(m.to, m.subject) for m in mail.outbox]
    found = re.findall(re.escape(site) + r"(/alerts/confirm/[^/\s]+/)", sent[0].body)
    assert found, sent[0].body
    return found[0]


def subscribe(page, email, frequency_label):
    """Fill in and send the page's subscribe form as a visitor does."""
    page.fill("#id_email", email)
    page.get_by_label(frequency_label).check()
    page.get_by_role("button", name="Subscribe").click()
    page.wait_for_load_state()


def test_subscribe_confirm_and_change_how_often_by_clicking(open_page, site):
    from alerts.models import Subscription

    page = open_page()
    goto(page, "/press/?country=moldova&topic=elections")
    page.locator(".result-bar").get_by_role("link", name="Get email alerts").click()
    page.wait_for_url(re.compile(r"/alerts/\?"))
    assert sorted(urlsplit(page.url).query.split("&")) == ["country=moldova", "topic=elections"]
    assert heading(page) == "Get email alerts"
    phrases = page.locator(".alerts-phrases li").all_inner_texts()
    assert phrases == ["Elections", "Moldova"]
    assert clean(page) == ([], [])

    subscribe(page, EMAIL, "Once a day")
    assert heading(page) == "Check your inbox"
    assert EMAIL in page.locator(".lede").inner_text()
    stored = Subscription.objects.get()
    assert (stored.email, stored.query, stored.frequency, stored.language) == (
        EMAIL,
        "topic=elections&country=moldova",
        "daily",
        "en",
    )
    assert stored.confirmed_at is None
    assert clean(page) == ([], [])

    # The live server is a thread of this process: one outbox for both.
    assert mail.outbox == []
    send_alerts()
    link = confirm_link(site, EMAIL)
    goto(page, link)
    assert heading(page) == "Confirm your email alerts"
    assert Subscription.objects.get().confirmed_at is None  # opening the link is not enough
    assert clean(page) == ([], [])
    page.get_by_role("button", name="Yes, start my alerts").click()
    page.wait_for_load_state()
    assert heading(page) == "Your alerts are on"
    assert Subscription.objects.get().confirmed_at is not None
    assert clean(page) == ([], [])

    page.get_by_role("link", name="Manage your alerts").click()
    page.wait_for_url("**/alerts/manage/*/")
    assert heading(page) == "Your email alerts"
    how_often = page.get_by_label("How often")
    assert how_often.input_value() == "daily"
    how_often.select_option(label="Once a week")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert page.locator(".messages[role=status]").inner_text().strip() == "Saved."
    assert Subscription.objects.get().frequency == "weekly"
    assert page.get_by_label("How often").input_value() == "weekly"
    assert clean(page) == ([], [])


def test_refusals_errors_and_one_click_unsubscribe_run_clean(open_page, site):
    """The pages that refuse (a bad address, an unknown slug, a bad link) and the unsubscribe
    page, under the site's policy; the refused address is named at its field."""
    from alerts import tokens
    from alerts.models import Subscription

    page = open_page()
    goto(page, "/alerts/?country=moldova")
    page.fill("#id_email", "not-an-address")
    page.get_by_role("button", name="Subscribe").click()
    page.wait_for_load_state()
    field = page.locator("#id_email")
    assert field.get_attribute("aria-invalid") == "true"
    described = field.get_attribute("aria-describedby")
    assert page.locator(f"#{described}").inner_text() == "Enter a valid email address."
    assert not Subscription.objects.exists()
    assert clean(page, 400) == ([], [])

    # An unknown slug: named, and no form that would subscribe to the rest without it.
    goto(page, "/alerts/?country=atlantis&topic=elections")
    assert "Nothing is called “atlantis”" in page.locator(".messages[role=alert]").inner_text()
    assert page.locator("form.alerts-form").count() == 0
    assert clean(page) == ([], [])

    goto(page, "/alerts/confirm/not-a-token/", status=404)
    assert heading(page) == "This link does not work"
    assert clean(page, 404) == ([], [])

    subscription = Subscription.objects.create(
        email=EMAIL, query="country=moldova", language="en", confirmed_at=timezone.now()
    )
    goto(page, f"/alerts/unsubscribe/{tokens.unsubscribe_token([subscription])}/")
    assert page.locator(".alerts-phrases li").all_inner_texts() == ["Moldova"]
    assert clean(page) == ([], [])
    page.get_by_role("button", name="Unsubscribe").click()  # a form with no CSRF token
    page.wait_for_load_state()
    assert heading(page) == "You are unsubscribed"
    subscription.refresh_from_db()
    assert subscription.ended_at is not None
    assert clean(page) == ([], [])


def test_control_a_page_breaking_the_alerts_pages_policy_is_reported(open_page, site):
    """The collector sees what the alerts pages' policy blocks: an inline script and style."""
    page = open_page()
    policy = goto(page, "/alerts/").headers["content-security-policy"]
    found, ran = control_violations(page, f"{site}/alerts/csp-control/", policy)
    assert not ran
    assert any(v.startswith("script-src-elem blocked inline") for v in found), found
    assert any(v.startswith("style-src-attr blocked inline") for v in found), found


def alerts_pages():
    """Every alerts page a visitor meets, with a long filter set and three subscriptions:
    [(name, path, status)]."""
    from alerts import tokens
    from alerts.models import Subscription

    now = timezone.now()
    queries = [
        "topic=elections&country=moldova",
        MANY.split("?", 1)[1],
        "",
    ]
    made = [
        Subscription.objects.create(
            email="a.rather.long.address.for.a.phone@some-long-domain.example.org",
            query=query,
            language="en",
            frequency="immediate",
            confirmed_at=now,
        )
        for query in queries
    ]
    pending = Subscription.objects.create(email=EMAIL, query="country=moldova", language="en")
    manage = tokens.manage_token(made[0].email)
    return [
        ("subscribe", "/alerts/?country=moldova&topic=elections", 200),
        ("subscribe many filters", MANY, 200),
        ("subscribe in French", "/fr/alerts/?country=moldova", 200),
        ("refused filter", "/alerts/?country=atlantis", 200),
        ("confirm", f"/alerts/confirm/{tokens.confirm_token(pending)}/", 200),
        ("manage", f"/alerts/manage/{manage}/", 200),
        ("unsubscribe", f"/alerts/unsubscribe/{tokens.unsubscribe_token(made)}/", 200),
        ("bad link", "/alerts/manage/not-a-token/", 404),
    ]


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_no_alerts_page_overflows_sideways(open_page, size):
    page = open_page(size)
    wide = {}
    for name, path, status in alerts_pages():
        goto(page, path, status)
        if overflow(page) > 0:
            wide[name] = overflow(page)
        assert clean(page, status) == ([], []), name
    # And the answers to a POST: an address refused, and "Check your inbox".
    goto(page, "/alerts/?country=moldova")
    page.fill("#id_email", "not-an-address")
    page.get_by_role("button", name="Subscribe").click()
    page.wait_for_load_state()
    if overflow(page) > 0:
        wide["refused address"] = overflow(page)
    subscribe(page, "a.rather.long.address.for.a.phone@some-long-domain.example.org", "Once a day")
    assert heading(page) == "Check your inbox"
    if overflow(page) > 0:
        wide["check your inbox"] = overflow(page)
    assert wide == {}


def box(locator):
    found = locator.bounding_box()
    assert found is not None, locator
    return found


def test_the_subscribe_form_on_a_phone(open_page):
    """Fields as wide as the form, the frequencies stacked with their radios in one column,
    each radio level with its words."""
    page = open_page(PHONE)
    goto(page, "/alerts/?country=moldova")
    form = box(page.locator("form.alerts-form"))
    for field in ("#id_email", "#id_language"):
        assert box(page.locator(field))["width"] == pytest.approx(form["width"], abs=1), field
    labels = page.locator("label.choice")
    assert labels.count() == 3
    radios = [box(labels.nth(i).locator("input[type=radio]")) for i in range(3)]
    rows = [box(labels.nth(i)) for i in range(3)]
    assert rows[0]["y"] + rows[0]["height"] <= rows[1]["y"] + 1  # one below the other
    assert rows[1]["y"] + rows[1]["height"] <= rows[2]["y"] + 1
    assert len({round(r["x"]) for r in radios}) == 1  # one column
    for radio, row in zip(radios, rows, strict=True):  # centred on its line
        assert radio["y"] + radio["height"] / 2 == pytest.approx(
            row["y"] + row["height"] / 2, abs=2
        )
    # A radio's words are its label: a tap on them chooses it.
    page.get_by_text("Once a week", exact=True).click()
    assert page.locator("input[value=weekly]").is_checked()


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_manage_form_wraps_on_a_phone_and_keeps_one_line_on_a_desktop(open_page, size):
    page = open_page(size)
    manage = next(path for name, path, _s in alerts_pages() if name == "manage")
    goto(page, manage)
    rows = page.locator("form.alerts-inline")
    assert rows.count() == 3
    for i in range(3):
        row = rows.nth(i)
        form, select = box(row), box(row.locator("select"))
        save = box(row.get_by_role("button", name="Save"))
        end = box(row.get_by_role("button", name="Unsubscribe"))
        for part in (select, save, end):  # nothing beyond the form or the window
            assert part["x"] >= form["x"] - 1
            assert part["x"] + part["width"] <= min(form["x"] + form["width"], size["width"]) + 1
        assert save["y"] == pytest.approx(end["y"], abs=1)  # the two buttons side by side
        if size is PHONE:  # the select on a line of its own, as wide as the form
            assert select["width"] == pytest.approx(form["width"], abs=1)
            assert save["y"] >= select["y"] + select["height"]
        else:  # label, select and buttons on one line
            assert select["y"] + select["height"] / 2 == pytest.approx(
                save["y"] + save["height"] / 2, abs=2
            )


@pytest.mark.skipif(not AXE.exists(), reason="run `npm install` for axe-core")
@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_no_serious_accessibility_violations(browser, site, size):
    """axe-core on every alerts page, and on the subscribe form showing a refused address."""
    # axe-core goes in as an inline script, which the site's policy (rightly)
    # forbids: let the test tool in, and nothing else changes.
    context = browser.new_context(viewport=size, bypass_csp=True)
    page = context.new_page()
    found = {}

    def check(name):
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document)")
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        if serious:
            found[name] = serious

    for name, path, _status in alerts_pages():
        page.goto(f"{site}{path}")
        check(name)
    page.goto(f"{site}/alerts/?country=moldova")
    page.fill("#id_email", "not-an-address")
    page.get_by_role("button", name="Subscribe").click()
    page.wait_for_load_state()
    check("refused address")
    context.close()
    assert found == {}
