"""Uploaded images: judged by their content, never by their name.

- Only JPEG, PNG and WebP are opened (Pillow's ``formats=``), so a text or
  SVG file renamed ``.jpg`` is refused.
- At most ``MAX_IMAGE_BYTES`` and ``MAX_IMAGE_PIXELS``, checked from the
  header before any pixel is decoded; Pillow's DecompressionBombWarning
  (between 89M and 179M pixels it only warns) is an error here.
- At most ``MAX_ASPECT_RATIO`` times as long as it is wide (or the other way
  round): the renditions fit a square box, and a 40000 × 1 strip has no
  400-pixel rendition at all (its height rounds to nothing).
- Stored re-encoded, which drops EXIF, GPS, XMP and ICC metadata, after
  applying the EXIF orientation so the picture stays upright.
- Stored only if the save that stores it succeeds: a failure anywhere later
  in the save (the database, the renditions, the admin's log) deletes the
  new file and its renditions again (:func:`discarded_on_error`).
"""

import contextlib
import contextvars
import hashlib
import io
import pickle
import uuid
import warnings
from pathlib import PurePath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext as _
from imagekit.cachefiles.strategies import Optimistic
from imagekit.hashers import CanonicalizingPickler
from imagekit.processors import ResizeToFit
from imagekit.specs import ImageSpec
from PIL import Image, ImageOps, UnidentifiedImageError

from taxonomy import clock

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
MAX_ASPECT_RATIO = 20
FORMATS = ("JPEG", "PNG", "WEBP")
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def _open(file):
    """Open ``file`` as one of FORMATS, or raise ValidationError saying why."""
    size = getattr(file, "size", None)
    if size == 0:
        raise ValidationError(_("The submitted file is empty."), code="empty")
    if size is not None and size > MAX_IMAGE_BYTES:
        raise ValidationError(
            _("The image is %(size).1f MB; the limit is %(limit)d MB.")
            % {"size": size / 1048576, "limit": MAX_IMAGE_BYTES // 1048576},
            code="image_too_large",
        )
    file.seek(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(file, formats=FORMATS)
        except (
            UnidentifiedImageError,
            Image.DecompressionBombError,
            Image.DecompressionBombWarning,
            OSError,
            ValueError,
        ) as exc:
            if isinstance(exc, Image.DecompressionBombError | Image.DecompressionBombWarning):
                raise _too_many_pixels() from exc
            raise ValidationError(
                _("This file is not a JPEG, PNG or WebP image."), code="invalid_image"
            ) from exc
    if image.width * image.height > MAX_IMAGE_PIXELS:
        raise _too_many_pixels(image.width, image.height)
    if max(image.size) > MAX_ASPECT_RATIO * min(image.size):
        raise ValidationError(
            _(
                "The image is %(w)d × %(h)d pixels: too long and thin to show. Its longest "
                "side may be at most %(ratio)d times its shortest; crop it closer."
            )
            % {"w": image.width, "h": image.height, "ratio": MAX_ASPECT_RATIO},
            code="image_aspect_ratio",
        )
    return image


def _too_many_pixels(width=None, height=None):
    if width:
        return ValidationError(
            _("The image is %(w)d × %(h)d pixels; the limit is %(limit)d megapixels.")
            % {"w": width, "h": height, "limit": MAX_IMAGE_PIXELS // 1_000_000},
            code="image_too_many_pixels",
        )
    return ValidationError(
        _("The image has too many pixels; the limit is %(limit)d megapixels.")
        % {"limit": MAX_IMAGE_PIXELS // 1_000_000},
        code="image_too_many_pixels",
    )


def validate_image(file):
    """Model and form validator: the whole image must decode within the limits.

    A new upload is read where it is. An image already in storage (every later
    save of the release, a restored revision) is read through a file of its
    own: the ``FieldFile`` an earlier step opened may have been closed since,
    and seeking a closed file raised ``ValueError`` on every re-save.
    """
    if getattr(file, "_committed", False) and getattr(file, "storage", None):
        try:
            stored = file.storage.open(file.name, "rb")
        except (FileNotFoundError, OSError) as exc:
            raise ValidationError(
                _("The stored image file is missing: upload the image again or clear it."),
                code="image_missing",
            ) from exc
        with stored:
            _validate_readable(stored)
        return
    _validate_readable(file)


def _validate_readable(file):
    image = _open(file)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning) as exc:
        raise ValidationError(
            _("The image is damaged or truncated and cannot be read."), code="invalid_image"
        ) from exc
    finally:
        file.seek(0)


def strip_metadata(file):
    """A copy of the image without metadata, upright, in its own format."""
    image = _open(file)
    fmt = image.format
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = ImageOps.exif_transpose(image)
    if fmt == "JPEG" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    options = {"JPEG": {"quality": 88, "optimize": True}, "WEBP": {"quality": 88}}.get(fmt, {})
    # Pillow writes no EXIF/XMP/ICC unless asked to.
    image.save(out, format=fmt, **options)
    stem = slugify(PurePath(getattr(file, "name", "") or "image").stem)[:60] or "image"
    file.seek(0)
    return ContentFile(out.getvalue(), name=f"{stem}.{EXTENSIONS[fmt]}")


def lead_image_path(instance, filename):
    now = clock.now()
    name = PurePath(filename)
    return f"press/{now:%Y/%m}/{name.stem[:60]}-{uuid.uuid4().hex[:8]}{name.suffix.lower()}"


class LeadImageField(models.ImageField):
    """An ImageField that does not re-read a stored image on every save.

    Django's ImageField measures the file again whenever the field is
    assigned, which every admin save does: that opens the stored file each
    time (a round trip to object storage in production), leaves the
    ``FieldFile`` closed for the validator, and raises ``FileNotFoundError``
    (a 500) when the file has gone. A stored image's size was measured when it
    was uploaded and does not change; only new uploads are measured.
    """

    def update_dimension_fields(self, instance, force=False, *args, **kwargs):
        file = instance.__dict__.get(self.attname)
        committed = getattr(file, "_committed", False)
        # Sizes are read only for a stored file: a row loaded without its
        # image (``only()``, ``defer()``) must not load them one query each.
        if (
            file
            and committed
            and all(
                getattr(instance, name, None)
                for name in (self.width_field, self.height_field)
                if name
            )
        ):
            return
        try:
            super().update_dimension_fields(instance, force, *args, **kwargs)
        except FileNotFoundError:
            # The validator reports the missing file to the editor.
            for name in (self.width_field, self.height_field):
                if name:
                    setattr(instance, name, None)


_stored = contextvars.ContextVar("stored_images", default=None)


@contextlib.contextmanager
def discarded_on_error():
    """Delete the files stored (:func:`stored`) within the block if the block raises.

    A file is written before the database row that names it, and the row can
    still be refused afterwards (a constraint, a failed rendition, a rollback
    of the admin's transaction): without this, the file would stay in media
    with nothing pointing at it. Blocks nest; an inner block that succeeds
    hands its files to the outer one, which still deletes them if it fails.
    """
    files = []
    token = _stored.set(files)
    try:
        yield
    except BaseException:
        for storage, name in reversed(files):
            with contextlib.suppress(OSError):
                if storage.exists(name):
                    storage.delete(name)
        raise
    finally:
        _stored.reset(token)
    outer = _stored.get()
    if outer is not None:
        outer.extend(files)


def stored(storage, name):
    """Note a file just written (or about to be), for :func:`discarded_on_error`."""
    files = _stored.get()
    if files is not None:
        files.append((storage, name))


class QuicklyNamedSpec(ImageSpec):
    """An imagekit spec whose rendition names are imagekit's own, computed cheaply.

    imagekit names a rendition by the MD5 of a protocol-0 pickle of
    ``[source name, processors, format, options, autoconvert]``, written by
    its pure-Python pickler: about 25 pickler calls per rendition, three
    renditions per card, a fifth of a listing page's time. Everything but
    the source name is fixed per spec, and in protocol 0 the list's bytes
    are the bytes of ``[name]`` without its STOP, then the rest. So the
    rest is pickled once per spec class and the name alone per rendition:
    the same digest, hence the same file names as the renditions already
    stored (``tests/test_images.py`` checks it against imagekit's own hash).
    """

    _rest = None

    def get_hash(self):
        cls = type(self)
        if cls._rest is None:
            cls._rest = _pickled_rest(self)
        return hashlib.md5(_pickled_name(self.source.name)[:-1] + cls._rest).hexdigest()  # noqa: S324


def webp_rendition_spec(size):
    """The spec of a WebP copy fitting a size × size box, never upscaled."""
    return type(
        f"WebpRendition{size}",
        (QuicklyNamedSpec,),
        {
            "processors": [ResizeToFit(size, size, upscale=False)],
            "format": "WEBP",
            "options": {"quality": 80},
            "cachefile_strategy": Optimistic,
        },
    )


def _pickled(value):
    """``value`` pickled as imagekit's hasher pickles it (protocol 0, canonical dicts)."""
    file = io.BytesIO()
    CanonicalizingPickler(file, 0).dump(value)
    return file.getvalue()


def _pickled_name(name):
    """``[name]`` pickled as ``_pickled`` would: a str list has no dict or set to
    canonicalize, so the C pickler writes the same protocol-0 bytes, faster."""
    return pickle.dumps([name], 0)


def _pickled_rest(spec):
    """The bytes imagekit's hash pickles after the source name, for one spec."""
    probe = "n"
    whole = _pickled([probe, spec.processors, spec.format, spec.options, spec.autoconvert])
    head = _pickled([probe])[:-1]
    if not whole.startswith(head):  # pragma: no cover - pickle's protocol 0 changed
        raise RuntimeError("imagekit's spec hash no longer starts with the source name")
    return whole[len(head) :]
