"""Whatever a visitor types into a URL, a public page never answers 500."""

from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from press.models import PressRelease

from ..conftest import make_release
from .corpus import NASTY, nasty_text, wire

pytestmark = pytest.mark.usefixtures("taxonomy")

PUBLIC_URLS = [
    "/",
    "/press/",
    "/press/feed/",
    "/press/feed/atom/",
    "/topics/",
    "/topics/media-freedom-and-development/",
    "/countries/",
    "/countries/moldova/",
    "/structures/",
    "/structures/secretariat/",
    "/meetings/",
    "/meetings/ministerial-council-meetings/",
    "/sitemap.xml",
    "/robots.txt",
    "/api/v1/releases/",
    "/api/v1/facets/",
    "/api/v1/countries/",
    "/ru/api/v1/structures/",
    # The alerts' subscribe page reads the listing's parameters with its FilterSet.
    "/alerts/",
    "/fr/alerts/",
]
PARAMS = ["q", "topic", "country", "structure", "meeting", "type", "date_from", "date_to",
          "year", "sort", "page", "page_size", "predecessors"]  # fmt: skip

query_pairs = st.lists(
    st.tuples(st.one_of(st.sampled_from(PARAMS), st.text(max_size=20)), nasty_text), max_size=8
)
HYPOTHESIS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    """Thousands of requests from one address: the API's rate limit would answer most."""
    settings.API_RATE_LIMIT = "1000000/minute"


@pytest.fixture
def some_releases():
    make_release("Moldova elections", summary="Votes counted.",
                 tags={"countries": ["moldova"], "topics": ["elections"]})  # fmt: skip
    make_release("Secretariat news", tags={"structures": ["conflict-prevention-centre"]})


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_control_every_url_answers_and_shows_content(client, some_releases, url):
    """The never-500 tests below mean something only if these pages really render."""
    response = client.get(url)
    assert response.status_code == 200
    assert response.content.strip()


def check(client, url):
    response = client.get(url)
    assert response.status_code < 500, url


@pytest.mark.parametrize("url", PUBLIC_URLS)
@HYPOTHESIS
@given(pairs=query_pairs)
def test_random_query_strings_never_500(client, some_releases, url, pairs):
    check(client, f"{url}?{urlencode([(wire(k), wire(v)) for k, v in pairs])}")


@HYPOTHESIS
@given(raw=st.text(max_size=200))
def test_raw_query_strings_never_500(client, some_releases, raw):
    check(client, "/press/?" + quote(raw, safe="=&%+"))


@HYPOTHESIS
@given(
    prefix=st.sampled_from(
        [
            "/press/",
            "/topics/",
            "/countries/",
            "/structures/",
            "/meetings/",
            "/api/v1/",
            "/api/v1/releases/",
            "/fr/api/v1/",
            "/alerts/",
            "/alerts/confirm/",
            "/alerts/manage/",
            "/alerts/unsubscribe/",
        ]
    ),
    tail=st.text(min_size=1, max_size=120),
)
def test_random_paths_never_500(client, some_releases, prefix, tail):
    check(client, prefix + quote(tail, safe="/"))


#: The pages whose releases the parameters filter (one FilterSet serves them all).
FILTERED_URLS = ["/press/", "/press/feed/", "/press/feed/atom/", "/countries/moldova/",
                 "/topics/media-freedom-and-development/", "/api/v1/releases/",
                 "/api/v1/facets/", "/alerts/"]  # fmt: skip


def statuses(client, url, queries):
    """[(status, query)] of the queries a page answered with a 5xx (all of them, not the first)."""
    client.raise_request_exception = False
    failures = []
    for query in queries:
        address = f"{url}?{urlencode([(wire(k), wire(v)) for k, v in query])}"
        status = client.get(address).status_code
        if status >= 500:
            failures.append((status, [(k, v[:40]) for k, v in query]))
    return failures


def release_url(url):
    release = PressRelease.objects.get(title="Moldova elections")
    if url == "release":
        return release.get_absolute_url()
    if url == "api_release":
        return f"/api/v1/releases/{release.slug}/"
    return url


@pytest.mark.parametrize("url", [*PUBLIC_URLS, "release", "api_release"])
def test_every_nasty_value_in_every_parameter_at_once_never_500(client, some_releases, url):
    """Deterministic: at each public path, each corpus value in all parameters of one request.

    ``release`` stands for a release page (``/press/<slug>/``). Values go out
    as bytes, lone surrogates included. Parameters are grouped (one request
    per value: 73 per path) to keep the suite in minutes; each field is
    validated on its own, so one parameter's refusal does not stop another's
    use, and the test below sends them one by one where they filter.
    """
    queries = [[(param, value) for param in PARAMS] for value in NASTY]
    assert statuses(client, release_url(url), queries) == []


@pytest.mark.parametrize("url", FILTERED_URLS)
def test_each_parameter_alone_with_every_nasty_value_never_500(client, some_releases, url):
    """Deterministic: every parameter × every corpus value, one request each, where they filter.

    The full product (11 × 73 requests per path) on the listing, both feeds
    and a node page of two trees; the other node pages run the same view and
    FilterSet as ``/countries/moldova/`` and get the grouped test above.
    """
    queries = [[(param, value)] for param in PARAMS for value in NASTY]
    assert statuses(client, url, queries) == []
