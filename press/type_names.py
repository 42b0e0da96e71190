"""The shipped release types' names, in the page's language.

Release types are rows (``ReleaseType``), created by a migration with these
English names; editors may rename them or add others. A shipped name is
part of the interface, so the catalogs translate it ("Press release" reads
"Communiqué de presse" on /fr/); any other name is shown as it was typed.
"""

from django.utils.translation import gettext, gettext_noop

#: The names press/migrations/0002 gives the types, marked for the catalogs.
SHIPPED = frozenset(
    {
        # Translators: a kind of release, shown above its title ("Press release · 17 May 2024").
        gettext_noop("Press release"),
        gettext_noop("News"),
        gettext_noop("Press statement"),
        gettext_noop("Statement"),
        gettext_noop("Daily report"),
        gettext_noop("Spot report"),
        gettext_noop("Feature"),
        gettext_noop("Speech"),
    }
)


def type_name(name):
    """A release type's name as the page shows it: translated if it is a shipped one."""
    return gettext(name) if name in SHIPPED else name
