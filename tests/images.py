"""Image files made in memory for upload tests."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def image_bytes(fmt="JPEG", size=(1200, 800), exif=False, color=(30, 90, 160)):
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    kwargs = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCameraMaker"  # Make
        data[0x0132] = "2024:05:17 10:00:00"  # DateTime
        kwargs["exif"] = data.tobytes()
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def upload(name="photo.jpg", content=None, content_type="image/jpeg"):
    return SimpleUploadedFile(name, content if content is not None else image_bytes(), content_type)


def png_claiming(width, height):
    """A tiny PNG whose header claims ``width`` x ``height`` pixels: a decompression bomb."""
    raw = image_bytes("PNG", size=(1, 1))
    ihdr_start = 8 + 8  # signature, then length + type of the IHDR chunk
    header = bytearray(raw[ihdr_start : ihdr_start + 13])
    header[0:8] = struct.pack(">II", width, height)
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + bytes(header)) & 0xFFFFFFFF)
    return raw[:ihdr_start] + bytes(header) + crc + raw[ihdr_start + 13 + 4 :]


def jpeg_claiming(width, height):
    """A small JPEG whose frame header (SOF0) claims ``width`` x ``height`` pixels."""
    raw = bytearray(image_bytes("JPEG", size=(8, 8)))
    sof = raw.index(b"\xff\xc0")
    raw[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(raw)


def gif_claiming(width, height):
    """A GIF whose logical screen claims ``width`` x ``height`` pixels (GIF is not accepted)."""
    out = io.BytesIO()
    Image.new("P", (1, 1)).save(out, format="GIF")
    raw = bytearray(out.getvalue())
    raw[6:10] = struct.pack("<HH", width, height)
    return bytes(raw)


def png_bomb(width, height):
    """A real decompression bomb: a 1-bit PNG whose zeros inflate to ``width`` x ``height``."""

    def chunk(kind, data):
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte, then the packed pixels
    squeeze = zlib.compressobj(9)
    idat = b"".join(squeeze.compress(row) for _ in range(height)) + squeeze.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat)
            + chunk(b"IEND", b""))  # fmt: skip
