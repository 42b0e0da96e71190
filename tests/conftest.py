import datetime
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches

requires_postgres = pytest.mark.skipif(
    not settings.IS_POSTGRES, reason="needs PostgreSQL (set DATABASE_URL)"
)


def _load_taxonomy():
    """The shipped trees, and the release types and roles migrations create (a flush drops them)."""
    import importlib

    from press.models import ReleaseType
    from taxonomy.models import Topic
    from taxonomy.services import load_taxonomy

    if not Topic.objects.exists():
        load_taxonomy()
    if not ReleaseType.objects.exists():
        types = importlib.import_module("press.migrations.0002_release_types_and_roles").TYPES
        for position, (name, slug) in enumerate(types):
            ReleaseType.objects.create(name=name, slug=slug, position=position)
    from django.apps import apps
    from django.contrib.auth.models import Group

    from osce_cms.roles import sync_roles

    if not Group.objects.exists():
        sync_roles(apps)  # the roles a migration creates, which a flush drops too


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the shipped trees once per test database; each test rolls back on top."""
    with django_db_blocker.unblock():
        _load_taxonomy()


@pytest.fixture
def taxonomy(db):
    # Transactional tests flush the database; put the trees back if so.
    _load_taxonomy()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request activates its page's language
    for the rest of its thread (Django's LocaleMiddleware), a test's requests included."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _fresh_listing_index():
    """Each test's database is its own: no process's listing index outlives a test."""
    from press import listing_index

    listing_index.forget_all()
    yield
    listing_index.forget_all()


@pytest.fixture(autouse=True)
def _clear_cache():
    """Every cache empty before and after each test (the API's rate counts too)."""
    for each in caches.all():
        each.clear()
    yield
    for each in caches.all():
        each.clear()


def make_user(username, *, group=None, superuser=False):
    from tests.factories import UserFactory

    return UserFactory(username=username, group=group, is_superuser=superuser)


@pytest.fixture
def comms_user(db):
    return make_user("comms", group="Communications staff")


@pytest.fixture
def site_admin(db):
    return make_user("siteadmin", group="Site administrators")


@pytest.fixture
def superuser(db):
    return make_user("root", superuser=True)


@pytest.fixture
def comms_client(client, comms_user):
    client.force_login(comms_user)
    return client


@pytest.fixture
def admin_client_site(client, site_admin):
    client.force_login(site_admin)
    return client


def make_release(title="A release", *, status="published", published_at=None, tags=None, **fields):
    """One press release; ``tags`` maps a relation ("topics", ...) to node slugs."""
    from tests.factories import PressReleaseFactory

    if published_at is not None:
        fields["published_at"] = published_at
    return PressReleaseFactory(title=title, status=status, tags=tags, **fields)


def noon(year, month, day):
    """Noon on that day in the site's time zone."""
    from django.utils import timezone

    return timezone.make_aware(datetime.datetime(year, month, day, 12, 0))


@pytest.fixture
def listing_corpus(db):
    """Public releases across the trees, a draft and a scheduled one: the listing's test data."""
    from django.utils import timezone

    from press.models import ReleaseType

    news = ReleaseType.objects.get(slug="news")
    return {
        "moldova_elections": make_release(
            "Mission to Moldova observes local elections",
            published_at=noon(2023, 11, 5),
            tags={"countries": ["moldova"], "topics": ["elections"],
                  "structures": ["mission-to-moldova"]},
        ),
        "moldova_media": make_release(
            "Journalists trained in Chisinau",
            published_at=noon(2024, 3, 1),
            type=news,
            tags={"countries": ["moldova"], "topics": ["safety-of-journalists"],
                  "structures": ["representative-on-freedom-of-the-media"]},
        ),
        "serbia_elections": make_release(
            "ODIHR opens observation mission in Serbia",
            published_at=noon(2024, 6, 10),
            tags={"countries": ["serbia"], "topics": ["elections"],
                  "structures": ["office-for-democratic-institutions-and-human-rights"]},
        ),
        "cpc": make_release(
            "Conflict Prevention Centre briefs the Permanent Council",
            published_at=noon(2025, 1, 20),
            type=news,
            tags={"topics": ["conflict-prevention-and-resolution"],
                  "structures": ["conflict-prevention-centre"],
                  "meetings": ["plenary-meetings-of-the-permanent-council"]},
        ),
        "japan": make_release(
            "Asian Partners conference opens in Tokyo",
            published_at=noon(2025, 9, 1),
            tags={"countries": ["japan"], "meetings": ["annual-osce-asian-conferences"]},
        ),
        "draft": make_release("Unpublished draft about Moldova", status="draft",
                              tags={"countries": ["moldova"]}),
        "scheduled": make_release("Scheduled note about Moldova",
                                  published_at=timezone.now() + datetime.timedelta(days=2),
                                  tags={"countries": ["moldova"]}),
    }  # fmt: skip


CHROMIUM = shutil.which("chromium")
AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
#: Marks for a module of browser tests: Debian's Chromium, a live server, a flushed database.
BROWSER_TESTS = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM, reason="Debian's chromium is not installed"),
    # Transactional tests flush the database afterwards; the ``taxonomy``
    # fixture puts back the trees and release types they need.
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, driven by Playwright, shared by the tests of one module."""
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
    """A desktop-sized page that records console errors (CSP violations show there too)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    yield page
    context.close()
