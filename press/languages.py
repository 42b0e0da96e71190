"""The languages releases are written in: the site's six (``settings.LANGUAGES``).

A release is written in one language; its translations are releases of their
own, joined by a shared ``translation_group``. Public pages list the releases
of the page's language (the URL's prefix, activated by ``LocaleMiddleware``).
"""

from django.conf import settings
from django.utils import translation

#: The language codes, English (the default, unprefixed) first.
CODES = tuple(code for code, _name in settings.LANGUAGES)
DEFAULT = settings.LANGUAGE_CODE


def current():
    """The page's language: the active one if the site has it, else the default."""
    code = (translation.get_language() or DEFAULT).split("-")[0].lower()
    return code if code in CODES else DEFAULT


def name(code):
    """A language's name in that language ("Français")."""
    return dict(settings.LANGUAGES)[code]


#: PostgreSQL text-search configuration of each language (migration 0011):
#: that language's Snowball stemmer, with accents folded by ``unaccent``.
SEARCH_CONFIGS = {
    "en": "osce_en",
    "fr": "osce_fr",
    "de": "osce_de",
    "it": "osce_it",
    "ru": "osce_ru",
    "es": "osce_es",
}


def search_config(code=None):
    """The text-search configuration of ``code`` (the page's language when None)."""
    return SEARCH_CONFIGS.get(code or current(), SEARCH_CONFIGS[DEFAULT])
