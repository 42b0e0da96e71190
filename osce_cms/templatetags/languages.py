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
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.html import format_html, format_html_join

from press import languages
from press.languages import CODES, DEFAULT

register = template.Library()


#: (view, language, URLconf, script prefix) -> its path, or None where nothing
#: reverses, for views without arguments (the home page, the listings, the
#: indexes): reverse() is a pure function of those, and a page asks it for each
#: of six languages. A view's arguments are not kept: they are the visitor's to
#: choose (any slug of a page that is not found), so the memo holds at most the
#: site's own names in its six languages.
_PATHS = {}
_MISSING = object()


def reversed_in(code, view_name, args=(), kwargs=None):
    """``reverse(view_name, args, kwargs)`` in the language ``code``, or None."""
    key = None
    if not args and not kwargs:
        key = (view_name, code, get_urlconf(), get_script_prefix())
        path = _PATHS.get(key, _MISSING)
        if path is not _MISSING:
            return path
    with translation.override(code):
        try:
            path = reverse(view_name, args=args, kwargs=kwargs)
        except NoReverseMatch:
            path = None
    if key is not None:
        _PATHS[key] = path
    return path


def alternates(context):
    """[(code, path, is_alternate)]: where this page is in each language.

    ``is_alternate`` is False where the page has no such version and the
    path is the nearest page in that language instead (that language's
    listing for a release without that translation, its home page for an
    address nothing answers). Paths are reversed from the page's resolved
    view, never copied from the request, so they are always the site's own,
    correctly quoted. Computed once per render and kept for the head's links
    and the switcher alike.
    """
    held = context.render_context.get("_language_alternates")
    if held is not None:
        return held
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    given = context.get("translations")
    result = []
    for code in CODES:
        if given is not None:
            path = given.get(code)
            result.append((code, path or reversed_in(code, "press:list"), path is not None))
            continue
        path = None
        if match is not None and match.url_name:
            path = reversed_in(code, match.view_name, match.args, match.kwargs)
        if path is None:
            result.append((code, reversed_in(code, "home"), False))
            continue
        query = request.GET.copy()
        query.pop("page", None)
        result.append((code, f"{path}?{query.urlencode()}" if query else path, True))
    context.render_context["_language_alternates"] = result
    return result


@register.simple_tag(takes_context=True)
def language_links(context):
    """``<link rel="alternate" hreflang>`` for every version of this page, and ``x-default``."""
    request = context.get("request")
    if request is None:
        return ""
    base = f"{request.scheme}://{request.get_host()}"
    found = [(code, path) for code, path, is_alternate in alternates(context) if is_alternate]
    default = dict(found).get(DEFAULT) or (found[0][1] if found else None)
    links = [(code, base + path) for code, path in found]
    if default:
        links.append(("x-default", base + default))
    return format_html_join("\n  ", '<link rel="alternate" hreflang="{}" href="{}">', links)


@register.simple_tag(takes_context=True)
def language_switcher(context, home=False):
    """The six languages, each a link to this page in that language (or the nearest page
    there); with ``home``, to each language's home page (an error page)."""
    current = translation.get_language() or DEFAULT
    items = []
    for code, path, _is_alternate in alternates(context):
        if home:
            path = reversed_in(code, "home")
        # The name, and on a phone the code (the name stays for screen readers).
        name = format_html(
            '<span class="language-name">{}</span> <span class="language-code">{}</span>',
            languages.name(code),
            code.upper(),
        )
        if code == current:
            items.append(
                format_html('<li><span aria-current="true" lang="{}">{}</span></li>', code, name)
            )
            continue
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
