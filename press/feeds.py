"""RSS 2.0 and Atom for any listing URL: the listing's own FilterSet decides.

Django builds one ``Feed`` instance per URL pattern, and every request in
every thread calls that same instance. So nothing about a request is kept on
it: ``get_object`` returns a ``FeedRequest`` with what this request asked
for, and Django hands that to every other method.

Opened in a browser, a feed reads as a page: it names an XSLT stylesheet
(``feed_stylesheet``) that turns it into HTML.
"""

import datetime
import html
import io
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode
from xml.sax.saxutils import escape as xml_escape

from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.contrib.syndication.views import Feed, add_domain
from django.db.models import Case, TextField, Value, When
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed, Stylesheet, rfc2822_date
from django.utils.formats import get_format
from django.utils.html import strip_tags
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.xmlutils import SimplerXMLGenerator, UnserializableContentError

from taxonomy.history import local_day

from . import statements
from .filter_labels import describe
from .filters import PressReleaseFilterSet
from .models import PressRelease, release_path
from .selection import selection
from .tags import tags_of_releases
from .type_names import type_name

FEED_SIZE = 50
# XML 1.0 cannot carry most control characters; typed or imported text may.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# What Django's XML generator refuses to write (``SimplerXMLGenerator.characters``).
_CONTROL = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f]")

# Chromium applies a feed's XSLT stylesheet only when the feed is served as
# XML (application/xml or text/xml): served as application/rss+xml or
# application/atom+xml it shows the raw source as plain text (Chromium 156,
# tests/test_feeds.py). Feed readers know a feed by its root element, not by
# this header, and take application/xml (tests/test_feeds.py reads both
# feeds with feedparser); pages still announce each feed with its own type
# in <link rel="alternate" type="application/rss+xml">.
BROWSER_READABLE_XML = "application/xml; charset=utf-8"
# RSS dates (RFC 822) name months in English whatever the language.
RFC822_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


# Elements that end a line of text: cut out, they leave a space between words.
_BREAK = re.compile(r"</?(?:p|br|h[1-6]|li|ul|ol|blockquote|hr|table|tr|td|th|caption)\b[^>]*>")


def xml_safe(text):
    return _NOT_XML.sub("", str(text or ""))


def body_text(body):
    """A sanitised HTML body as plain text: tags out, entities decoded, spaces tidied."""
    text = html.unescape(strip_tags(_BREAK.sub(" ", body or "")))
    return " ".join(text.split())


def as_html(text):
    """Plain text as HTML that shows it: what RSS readers take a title or description for."""
    return html.escape(text, quote=False) if text else text


def _texts_as_html(kwargs):
    """A feed's or an item's keyword arguments with its title and description as HTML."""
    return {**kwargs, **{key: as_html(kwargs[key]) for key in ("title", "description")}}


class WrittenAtOnce:
    """A feed written into a buffer, then into the response in one piece.

    The XML generator writes every tag and text node on its own; straight
    into an HttpResponse that is a thousand encodes and appends per feed.
    """

    def write(self, outfile, encoding):
        buffer = io.StringIO()
        super().write(buffer, encoding)
        outfile.write(buffer.getvalue())


# Every title, summary and description here is plain text; each format is
# told so in its own way (tests/test_feeds.py, TestPlainTextStaysPlainText).
class ReadableRssFeed(WrittenAtOnce, Rss201rev2Feed):
    """RSS: readers take <description> (and, when it looks so, <title>) as
    HTML, so plain text goes out escaped as HTML, then as XML."""

    content_type = BROWSER_READABLE_XML

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **_texts_as_html(kwargs))

    def add_item(self, *args, **kwargs):
        super().add_item(*args, **_texts_as_html(kwargs))

    def write_items(self, handler):
        """The items as ``Rss201rev2Feed`` writes them, each written out as one string.

        Django's writer makes three calls of the XML generator for every element,
        and a feed's 50 items have about 500: a sixth of the feed's time. The
        same bytes (tests/test_feeds.py holds the two writers to it): text
        escaped as the generator escapes it, an empty element as ``<name/>``. An
        item with anything more (an author, comments, an enclosure, a ttl, a
        permalink flag) goes through Django's writer.
        """
        written = []
        for item in self.items:
            if self.item_attributes(item) or any(
                item.get(key) is not None for key in _NOT_PLAIN_ITEM
            ):
                handler.ignorableWhitespace("".join(written))  # raw XML, in order
                written = []
                handler.startElement("item", self.item_attributes(item))
                self.add_item_elements(handler, item)
                handler.endElement("item")
                continue
            parts = ["<item>", _element("title", item["title"]), _element("link", item["link"])]
            if item["description"] is not None:
                parts.append(_element("description", item["description"]))
            if item["pubdate"] is not None:
                parts.append(_element("pubDate", rfc2822_date(item["pubdate"])))
            if item["unique_id"] is not None:
                parts.append(_element("guid", item["unique_id"]))
            parts.extend(_element("category", category) for category in item["categories"])
            parts.append("</item>")
            written.append("".join(parts))
        # ``ignorableWhitespace`` writes its text as it is, after closing any start tag
        # left open: here, the items' XML, escaped above.
        handler.ignorableWhitespace("".join(written))


#: What an item may carry (anything but None) that ``ReadableRssFeed.write_items`` leaves
#: to Django's writer.
_NOT_PLAIN_ITEM = (
    "author_name",
    "author_email",
    "comments",
    "ttl",
    "enclosures",
    "unique_id_is_permalink",
)


def _element(name, text):
    """``<name>text</name>`` as ``SimplerXMLGenerator.addQuickElement`` writes it."""
    if not text:
        return f"<{name}/>"
    if _CONTROL.search(text):
        raise UnserializableContentError("Control characters are not supported in XML 1.0")
    return f"<{name}>{xml_escape(text)}</{name}>"


class _AtomWithStylesheets(Atom1Feed):
    """Atom: titles are text by default; the summary is sent as ``type="text"``."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, {**item, "description": None})
        if item["description"] is not None:
            handler.addQuickElement("summary", item["description"], {"type": "text"})

    def write(self, outfile, encoding):
        # Atom1Feed.write (Django 5.2) skips the stylesheets that RssFeed.write
        # emits; this is its body with that one step added where RSS has it.
        handler = SimplerXMLGenerator(outfile, encoding, short_empty_elements=True)
        handler.startDocument()
        for stylesheet in self.feed["stylesheets"] or []:
            handler.processingInstruction("xml-stylesheet", stylesheet)
        handler.startElement("feed", self.root_attributes())
        self.add_root_elements(handler)
        self.write_items(handler)
        handler.endElement("feed")


class ReadableAtomFeed(WrittenAtOnce, _AtomWithStylesheets):
    content_type = BROWSER_READABLE_XML


@dataclass(frozen=True)
class FeedRequest:
    """What one feed request asked for; lives as long as that request."""

    filterset: PressReleaseFilterSet
    # The valid, non-empty parameters (``sort`` too, ``page`` never), in the
    # order the request gave them: a clean address is its own self link, as
    # feed readers and validators expect, whichever page announced it.
    params: tuple[tuple[str, str], ...]
    feed_path: str
    title: str

    def address(self, path):
        return path + (f"?{urlencode(self.params)}" if self.params else "")


#: The fields a feed item is written from (and the body, where it has no summary).
ITEM_FIELDS = (
    "title",
    "slug",
    "language",
    "summary",
    "published_at",
    "updated_at",
    "type__name",
)


@dataclass(slots=True)
class FeedItem:
    """What a feed item is written from: a release's values, not the model (no instance,
    signals or image fields to set up for each of 50 items)."""

    pk: int
    title: str
    slug: str
    language: str
    summary: str
    published_at: datetime.datetime
    updated_at: datetime.datetime
    type_name: str
    #: The body, where there is no summary; else empty.
    fallback: str
    tag_names: list = field(default_factory=list)

    def get_absolute_url(self):
        return release_path(self.slug, self.language)


def site_names():
    """The site's (name, short name) in the page's language ("OSZE" on /de/).

    The settings name the site in English; a name the catalogs know (the
    organisation's own) is translated, any other is kept as configured.
    """
    return _(settings.SITE_NAME), _(settings.SITE_SHORT_NAME)


def tag_names_then(tags, day, language):
    """A release's tags (``{relation: [NodeRef]}``, sources first) by the names they had on
    ``day`` in ``language``, then today's names of those renamed since; each once.

    A feed reader files an item under its categories as they were when it
    was published: a 2010 item is under "Centre in Astana", as its text says,
    and under "Programme Office in Astana" too, as the body is called now.
    """
    refs = [ref for group in tags.values() for ref in group]
    day = local_day(day)
    then = [ref.name_on(day, language) for ref in refs]
    now = [ref.name_in(language) for ref in refs if ref.former_name_on(day, language)]
    return list(dict.fromkeys([*then, *now]))


def feed_title(params):
    phrases = describe(params)
    if not phrases:
        return _("%(site)s press releases") % {"site": site_names()[1]}
    return _("Press releases: %(filters)s") % {"filters": ", ".join(phrases)}


class PressFeed(Feed):
    feed_type = ReadableRssFeed

    def __call__(self, request, *args, **kwargs):
        # The listing clock (the items' page comes from the listing index) is sent
        # first, and comes back while the feed checks its filters and names itself.
        feed = super().__call__
        return statements.respond_overlapped(
            lambda: feed(request, *args, **kwargs), clock_first=True
        )

    def get_object(self, request, *args, **kwargs):
        filterset = PressReleaseFilterSet(
            request.GET, queryset=PressRelease.objects.published().in_language()
        )
        filterset.check()  # reversed dates put in order before they are named
        filters = filterset.active_params()
        sort = filterset.cleaned.get("sort")
        given = list(request.GET)
        params = sorted(  # stable: one parameter's values keep their order
            filters + ([("sort", sort)] if sort else []),
            key=lambda pair: given.index(pair[0]) if pair[0] in given else len(given),
        )
        return FeedRequest(
            filterset=filterset,
            params=tuple(params),
            feed_path=request.path,
            title=xml_safe(feed_title(filters)),
        )

    def title(self, feed):
        return feed.title

    def link(self, feed):
        return feed.address(reverse("press:list"))

    def feed_url(self, feed):
        return feed.address(feed.feed_path)

    def description(self, feed):
        return _("Press releases, news and statements of the %(site)s.") % {"site": site_names()[1]}

    subtitle = description

    def stylesheets(self, feed):
        return [Stylesheet(reverse("press:feed_stylesheet"), mimetype="text/xsl")]

    def get_feed(self, obj, request):
        """The channel as Django's ``Feed`` writes it; then each item, straight from its release.

        Django asks for each of an item's 16 attributes through
        ``_get_dynamic_attr``, which inspects the method every time: for 50
        items that was a tenth of the feed's time. Here an item is what
        Django's loop would make of this class's ``item_*`` methods: the
        release's address as its link and id, no enclosures, author or
        comments.
        """
        generator = super().get_feed(obj, request)  # ``items`` is empty: no item yet
        domain, secure = get_current_site(request).domain, request.is_secure()
        for item in self.releases(obj):
            link = add_domain(domain, item.get_absolute_url(), secure)
            generator.add_item(
                title=self.item_title(item),
                link=link,
                description=self.item_description(item),
                unique_id=link,
                pubdate=self.item_pubdate(item),
                updateddate=self.item_updateddate(item),
                categories=self.item_categories(item),
            )
        return generator

    def items(self, feed):
        return []  # written by ``get_feed``, from ``releases``

    def releases(self, feed):
        """The feed's releases, with what their items show.

        Only what an item shows: its title, link, description, dates and type
        (the body only where there is no summary to show), and the items' tags
        (``item_categories``). The listing's own releases, in its order: the
        page of ids from the listing index, then on PostgreSQL one statement
        compiled once that reads the items and every relation's node ids
        (``statements.feed_items``); with the index off, or ranked by a
        search's relevance, the filterset's queryset, and the tags in one
        query more.
        """
        no_summary = Case(
            When(summary="", then="body"), default=Value(""), output_field=TextField()
        )
        filterset, linked = feed.filterset, None
        chosen = selection(filterset, [])  # the listing index, as the listing reads it
        sort = filterset.cleaned.get("sort")
        if chosen is not None and not (sort == "relevance" and filterset.cleaned.get("q")):
            ids = chosen.page(0, FEED_SIZE, oldest_first=sort == "date")
            rows, linked = statements.feed_items(ids, ("pk", *ITEM_FIELDS), no_summary)
        else:  # LISTING_INDEX off, or ranked by the database's relevance
            rows = filterset.qs.annotate(fallback=no_summary).values_list(
                "pk", *ITEM_FIELDS, "fallback"
            )[:FEED_SIZE]
        items = [FeedItem(*row) for row in rows]
        tags = tags_of_releases([item.pk for item in items], linked=linked)
        language = get_language()
        # In the site's time zone, so a feed dates a release as its page does (the
        # zone looked up once, not three times an item).
        zone = timezone.get_current_timezone()
        for item in items:
            item.published_at = item.published_at.astimezone(zone)
            item.updated_at = item.updated_at.astimezone(zone)
            item.tag_names = tag_names_then(tags[item.pk], item.published_at.date(), language)
        return items

    def item_title(self, item):
        return xml_safe(item.title)

    def item_description(self, item):
        return xml_safe(item.summary or body_text(item.fallback)[:500])

    # Already in the site's time zone (``releases``).
    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        """The type, then the item's tags as they were named on its date."""
        names = [type_name(item.type_name), *item.tag_names]
        return [xml_safe(name) for name in dict.fromkeys(names)]


class PressAtomFeed(PressFeed):
    feed_type = ReadableAtomFeed


def feed_stylesheet(request):
    """The XSLT that shows either feed as a page, in the page's language.

    A template rather than a static file so its words are translated and its
    own stylesheet link carries the static files' hashed name.
    """
    parts, month_token = date_parts()
    months = [
        {
            "number": f"{n:02d}",
            "abbr": abbr,
            "name": format_date(datetime.date(2000, n, 1), month_token),
        }
        for n, abbr in enumerate(RFC822_MONTHS, start=1)
    ]
    site_name, site_short_name = site_names()
    body = render_to_string(
        "press/feed.xsl",
        {
            "months": months,
            "date_parts": parts,
            "site_name": site_name,
            "site_short_name": site_short_name,
            "lang": get_language(),
        },
    )
    return HttpResponse(body, content_type="text/xsl; charset=utf-8")


#: The date format characters the feed's stylesheet can write, by the part they stand for.
_DATE_PARTS = {"j": "day", "d": "day", "F": "month", "E": "month", "N": "month", "M": "month",
               "b": "month", "Y": "year"}  # fmt: skip
#: Every character that means something in a date format (django.utils.dateformat).
_FORMAT_CHARACTERS = frozenset("aAbcdDeEfFgGhHiIjlLmMnNoOPrsStTUuwWyYzZ")


def date_parts(date_format=None):
    """The language's DATE_FORMAT as the parts the stylesheet writes a day with.

    ``([{"kind": "day" | "month" | "year" | "text", ...}], month format character)``:
    "j F Y" is day, " ", month, " ", year; "j E Y г." names months in the
    genitive ("17 мая 2024 г."). A format with a part the stylesheet cannot
    compute (a weekday) falls back to "j F Y".
    """
    date_format = date_format or get_format("DATE_FORMAT")
    parts, month, escaped = [], "F", False
    for char in date_format:
        if escaped or (char not in _FORMAT_CHARACTERS and char != "\\"):
            escaped = False
            if parts and parts[-1]["kind"] == "text":
                parts[-1]["text"] += char
            else:
                parts.append({"kind": "text", "text": char})
        elif char == "\\":
            escaped = True
        elif char in _DATE_PARTS:
            parts.append({"kind": _DATE_PARTS[char], "padded": char == "d"})
            if _DATE_PARTS[char] == "month":
                month = char
        else:  # a weekday, a time...: not in an RSS or Atom date's reach
            return date_parts("j F Y")
    return parts, month
