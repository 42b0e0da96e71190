from django import template

register = template.Library()


def rendition_width(width, height, box):
    """Width of an image resized to fit a box x box square, never upscaled."""
    if not width or not height:
        return box
    scale = min(box / width, box / height, 1)
    return max(1, round(width * scale))


@register.inclusion_tag("includes/lead_image.html")
def lead_image(release, sizes="100vw", thumbnail=False):
    """A responsive <img> with a WebP srcset of the release's renditions."""
    sources = {}
    for name, box in release.RENDITIONS:
        width = rendition_width(release.lead_image_width, release.lead_image_height, box)
        sources.setdefault(width, getattr(release, name).url)
    srcset = ", ".join(f"{url} {width}w" for width, url in sorted(sources.items()))
    if thumbnail:
        src = release.image_thumbnail.url
        width = rendition_width(release.lead_image_width, release.lead_image_height, 400)
    else:
        src = release.image_medium.url
        width = rendition_width(release.lead_image_width, release.lead_image_height, 800)
    ratio = (
        (release.lead_image_height / release.lead_image_width) if release.lead_image_width else 0
    )
    return {
        "release": release,
        "src": src,
        "srcset": srcset,
        "sizes": sizes,
        "width": width,
        "height": round(width * ratio) if ratio else None,
        "thumbnail": thumbnail,
    }


@register.filter
def highlight(headline):
    """A PostgreSQL headline, escaped, with its \\x02/\\x03 markers as <mark>.

    ts_headline copies the document text verbatim: marking it safe as it
    comes would let typed markup through, so it is escaped first.
    """
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    text = escape(headline or "")
    return mark_safe(text.replace("\x02", "<mark>").replace("\x03", "</mark>"))  # noqa: S308


@register.filter
def json_ld(data):
    """A schema.org JSON-LD block. Escaped like json_script, so no value can end it.

    A data block is not executed, so the Content-Security-Policy needs no
    exception for it.
    """
    import json

    from django.core.serializers.json import DjangoJSONEncoder
    from django.utils.html import format_html
    from django.utils.safestring import mark_safe

    escapes = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(escapes)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308
