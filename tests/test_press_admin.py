"""Communications staff write, tag, preview and submit; publishers approve and schedule."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from press.models import PressRelease, ReleaseType
from press.workflow import page_token
from taxonomy.models import Country, Structure, Topic

from .conftest import make_release, make_user
from .forms import form_data
from .images import image_bytes, upload

pytestmark = pytest.mark.usefixtures("taxonomy")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def release_form(**overrides):
    data = {
        "title": "Mission to Moldova supports local elections",
        "slug": "mission-to-moldova-supports-local-elections",
        "language": "en",
        "type": ReleaseType.objects.get(slug="press-release").pk,
        "summary": "Support for the Central Electoral Commission.",
        "body": "<p>CHISINAU – The OSCE Mission to Moldova ...</p>",
        "published_at_0": "",
        "published_at_1": "",
        "place": "Chisinau",
        "sources": [Structure.objects.get(slug="mission-to-moldova").pk],
        "topics": [Topic.objects.get(slug="elections").pk],
        "countries": [Country.objects.get(slug="moldova").pk],
        "structures": [],
        "meetings": [],
        "lead_image_alt": "",
        "lead_image_caption": "",
        "lead_image_credit": "",
        "source_url": "",
    }
    data.update(overrides)
    return data


ADD_URL = "/admin/press/pressrelease/add/"


def change_url(release):
    return reverse("admin:press_pressrelease_change", args=[release.pk])


def review_url(release):
    return reverse("admin:press_pressrelease_review", args=[release.pk])


def change_form(release, **overrides):
    """A change form's post: the release's fields as ``release_form`` has them, its version."""
    return release_form(slug=release.slug, release_version=page_token(release), **overrides)


# --- permission matrix --------------------------------------------------------

ROLES = ["anonymous", "comms", "siteadmin"]
EXPECTED = {
    # (role, action): allowed?
    ("anonymous", "add_release"): False,
    ("anonymous", "change_release"): False,
    ("anonymous", "delete_release"): False,
    ("anonymous", "publish_release"): False,
    ("anonymous", "add_node"): False,
    ("anonymous", "change_node"): False,
    ("anonymous", "delete_node"): False,
    ("comms", "add_release"): True,
    ("comms", "change_release"): True,
    ("comms", "delete_release"): False,
    ("comms", "publish_release"): False,
    ("comms", "add_node"): False,
    ("comms", "change_node"): False,
    ("comms", "delete_node"): False,
    ("siteadmin", "add_release"): True,
    ("siteadmin", "change_release"): True,
    ("siteadmin", "delete_release"): True,
    ("siteadmin", "publish_release"): True,
    ("siteadmin", "add_node"): True,
    ("siteadmin", "change_node"): True,
    ("siteadmin", "delete_node"): True,
}


def user_for(role):
    if role == "anonymous":
        return None
    from osce_cms.roles import COMMUNICATIONS_STAFF, SITE_ADMINISTRATORS

    group = {"comms": COMMUNICATIONS_STAFF, "siteadmin": SITE_ADMINISTRATORS}[role]
    return make_user(role, group=group)


def attempt(client, action):
    """Try ``action`` through the admin; return True when it took effect."""
    release = make_release("Existing", status="draft")
    leaf = Topic.objects.get(slug="water-management")
    if action == "add_release":
        client.post(ADD_URL, release_form())
        return PressRelease.objects.filter(slug=release_form()["slug"]).exists()
    if action == "change_release":
        client.post(change_url(release), change_form(release, title="Changed"))
        release.refresh_from_db()
        return release.title == "Changed"
    if action == "delete_release":
        client.post(reverse("admin:press_pressrelease_delete", args=[release.pk]), {"post": "yes"})
        return not PressRelease.objects.filter(pk=release.pk).exists()
    if action == "publish_release":
        # Submitted by someone else: four eyes do not stand in the way.
        PressRelease.objects.filter(pk=release.pk).update(status="in_review")
        client.post(review_url(release), {
            "action": "approve", "publish": "now", "version": page_token(release),
        })  # fmt: skip
        release.refresh_from_db()
        return release.status == "published"
    if action == "add_node":
        client.post("/admin/taxonomy/topic/add/", {
            "name": "New field", "slug": "new-field", "description": "", "is_active": "on",
            "aliases-TOTAL_FORMS": "0", "aliases-INITIAL_FORMS": "0",
        })  # fmt: skip
        return Topic.objects.filter(slug="new-field").exists()
    if action == "change_node":
        client.post(reverse("admin:taxonomy_topic_change", args=[leaf.pk]), {
            "name": "Water", "slug": leaf.slug, "parent": leaf.parent_id, "description": "",
            "is_active": "on", "aliases-TOTAL_FORMS": "0", "aliases-INITIAL_FORMS": "0",
        })  # fmt: skip
        leaf.refresh_from_db()
        return leaf.name == "Water"
    if action == "delete_node":
        client.post(reverse("admin:taxonomy_topic_delete", args=[leaf.pk]), {"post": "yes"})
        return not Topic.objects.filter(pk=leaf.pk).exists()
    raise AssertionError(action)


@pytest.mark.parametrize(("role", "action"), sorted(EXPECTED))
def test_permission_matrix(client, role, action):
    user = user_for(role)
    if user:
        client.force_login(user)
    assert attempt(client, action) is EXPECTED[(role, action)]


# --- the editorial workflow ---------------------------------------------------


def test_staff_write_a_release_with_an_image_tagged_in_three_trees(comms_client):
    data = release_form(
        lead_image=upload("photo.jpg", image_bytes(exif=True)),
        lead_image_alt="Election officials count ballots",
    )
    response = comms_client.post(ADD_URL, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    release = PressRelease.objects.get(slug=data["slug"])
    assert release.status == "draft" and not release.is_public
    assert release.created_by.username == "comms"
    assert [t.slug for t in release.topics.all()] == ["elections"]
    assert [s.slug for s in release.structures.all()] == ["mission-to-moldova"]  # from sources
    assert release.lead_image and release.image_thumbnail.url.endswith(".webp")


def test_a_new_release_is_a_draft_and_its_state_is_not_a_form_field(comms_client):
    page = comms_client.get(ADD_URL).content.decode()
    assert 'name="status"' not in page
    assert 'name="_submit_for_review"' in page
    comms_client.post(ADD_URL, release_form(status="published"))  # a forged field: ignored
    assert PressRelease.objects.get().status == "draft"


def test_slug_is_prefilled_from_the_title(comms_client):
    page = comms_client.get(ADD_URL).content.decode()
    assert "prepopulated_fields" in page or "prepopulate" in page
    assert '"dependency_ids": ["#id_title"]' in page or "#id_title" in page


def test_an_image_without_alt_text_is_refused(comms_client):
    data = release_form(lead_image=upload())
    response = comms_client.post(ADD_URL, data)
    assert response.status_code == 200
    assert "Describe the image" in response.content.decode()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.jpg", b"plain text pretending", "not a JPEG, PNG or WebP image"),
        ("bomb.png", None, "megapixels"),
    ],
)
def test_bad_uploads_are_form_errors(comms_client, name, content, message):
    from .images import png_claiming

    content = content if content is not None else png_claiming(10000, 10000)
    response = comms_client.post(
        ADD_URL, release_form(lead_image=upload(name, content), lead_image_alt="x")
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not PressRelease.objects.exists()


def test_staff_preview_a_draft_the_public_gets_404(client, comms_user):
    release = make_release("Secret draft", status="draft")
    assert client.get(release.get_absolute_url()).status_code == 404
    client.force_login(comms_user)
    response = client.get(release.get_absolute_url())
    assert response.status_code == 200
    assert "Preview: this draft is not visible to the public." in response.content.decode()
    assert "noindex" in response.content.decode()


def test_submit_then_a_publisher_schedules_it_and_it_appears_only_after_its_time(
    client, comms_client
):
    release = make_release("Scheduled one", status="draft")
    response = comms_client.post(
        change_url(release), change_form(release, title=release.title, _submit_for_review="1")
    )
    assert response.status_code == 302
    release.refresh_from_db()
    assert release.state == "in_review"
    publisher = make_user("pub", group="Publishers")
    client.force_login(publisher)
    at = timezone.localtime() + timedelta(hours=2)
    client.post(review_url(release), {
        "action": "approve", "publish": "at", "publish_at": at.strftime("%Y-%m-%dT%H:%M"),
        "version": page_token(release),
    })  # fmt: skip
    release.refresh_from_db()
    assert release.state == "scheduled"
    listing = comms_client.get("/admin/press/pressrelease/").content.decode()
    assert "Scheduled for" in listing
    client.logout()
    assert client.get(release.get_absolute_url()).status_code == 404
    # Time passes (the rule is evaluated at request time; no job runs).
    PressRelease.objects.filter(pk=release.pk).update(
        published_at=timezone.now() - timedelta(seconds=1)
    )
    assert client.get(release.get_absolute_url()).status_code == 200


def test_the_list_has_no_publishing_actions(comms_client, admin_client_site):
    """Publishing goes through review (four eyes), never a bulk action."""
    make_release("Draft", status="draft")
    for client in (comms_client, admin_client_site):
        page = client.get("/admin/press/pressrelease/").content.decode()
        assert "publish_selected" not in page and "unpublish_selected" not in page


def test_admin_filters_include_descendants(comms_client):
    make_release("CPC release", tags={"structures": ["conflict-prevention-centre"]})
    make_release("Youth release", tags={"topics": ["youth"]})
    secretariat = Structure.objects.get(slug="secretariat")
    page = comms_client.get(
        "/admin/press/pressrelease/", {"structures__id__inhierarchy": secretariat.pk}
    ).content.decode()
    assert "CPC release" in page and "Youth release" not in page


def test_admin_tree_filter_lists_drafts_and_each_release_once(comms_client):
    make_release(
        "Twice under the Secretariat",
        tags={"structures": ["conflict-prevention-centre", "transnational-threats-department"]},
    )
    make_release("Draft from the centre", status="draft",
                 tags={"structures": ["conflict-prevention-centre"]})  # fmt: skip
    make_release("Elsewhere", tags={"structures": ["institutions"]})
    secretariat = Structure.objects.get(slug="secretariat")
    response = comms_client.get(
        "/admin/press/pressrelease/", {"structures__id__inhierarchy": secretariat.pk}
    )
    assert response.context["cl"].result_count == 2
    titles = sorted(r.title for r in response.context["cl"].result_list)
    assert titles == ["Draft from the centre", "Twice under the Secretariat"]


def test_taxonomy_picker_finds_a_node_by_typing_and_shows_its_path(comms_client):
    response = comms_client.get("/admin/autocomplete/", {
        "app_label": "press", "model_name": "pressrelease", "field_name": "structures",
        "term": "conflict prev",
    })  # fmt: skip
    texts = [r["text"] for r in response.json()["results"]]
    assert "Secretariat › Conflict Prevention Centre" in texts


def test_taxonomy_picker_finds_by_alias(comms_client):
    response = comms_client.get("/admin/autocomplete/", {
        "app_label": "press", "model_name": "pressrelease", "field_name": "countries",
        "term": "czech",
    })  # fmt: skip
    # Countries are picked alphabetically, groups too.
    assert [r["text"] for r in response.json()["results"]] == [
        "Former participating States › Czech and Slovak Federal Republic (closed)",
        "Participating States › Czechia",
    ]


def test_selected_tags_show_their_path(comms_client):
    release = make_release(
        "Tagged", status="draft", tags={"structures": ["conflict-prevention-centre"]}
    )
    page = comms_client.get(change_url(release)).content.decode()
    assert "Secretariat › Conflict Prevention Centre" in page


# --- history ------------------------------------------------------------------


def test_restore_an_earlier_version(admin_client_site):
    admin_client_site.post(ADD_URL, release_form(title="Original title"))
    release = PressRelease.objects.get()
    admin_client_site.post(change_url(release), change_form(release, title="Edited title"))
    release.refresh_from_db()
    assert release.title == "Edited title"
    first = Version.objects.get_for_object(release).order_by("pk").first()
    url = reverse("admin:press_pressrelease_revision", args=[release.pk, first.pk])
    # The revision's page carries the version it showed, as the change form does.
    shown = form_data(admin_client_site.get(url).content, "pressrelease_form")
    assert shown["title"] == ["Original title"]
    response = admin_client_site.post(
        url, release_form(title="Original title", slug=release.slug,
                          release_version=shown["release_version"])
    )  # fmt: skip
    assert response.status_code == 302
    release.refresh_from_db()
    assert release.title == "Original title"


def test_recover_a_deleted_release(admin_client_site):
    admin_client_site.post(ADD_URL, release_form(title="Deleted by mistake"))
    release = PressRelease.objects.get()
    pk = release.pk
    admin_client_site.post(reverse("admin:press_pressrelease_delete", args=[pk]), {"post": "yes"})
    assert not PressRelease.objects.filter(pk=pk).exists()
    version = Version.objects.get_deleted(PressRelease).get()
    recover = reverse("admin:press_pressrelease_recover", args=[version.pk])
    shown = form_data(admin_client_site.get(recover).content, "pressrelease_form")
    admin_client_site.post(
        recover,
        release_form(title="Deleted by mistake", release_version=shown["release_version"]),
    )
    restored = PressRelease.objects.get(pk=pk)
    assert restored.title == "Deleted by mistake"
    assert [t.slug for t in restored.topics.all()] == ["elections"]


# --- nodes in use -------------------------------------------------------------


def test_a_node_linked_to_releases_cannot_be_deleted(admin_client_site):
    make_release("One", tags={"topics": ["water-management"]})
    make_release("Two", tags={"topics": ["water-management"]})
    node = Topic.objects.get(slug="water-management")
    url = reverse("admin:taxonomy_topic_delete", args=[node.pk])
    page = admin_client_site.get(url).content.decode()
    assert "2 press releases use it" in page
    admin_client_site.post(url, {"post": "yes"})
    assert Topic.objects.filter(pk=node.pk).exists()


# --- revisions of publishing --------------------------------------------------


def history_comments(release):
    return [v.revision.comment for v in Version.objects.get_for_object(release).order_by("pk")]


def test_approving_leaves_a_revision_by_the_publisher(comms_user):
    from django.test import Client

    now_public = make_release("Goes out now", status="in_review")
    scheduled = make_release("Goes out tomorrow", status="in_review")
    publisher = make_user("pub", group="Publishers")
    client = Client()
    client.force_login(publisher)
    client.post(review_url(now_public), {
        "action": "approve", "publish": "now", "version": page_token(now_public),
    })  # fmt: skip
    tomorrow = timezone.localtime() + timedelta(days=1)
    client.post(review_url(scheduled), {
        "action": "approve", "publish": "at", "publish_at": tomorrow.strftime("%Y-%m-%dT%H:%M"),
        "version": page_token(scheduled),
    })  # fmt: skip
    assert history_comments(now_public)[-1] == "Approved and published"
    assert history_comments(scheduled)[-1].startswith("Approved: scheduled for ")
    [version] = Version.objects.get_for_object(now_public)[:1]
    assert version.revision.user == publisher
    assert version.field_dict["status"] == "published"
    history = client.get(
        reverse("admin:press_pressrelease_history", args=[now_public.pk])
    ).content.decode()
    assert "Approved and published" in history


# --- pickers, dates and marks in the release admin ----------------------------


def test_release_relation_widgets_offer_no_delete_or_edit(comms_client, admin_client_site):
    for client in (comms_client, admin_client_site):
        page = client.get(ADD_URL).content.decode()
        assert 'id="id_type"' in page
        for field in ("type", "sources", "topics", "countries", "structures", "meetings"):
            assert f'id="delete_id_{field}"' not in page
            assert f'id="change_id_{field}"' not in page
    # A missing release type may still be added from the form.
    assert 'id="add_id_type"' in admin_client_site.get(ADD_URL).content.decode()


def test_country_filter_lists_countries_alphabetically(comms_client):
    page = comms_client.get("/admin/press/pressrelease/").content.decode()
    countries = page.split("By countries")[1].split("</ul>")[0]
    # The shipped tree has Belgium before Belarus, and Türkiye before Turkmenistan.
    assert countries.index("Belarus") < countries.index("Belgium")
    assert countries.index("Türkiye") < countries.index("Turkmenistan")


def test_tree_filters_indent_each_node_by_its_level_with_a_class(comms_client):
    """The admin's CSP refuses style attributes: the indentation is a class per level."""
    page = comms_client.get("/admin/press/pressrelease/").content.decode()
    topics = page.split("By fields of work")[1].split("</ul>")[0]
    assert re.search(
        r'<a class="tree-level tree-level-0" href="[^"]*">Environmental activities<', topics
    )
    assert re.search(r'<a class="tree-level tree-level-1" href="[^"]*">Climate change<', topics)
    assert "style=" not in page.split('id="changelist-filter"')[1]


def test_country_picker_lists_countries_alphabetically(comms_client):
    response = comms_client.get("/admin/autocomplete/", {
        "app_label": "press", "model_name": "pressrelease", "field_name": "countries",
        "term": "bel",
    })  # fmt: skip
    texts = [r["text"] for r in response.json()["results"]]
    assert texts == ["Participating States › Belarus", "Participating States › Belgium"]


WINTER_AFTERNOON = datetime(2026, 12, 3, 13, 5, tzinfo=UTC)  # 14:05 in Vienna (CET)


def test_change_list_dates_read_like_the_public_pages_with_the_zone(comms_client):
    make_release("Dated", published_at=WINTER_AFTERNOON)
    page = comms_client.get("/admin/press/pressrelease/").content.decode()
    assert "3 December 2026, 14:05 CET" in page
    assert "p.m." not in page and "Dec." not in page


def test_read_only_dates_read_like_the_public_pages(admin_client_site):
    with time_machine.travel(datetime(2026, 7, 1, 8, 30, tzinfo=UTC), tick=False):
        release = make_release("Summer")
    page = admin_client_site.get(change_url(release)).content.decode()
    assert "1 July 2026, 10:30 CEST" in page  # "updated at", Vienna summer time


def test_scheduling_message_has_one_full_stop(client):
    release = make_release("To schedule", status="in_review")
    client.force_login(make_user("pub", group="Publishers"))
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), tick=False):
        response = client.post(
            review_url(release),
            {"action": "approve", "publish": "at", "publish_at": "2026-12-03T14:05",
             "version": page_token(release)},
            follow=True,
        )  # fmt: skip
    messages = [str(m) for m in response.context["messages"]]
    assert "Approved: scheduled for 3 December 2026, 14:05 CET: “To schedule”." in messages
    assert not any(".." in m for m in messages)


def test_scheduled_state_is_a_drawn_mark_and_words(comms_client):
    with time_machine.travel(datetime(2026, 12, 1, 9, 0, tzinfo=UTC), tick=False):
        make_release("Later", published_at=WINTER_AFTERNOON)
        page = comms_client.get("/admin/press/pressrelease/").content.decode()
    cell = page.split('class="field-state_badge">')[1].split("</td>")[0]
    assert "<svg" in cell
    text = re.sub(r"<[^>]+>", "", cell)
    assert " ".join(text.split()) == "Scheduled for 3 December 2026, 14:05 CET"
    # Characters from the symbol blocks, which common fonts lack, are not used.
    assert not re.search("[\u2190-\u2bff]", page.split("<!-- START SVGs -->")[0])


def test_an_admin_save_writes_the_read_model_once(comms_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from press import listing_model
    from press.models import ListingRow

    with CaptureQueriesContext(connection) as queries:
        response = comms_client.post("/admin/press/pressrelease/add/", release_form())
    assert response.status_code == 302
    release = PressRelease.objects.get(title__startswith="Mission to Moldova supports")
    deletes = [q for q in queries if q["sql"].startswith('DELETE FROM "press_listingrow"')
               or q["sql"].startswith("DELETE FROM press_listingrow")]  # fmt: skip
    assert len(deletes) == 1  # the release and its five relations: one refresh
    states = Country.objects.get(slug="participating-states").pk
    assert ListingRow.objects.filter(release=release, dimension="country", value=states).exists()
    assert listing_model.verify() == []
