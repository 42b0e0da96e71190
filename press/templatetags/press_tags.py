import json
from html import escape

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import formats, timezone
from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language, gettext, ngettext, override, pgettext

register = template.Library()


@register.filter
def grouped(number):
    """A count as the page's language writes it: "1,234", "1 234", "1.234".

    For people only: a ``data-`` attribute for machines keeps the bare number.
    """
    number = int(number or 0)
    if -1000 < number < 1000:  # nothing to group: skip the format lookups
        return str(number)
    return number_format(number, force_grouping=True)


@register.filter(name="type_name")
def type_name_filter(name):
    """A release type's name in the page's language (``press.type_names``)."""
    from press.type_names import type_name

    return type_name(name)


def rendition_width(width, height, box):
    """Width of an image resized to fit a box x box square, never upscaled."""
    if not width or not height:
        return box
    scale = min(box / width, box / height, 1)
    return max(1, round(width * scale))


@register.inclusion_tag("includes/lead_image.html")
def lead_image(release, sizes="100vw"):
    """The release page's <figure>: a responsive <img> with a WebP srcset of the renditions."""
    return image_context(release, sizes)


#: (image name, media address) -> its renditions' addresses, per process. An
#: address is a pure function of those two (imagekit names a rendition by a
#: hash of the source's name and the spec; the Optimistic strategy never asks
#: the storage), so this is never stale; a new image has a new name. Bounded:
#: emptied when full.
_RENDITION_URLS = {}
RENDITION_URLS_KEPT = 20_000


def rendition_urls(release):
    """{rendition field name: address} of ``release``'s lead image."""
    image = release.lead_image
    name = (image.name, image.storage.base_url)
    urls = _RENDITION_URLS.get(name)
    if urls is None:
        if len(_RENDITION_URLS) >= RENDITION_URLS_KEPT:
            _RENDITION_URLS.clear()
        urls = {field: getattr(release, field).url for field, _box in release.RENDITIONS}
        _RENDITION_URLS[name] = urls
    return urls


def image_context(release, sizes="100vw", thumbnail=False):
    """What ``includes/lead_image.html`` (the page) or a card's thumbnail shows of the image."""
    urls = rendition_urls(release)
    sources = {}
    for name, box in release.RENDITIONS:
        width = rendition_width(release.lead_image_width, release.lead_image_height, box)
        sources.setdefault(width, urls[name])
    srcset = ", ".join(f"{url} {width}w" for width, url in sorted(sources.items()))
    if thumbnail:
        src = urls["image_thumbnail"]
        width = rendition_width(release.lead_image_width, release.lead_image_height, 400)
    else:
        src = urls["image_medium"]
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
    }


@register.simple_tag
def release_cards(releases, heading="h3"):
    """The <li> cards of a list of releases, written in Python.

    Every list of releases (the listing, node pages, the home page, related
    releases) shows these cards; an included template per card, with the
    image's inclusion tag inside it, was a third of a listing page's time.
    Each card: type · date (and a badge unless published), the title as a
    link under ``heading``, who issued it (``card_issuers``: named as on the
    release's date; the tags of all the cards in one query), the search
    headline (marks kept) or the summary cut at 40 words, and the thumbnail.
    Every value is escaped.
    """
    from press.models import release_paths
    from press.type_names import type_name

    # "draft", "scheduled": a staff preview's badges, in the page's language.
    badges = {
        "draft": pgettext("release state", "draft"),
        "scheduled": pgettext("release state", "scheduled"),
    }
    tag = "h2" if heading == "h2" else "h3"
    language = get_language()
    # What every card asks for, worked out once for all of them.
    zone = timezone.get_current_timezone()
    path = release_paths()
    kinds = {}  # type name -> its escaped name in the page's language
    releases = list(releases)
    issuers = card_issuers(releases, zone)
    cards = []
    for release in releases:
        kind = release.type.name
        kicker = kinds.get(kind)
        if kicker is None:
            kicker = kinds[kind] = escape(type_name(kind))
        if release.published_at is not None:
            local = release.published_at.astimezone(zone)
            kicker += (
                f' · <time datetime="{escape(local.isoformat())}">'
                f"{escape(card_date(local.date(), language))}</time>"
            )
        state = release.state
        if state != "published":
            kicker += (
                f' <span class="badge {escape(state)}">{escape(badges.get(state, state))}</span>'
            )
        headline = getattr(release, "headline", None)
        if headline:
            summary = f'<p class="summary">{highlight(headline)}</p>'
        elif release.summary:
            words = Truncator(release.summary).words(40, truncate=" …")
            summary = f'<p class="summary">{escape(words)}</p>'
        else:
            summary = ""
        image = ""
        if release.lead_image:
            image = _thumbnail(image_context(release, "(max-width: 40rem) 6rem, 9rem", True))
        issued = issuers.get(release.pk, "")
        cards.append(
            f'<li class="card{" with-image" if release.lead_image else ""}">\n'
            f'  <p class="kicker">{kicker}</p>\n'
            f'  <{tag}><a href="{escape(path(release.slug, release.language))}">'
            f"{escape(release.title)}</a></{tag}>\n"
            + (f"  {issued}\n" if issued else "")
            + f"  {summary}\n"
            f"  {image}\n"
            "</li>"
        )
    return mark_safe("".join(cards))  # noqa: S308 - every value above is escaped


#: (day, language) -> the day as that language writes it, per process: a pure
#: function of the two (and of the formats, fixed at start). Bounded: emptied when full.
_CARD_DATES = {}
CARD_DATES_KEPT = 20_000


def card_date(day, language):
    """``day`` in ``language``'s own date format ("17 May 2024", "17 мая 2024 г."), as
    ``date_format(day, "DATE_FORMAT")`` writes it in that language: cards by the page
    share days, and formatting one reads the format and parses it anew."""
    key = (day, language)
    text = _CARD_DATES.get(key)
    if text is None:
        if len(_CARD_DATES) >= CARD_DATES_KEPT:
            _CARD_DATES.clear()
        with override(language):
            text = _CARD_DATES[key] = formats.date_format(day, "DATE_FORMAT")
    return text


#: A card names at most this many structures, then "and 2 more".
CARD_ISSUERS = 2


def card_issuers(releases, zone=None):
    """{release pk: the card's line naming who issued it}, for a page of cards, in one query.

    The reader of an organisation's newsroom wants to see who speaks: a card
    names the release's sources (the structures that issued it); a release
    without a source names its structure tags instead, the most specific
    ones (not a tag that only contains another of its tags). Each as it was
    called on the release's date, with today's name beside it where that
    differs ("Centre in Astana (now: Programme Office in Astana)"); at most
    ``CARD_ISSUERS`` names, so the card stays short on a phone. A release
    with neither has no line. ``zone``: the site's time zone, when the caller has it.
    """
    from press.tags import CARD_RELATIONS, SHOWN, linked_of_cards, ref_links, tags_of_releases
    from taxonomy.navigation import ref_urls

    releases = [r for r in releases if r.pk is not None]
    if not releases:
        return {}
    language = get_language()
    zone = zone or timezone.get_current_timezone()
    urls = {relation: ref_urls(SHOWN[relation]) for relation in CARD_RELATIONS}
    # Every list of cards reads its cards' issuers in one query, or with the cards.
    tags = tags_of_releases(
        [r.pk for r in releases], CARD_RELATIONS, linked=linked_of_cards(releases)
    )
    labels = {
        "sources": gettext("Source:"),
        "structures": pgettext("release card", "Structures:"),
    }
    lines = {}
    for release in releases:
        found = tags[release.pk]
        relation = "sources" if found["sources"] else "structures"
        refs = found[relation]
        if relation == "structures":
            refs = [r for r in refs if not any(r is not o and r.contains(o) for o in refs)]
        if not refs:
            continue
        published = release.published_at
        links = ref_links(
            SHOWN[relation],
            refs[:CARD_ISSUERS],
            published.astimezone(zone).date() if published is not None else None,
            language,
            url=urls[relation],
        )
        names = ", ".join(str(named_then(link)) for link in links)
        rest = len(refs) - CARD_ISSUERS
        if rest > 0:
            more = ngettext("and %(n)s more", "and %(n)s more", rest) % {"n": rest}
            names += f' <span class="more">{escape(more)}</span>'
        lines[release.pk] = (
            f'<p class="issuer"><span class="visually-hidden">{escape(labels[relation])} </span>'
            f"{names}</p>"
        )
    return lines


@register.filter
def named_then(link):
    """A node as a page names it on a release's date (a ``press.tags.ref_links`` entry).

    Today's name: a link to the node. A former name: that name as text, then
    "(now: <a>today's name</a>)", the link on the name the node's page has.
    """
    url = escape(link["url"])
    if not link.get("now"):
        return mark_safe(f'<a href="{url}">{escape(link["name"])}</a>')  # noqa: S308
    # Translators: before a tag's current name, after the name it had then:
    # "Centre in Astana (now: Programme Office in Astana)".
    now = pgettext("a node's name today", "now:")
    return mark_safe(  # noqa: S308 - every value is escaped
        f'<span class="then-name">{escape(link["name"])}</span> '
        f'<span class="now">({escape(now)} <a href="{url}">{escape(link["now"])}</a>)</span>'
    )


def _thumbnail(image):
    """A card's <img>: lazily loaded, with no caption (the page's figure has those)."""

    height = f' height="{int(image["height"])}"' if image["height"] else ""
    return (
        f'<img src="{escape(image["src"])}" srcset="{escape(image["srcset"])}" '
        f'sizes="{escape(image["sizes"])}" width="{int(image["width"])}"{height} '
        f'alt="{escape(image["release"].lead_image_alt)}" loading="lazy" decoding="async">'
    )


@register.simple_tag
def facet_items(options, param):
    """The <li>s of one facet's checkboxes, written in Python.

    A listing shows up to two hundred options; an included template per
    option cost a sixth of the page's time, ``format_html`` per option a
    tenth. Every value is escaped (``html.escape``, as Django's ``escape``).
    Context rows (the ancestors of a chosen node, shown for orientation)
    have no checkbox.
    """
    closed = f' <span class="badge">{escape(gettext("closed"))}</span>'
    name = escape(str(param))
    rows = []
    for o in options:
        level = int(o.level or 0)
        if o.is_context:
            rows.append(f'<li class="facet-context level-{level}">{escape(o.label)}</li>')
            continue
        value = escape(str(o.value))
        ident = f"f-{name}-{value}"
        indent = f' class="level-{level}"' if level else ""
        rows.append(
            f"<li{indent}>"
            f'<input type="checkbox" id="{ident}" name="{name}" value="{value}"'
            f"{' checked' if o.selected else ''}>"
            f'<label for="{ident}">{escape(o.label)}{closed if o.closed else ""}</label>'
            f'<span class="n">{grouped(o.count)}</span></li>'
        )
    return mark_safe("".join(rows))  # noqa: S308 - every value above is escaped


@register.simple_tag
def facet_fields(facets):
    """The filter form's facets, written in Python like ``facet_items``: the year as a
    <select>, every other facet with options as a <fieldset> of checkboxes, its quieter
    options behind "Show all (n)". A facet without options is left out."""

    parts = []
    for facet in facets:
        label = escape(str(facet.label))
        if facet.param == "year":
            parts.append(
                '<div class="field">\n'
                f'      <label for="id_year">{label}</label>\n'
                '      <select id="id_year" name="year">\n'
                f'        <option value="">{escape(gettext("Any year"))}</option>\n'
                f"        {year_options(facet.options)}\n"
                "      </select>\n"
                "    </div>"
            )
            continue
        if not facet.options:
            continue
        more = ""
        if facet.more:
            count = len(facet.options)
            show_all = ngettext("Show all (%(shown)s)", "Show all (%(shown)s)", count) % {
                "shown": grouped(count),
                "counter": count,  # as the template's blocktranslate count gave it
            }
            more = (
                '<details class="facet-more">\n'
                f"        <summary>{escape(show_all)}</summary>\n"
                '        <ul class="facet-list">\n'
                f"          {facet_items(facet.more, facet.param)}\n"
                "        </ul>\n"
                "      </details>"
            )
        parts.append(
            "<fieldset>\n"
            f"      <legend>{label}</legend>\n"
            '      <ul class="facet-list">\n'
            f"        {facet_items(facet.top, facet.param)}\n"
            "      </ul>\n"
            f"      {more}\n"
            "    </fieldset>"
        )
    return mark_safe("\n    ".join(parts))  # noqa: S308 - every value above is escaped


@register.simple_tag
def year_options(options):
    """The year facet's <option>s ("2024 (1,234)"), written in Python like ``facet_items``:
    some fifty years, each a handful of lookups in a template loop."""

    return mark_safe(  # noqa: S308 - every value is escaped
        "".join(
            f'<option value="{escape(str(o.value))}"{" selected" if o.selected else ""}>'
            f"{escape(str(o.label))} ({grouped(o.count)})</option>"
            for o in options
        )
    )


@register.filter
def highlight(headline):
    """A PostgreSQL headline, escaped, with its \\x02/\\x03 markers as <mark>.

    ts_headline copies the document text verbatim: marking it safe as it
    comes would let typed markup through, so it is escaped first.
    """
    text = escape(str(headline or ""))
    return mark_safe(text.replace("\x02", "<mark>").replace("\x03", "</mark>"))  # noqa: S308


@register.filter
def json_ld(data):
    """A schema.org JSON-LD block. Escaped like json_script, so no value can end it.

    A data block is not executed, so the Content-Security-Policy needs no
    exception for it.
    """
    escapes = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(escapes)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308


@register.simple_tag
def year_chart_figure(chart):
    """A node page's chart of releases per year (``press.charts.year_chart``), written in Python.

    An inline SVG picture (role="img", named by its title and description),
    each bar with releases a link over its whole column, named in words and
    read after the picture, and a table of the same numbers and links. Its
    numbers are the drawing's, never localised ("12.5", not "12,5"); every
    value is escaped. A template drew the same in a tenth of a node page's time.
    """
    title, description = escape(chart.title), escape(chart.description)
    svg = [
        f'<svg class="year-chart-svg" viewBox="0 0 {chart.width} {chart.height}" width="100%" '
        'preserveAspectRatio="xMinYMin meet">',
        '<g role="img" aria-labelledby="year-chart-title year-chart-desc">',
        f'<title id="year-chart-title">{title}</title>',
        f'<desc id="year-chart-desc">{description}</desc>',
    ]
    if not chart.show_counts:
        svg.append(
            f'<line class="year-chart-grid" x1="{chart.left}" y1="{chart.top}" '
            f'x2="{chart.right}" y2="{chart.top}"/>'
            f'<text class="year-chart-scale" x="{chart.left - 6}" y="{chart.top}" dy=".35em" '
            f'text-anchor="end">{escape(str(chart.most_label))}</text>'
        )
    links, rows = [], []
    for bar in chart.bars:
        selected = " is-selected" if bar.selected else ""
        svg.append(
            f'<rect class="year-chart-bar{selected}" x="{bar.x}" y="{bar.y}" '
            f'width="{bar.width}" height="{bar.height}" data-year="{bar.year}" '
            f'data-count="{bar.count}"/>'
        )
        if chart.show_counts and bar.count:
            svg.append(
                f'<text class="year-chart-count" x="{bar.center}" y="{bar.y}" dy="-.4em" '
                f'text-anchor="middle">{escape(grouped(bar.count))}</text>'
            )
        if bar.labelled:
            svg.append(
                f'<text class="year-chart-year" x="{bar.center}" y="{chart.years_y}" '
                f'text-anchor="middle">{bar.year}</text>'
            )
        url, text = escape(bar.url), escape(bar.text)
        if bar.count:
            links.append(
                f'<a class="year-chart-link" href="{url}" aria-label="{text}"><title>{text}</title>'
                f'<rect x="{bar.slot_x}" y="0" width="{bar.slot_width}" '
                f'height="{chart.link_height}"/></a>'
            )
        year = f'<a href="{url}">{bar.year}</a>' if bar.count else str(bar.year)
        row = '<tr class="is-selected">' if bar.selected else "<tr>"
        rows.append(
            f'{row}<th scope="row">{year}</th>'
            f'<td data-count="{bar.count}">{escape(grouped(bar.count))}</td></tr>'
        )
    svg.append(
        f'<line class="year-chart-axis" x1="{chart.left}" y1="{chart.baseline}" '
        f'x2="{chart.right}" y2="{chart.baseline}"/></g>'
    )
    svg += links
    svg.append("</svg>")
    caption = escape(gettext("Press releases per year"))
    return mark_safe(  # noqa: S308 - every value above is escaped or a number
        '<figure class="year-chart" aria-labelledby="year-chart-caption">\n'
        f'  <figcaption id="year-chart-caption">{caption}</figcaption>\n'
        + "\n".join(svg)
        + '\n  <details class="year-chart-table">\n'
        f"    <summary>{escape(gettext('The numbers per year'))}</summary>\n"
        f'    <table>\n      <caption class="visually-hidden">{title}</caption>\n'
        f'      <thead><tr><th scope="col">{escape(gettext("Year"))}</th>'
        f'<th scope="col">{escape(gettext("Press releases"))}</th></tr></thead>\n'
        "      <tbody>\n" + "\n".join(rows) + "\n      </tbody>\n    </table>\n"
        "  </details>\n</figure>"
    )
