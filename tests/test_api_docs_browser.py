"""The API's documentation page in Chromium, under the site's own Content-Security-Policy.

Swagger UI (drf-spectacular-sidecar's files) must run there with nothing
widened: no violation, no console error, its operations rendered and its
"Try it out" answered from this origin. Without JavaScript the page's own
list of operations is all there is, and is complete. The collector is
test_admin_csp_browser.py's, and so is the control: a page that breaks the
policy the way Swagger UI's stylesheet did (a data: image) is reported.
"""

import pytest

from .conftest import BROWSER_TESTS, make_release
from .test_admin_csp_browser import control_violations, violations, watched_page

pytestmark = BROWSER_TESTS

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 812}
DOCS = {"en": "/api/v1/docs/", "fr": "/fr/api/v1/docs/"}


@pytest.fixture
def site(taxonomy, live_server):
    make_release("Mission to Moldova supports local elections", tags={"countries": ["moldova"]})
    make_release("Elections in Serbia observed", tags={"countries": ["serbia"]})
    return live_server.url


@pytest.fixture
def open_docs(browser, site):
    """Open a page in a new context that collects violations and console errors."""
    contexts = []

    def open_docs(path=DOCS["en"], **options):
        context = browser.new_context(**{"viewport": DESKTOP, **options})
        contexts.append(context)
        page = watched_page(context, site)
        response = page.goto(f"{site}{path}")
        assert response.status == 200
        page.policy = response.headers["content-security-policy"]
        return page

    yield open_docs
    for context in contexts:
        context.close()


def schema_paths(page, prefix=""):
    response = page.request.get(f"{page.base}{prefix}/api/v1/schema/")
    assert response.ok
    return list(response.json()["paths"])


def operation(page, path):
    """Swagger UI's block for the GET operation on ``path``."""
    summary = page.locator(f".opblock-summary-path[data-path='{path}']")
    return page.locator("#swagger-ui .opblock", has=summary)


def assert_the_sites_policy(policy):
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    for name in ("script-src", "style-src", "img-src", "connect-src", "font-src"):
        assert directives[name] == "'self'", (name, directives[name])


@pytest.mark.parametrize("language", ["en", "fr"])
def test_swagger_ui_renders_every_operation_with_no_violation(open_docs, language):
    page = open_docs(DOCS[language])
    assert_the_sites_policy(page.policy)
    operation(page, "/api/v1/releases/").wait_for()
    prefix = "/fr" if language == "fr" else ""
    rendered = page.locator("#swagger-ui .opblock-summary-path").evaluate_all(
        "nodes => nodes.map(n => n.dataset.path)"
    )
    assert sorted(rendered) == sorted(schema_paths(page, prefix))
    assert violations(page) == []
    assert page.console_errors == []


def test_try_it_out_answers_from_this_origin(open_docs):
    page = open_docs()
    block = operation(page, "/api/v1/releases/")
    block.locator(".opblock-summary-control").click()
    block.locator("tr[data-param-name='page_size'] input").fill("1")
    with page.expect_response(lambda r: "/api/v1/releases/" in r.url) as answer:
        block.locator("button.execute").click()
    response = answer.value
    assert response.url == f"{page.base}/api/v1/releases/?page_size=1"
    assert response.status == 200 and response.json()["count"] == 2
    answered = block.locator(".live-responses-table tbody tr.response").first
    answered.wait_for()
    assert answered.locator(".response-col_status").inner_text() == "200"
    assert (
        "Elections in Serbia observed" in answered.locator(".response-col_description").inner_text()
    )
    assert violations(page) == []
    assert page.console_errors == []


def test_the_icons_load_under_the_policy_in_forced_colours_too(open_docs):
    """swagger-ui.css's data: icons are replaced by files (static/api/swagger-ui/), masks too."""
    for forced_colors in ("none", "active"):
        page = open_docs(forced_colors=forced_colors)
        block = operation(page, "/api/v1/releases/")
        block.locator(".opblock-summary-control").click()
        block.locator("tr[data-param-name='sort'] select").wait_for()  # the select's arrow
        block.locator("button.execute").click()
        block.locator(".curl-command .copy-to-clipboard button").wait_for()  # the copy icon
        page.locator("#swagger-ui .models-control").click()
        page.locator("#swagger-ui .model-container .model-toggle").first.wait_for()
        assert violations(page) == [], forced_colors
        assert page.console_errors == []


def test_on_a_phone_nothing_is_wider_than_the_screen(open_docs):
    page = open_docs(viewport=PHONE)
    block = operation(page, "/api/v1/releases/")
    block.locator(".opblock-summary-control").click()
    block.locator("button.execute").click()
    block.locator(".live-responses-table tbody .response-col_status").first.wait_for()
    widths = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
    assert widths[0] <= widths[1], widths
    # The page's own parameter tables, too: one parameter a row, in the column.
    table = page.locator(".api-params").first
    assert table.bounding_box()["width"] <= PHONE["width"]
    assert violations(page) == []


@pytest.mark.parametrize("language", ["en", "fr"])
def test_without_javascript_the_page_lists_every_operation(open_docs, language):
    page = open_docs(DOCS[language], java_script_enabled=False)
    prefix = "/fr" if language == "fr" else ""
    listed = page.locator(".api-operation h3 code").all_inner_texts()
    assert sorted(listed) == sorted(schema_paths(page, prefix))
    releases = page.locator(".api-operation", has=page.get_by_text("/api/v1/releases/", exact=True))
    assert releases.locator(".api-params th[scope=row] code").count() > 5  # its parameters
    assert page.locator("#swagger-ui").inner_html().strip() == ""  # no console without scripts
    assert page.locator(".api-docs h1").is_visible()


def test_control_a_data_image_under_the_docs_policy_is_reported(open_docs):
    """The collector sees what the docs page's policy blocks: the data: image Swagger UI's
    stylesheet uses, a style attribute and an inline script."""
    page = open_docs()
    image = "<img alt='' src='data:image/svg+xml;charset=utf-8,<svg xmlns=\"http://www.w3.org/2000/svg\"/>'>"
    found, ran = control_violations(
        page, f"{page.base}/api/v1/csp-control/", page.policy, extra=image
    )
    assert not ran
    assert any(v.startswith("img-src blocked data") for v in found), found
    assert any(v.startswith("style-src-attr blocked inline") for v in found), found
    assert any(v.startswith("script-src-elem blocked inline") for v in found), found
