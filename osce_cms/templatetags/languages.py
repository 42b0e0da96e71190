"""The language switcher and the ``hreflang`` alternates of every public page.

A page's address in another language is its own path under that language's
prefix (English unprefixed): node pages and listings have the same slugs and
parameters in every language, and a listing keeps its filters (not its page
number: another language has other releases). A view that knows better sets
``translations`` in its context, ``{code: path}``: a release page names its
own translations, and a language it has none in goes to that language's
listing.
"""

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import format_html, format_html_join

register = template.Library()

CODES = [code for code, _name in settings.LANGUAGES]
DEFAULT = settings.LANGUAGE_CODE


def _prefix(code):
    return "" if code == DEFAULT else f"/{code}"


def _unprefixed(path, code):
    """``path`` without the prefix of its language ``code``."""
    prefix = _prefix(code)
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        return path[len(prefix) :] or "/"
    return path


def alternates(context):
    """[(code, path or None)]: this page in each language (None: it has no such version).

    Computed once per render and kept in the context, for the head's links
    and the switcher alike.
    """
    held = context.render_context.get("_language_alternates")
    if held is not None:
        return held
    request = context.get("request")
    given = context.get("translations")
    if given is not None:
        result = [(code, given.get(code)) for code in CODES]
    elif request is None:
        result = [(code, None) for code in CODES]
    else:
        current = translation.get_language() or DEFAULT
        rest = _unprefixed(request.path, current)
        query = request.GET.copy()
        query.pop("page", None)
        suffix = f"?{query.urlencode()}" if query else ""
        result = [(code, f"{_prefix(code)}{rest}{suffix}") for code in CODES]
    context.render_context["_language_alternates"] = result
    return result


@register.simple_tag(takes_context=True)
def language_links(context):
    """``<link rel="alternate" hreflang>`` for every version of this page, and ``x-default``."""
    request = context.get("request")
    if request is None:
        return ""
    base = f"{request.scheme}://{request.get_host()}"
    found = [(code, path) for code, path in alternates(context) if path]
    default = dict(found).get(DEFAULT) or (found[0][1] if found else None)
    links = [(code, base + path) for code, path in found]
    if default:
        links.append(("x-default", base + default))
    return format_html_join("\n  ", '<link rel="alternate" hreflang="{}" href="{}">', links)


@register.simple_tag(takes_context=True)
def language_switcher(context):
    """The six languages, each a link to this page in that language (or its listing)."""
    current = translation.get_language() or DEFAULT
    items = []
    for code, path in alternates(context):
        # The name, and on a phone the code (the name stays for screen readers).
        name = format_html(
            '<span class="language-name">{}</span> <span class="language-code">{}</span>',
            dict(settings.LANGUAGES)[code],
            code.upper(),
        )
        if code == current:
            items.append(
                format_html('<li><span aria-current="true" lang="{}">{}</span></li>', code, name)
            )
            continue
        if path is None:
            with translation.override(code):
                path = reverse("press:list")
        items.append(
            format_html(
                '<li><a href="{}" hreflang="{}" lang="{}">{}</a></li>', path, code, code, name
            )
        )
    return format_html(
        '<nav class="languages" aria-label="{}"><ul>{}</ul></nav>',
        translation.gettext("Languages"),
        format_html_join("", "{}", ((item,) for item in items)),
    )
