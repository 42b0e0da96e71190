"""Lead images for the demo: a small pool drawn locally with Pillow, shared by many releases.

Nothing is downloaded. Each picture is an abstract composition (hills under a
sky, out-of-focus lights, layered waves, a row of arches) in one of a few
palettes, with a soft vignette and a fine grain so that it reads as a photo
on a listing card rather than as a flat graphic. The pool is drawn once and
stored under ``press/demo/`` in the media storage; releases point at those
files, so their WebP renditions, whose names follow the source file, are made
once per picture as well: at 100,000 releases the images cost a few seconds.
"""

from __future__ import annotations

import io
import math
from random import Random

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from press.models import PressRelease

#: About half the releases have a lead image, as on a real newsroom's listing.
IMAGE_SHARE = 0.5
IMAGE_CREDIT = "OSCE/Illustration"
WIDTH, HEIGHT = 1600, 900
FOLDER = "press/demo"

#: Palette -> (how the alt text names it, colours from dark to light).
PALETTES = {
    "blue": ("deep blue and teal", [(10, 34, 70), (22, 82, 128), (64, 142, 176), (196, 226, 236)]),
    "green": (
        "green and pale gold",
        [(18, 52, 40), (52, 110, 72), (142, 170, 92), (236, 226, 170)],
    ),
    "dusk": (
        "violet and warm orange",
        [(36, 24, 62), (110, 52, 96), (222, 112, 84), (250, 204, 146)],
    ),
    "sand": ("sand and olive", [(48, 46, 32), (112, 102, 64), (190, 166, 112), (242, 230, 204)]),
}
#: Composition -> what the alt text says it shows.
COMPOSITIONS = {
    "hills": "soft rolling hills under a wide sky",
    "lights": "out-of-focus lights glowing in a dim hall",
    "waves": "layered bands of colour, like waves seen from above",
    "arches": "a row of tall arches in soft light",
}
POOL = [(palette, composition) for palette in PALETTES for composition in COMPOSITIONS]
#: A field of work's usual palette; the others draw one at random.
TOPIC_PALETTES = {
    "environmental-activities": "green",
    "climate-change": "green",
    "environmental-good-governance": "green",
    "water-management": "blue",
    "economic-activities": "sand",
    "border-management": "sand",
    "arms-control": "sand",
    "media-freedom-and-development": "dusk",
    "safety-of-journalists": "dusk",
    "tolerance-and-non-discrimination": "dusk",
    "elections": "blue",
}


def pick_image(rng, topic_key):
    """(pool index, alt text) for a release about ``topic_key``."""
    palette = TOPIC_PALETTES.get(topic_key) or rng.choice(list(PALETTES))
    composition = rng.choice(list(COMPOSITIONS))
    alt = f"Illustration: {COMPOSITIONS[composition]}, in {PALETTES[palette][0]}"
    return POOL.index((palette, composition)), alt


def image_name(index):
    palette, composition = POOL[index]
    return f"{FOLDER}/{palette}-{composition}.jpg"


# --- Drawing --------------------------------------------------------------------


def _mix(a, b, t):
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=True))


def _gradient(size, top, bottom):
    ramp = Image.linear_gradient("L").resize(size)
    return ImageOps.colorize(ramp, top, bottom)


def _hills(draw, size, colours, rng):
    width, height = size
    sun = (rng.uniform(0.2, 0.8) * width, rng.uniform(0.18, 0.35) * height)
    radius = height * rng.uniform(0.08, 0.13)
    draw.ellipse(
        [sun[0] - radius, sun[1] - radius, sun[0] + radius, sun[1] + radius],
        fill=(*colours[3], 210),
    )
    for layer in range(4):
        base = height * (0.5 + 0.12 * layer)
        phase, freq = rng.uniform(0, 6.3), rng.uniform(1.2, 2.6)
        amplitude = height * rng.uniform(0.04, 0.09)
        points = [
            (x, base - amplitude * math.sin(phase + freq * x / width * math.pi))
            for x in range(0, width + 16, 16)
        ]
        colour = _mix(colours[2], colours[0], layer / 3)
        draw.polygon([(0, height), *points, (width, height)], fill=(*colour, 255))


def _lights(draw, size, colours, rng):
    width, height = size
    for _ in range(46):
        x, y = rng.uniform(0, width), rng.uniform(0.1, 0.9) * height
        radius = rng.uniform(0.02, 0.09) * height
        colour = colours[rng.choice((2, 3, 3))]
        draw.ellipse(
            [x - radius, y - radius, x + radius, y + radius],
            fill=(*colour, rng.randrange(50, 150)),
        )


def _waves(draw, size, colours, rng):
    width, height = size
    bands = 7
    for band in range(bands):
        base = height * (band + 1) / (bands + 1)
        phase, freq = rng.uniform(0, 6.3), rng.uniform(0.8, 1.8)
        amplitude = height * rng.uniform(0.03, 0.07)
        points = [
            (x, base + amplitude * math.sin(phase + freq * x / width * 2 * math.pi))
            for x in range(0, width + 16, 16)
        ]
        colour = _mix(colours[3], colours[1], band / (bands - 1))
        draw.polygon([*points, (width, height), (0, height)], fill=(*colour, 235))


def _arches(draw, size, colours, rng):
    width, height = size
    count = rng.randrange(5, 8)
    gap = width / count
    floor = height * rng.uniform(0.78, 0.86)
    for i in range(count):
        left = i * gap + gap * 0.18
        right = left + gap * 0.64
        top = height * rng.uniform(0.14, 0.22)
        colour = _mix(colours[3], colours[2], rng.uniform(0, 0.5))
        draw.rectangle([left, top + (right - left) / 2, right, floor], fill=(*colour, 200))
        draw.ellipse([left, top, right, top + (right - left)], fill=(*colour, 200))
    draw.rectangle([0, floor, width, height], fill=(*colours[1], 255))


DRAWERS = {"hills": _hills, "lights": _lights, "waves": _waves, "arches": _arches}


def render(index):
    """The pool's picture ``index`` as a Pillow RGB image: the same each time."""
    palette, composition = POOL[index]
    colours = PALETTES[palette][1]
    rng = Random(f"{palette}-{composition}")
    # Drawn at half size and enlarged: the enlargement softens the edges.
    small = (WIDTH // 2, HEIGHT // 2)
    dark = composition == "lights"
    top, bottom = (colours[0], colours[1]) if dark else (colours[2], colours[3])
    picture = _gradient(small, top, bottom).convert("RGBA")
    # The empty layer takes a palette colour, not black: blurred edges stay clean.
    layer = Image.new("RGBA", small, (*colours[2], 0))
    DRAWERS[composition](ImageDraw.Draw(layer), small, colours, rng)
    if dark:
        layer = layer.filter(ImageFilter.GaussianBlur(9))  # out of focus
    picture = Image.alpha_composite(picture, layer).filter(ImageFilter.GaussianBlur(1))
    picture = picture.convert("RGB").resize((WIDTH, HEIGHT), Image.Resampling.BICUBIC)
    # A vignette and a fine grain, as a lens and a sensor would leave them.
    edges = Image.radial_gradient("L").resize((WIDTH, HEIGHT)).point(lambda v: v * 0.45)
    picture = Image.composite(Image.new("RGB", picture.size, colours[0]), picture, edges)
    grain = Image.effect_noise((WIDTH, HEIGHT), 40).convert("RGB")
    return Image.blend(picture, grain, 0.05)


def ensure_pool(indexes=None):
    """Store the pool's pictures and their renditions where missing; return their names.

    A second run, or a larger one, draws nothing again.
    """
    names = {}
    for index in range(len(POOL)) if indexes is None else indexes:
        name = image_name(index)
        if not default_storage.exists(name):
            buffer = io.BytesIO()
            render(index).save(buffer, "JPEG", quality=84, optimize=True, progressive=True)
            name = default_storage.save(name, ContentFile(buffer.getvalue()))
        holder = PressRelease(lead_image=name)
        for field, _ in PressRelease.RENDITIONS:
            getattr(holder, field).generate()
        names[index] = name
    return names
