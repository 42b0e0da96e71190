"""The lead image's whole life in the admin, in a real browser: upload, re-save, replace, clear."""

import pytest
from PIL import Image

from press.models import PressRelease

from .conftest import BROWSER_TESTS
from .factories import UserFactory
from .images import image_bytes

pytestmark = BROWSER_TESTS


@pytest.fixture
def editor_site(taxonomy, live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    UserFactory(username="editor", group="Communications staff")
    return live_server.url


def save(page):
    page.click("input[name=_continue]")
    page.wait_for_load_state()
    errors = page.locator(".errornote, .errorlist").all_inner_texts()
    assert errors == []
    assert page.locator(".messagelist .success").count() == 1


def test_upload_resave_replace_and_clear_a_lead_image(page, editor_site, tmp_path):
    first, second = tmp_path / "first.jpg", tmp_path / "second.png"
    first.write_bytes(image_bytes("JPEG", size=(1200, 800)))
    second.write_bytes(image_bytes("PNG", size=(900, 600), color=(200, 40, 40)))

    page.goto(f"{editor_site}/admin/login/?next=/admin/press/pressrelease/add/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "pw-for-tests")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/press/pressrelease/add/")

    page.fill("#id_title", "Mission supports local elections")
    page.select_option("#id_type", label="Press release")
    page.set_input_files("#id_lead_image", str(first))
    page.fill("#id_lead_image_alt", "Voters queue outside a polling station")
    save(page)
    release = PressRelease.objects.get()
    assert (release.lead_image_width, release.lead_image_height) == (1200, 800)

    # Re-save with the image unchanged: this was a 500 for every role.
    page.fill("#id_title", "Mission supports municipal elections")
    save(page)
    release.refresh_from_db()
    assert release.title == "Mission supports municipal elections"
    assert release.lead_image

    page.set_input_files("#id_lead_image", str(second))
    save(page)
    release.refresh_from_db()
    assert (release.lead_image_width, release.lead_image_height) == (900, 600)
    with release.lead_image.open("rb") as f:
        assert Image.open(f).format == "PNG"

    page.check("#lead_image-clear_id")
    page.fill("#id_lead_image_alt", "")
    save(page)
    release.refresh_from_db()
    assert not release.lead_image
    assert page.console_errors == []
