"""A node's name in each of the site's languages.

English is the node's own ``name``: the canonical one, which slugs, import
matching and the admin use. The other languages have a column each
(``name_fr``, ...). A country with an ISO code is named by the CLDR (Babel's
``Locale.territories``), never by hand; every other node by its column,
and by its English name where the column is empty. :func:`name_in` is the
one place that decides; the trees' index (``taxonomy.index``) keeps its
answer for every language, so naming a node on a page costs a tuple lookup.
"""

import functools

from django.utils.translation import get_language

#: The languages nodes are named in, English (the ``name`` column) first.
LANGUAGES = ("en", "fr", "de", "it", "ru", "es")
#: The languages with a column of their own, and those columns.
TRANSLATED = LANGUAGES[1:]
NAME_FIELDS = tuple(f"name_{code}" for code in TRANSLATED)

_SLOTS = {code: slot for slot, code in enumerate(LANGUAGES)}


def language_slot(language=None):
    """Where ``language`` (default: the active one) sits in :data:`LANGUAGES`; English if unknown.

    "fr-ch" counts as "fr"; None (translations deactivated) as English.
    """
    if language is None:
        language = get_language()
    slot = _SLOTS.get(language)
    if slot is None:
        slot = _SLOTS.get(str(language or "").lower().replace("_", "-").split("-")[0], 0)
    return slot


@functools.cache
def _territories(language):
    from babel import Locale

    return dict(Locale.parse(language).territories)


def cldr_name(iso_code, language):
    """The CLDR's name of the territory ``iso_code`` in ``language``, or None."""
    if not iso_code:
        return None
    return _territories(language).get(iso_code.strip().upper())


def name_in(language, name, own="", iso_code=""):
    """The rule: a node's name in ``language`` (a code of :data:`LANGUAGES`).

    English is ``name``. Otherwise a country with an ISO code takes the
    CLDR's name; any other node its own column's value (``own``), and
    ``name`` where that is empty.
    """
    if language == "en":
        return name
    return cldr_name(iso_code, language) or own or name


def names_of(name, translations=(), iso_code=""):
    """The node's name in every language of :data:`LANGUAGES`, as a tuple in that order.

    ``translations`` are the columns' values in :data:`TRANSLATED` order
    (missing ones count as empty); ``iso_code`` a country's.
    """
    translations = list(translations)
    translations += [""] * (len(TRANSLATED) - len(translations))
    return (name,) + tuple(
        name_in(language, name, own, iso_code)
        for language, own in zip(TRANSLATED, translations, strict=True)
    )


def node_name(node, language=None):
    """A tree node's (a model instance's) name in ``language`` (default: the page's)."""
    slot = language_slot(language)
    if slot == 0:
        return node.name
    code = LANGUAGES[slot]
    return name_in(code, node.name, getattr(node, f"name_{code}"), getattr(node, "iso_code", ""))


def cldr_names(iso_code):
    """{language: CLDR name} for ``iso_code`` in the translated languages; empty if unknown."""
    found = {language: cldr_name(iso_code, language) for language in TRANSLATED}
    return {language: name for language, name in found.items() if name}
