"""Whatever file an editor uploads as a lead image, the admin answers with a form or a release.

Every upload goes through the release admin's real add form, as a
browser sends it. A hostile file is refused with a form error that says
why (never a 5xx), no release is created, and MEDIA_ROOT holds exactly the
files it held before. The controls show that a normal JPEG and PNG are
accepted and stored with their renditions, so the refusals mean something.
"""

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from press.models import PressRelease

from ..factories import UserFactory
from ..images import gif_claiming, image_bytes, jpeg_claiming, png_bomb, png_claiming
from ..test_lead_image_lifecycle import ADD_URL, form
from .corpus import wire

pytestmark = pytest.mark.usefixtures("taxonomy")

NOT_AN_IMAGE = "This file is not a JPEG, PNG or WebP image."
DAMAGED = "The image is damaged or truncated and cannot be read."
TOO_MANY_PIXELS = "the limit is 40 megapixels"
TOO_THIN = "too long and thin to show"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def editor(client):
    client.force_login(UserFactory(username="editor", group="Communications staff"))
    return client


def media_files(root):
    """Every file under ``root`` (directories left empty do not count)."""
    if not Path(root).exists():
        return []
    return sorted(str(p.relative_to(root)) for p in Path(root).rglob("*") if p.is_file())


BOUNDARY = "----hostile-upload-boundary-7d1f3a"


def multipart(fields, name, content, content_type):
    """The body a browser sends: the form's fields, then the file under ``name`` as typed.

    Built by hand so any file name goes on the wire (a slash, "..", lone
    surrogates), where the test client would first take its base name.
    """
    parts = []
    for key, values in fields.items():
        for value in values if isinstance(values, list) else [values]:
            parts.append(
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
    quoted = wire(name).replace(b'"', b"%22").replace(b"\r", b"%0D").replace(b"\n", b"%0A")
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="lead_image"; filename="'.encode()
        + quoted
        + f'"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
        + content
        + b"\r\n"
    )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def send(client, name, content, content_type="application/octet-stream"):
    body = multipart(form(), name, content, content_type)
    return client.post(ADD_URL, body, content_type=f"multipart/form-data; boundary={BOUNDARY}")


def truncated_png():
    data = image_bytes("PNG", size=(600, 400))
    return data[: len(data) // 2]


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9"/></svg>'
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"

HOSTILE = [
    # (name, content, the form error a reader sees)
    ("strip.png", lambda: image_bytes("PNG", size=(40000, 1)), TOO_THIN),
    ("column.png", lambda: image_bytes("PNG", size=(1, 40000)), TOO_THIN),
    ("empty.jpg", lambda: b"", "The submitted file is empty."),
    ("cut.png", truncated_png, DAMAGED),
    ("drawing.svg", lambda: SVG, NOT_AN_IMAGE),
    ("drawing.png", lambda: SVG, NOT_AN_IMAGE),
    ("page.jpg", lambda: HTML, NOT_AN_IMAGE),
    ("bomb.gif", lambda: gif_claiming(65535, 65535), NOT_AN_IMAGE),  # GIF is never accepted
    ("bomb.png", lambda: png_bomb(20000, 20000), TOO_MANY_PIXELS),  # 400 Mpx of real zeros
    ("warns.png", lambda: png_bomb(10000, 10000), TOO_MANY_PIXELS),  # where Pillow only warns
    ("claims.png", lambda: png_claiming(2**31 - 1, 2**31 - 1), TOO_MANY_PIXELS),
    ("claims.jpg", lambda: jpeg_claiming(65500, 65500), TOO_MANY_PIXELS),
]


@pytest.mark.parametrize(("name", "content", "error"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_a_hostile_upload_is_a_form_error_and_leaves_no_file(
    editor, media_root, name, content, error
):
    before = media_files(media_root)

    response = send(editor, name, content())

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not PressRelease.objects.exists()
    assert media_files(media_root) == before


@pytest.mark.parametrize(("fmt", "name"), [("JPEG", "hall.jpg"), ("PNG", "chart.png")])
def test_control_a_normal_image_is_accepted_and_stored(editor, media_root, fmt, name):
    response = send(editor, name, image_bytes(fmt, size=(1200, 800)), f"image/{fmt.lower()}")

    assert response.status_code == 302, response.content[:2000]
    release = PressRelease.objects.get()
    files = media_files(media_root)
    assert release.lead_image.name in files
    assert len(files) == 4  # the image and its three renditions
    with release.lead_image.open("rb") as f:
        assert Image.open(f).format == fmt


HYPOTHESIS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def judged(client, media_root, name, content):
    """Send one upload; it is either stored whole or refused without a trace. Never a 5xx."""
    before = media_files(media_root)
    client.raise_request_exception = False
    response = send(client, name, content)
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:
        assert 'class="errorlist' in response.content.decode()
        assert media_files(media_root) == before
        return
    release = PressRelease.objects.get(slug=form()["slug"])
    if release.lead_image:
        with release.lead_image.open("rb") as f:
            Image.open(f).load()
    else:  # a name the upload parser drops (nothing left once cleaned): no file was sent
        assert media_files(media_root) == before
    release.delete()  # the next example adds the same release again


@HYPOTHESIS
@given(
    name=st.one_of(
        st.sampled_from(["a.jpg", "a.png", "a.webp", "a.gif", "a.svg", "a", ".jpg"]),
        st.sampled_from(["/", "..", "../../etc/passwd.jpg", "a/", "C:\\x.jpg", "\ud800.jpg"]),
        st.text(min_size=1, max_size=300),
    ),
    content=st.binary(max_size=2000),
)
def test_any_bytes_under_any_name_are_refused_or_stored(editor, media_root, name, content):
    judged(editor, media_root, name, content)


def _png_mutations():
    data = image_bytes("PNG", size=(64, 48))
    return st.lists(
        st.tuples(st.integers(0, len(data) - 1), st.integers(0, 255)), min_size=1, max_size=8
    ).map(lambda edits: _edited(data, edits))


def _edited(data, edits):
    raw = bytearray(data)
    for at, byte in edits:
        raw[at] = byte
    return bytes(raw)


@HYPOTHESIS
@given(content=_png_mutations(), cut=st.one_of(st.none(), st.integers(0, 400)))
def test_a_corrupted_png_is_refused_or_stored(editor, media_root, content, cut):
    """A real PNG with bytes changed or its end cut off: headers, chunk lengths, CRCs, pixels."""
    judged(editor, media_root, "photo.png", content if cut is None else content[:cut])


def test_control_the_corruption_starts_from_a_good_image():
    Image.open(io.BytesIO(image_bytes("PNG", size=(64, 48)))).load()
