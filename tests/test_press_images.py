"""Lead images: judged by content, capped, stripped of metadata, rendered for srcset."""

import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
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


def media_files(root):
    """Every file under ``root`` (directories left empty do not count)."""
    if not Path(root).exists():
        return []
    return sorted(str(p.relative_to(root)) for p in Path(root).rglob("*") if p.is_file())


def rendition_sizes(release):
    sizes = {}
    for name in ("image_thumbnail", "image_medium", "image_large"):
        rendition = getattr(release, name)
        with rendition.storage.open(rendition.name) as f:
            sizes[name] = Image.open(f).size
    return sizes


@pytest.mark.parametrize(
    ("size", "accepted"),
    [
        ((40000, 1), False),
        ((1, 40000), False),
        ((801, 1), False),  # the 400-pixel rendition would be 400 × 0
        ((21, 1), False),
        ((8001, 400), False),
        ((20, 1), True),  # a 20:1 strip is the longest accepted
        ((8000, 400), True),
        ((1, 1), True),
        ((4000, 1000), True),  # a panorama
    ],
)
def test_an_image_too_long_and_thin_for_its_renditions_is_refused(media_root, size, accepted):
    file = upload("strip.png", image_bytes("PNG", size=size), "image/png")
    if accepted:
        validate_image(file)
    else:
        with pytest.raises(ValidationError, match="too long and thin"):
            validate_image(file)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    long=st.one_of(st.integers(1, 40000), st.integers(15, 25)),
    short=st.integers(1, 100),
    tall=st.booleans(),
)
def test_an_image_is_stored_with_every_rendition_or_refused_without_a_trace(
    media_root, long, short, tall
):
    assume(long * short <= 400_000)
    size = (short, long) if tall else (long, short)
    before = media_files(media_root)
    data = image_bytes("PNG", size=size)
    if max(size) > 20 * min(size):
        with pytest.raises(ValidationError, match="too long and thin"):
            validate_image(upload("strip.png", data, "image/png"))
        # Even a save that skips validation stores nothing.
        with pytest.raises(ValidationError, match="too long and thin"):
            make_release("Strip", lead_image=upload("strip.png", data, "image/png"),
                         lead_image_alt="A strip")  # fmt: skip
        assert media_files(media_root) == before
        return
    validate_image(upload("strip.png", data, "image/png"))
    release = make_release("Strip", lead_image=upload("strip.png", data, "image/png"),
                           lead_image_alt="A strip")  # fmt: skip
    assert (release.lead_image_width, release.lead_image_height) == size
    sizes = rendition_sizes(release)
    assert all(w >= 1 and h >= 1 for w, h in sizes.values()), sizes
    assert len(media_files(media_root)) == len(before) + 4  # the image and three renditions


class _Source:
    def __init__(self, name):
        self.name = name


@settings(max_examples=200, deadline=None)
@given(
    name=st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=60),
    size=st.sampled_from([400, 800, 1600]),
)
def test_rendition_names_are_imagekits_own(name, size):
    """Renditions already stored keep their names: the quick hash is imagekit's hash.

    The oracle is imagekit's own spec, built the way the renditions were
    declared before (processors, format, options as field arguments), hashed
    by its pure-Python pickler. Names with backslashes, newlines and any
    script are included: protocol 0 escapes those.
    """
    from imagekit.cachefiles.strategies import Optimistic
    from imagekit.processors import ResizeToFit
    from imagekit.specs import create_spec_class

    from press.images import webp_rendition_spec

    imagekits = create_spec_class(
        {
            "processors": [ResizeToFit(size, size, upscale=False)],
            "format": "WEBP",
            "options": {"quality": 80},
            "cachefile_strategy": Optimistic,
        }
    )
    ours = webp_rendition_spec(size)
    path = f"press/2026/12/{name}.jpg"
    assert ours(_Source(path)).get_hash() == imagekits(_Source(path)).get_hash()


def test_a_rendition_name_written_down():
    """One name as imagekit 6 gave it before this spec class existed, copied from its output."""
    from press.images import webp_rendition_spec

    spec = webp_rendition_spec(400)(_Source("press/2026/12/vienna.jpg"))
    assert spec.cachefile_name == (
        "CACHE/images/press/2026/12/vienna/e4b8f2f6ed10857b23c33c419622f1aa.webp"
    )


@settings(max_examples=1000, deadline=None)
@given(name=st.text(max_size=80))
def test_the_quick_pickle_of_a_name_is_imagekits(name):
    """The C pickler's protocol-0 bytes of ``[name]`` are those of imagekit's pure-Python
    pickler, for any text: backslashes, newlines, NUL, \\x1a, lone surrogates."""
    from press.images import _pickled, _pickled_name

    assert _pickled_name(name) == _pickled([name])
