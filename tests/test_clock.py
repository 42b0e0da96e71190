"""One clock: a single ``time_machine.travel`` moves every reader of the current time.

Nothing here patches a call site. If any page, feed, cache or query read the
time some other way (its own ``timezone.now``, the database's ``NOW()``, a
value frozen at import), a release would show in one place and not another.
"""

from datetime import UTC, datetime

import pytest
import time_machine

from .factories import PressReleaseFactory

pytestmark = pytest.mark.usefixtures("taxonomy")

BEFORE = datetime(2030, 3, 1, 9, 59, tzinfo=UTC)
EMBARGO = datetime(2030, 3, 1, 10, 0, tzinfo=UTC)
AFTER = datetime(2030, 3, 1, 10, 1, tzinfo=UTC)

TITLE = "Embargoed until ten"
PUBLIC_PAGES = [
    "/",
    "/press/",
    "/press/?topic=elections",
    "/press/feed/",
    "/press/feed/atom/",
    "/sitemap-releases.xml",
    "/topics/elections/",
    "/countries/moldova/",
]


def shows_the_release(client, url, release):
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.content.decode()
    return TITLE in page or release.get_absolute_url() in page


@pytest.mark.parametrize("page_cache", [False, True], ids=["no-cache", "page-cache"])
def test_one_travel_makes_a_scheduled_release_public_everywhere(client, settings, page_cache):
    settings.PAGE_CACHE_ENABLED = page_cache
    with time_machine.travel(BEFORE, tick=False):
        # Public pages seen before the embargo (and cached, if the cache is on).
        PressReleaseFactory(title="Already out", tags={"topics": ["elections"]})
        release = PressReleaseFactory(
            title=TITLE,
            published_at=EMBARGO,
            tags={"topics": ["elections"], "countries": ["moldova"]},
        )
        assert release.is_scheduled and not release.is_public
        assert client.get(release.get_absolute_url()).status_code == 404
        for url in PUBLIC_PAGES:
            assert not shows_the_release(client, url, release), url

    with time_machine.travel(AFTER, tick=False):
        assert release.is_public and not release.is_scheduled
        assert client.get(release.get_absolute_url()).status_code == 200
        for url in PUBLIC_PAGES:
            assert shows_the_release(client, url, release), url


def test_a_release_published_without_a_date_is_dated_by_the_clock():
    with time_machine.travel(EMBARGO, tick=False):
        release = PressReleaseFactory(status="draft")
        release.status = "published"
        release.save()
    assert release.published_at == EMBARGO
