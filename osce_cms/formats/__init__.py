"""The site's display formats per language (``FORMAT_MODULE_PATH``), and its month names.

Dates are written with Django's month names (``django.utils.dates.MONTHS``,
the "F" of a format), translated by Django's catalogs, except where the
site's own catalogs (``locale/``, which take precedence) say otherwise:
Django's Italian capitalises them ("17 Maggio 2024"), Italian writes them in
lower case ("17 maggio 2024"). The names are marked here so that
``makemessages`` keeps them in every catalog.
"""

from django.utils.translation import gettext_noop

MONTH_NAMES = (
    # Translators: a month's name as dates write it ("17 May 2024", "May 2024"):
    # the word Django's own catalog has, unless that is wrong for the language.
    gettext_noop("January"),
    gettext_noop("February"),
    gettext_noop("March"),
    gettext_noop("April"),
    gettext_noop("May"),
    gettext_noop("June"),
    gettext_noop("July"),
    gettext_noop("August"),
    gettext_noop("September"),
    gettext_noop("October"),
    gettext_noop("November"),
    gettext_noop("December"),
)
