"""No lost edits: of two people editing one release (or tree node), the second save is refused.

Each change page carries the version of what it showed (``release_version``,
``node_version``). Saving it after someone else saved the object (in the
admin, by a workflow step, through a translation's shared tags) is refused:
the form comes back with what the person typed, an error that names who
saved in between and when, and links to open the saved version or reload;
nothing of the first save is lost and nothing of the second is written.
Expected names, times and messages are written out here, not derived from
the code.
"""

import datetime
import re
import threading
from pathlib import Path

import pytest
import time_machine
from django.db import connections
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from press import workflow
from press.models import PressRelease
from taxonomy.models import Topic

from .conftest import BROWSER_TESTS, make_release, make_user, requires_postgres
from .forms import form_data

pytestmark = pytest.mark.usefixtures("taxonomy")

FORM = "pressrelease_form"
STAFF = "Communications staff"
STALE_ADVICE = (
    "Nothing was saved, so as not to undo that. Copy your changes (they are still in the "
    "form below), reload the page, and make them again."
)
NO_VERSION = (
    "This form came without the version of its page, so whether the release changed after "
    "the page was opened cannot be told. Nothing was saved: reload the page and make your "
    "changes again."
)


def at(hour, minute):
    """A moment of 2025-03-04 in UTC (Vienna, the site's time zone, is an hour ahead)."""
    return datetime.datetime(2025, 3, 4, hour, minute, tzinfo=datetime.UTC)


def change_url(release):
    return reverse("admin:press_pressrelease_change", args=[release.pk])


def browser_of(username):
    """A staff member of Communications in a browser of their own (a logged-in test client)."""
    client = Client()
    client.force_login(make_user(username, group=STAFF))
    return client


def opened(client, release):
    """The release's change form as ``client``'s browser would send it back, unchanged."""
    response = client.get(change_url(release))
    assert response.status_code == 200, response.content[:2000]
    return form_data(response.content, FORM)


def typed(data, **fields):
    """``data`` with ``fields`` typed in (a list for a multiple choice)."""
    changed = dict(data)
    for name, value in fields.items():
        changed[name] = [str(v) for v in value] if isinstance(value, list) else [value]
    return changed


def nonfield_errors(page):
    """The errors the admin shows above the form's fields."""
    found = re.search(r'<ul class="errorlist nonfield">(.*?)</ul>', page, re.S)
    return re.findall(r"<li>(.*?)</li>", found.group(1)) if found else []


def stale_box(page):
    """The refusal's box above the fields, or None."""
    found = re.search(r"<div class=\"stale-box\"[^>]*data-stale>(.*?)</div>", page, re.S)
    return found.group(1) if found else None


def topic_pks(*slugs):
    return sorted(Topic.objects.filter(slug__in=slugs).values_list("pk", flat=True))


def tags_of(release, relation="topics"):
    return sorted(getattr(release, relation).values_list("pk", flat=True))


def draft(title="Mission supports elections", **fields):
    return make_release(
        title, status="draft", summary="The old summary.", tags={"topics": ["elections"]}, **fields
    )


def assert_refused_as_stale(response, *, by, at_time, change, typed_text):
    """Refused: the form again, naming who saved and when, with what was typed and the box."""
    assert response.status_code == 200
    page = response.content.decode()
    assert nonfield_errors(page) == [
        f"{by} saved this press release at 2025-03-04 {at_time}, after you opened this page "
        f"({change}). " + STALE_ADVICE
    ]
    assert f"{typed_text}</textarea>" in page or f'value="{typed_text}"' in page
    box = stale_box(page)
    assert box is not None, "the reload box is missing"
    return page, box


# --- two people, one release ----------------------------------------------------------------


def test_the_second_save_is_refused_naming_the_first_and_keeps_what_was_typed():
    anna, berta = browser_of("anna"), browser_of("berta")
    with time_machine.travel(at(9, 0), tick=False) as clock:
        release = draft()
        url = change_url(release)
        pages = opened(anna, release), opened(berta, release)
        clock.move_to(at(9, 15))
        response = anna.post(url, typed(pages[0], title="Mission supports fair elections"))
        assert response.status_code == 302, response.content[:3000]
        clock.move_to(at(9, 20))

        response = berta.post(url, typed(pages[1], summary="A summary Berta typed."))

    page, box = assert_refused_as_stale(
        response, by="anna", at_time="10:15", change="Changed Title",
        typed_text="A summary Berta typed.",
    )  # fmt: skip
    assert f'<a href="{url}" target="_blank" rel="noopener">Open the saved version' in box
    assert f'<a href="{url}">Reload this page' in box
    # The page keeps the version it was read at: sending it again is refused again.
    assert f'value="{pages[1]["release_version"][0]}"' in page
    # Nothing of Anna's save is lost, nothing of Berta's written.
    release.refresh_from_db()
    assert release.title == "Mission supports fair elections"
    assert release.summary == "The old summary."
    assert berta.post(url, typed(pages[1], summary="A summary Berta typed.")).status_code == 200
    release.refresh_from_db()
    assert release.summary == "The old summary."

    # Berta reloads, types her summary again and saves: taken, with Anna's title.
    response = berta.post(url, typed(opened(berta, release), summary="A summary Berta typed."))
    assert response.status_code == 302, response.content[:3000]
    release.refresh_from_db()
    assert release.title == "Mission supports fair elections"
    assert release.summary == "A summary Berta typed."
    assert tags_of(release) == topic_pks("elections")


def test_a_change_of_the_tags_alone_makes_the_page_stale():
    anna, berta = browser_of("anna"), browser_of("berta")
    with time_machine.travel(at(11, 0), tick=False) as clock:
        release = draft()
        url = change_url(release)
        pages = opened(anna, release), opened(berta, release)
        assert pages[0]["topics"] == [str(pk) for pk in topic_pks("elections")]
        clock.move_to(at(11, 5))
        tags = topic_pks("elections", "youth")
        assert anna.post(url, typed(pages[0], topics=tags)).status_code == 302
        clock.move_to(at(11, 6))

        response = berta.post(url, typed(pages[1], title="A title Berta typed"))

    assert_refused_as_stale(
        response, by="anna", at_time="12:05", change="Changed Fields of work",
        typed_text="A title Berta typed",
    )  # fmt: skip
    release.refresh_from_db()
    assert release.title == "Mission supports elections"
    assert tags_of(release) == tags  # Berta's page would have taken "youth" off again


def test_a_workflow_step_makes_the_page_stale():
    anna, berta = browser_of("anna"), browser_of("berta")
    with time_machine.travel(at(14, 0), tick=False) as clock:
        release = draft()
        page = opened(berta, release)
        clock.move_to(at(14, 30))
        workflow.perform(release.pk, "submit", make_user("anna"))
        clock.move_to(at(14, 45))

        response = berta.post(change_url(release), typed(page, summary="Berta's late summary"))

    assert_refused_as_stale(
        response, by="anna", at_time="15:30", change="Submitted for review",
        typed_text="Berta&#x27;s late summary",
    )  # fmt: skip
    release.refresh_from_db()
    assert release.status == PressRelease.Status.IN_REVIEW
    assert release.summary == "The old summary."
    # Positive control: the reloaded page saves, and the release stays in review.
    response = berta.post(change_url(release), typed(opened(berta, release), summary="Later"))
    assert response.status_code == 302, response.content[:3000]
    release.refresh_from_db()
    assert release.summary == "Later" and release.status == PressRelease.Status.IN_REVIEW
    assert anna.get(change_url(release)).status_code == 200


def test_a_tag_change_made_on_a_translation_makes_the_siblings_page_stale():
    anna, berta = browser_of("anna"), browser_of("berta")
    with time_machine.travel(at(16, 0), tick=False) as clock:
        english = draft(translation_group="g-elections", language="en")
        french = draft(
            "La mission soutient les élections", translation_group="g-elections", language="fr"
        )
        berta_page = opened(berta, french)
        anna_page = opened(anna, english)
        clock.move_to(at(16, 10))
        tags = topic_pks("elections", "youth")
        response = anna.post(change_url(english), typed(anna_page, topics=tags))
        assert response.status_code == 302, response.content[:3000]
        assert tags_of(french) == tags  # the group shares its tags
        clock.move_to(at(16, 20))

        response = berta.post(change_url(french), typed(berta_page, summary="Résumé de Berta"))

    assert response.status_code == 200
    page = response.content.decode()
    # Her save's revision holds the French release too (its tags changed with it).
    assert nonfield_errors(page) == [
        "anna saved this press release at 2025-03-04 17:10, after you opened this page "
        "(Changed Fields of work). " + STALE_ADVICE
    ]
    assert "Résumé de Berta</textarea>" in page
    assert stale_box(page) is not None
    french.refresh_from_db()
    assert french.summary == "The old summary."
    assert tags_of(french) == tags  # Berta's page would have taken "youth" off the group
    assert tags_of(english) == tags
    # Positive control: Berta's reloaded page saves the summary and keeps the group's tags.
    response = berta.post(
        change_url(french), typed(opened(berta, french), summary="Résumé de Berta")
    )
    assert response.status_code == 302, response.content[:3000]
    french.refresh_from_db()
    assert french.summary == "Résumé de Berta" and tags_of(english) == tags


def test_a_change_made_outside_the_admin_is_refused_without_a_name():
    berta = browser_of("berta")
    release = draft()
    page = opened(berta, release)
    PressRelease.objects.filter(pk=release.pk).update(title="Changed by a script")
    response = berta.post(change_url(release), typed(page, summary="Mine"))
    assert response.status_code == 200
    assert nonfield_errors(response.content.decode()) == [
        "This press release was changed after you opened this page (not in the admin: there "
        "is no record of who). " + STALE_ADVICE
    ]
    release.refresh_from_db()
    assert release.title == "Changed by a script" and release.summary == "The old summary."


# --- the version itself -------------------------------------------------------------------


@pytest.mark.parametrize(
    "version",
    [None, "", "0" * 32 + "-1741078800000000", "not a token", "x" * 100],
    ids=["missing", "empty", "another-digest", "garbage", "long"],
)
def test_a_post_without_a_true_version_is_refused_and_saves_nothing(version):
    berta = browser_of("berta")
    release = draft()
    data = typed(opened(berta, release), title="From a script", summary="Made up")
    if version is None:
        del data["release_version"]
    else:
        data["release_version"] = [version]
    response = berta.post(change_url(release), data)
    assert response.status_code == 200
    page = response.content.decode()
    if version:
        [error] = nonfield_errors(page)
        assert error.endswith(STALE_ADVICE), error
    else:
        assert nonfield_errors(page) == [NO_VERSION]
    release.refresh_from_db()
    assert release.title == "Mission supports elections"
    assert release.summary == "The old summary."


def test_the_version_of_another_releases_page_is_refused():
    berta = browser_of("berta")
    release, other = draft(), draft("Another release")
    data = typed(opened(berta, release), summary="Mine")
    data["release_version"] = opened(berta, other)["release_version"]
    assert berta.post(change_url(release), data).status_code == 200
    release.refresh_from_db()
    assert release.summary == "The old summary."


def test_the_same_person_saves_twice_each_time_from_the_page_the_save_led_to():
    anna = browser_of("anna")
    release = draft()
    url = change_url(release)
    first = opened(anna, release)
    response = anna.post(url, {**typed(first, title="First save"), "_continue": ["1"]})
    assert response.status_code == 302 and response.url == url
    second = opened(anna, release)
    assert second["release_version"] != first["release_version"]
    response = anna.post(url, {**typed(second, summary="Second save"), "_continue": ["1"]})
    assert response.status_code == 302, response.content[:3000]
    release.refresh_from_db()
    assert (release.title, release.summary) == ("First save", "Second save")
    # The first page, sent again after both, is stale now.
    assert anna.post(url, typed(first, summary="Third")).status_code == 200
    release.refresh_from_db()
    assert release.summary == "Second save"


def test_an_unchanged_page_sent_back_is_saved():
    anna = browser_of("anna")
    release = draft()
    response = anna.post(change_url(release), opened(anna, release))
    assert response.status_code == 302, response.content[:3000]


def test_restoring_a_revision_and_recovering_a_deleted_release_carry_the_version():
    """reversion's pages are change forms too: they carry the version, and they save."""
    admin = Client()
    admin.force_login(make_user("siteadmin", group="Site administrators"))
    release = draft()
    url = change_url(release)
    assert admin.post(url, typed(opened(admin, release), title="Second title")).status_code == 302
    assert admin.post(url, typed(opened(admin, release), title="Third title")).status_code == 302
    first = Version.objects.get_for_object(release).order_by("pk").first()
    revision_url = reverse("admin:press_pressrelease_revision", args=[release.pk, first.pk])
    page = admin.get(revision_url)
    data = form_data(page.content, FORM)
    assert data["release_version"][0]
    response = admin.post(revision_url, data)
    assert response.status_code == 302, response.content[:3000]
    release.refresh_from_db()
    assert release.title == "Second title"

    assert admin.post(reverse("admin:press_pressrelease_delete", args=[release.pk]), {
        "post": "yes"
    }).status_code == 302  # fmt: skip
    [deleted] = Version.objects.get_deleted(PressRelease)
    recover_url = reverse("admin:press_pressrelease_recover", args=[deleted.pk])
    data = form_data(admin.get(recover_url).content, FORM)
    assert data["release_version"][0]
    response = admin.post(recover_url, data)
    assert response.status_code == 302, response.content[:3000]
    assert PressRelease.objects.get(pk=release.pk).title == "Second title"


def test_restoring_a_revision_does_not_overwrite_a_save_made_after_its_page_was_opened():
    admin = Client()
    admin.force_login(make_user("siteadmin", group="Site administrators"))
    other = Client()
    other.force_login(make_user("anna", group="Communications staff"))
    release = draft()
    url = change_url(release)
    assert admin.post(url, typed(opened(admin, release), title="Second title")).status_code == 302
    first = Version.objects.get_for_object(release).order_by("pk").first()
    revision_url = reverse("admin:press_pressrelease_revision", args=[release.pk, first.pk])
    data = form_data(admin.get(revision_url).content, FORM)  # the restore page is open
    # Meanwhile someone else saves the release.
    assert other.post(url, typed(opened(other, release), title="Anna's title")).status_code == 302
    response = admin.post(revision_url, data)
    assert response.status_code == 200
    assert "anna saved this press release" in response.content.decode()
    release.refresh_from_db()
    assert release.title == "Anna's title"
    # Positive control: the restore page opened now restores.
    data = form_data(admin.get(revision_url).content, FORM)
    assert admin.post(revision_url, data).status_code == 302
    release.refresh_from_db()
    assert release.title == "Second title"  # the first revision: the first admin save


# --- two saves at the same moment (PostgreSQL row locks) ------------------------------------


def at_once(posts):
    """POST each of ``posts`` ({name: (client, url, data)}) from its own thread, released
    together by a barrier; {name: response}."""
    barrier = threading.Barrier(len(posts))
    responses = {}

    def save(name):
        client, url, data = posts[name]
        try:
            barrier.wait(10)
            responses[name] = client.post(url, data)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save, args=(name,)) for name in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return responses


@pytest.mark.postgres
@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_saves_at_the_same_moment_one_wins_the_other_is_refused(taxonomy):
    release = draft()
    url = change_url(release)
    anna, berta = browser_of("anna"), browser_of("berta")
    page = opened(anna, release)
    assert (
        opened(berta, release)["release_version"][0].split("-")[0]
        == (page["release_version"][0].split("-")[0])
    )
    responses = at_once({
        "anna": (anna, url, typed(page, title="Anna's title")),
        "berta": (berta, url, typed(page, summary="Berta's summary")),
    })  # fmt: skip
    assert sorted(r.status_code for r in responses.values()) == [200, 302]
    [winner] = [name for name, r in responses.items() if r.status_code == 302]
    [loser] = [name for name, r in responses.items() if r.status_code == 200]
    [error] = nonfield_errors(responses[loser].content.decode())
    assert error.startswith(f"{winner} saved this press release at "), error
    assert error.endswith(STALE_ADVICE)
    release.refresh_from_db()
    if winner == "anna":
        assert (release.title, release.summary) == ("Anna's title", "The old summary.")
    else:
        assert (release.title, release.summary) == ("Mission supports elections", "Berta's summary")


@pytest.mark.postgres
@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_two_translations_saved_at_the_same_moment_neither_fails(taxonomy):
    """Anna re-tags the English, Berta edits the French at once: no deadlock, no lost tags."""
    english = draft(translation_group="g-at-once", language="en")
    french = draft("La mission", translation_group="g-at-once", language="fr")
    anna, berta = browser_of("anna"), browser_of("berta")
    tags = topic_pks("elections", "youth")
    posts = {
        "anna": (anna, change_url(english), typed(opened(anna, english), topics=tags)),
        "berta": (berta, change_url(french), typed(opened(berta, french), summary="Résumé")),
    }
    for _round in range(5):
        responses = at_once(posts)
        statuses = {name: r.status_code for name, r in responses.items()}
        assert statuses["anna"] == 302, statuses
        assert statuses["berta"] in (200, 302), statuses
        french.refresh_from_db()
        assert tags_of(english) == tags_of(french) == tags
        # Ready for the next round: fresh pages, the tags back to one.
        PressRelease.topics.through.objects.filter(
            pressrelease_id__in=[english.pk, french.pk]
        ).exclude(topic_id=tags[0]).delete()
        posts["anna"] = (anna, change_url(english), typed(opened(anna, english), topics=tags))
        posts["berta"] = (
            berta, change_url(french), typed(opened(berta, french), summary=f"Résumé {_round}")
        )  # fmt: skip


# --- in a real browser ---------------------------------------------------------------------

SHOTS = Path("/tmp/shots")
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}


def in_a_browser(test):
    """Marked ``browser``: Debian's Chromium, a live server, a flushed database (conftest)."""
    for mark in BROWSER_TESTS:
        test = mark(test)
    return test


@pytest.fixture
def person(browser, live_server):
    """``person(username, group, viewport)``: a browser of someone logged in to the admin."""
    contexts = []

    def log_in(username, group, viewport=DESKTOP):
        make_user(username, group=group)
        context = browser.new_context(viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("pageerror", lambda e: page.console_errors.append(str(e)))
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "pw-for-tests")
        with page.expect_navigation():
            page.click("input[type=submit]")
        page.base = live_server.url
        return page

    yield log_in
    for context in contexts:
        context.close()


def save(page):
    with page.expect_navigation():
        page.locator('input[name="_save"]').first.click()


@in_a_browser
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_in_two_browsers_the_second_save_of_a_release_is_refused(person, viewport):
    release = draft()
    path = change_url(release)
    anna = person("anna", STAFF, viewport)
    berta = person("berta", STAFF, viewport)
    for page in (anna, berta):
        page.goto(page.base + path)
        page.locator("#id_title").wait_for()

    anna.fill("#id_title", "Mission supports fair elections")
    save(anna)
    assert "/change/" not in anna.url  # saved: back on the list
    berta.fill("#id_summary", "A summary Berta typed.")
    save(berta)

    error = berta.locator(".errorlist.nonfield li")
    assert error.count() == 1
    text = error.inner_text()
    assert text.startswith("anna saved this press release at "), text
    assert text.endswith(STALE_ADVICE)
    assert berta.input_value("#id_summary") == "A summary Berta typed."
    assert berta.input_value("#id_title") == "Mission supports elections"
    box = berta.locator("[data-stale]")
    assert box.is_visible()
    assert box.get_by_role("link", name="Reload this page (what you typed here is lost)").count()
    # The box fits the page: nothing wider than the screen, its links inside it.
    measured = berta.evaluate("""() => {
      const box = document.querySelector("[data-stale]").getBoundingClientRect();
      const links = [...document.querySelectorAll("[data-stale] a")].map(a => {
        const r = a.getBoundingClientRect(); return [r.left, r.right];
      });
      return {left: box.left, right: box.right, links,
              pageWidth: document.documentElement.scrollWidth};
    }""")
    assert measured["pageWidth"] <= viewport["width"], measured
    assert measured["left"] >= 0 and measured["right"] <= viewport["width"], measured
    for left, right in measured["links"]:
        assert measured["left"] <= left and right <= measured["right"] + 1, measured
    SHOTS.mkdir(parents=True, exist_ok=True)
    berta.evaluate("window.scrollTo(0, 0)")
    berta.screenshot(path=str(SHOTS / f"stale_release_{viewport['width']}.png"))
    assert berta.console_errors == []

    release.refresh_from_db()
    assert release.title == "Mission supports fair elections"
    assert release.summary == "The old summary."
    # Reloading shows Anna's title; Berta's summary, typed again, saves.
    berta.goto(berta.base + path)
    assert berta.input_value("#id_title") == "Mission supports fair elections"
    berta.fill("#id_summary", "A summary Berta typed.")
    save(berta)
    assert "/change/" not in berta.url
    release.refresh_from_db()
    assert (release.title, release.summary) == (
        "Mission supports fair elections",
        "A summary Berta typed.",
    )


@in_a_browser
def test_in_two_browsers_the_second_save_of_a_tree_node_is_refused(person):
    topic = Topic.objects.create(name="Testing the trees", parent=None)
    path = reverse("admin:taxonomy_topic_change", args=[topic.pk])
    anna = person("anna", "Site administrators")
    berta = person("berta", "Site administrators")
    for page in (anna, berta):
        page.goto(page.base + path)
        page.locator("#id_description").wait_for()

    anna.fill("#id_name", "Testing the trees well")
    save(anna)
    assert "/change/" not in anna.url
    berta.fill("#id_description", "What Berta typed.")
    save(berta)

    error = berta.locator(".errorlist.nonfield li")
    assert error.count() == 1
    text = error.inner_text()
    assert text.startswith("anna saved this field of work at "), text
    assert text.endswith(STALE_ADVICE)
    assert berta.input_value("#id_description") == "What Berta typed."
    SHOTS.mkdir(parents=True, exist_ok=True)
    berta.screenshot(path=str(SHOTS / "stale_topic_1280.png"))
    topic.refresh_from_db()
    assert topic.name == "Testing the trees well" and topic.description == ""
