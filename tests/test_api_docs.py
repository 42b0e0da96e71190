"""The API's documentation page (/api/v1/docs/), as served: no browser.

tests/test_api_docs_browser.py runs it in Chromium under the site's
Content-Security-Policy, with and without JavaScript.
"""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from .conftest import make_release

DOCS = {"en": "/api/v1/docs/", "fr": "/fr/api/v1/docs/"}


class Resources(HTMLParser):
    """Where the page's scripts and stylesheets come from, and its operations' paths."""

    def __init__(self):
        super().__init__()
        self.scripts, self.stylesheets, self.operation_paths = [], [], []
        self._in_operation_heading = self._in_code = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("type", "text/javascript") in (
            "text/javascript",
            "module",
        ):
            self.scripts.append(attrs.get("src"))  # None for an inline script
        if tag == "link" and "stylesheet" in (attrs.get("rel") or "").split():
            self.stylesheets.append(attrs.get("href"))
        if tag == "h3" and (attrs.get("id") or "").endswith("-title"):
            self._in_operation_heading = True
        if tag == "code" and self._in_operation_heading:
            self._in_code = True

    def handle_endtag(self, tag):
        if tag == "h3":
            self._in_operation_heading = False
        if tag == "code":
            self._in_code = False

    def handle_data(self, data):
        if self._in_code:
            self.operation_paths.append(data)


def read(body):
    parser = Resources()
    parser.feed(body)
    return parser


@pytest.fixture
def site(taxonomy):
    make_release("Mission to Moldova supports local elections", tags={"countries": ["moldova"]})


def schema_paths(client, prefix=""):
    response = client.get(f"{prefix}/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return list(response.json()["paths"])


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_docs_page_answers_in_each_language(client, site, language):
    response = client.get(DOCS[language])
    assert response.status_code == 200
    assert response["Content-Language"] == language
    body = response.content.decode()
    assert f'<html lang="{language}">' in body
    prefix = "/fr" if language == "fr" else ""
    assert f'data-schema-url="{prefix}/api/v1/schema/"' in body


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_docs_page_lists_every_path_of_the_openapi_document(client, site, language):
    prefix = "/fr" if language == "fr" else ""
    paths = schema_paths(client, prefix)
    assert "/api/v1/releases/" in paths and "/api/v1/releases/{slug}/" in paths
    listed = read(client.get(DOCS[language]).content.decode()).operation_paths
    assert sorted(listed) == sorted(paths)


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_docs_page_loads_nothing_from_another_origin(client, site, language):
    page = read(client.get(DOCS[language]).content.decode())
    assert None not in page.scripts  # no inline script: the policy would block it
    loaded = page.scripts + page.stylesheets
    assert any(url.endswith("swagger-ui-bundle.js") for url in page.scripts)
    assert any(url.endswith("swagger-ui.css") for url in page.stylesheets)
    for url in loaded:
        parts = urlsplit(url)
        assert not parts.scheme and not parts.netloc and url.startswith("/"), url


def test_the_docs_page_keeps_the_sites_strict_policy(client, site):
    policy = client.get(DOCS["en"])["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    for name in ("script-src", "style-src", "img-src", "connect-src", "font-src"):
        assert directives[name] == "'self'", (name, directives[name])


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_footer_links_to_the_api_docs(client, site, language):
    prefix = "/fr" if language == "fr" else ""
    body = client.get(f"{prefix}/press/").content.decode()
    footer = body[body.index('<footer class="site-footer">') :]
    assert f'<a href="{prefix}/api/v1/docs/">' in footer
    assert 'href="/sitemap.xml"' in footer and f'href="{prefix}/press/"' in footer
