"""A real browser: Debian's Chromium driven by Playwright, and axe-core for accessibility."""

import pytest

from .conftest import AXE, BROWSER_TESTS, make_release

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}

pytestmark = BROWSER_TESTS


@pytest.fixture
def site(taxonomy, live_server):
    make_release(
        "Mission to Moldova supports local elections",
        summary="Election officials trained.",
        tags={
            "countries": ["moldova"],
            "topics": ["elections"],
            "sources": ["mission-to-moldova"],
            "structures": ["mission-to-moldova"],
        },
    )
    make_release("Youth forum in Chisinau", tags={"countries": ["moldova"], "topics": ["youth"]})
    make_release(
        "Elections in Serbia observed", tags={"countries": ["serbia"], "topics": ["elections"]}
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
        "/press/?topic=youth&year=2001",  # no result: every filter still chosen
        "/press/mission-to-moldova-supports-local-elections/",
        "/countries/moldova/",
        "/structures/secretariat/",
        "/topics/",
    ],
)
@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_no_serious_accessibility_violations(browser, site, path, size):
    # axe-core is injected as an inline script, which the site's own policy
    # (rightly) forbids: let the test tool in, and nothing else changes.
    context = browser.new_context(viewport=size, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{site}{path}")
    if page.locator("summary.filter-toggle").is_visible():
        page.click("summary.filter-toggle")  # check the filter panel too
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    context.close()
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == []


# --- The listing's filters on a phone and on a desktop ----------------------


@pytest.fixture
def newsroom(taxonomy, live_server):
    """Enough releases, in enough countries, for a long filter panel."""
    from .factories import PressReleaseFactory

    countries = ["moldova", "serbia", "albania", "georgia", "ukraine", "armenia", "kazakhstan",
                 "mongolia", "norway", "malta", "belgium", "belarus"]  # fmt: skip
    topics = ["elections", "youth", "gender-equality", "rule-of-law", "migration"]
    for i, country in enumerate(countries):
        PressReleaseFactory(
            title=f"Report from {country.title()}",
            published_at=at(2022 if i == 0 else 2023 + i % 2, 1 + i, 10),
            tags={"countries": [country], "topics": [topics[i % len(topics)]]},
        )
    return live_server.url


def at(year, month, day):
    from datetime import datetime

    from django.utils import timezone

    return timezone.make_aware(datetime(year, month, day, 12))


def open_page(browser, url, size):
    context = browser.new_context(viewport=size)
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.goto(url)
    return context, page


def in_view(page, locator):
    """Whether the element is entirely inside the visible part of the window."""
    box = locator.bounding_box()
    height = page.viewport_size["height"]
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= height


def result_count(page):
    return page.locator("[data-result-count]").get_attribute("data-result-count")


def test_phone_filters_wait_behind_one_control_within_the_first_screen(browser, newsroom):
    context, page = open_page(browser, f"{newsroom}/press/", PHONE)
    toggle = page.locator("summary.filter-toggle")
    assert toggle.inner_text().strip() == "Filter (0)"
    assert in_view(page, toggle)
    assert not page.locator("form.filters").is_visible()  # closed: results come first
    assert page.locator(".site-header").bounding_box()["height"] <= 180  # was 270
    # From the keyboard: open it, and the next stop is the first field.
    toggle.focus()
    page.keyboard.press("Enter")
    assert page.locator("#id_q").is_visible()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_q"
    context.close()


def test_phone_apply_stays_in_reach_of_a_long_panel(browser, newsroom):
    context, page = open_page(browser, f"{newsroom}/press/", PHONE)
    page.click("summary.filter-toggle")
    form = page.locator("form.filters")
    apply = form.locator(".filter-actions-bottom button[type=submit]")
    assert form.bounding_box()["height"] > PHONE["height"]  # longer than the screen
    # At the top of the panel and halfway down, Apply is on screen though
    # the end of the panel is not.
    page.check("#f-topic-elections")
    for choice in ("#f-topic-elections", "#f-country-georgia"):
        page.locator(choice).scroll_into_view_if_needed()
        box = form.bounding_box()
        assert box["y"] + box["height"] > PHONE["height"]
        assert in_view(page, apply)
    page.uncheck("#f-topic-elections")
    page.check("#f-country-georgia")
    # Nothing in the panel scrolls on its own: the page does.
    nested = page.evaluate(
        """() => [...document.querySelectorAll('.filter-panel, .filter-panel *')]
            .filter(e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowY)
                         && e.scrollHeight > e.clientHeight)
            .map(e => e.tagName + '.' + e.className)"""
    )
    assert nested == []
    apply.click()
    page.wait_for_url("**/press/?country=georgia")
    assert result_count(page) == "1"
    assert page.locator("summary.filter-toggle").inner_text().strip() == "Filter (1)"
    assert page.console_errors == []
    context.close()


def test_phone_long_facet_shows_its_top_entries_and_show_all(browser, newsroom):
    context, page = open_page(browser, f"{newsroom}/press/?country=belarus", PHONE)
    page.click("summary.filter-toggle")
    country = page.locator("fieldset", has=page.locator("legend", has_text="Country"))
    assert country.locator("#f-country-belarus").is_visible()  # chosen: always shown
    assert not country.locator("#f-country-norway").is_visible()
    country.locator("summary", has_text="Show all").click()
    assert country.locator("#f-country-norway").is_visible()
    context.close()


def test_phone_a_chosen_year_survives_a_combination_without_result(browser, newsroom):
    context, page = open_page(browser, f"{newsroom}/press/", PHONE)
    page.click("summary.filter-toggle")
    page.check("#f-topic-youth")  # no release on youth in 2022
    page.select_option("#id_year", "2022")
    page.click(".filter-actions-bottom button[type=submit]")
    page.wait_for_url("**/press/?topic=youth&year=2022")
    assert result_count(page) == "0"
    page.click("summary.filter-toggle")
    assert page.locator("#id_year").input_value() == "2022"
    assert page.locator("#f-topic-youth").is_checked()
    # Applying again loses nothing (it used to send year= empty).
    page.click(".filter-actions-bottom button[type=submit]")
    page.wait_for_url("**/press/?topic=youth&year=2022")
    chips = page.locator("ul.chips[aria-label='Active filters'] a").all_inner_texts()
    assert [c.strip() for c in chips] == ["Youth", "2022"]
    context.close()


def test_phone_enter_in_the_search_field_applies_the_filters(browser, newsroom):
    context, page = open_page(browser, f"{newsroom}/press/", PHONE)
    page.click("summary.filter-toggle")
    page.fill("#id_q", "Moldova")
    page.press("#id_q", "Enter")
    page.wait_for_url("**/press/?q=Moldova")  # and no empty parameters
    assert result_count(page) == "1"
    assert page.locator("#site-search").input_value() == "Moldova"
    context.close()


def test_desktop_filters_are_the_sidebar_with_apply_at_its_top(browser, newsroom):
    context, page = open_page(browser, f"{newsroom}/press/?country=moldova", DESKTOP)
    assert not page.locator("summary.filter-toggle").is_visible()
    assert page.locator("form.filters").is_visible()
    top = page.locator(".filter-actions-top button[type=submit]")
    assert in_view(page, top)
    assert top.bounding_box()["y"] < page.locator("#id_q").bounding_box()["y"]
    sidebar = page.locator(".filter-panel").bounding_box()
    results = page.locator(".results").bounding_box()
    assert sidebar["x"] + sidebar["width"] <= results["x"]  # side by side
    page.uncheck("#f-country-moldova")
    page.check("#f-country-albania")
    top.click()
    page.wait_for_url("**/press/?country=albania")
    assert result_count(page) == "1"
    assert page.console_errors == []
    context.close()
