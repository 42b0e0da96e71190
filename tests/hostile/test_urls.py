"""Whatever a visitor types into a URL, a public page never answers 500."""

from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..conftest import make_release
from .corpus import nasty_text, wire

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
]
PARAMS = ["q", "topic", "country", "structure", "meeting", "type", "date_from", "date_to",
          "year", "sort", "page"]  # fmt: skip

query_pairs = st.lists(
    st.tuples(st.one_of(st.sampled_from(PARAMS), st.text(max_size=20)), nasty_text), max_size=8
)
HYPOTHESIS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def some_releases():
    make_release("Moldova elections", summary="Votes counted.",
                 tags={"locations": ["moldova"], "topics": ["elections"]})  # fmt: skip
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
    prefix=st.sampled_from(["/press/", "/topics/", "/countries/", "/structures/", "/meetings/"]),
    tail=st.text(min_size=1, max_size=120),
)
def test_random_paths_never_500(client, some_releases, prefix, tail):
    check(client, prefix + quote(tail, safe="/"))
