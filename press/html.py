"""Rich text that cannot hurt: one allow-list, applied on every write.

The editor in the admin can only produce these elements, but a body can also
arrive from an import, the shell or a forged form post. Whatever the path, a
``<script>``, an ``on*=`` handler, a ``style`` or a ``javascript:``/``data:``
URL never reaches a page: nh3 (Rust's ammonia) parses the HTML like a
browser and keeps only what is listed here.
"""

import html
import re

import nh3

ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "s", "sub", "sup", "small",
    "h2", "h3", "h4", "ul", "ol", "li", "blockquote", "a", "hr",
    "table", "thead", "tbody", "tr", "th", "td", "caption",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "th": {"colspan", "rowspan", "scope"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}

_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=URL_SCHEMES,
    link_rel="noopener noreferrer",
    strip_comments=True,
)
_EMPTY = re.compile(r"^(?:\s|<p>(?:\s|&nbsp;|<br\s*/?>)*</p>)*$")


def sanitize_html(value):
    """Return ``value`` with everything outside the allow-list removed."""
    if not value:
        return ""
    cleaned = _cleaner.clean(str(value)).strip()
    return "" if _EMPTY.match(cleaned) else cleaned


_TAG = re.compile(r"<\s*(p|br|div|h[1-6]|ul|ol|li|strong|em|a|b|i)\b", re.IGNORECASE)


def text_to_html(text):
    """Plain text (blank-line separated paragraphs) to sanitised HTML.

    Text that already contains markup is treated as HTML and only sanitised.
    """
    if not text:
        return ""
    if _TAG.search(text):
        return sanitize_html(text)
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n|\r\n\s*\r\n", text) if p.strip()]
    if len(paragraphs) == 1 and "\n" in paragraphs[0]:
        paragraphs = [line.strip() for line in paragraphs[0].splitlines() if line.strip()]
    return sanitize_html("".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs))
