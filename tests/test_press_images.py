"""Lead images: judged by content, capped, stripped of metadata, rendered for srcset."""

import io

import pytest
from django.core.exceptions import ValidationError
from PIL import Image

from press.images import strip_metadata, validate_image

from .conftest import make_release
from .images import image_bytes, png_claiming, upload

pytestmark = pytest.mark.usefixtures("taxonomy")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.parametrize(("fmt", "name"), [("JPEG", "a.jpg"), ("PNG", "a.png"), ("WEBP", "a.webp")])
def test_real_images_are_accepted_and_left_whole_for_the_next_reader(fmt, name):
    """The control for the refusals below: a real image passes, still readable from its start."""
    data = image_bytes(fmt)
    file = upload(name, data, f"image/{fmt.lower()}")
    validate_image(file)  # raises ValidationError if refused
    assert file.read() == data


def test_a_text_file_renamed_jpg_is_refused():
    with pytest.raises(ValidationError, match="not a JPEG, PNG or WebP"):
        validate_image(upload("notes.jpg", b"just some text, not an image"))


def test_an_svg_renamed_png_is_refused():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
    with pytest.raises(ValidationError, match="not a JPEG, PNG or WebP"):
        validate_image(upload("x.png", svg, "image/png"))


def test_an_oversized_file_is_refused():
    big = upload("big.png", b"\x89PNG" + b"0" * (10 * 1024 * 1024), "image/png")
    with pytest.raises(ValidationError, match="limit is 10 MB"):
        validate_image(big)


def test_too_many_pixels_are_refused_before_decoding():
    with pytest.raises(ValidationError, match="megapixels"):
        validate_image(upload("wide.png", png_claiming(9000, 5000), "image/png"))


def test_a_decompression_bomb_is_refused():
    # 100M pixels: between Pillow's warning and error thresholds, where it only warns.
    with pytest.raises(ValidationError, match="megapixels"):
        validate_image(upload("bomb.png", png_claiming(10000, 10000), "image/png"))


def test_a_truncated_image_is_refused():
    data = image_bytes("PNG")
    with pytest.raises(ValidationError, match="damaged or truncated"):
        validate_image(upload("cut.png", data[: len(data) // 2], "image/png"))


def test_metadata_is_stripped():
    original = upload("camera.jpg", image_bytes(exif=True))
    assert Image.open(io.BytesIO(original.read())).getexif()
    cleaned = strip_metadata(original)
    assert not Image.open(io.BytesIO(cleaned.read())).getexif()
    assert cleaned.name == "camera.jpg"


def test_saved_image_has_no_metadata_and_webp_renditions(media_root):
    release = make_release(
        "With image",
        lead_image=upload("camera.jpg", image_bytes(exif=True, size=(2000, 1000))),
        lead_image_alt="A meeting room",
    )
    with release.lead_image.open("rb") as f:
        stored = Image.open(f)
        assert stored.format == "JPEG" and not stored.getexif()
    assert (release.lead_image_width, release.lead_image_height) == (2000, 1000)
    widths = {}
    for name in ("image_thumbnail", "image_medium", "image_large"):
        rendition = getattr(release, name)
        with rendition.storage.open(rendition.name) as f:
            image = Image.open(f)
            assert image.format == "WEBP"
            widths[name] = image.width
    assert widths == {"image_thumbnail": 400, "image_medium": 800, "image_large": 1600}


def test_release_page_has_a_srcset_and_alt_text(client):
    release = make_release(
        "With image",
        lead_image=upload(content=image_bytes(size=(1000, 500))),
        lead_image_alt="Delegates at a table",
    )
    page = client.get(release.get_absolute_url()).content.decode()
    assert 'alt="Delegates at a table"' in page
    assert "400w" in page and "800w" in page and "1000w" in page
    assert ".webp" in page
