"""A real browser: Debian's Chromium driven by Playwright, and axe-core for accessibility."""

import os
import shutil
from pathlib import Path

import pytest

from .conftest import make_release

CHROMIUM = shutil.which("chromium")
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="Debian's chromium is not installed"),
    # Transactional tests flush the database afterwards; the ``taxonomy``
    # fixture puts back the trees and release types they need (see conftest).
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API keeps an event loop in this thread; the test's own
    # database calls are synchronous and safe (the documented pytest-playwright setup).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.console_errors = []
    # A CSP violation is reported as a console error too: none is expected.
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    yield page
    context.close()


@pytest.fixture
def site(taxonomy, live_server):
    make_release(
        "Mission to Moldova supports local elections",
        summary="Election officials trained.",
        tags={
            "locations": ["moldova"],
            "topics": ["elections"],
            "sources": ["mission-to-moldova"],
            "structures": ["mission-to-moldova"],
        },
    )
    make_release("Youth forum in Chisinau", tags={"locations": ["moldova"], "topics": ["youth"]})
    make_release(
        "Elections in Serbia observed", tags={"locations": ["serbia"], "topics": ["elections"]}
    )
    return live_server.url  # fmt: skip


def test_filter_by_country_and_topic_then_open_a_release(page, site):
    page.goto(f"{site}/press/")
    assert page.locator("[data-result-count]").get_attribute("data-result-count") == "3"
    page.check("#f-country-moldova")
    page.check("#f-topic-elections")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/press/?*")
    assert "country=moldova" in page.url and "topic=elections" in page.url
    assert page.locator("[data-result-count]").get_attribute("data-result-count") == "1"
    titles = page.locator(".results .card h3 a").all_inner_texts()
    assert titles == ["Mission to Moldova supports local elections"]
    page.click("text=Mission to Moldova supports local elections")
    page.wait_for_url("**/press/mission-to-moldova-supports-local-elections/")
    assert page.locator("h1").inner_text() == "Mission to Moldova supports local elections"
    assert page.console_errors == []


def test_the_menu_works_from_the_keyboard(page, site):
    page.goto(f"{site}/")
    page.keyboard.press("Tab")  # skip link
    assert page.evaluate("document.activeElement.className") == "skip-link"
    moldova = page.get_by_role("link", name="Moldova", exact=True)
    assert not moldova.is_visible()
    summary = page.locator("summary", has_text="Countries")
    summary.focus()
    page.keyboard.press("Enter")
    assert moldova.is_visible()
    moldova.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/countries/moldova/")
    assert page.console_errors == []


@pytest.mark.skipif(not AXE.exists(), reason="run `npm install` for axe-core")
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/press/",
        "/press/?country=moldova&topic=elections",
        "/press/mission-to-moldova-supports-local-elections/",
        "/countries/moldova/",
        "/structures/secretariat/",
        "/topics/",
    ],
)
@pytest.mark.parametrize("width", [1280, 390])
def test_no_serious_accessibility_violations(browser, site, path, width):
    # axe-core is injected as an inline script, which the site's own policy
    # (rightly) forbids: let the test tool in, and nothing else changes.
    context = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{site}{path}")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    context.close()
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []
