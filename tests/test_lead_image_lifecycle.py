"""A lead image through its whole life in the admin: upload, re-save, replace, clear, restore.

Every later save of a release with an image used to fail with a 500
("seek of closed file"): the validator read the stored file through a
FieldFile the previous request had closed.
"""

import re
from pathlib import Path

import pytest
from django.db import DatabaseError, connection
from django.urls import reverse
from PIL import Image
from reversion.models import Version

from press.models import PressRelease, ReleaseType
from press.workflow import page_token
from taxonomy.models import Topic

from .factories import PressReleaseFactory, UserFactory
from .forms import form_data
from .images import image_bytes, upload

pytestmark = pytest.mark.usefixtures("taxonomy")

ADD_URL = "/admin/press/pressrelease/add/"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def form(**overrides):
    data = {
        "title": "Mission supports local elections",
        "slug": "mission-supports-local-elections",
        "language": "en",
        "type": ReleaseType.objects.get(slug="press-release").pk,
        "summary": "Support for the electoral commission.",
        "body": "<p>CHISINAU – The Mission ...</p>",
        "published_at_0": "",
        "published_at_1": "",
        "place": "Chisinau",
        "sources": [],
        "topics": [Topic.objects.get(slug="elections").pk],
        "countries": [],
        "structures": [],
        "meetings": [],
        "lead_image_alt": "Voters queue outside a polling station",
        "lead_image_caption": "",
        "lead_image_credit": "OSCE/Example",
        "source_url": "",
    }
    data.update(overrides)
    return data


def change_url(release):
    return reverse("admin:press_pressrelease_change", args=[release.pk])


def change(client, release, data):
    """Post the change form, with the version of the release it showed."""
    return client.post(change_url(release), {**data, "release_version": page_token(release)})


@pytest.fixture(params=["Communications staff", "Site administrators", "superuser"])
def staff_client(request, client):
    if request.param == "superuser":
        user = UserFactory(username="root", is_superuser=True)
    else:
        user = UserFactory(username="staff", group=request.param)
    client.force_login(user)
    return client


def uploaded(client, **overrides):
    response = client.post(ADD_URL, {**form(**overrides), "lead_image": upload("vote.jpg")})
    assert response.status_code == 302, response.content[:2000]
    return PressRelease.objects.get(slug=form(**overrides)["slug"])


def test_resaving_a_release_with_an_unchanged_image_works_for_every_role(staff_client):
    release = uploaded(staff_client)
    stored = release.lead_image.name
    assert stored

    response = change(staff_client, release, form(title="Mission supports elections"))

    assert response.status_code == 302, response.content[:2000]
    release.refresh_from_db()
    assert release.title == "Mission supports elections"
    assert release.lead_image.name == stored


def test_the_image_is_still_checked_on_resave_when_the_stored_file_is_gone(staff_client):
    release = uploaded(staff_client)
    release.lead_image.storage.delete(release.lead_image.name)

    response = change(staff_client, release, form())

    assert response.status_code == 200
    assert "stored image file is missing" in response.content.decode()


def test_replacing_the_image_stores_the_new_one(client):
    client.force_login(UserFactory(username="editor", group="Communications staff"))
    release = uploaded(client)
    old = release.lead_image.name
    big = upload("wide.png", image_bytes("PNG", size=(1600, 900)), "image/png")

    response = change(client, release, {**form(), "lead_image": big})

    assert response.status_code == 302, response.content[:2000]
    release.refresh_from_db()
    assert release.lead_image.name != old
    assert (release.lead_image_width, release.lead_image_height) == (1600, 900)
    with release.lead_image.open("rb") as f:
        assert Image.open(f).format == "PNG"


def test_clearing_the_image_removes_it_from_the_release(client):
    client.force_login(UserFactory(username="editor", group="Communications staff"))
    release = uploaded(client)

    response = change(
        client,
        release,
        {**form(lead_image_alt="", lead_image_credit=""), "lead_image-clear": "on"},
    )

    assert response.status_code == 302, response.content[:2000]
    release.refresh_from_db()
    assert not release.lead_image
    assert release.lead_image_width is None


def test_restoring_a_revision_of_a_release_with_an_image(client):
    client.force_login(UserFactory(username="admin", group="Site administrators"))
    release = uploaded(client, title="First title")
    change(client, release, form(title="Second title"))
    first = Version.objects.get_for_object(release).order_by("pk").first()
    revision_url = reverse("admin:press_pressrelease_revision", args=[release.pk, first.pk])

    assert client.get(revision_url).status_code == 200
    shown = form_data(client.get(revision_url).content, "pressrelease_form")
    response = client.post(
        revision_url, form(title="First title", release_version=shown["release_version"])
    )

    assert response.status_code == 302, response.content[:2000]
    release.refresh_from_db()
    assert release.title == "First title"
    assert release.lead_image


def test_full_clean_of_a_reloaded_release_reads_the_stored_image():
    release = PressReleaseFactory(lead_image=upload("a.jpg"), lead_image_alt="A hall")
    again = PressRelease.objects.get(pk=release.pk)
    again.full_clean()  # used to raise ValueError: seek of closed file
    again.full_clean()  # and twice in one process, after the first read closed it


def test_favicon_ico_leads_to_the_site_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")
    assert client.get(response["Location"]).status_code == 200


def test_listing_cards_show_a_thumbnail_only_for_releases_with_an_image(client):
    PressReleaseFactory(
        title="With a picture",
        lead_image=upload("hall.jpg", image_bytes(size=(1200, 800))),
        lead_image_alt="Delegates in a conference hall",
    )
    PressReleaseFactory(title="Text only")

    page = client.get("/press/").content.decode()

    cards = re.findall(r'<li class="card[^"]*">.*?</li>', page, re.S)
    assert len(cards) == 2
    with_image = next(c for c in cards if "With a picture" in c)
    text_only = next(c for c in cards if "Text only" in c)
    assert 'class="card with-image"' in with_image
    assert 'alt="Delegates in a conference hall"' in with_image
    assert re.search(r'src="[^"]+\.webp"', with_image)  # the 400 px rendition, not the upload
    assert "400w" in with_image
    assert "<img" not in text_only


def media_files(root):
    """Every file under ``root`` (directories left empty do not count)."""
    if not Path(root).exists():
        return []
    return sorted(str(p.relative_to(root)) for p in Path(root).rglob("*") if p.is_file())


def refuse_inserts(table):
    """Make the database itself refuse every new row of ``table`` (a real failure, no mock)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE FUNCTION refuse_row() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'refused by the database'; END $$"
            )
            cursor.execute(
                f"CREATE TRIGGER refuse_row BEFORE INSERT ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION refuse_row()"
            )
        else:
            cursor.execute(
                f"CREATE TRIGGER refuse_row BEFORE INSERT ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'refused by the database'); END"
            )


def test_a_strip_too_thin_for_renditions_is_a_form_error_and_leaves_no_file(client, media_root):
    client.force_login(UserFactory(username="editor", group="Communications staff"))
    before = media_files(media_root)
    strip = upload("strip.png", image_bytes("PNG", size=(40000, 1)), "image/png")

    response = client.post(ADD_URL, {**form(), "lead_image": strip})

    assert response.status_code == 200
    assert "too long and thin" in response.content.decode()
    assert not PressRelease.objects.exists()
    assert media_files(media_root) == before


@pytest.mark.parametrize(
    "table",
    [
        "press_pressrelease",  # the release's own row: fails inside its save
        "django_admin_log",  # the admin's log entry: fails after the renditions are made
    ],
)
def test_a_save_the_database_refuses_leaves_no_file_behind(client, media_root, table):
    client.force_login(UserFactory(username="editor", group="Communications staff"))
    refuse_inserts(table)

    with pytest.raises(DatabaseError, match="refused by the database"):
        client.post(ADD_URL, {**form(), "lead_image": upload("vote.jpg")})

    assert media_files(media_root) == []


def test_a_save_that_succeeds_keeps_the_image_and_its_renditions(client, media_root):
    """The control for the test above: the same post, with nothing refused."""
    client.force_login(UserFactory(username="editor", group="Communications staff"))
    release = uploaded(client)

    files = media_files(media_root)
    assert release.lead_image.name in files
    assert len(files) == 4  # the image and its three renditions


# --- restoring revisions of a release with an image ------------------------


def image_intact(release, size):
    """The stored image opens as ``size``, and its three renditions exist and open."""
    with release.lead_image.open("rb") as f:
        image = Image.open(f)
        image.load()
        assert image.size == size
    assert (release.lead_image_width, release.lead_image_height) == size
    for field in ("image_thumbnail", "image_medium", "image_large"):
        rendition = getattr(release, field)
        with rendition.storage.open(rendition.name) as f:
            assert Image.open(f).format == "WEBP"


def as_rendered(client, url):
    """Open ``url`` and send its form back as a browser would, unchanged."""
    page = client.get(url)
    assert page.status_code == 200, page.content[:2000]
    return client.post(url, form_data(page.content, "pressrelease_form"))


def test_restoring_an_earlier_image_through_the_history(client):
    client.force_login(UserFactory(username="admin", group="Site administrators"))
    release = uploaded(client, title="First title")
    first_image = release.lead_image.name
    wide = upload("wide.png", image_bytes("PNG", size=(1600, 900)), "image/png")
    response = change(client, release, {**form(title="Second title"), "lead_image": wide})
    assert response.status_code == 302, response.content[:2000]
    release.refresh_from_db()
    assert release.lead_image.name != first_image
    first = Version.objects.get_for_object(release).order_by("pk").first()

    response = as_rendered(
        client, reverse("admin:press_pressrelease_revision", args=[release.pk, first.pk])
    )

    assert response.status_code == 302, response.content[:2000]
    release.refresh_from_db()
    assert release.title == "First title"
    assert release.lead_image.name == first_image
    image_intact(release, (1200, 800))
    page = client.get(release.get_absolute_url()).content.decode()
    assert release.image_medium.url in page


def test_recovering_a_deleted_release_brings_its_image_back(client):
    client.force_login(UserFactory(username="admin", group="Site administrators"))
    release = uploaded(client, title="Deleted by mistake")
    stored = release.lead_image.name
    delete_url = reverse("admin:press_pressrelease_delete", args=[release.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 302
    assert not PressRelease.objects.filter(pk=release.pk).exists()
    (version,) = Version.objects.get_deleted(PressRelease)
    assert client.get(reverse("admin:press_pressrelease_recoverlist")).status_code == 200

    response = as_rendered(client, reverse("admin:press_pressrelease_recover", args=[version.pk]))

    assert response.status_code == 302, response.content[:2000]
    recovered = PressRelease.objects.get(pk=release.pk)
    assert recovered.lead_image.name == stored
    image_intact(recovered, (1200, 800))


def test_restoring_the_image_after_it_was_cleared(client):
    client.force_login(UserFactory(username="admin", group="Site administrators"))
    release = uploaded(client)
    stored = release.lead_image.name
    response = change(client, release, {**form(lead_image_alt=""), "lead_image-clear": "on"})
    assert response.status_code == 302, response.content[:2000]
    first = Version.objects.get_for_object(release).order_by("pk").first()

    response = as_rendered(
        client, reverse("admin:press_pressrelease_revision", args=[release.pk, first.pk])
    )

    assert response.status_code == 302, response.content[:2000]
    release.refresh_from_db()
    assert release.lead_image.name == stored
    image_intact(release, (1200, 800))
