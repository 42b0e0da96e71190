"""The site menu, built from the trees like the old site's navigation.

One query per tree, kept by each process under the trees' version
(``taxonomy.versions``, in the database), the year (the chairpersonship) and
the language: any tree edit changes the version, so the next request of
every process rebuilds the menu and nobody sees a stale one, whatever the
cache backend. Release writes never touch it.
"""

from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from . import clock
from .collation import collation_key
from .languages import LANGUAGES, TRANSLATED, language_slot, name_in
from .models import Chairpersonship, Country, Meeting, Structure, Topic
from .versions import tree_version

#: This process's menus: {(trees' version, year, language): navigation}, one per
#: language for the current version and year.
_menus = {}


def _entries(model, url_for):
    """Every node of a tree as nested dicts, from one query, named in the page's language.

    In an alphabetical tree the children of each node (the countries of a
    group) follow the names shown; the groups keep the editors' order.
    """
    language = LANGUAGES[language_slot()]
    names = [f"name_{language}"] if language in TRANSLATED else []
    if names and model is Country:
        names.append("iso_code")
    nodes = list(
        model.objects.order_by("tree_id", "lft").values(
            "pk", "parent_id", "name", *names, "slug", "is_active", "level"
        )
    )
    by_pk = {}
    roots = []
    for node in nodes:
        parent = by_pk.get(node["parent_id"])
        path = [*parent["path"], node["slug"]] if parent else [node["slug"]]
        entry = {
            "pk": node["pk"],
            "name": name_in(
                language, node["name"], node.get(f"name_{language}", ""), node.get("iso_code", "")
            ),
            "slug": node["slug"],
            "path": path,
            "closed": not node["is_active"],
            "children": [],
        }
        entry["url"] = url_for(entry)
        by_pk[node["pk"]] = entry
        (parent["children"] if parent else roots).append(entry)
    if model.ALPHABETICAL:
        for entry in by_pk.values():
            entry["children"].sort(key=lambda e: collation_key(e["name"], language))
    return roots


def current_chair(year=None):
    year = year or timezone.localdate(clock.now()).year
    return Chairpersonship.objects.filter(year=year).select_related("country").first()


def build_navigation():
    year = timezone.localdate(clock.now()).year
    chair = current_chair(year)
    topics = _entries(Topic, lambda e: reverse("taxonomy:topic", args=[e["slug"]]))
    countries = _entries(Country, lambda e: reverse("taxonomy:country", args=[e["slug"]]))
    structures = _entries(
        Structure, lambda e: reverse("taxonomy:structure", args=["/".join(e["path"])])
    )
    meetings = _entries(Meeting, lambda e: reverse("taxonomy:meeting", args=[e["slug"]]))
    for group in countries:
        for country in group["children"]:
            if chair and country["slug"] == chair.country.slug:
                country["label"] = _("%(country)s – OSCE Chairpersonship %(year)s") % {
                    "country": country["name"],
                    "year": year,
                }
    urls = {}
    for label, roots in (
        ("topic", topics),
        ("country", countries),
        ("structure", structures),
        ("meeting", meetings),
    ):
        stack = list(roots)
        while stack:
            entry = stack.pop()
            urls[f"{label}:{entry['pk']}"] = entry["url"]
            stack.extend(entry["children"])
    field_operations = next((s for s in structures if s["slug"] == "field-operations"), None)
    if field_operations:
        # "Field operations" lists the current ones: an operation an
        # administrator has closed leaves the list at once (its page stays,
        # marked closed, and it belongs under "Closed field activities").
        field_operations["children"] = [c for c in field_operations["children"] if not c["closed"]]
    return {
        "urls": urls,
        "sections": [
            {
                "id": "our-work",
                "name": _("Our work"),
                "groups": [
                    {
                        "name": _("Fields of work"),
                        "url": reverse("taxonomy:topics"),
                        "items": topics,
                    },
                    {
                        "name": _("Field operations"),
                        "url": field_operations["url"] if field_operations else "",
                        "items": field_operations["children"] if field_operations else [],
                    },
                    {
                        "name": _("Meetings and conferences"),
                        "url": reverse("taxonomy:meetings"),
                        "items": meetings,
                    },
                ],
            },
            {
                "id": "countries",
                "name": _("Countries"),
                "groups": [
                    {"name": g["name"], "url": g["url"], "items": g["children"]} for g in countries
                ],
            },
            {
                "id": "structures",
                "name": _("Structures and institutions"),
                "groups": [
                    {"name": s["name"], "url": s["url"], "items": s["children"]} for s in structures
                ],
            },
        ],
        "chair": (
            {
                "name": chair.country.display_name,
                "year": chair.year,
                "url": reverse("taxonomy:country", args=[chair.country.slug]),
            }
            if chair
            else None
        ),
    }


def get_navigation():
    """The menu, shared by every request of this process until the trees change: read only."""
    version = tree_version()
    key = (version, timezone.localdate(clock.now()).year, get_language())
    navigation = _menus.get(key)
    if navigation is None or version is None:
        navigation = build_navigation()
        if version is not None:  # no version row: nothing can say when it goes stale
            for stale in [k for k in _menus if k[:2] != key[:2]]:
                del _menus[stale]
            _menus[key] = navigation
    return navigation


def navigation_html():
    """The menu's HTML (``includes/navigation.html``), rendered once per menu.

    It depends on nothing but the menu, so it is kept with it, under the
    same trees' version, year and language: a page pays for the menu's
    hundreds of links once per process and tree edit, not once a request.
    """
    navigation = get_navigation()
    html = navigation.get("html")
    if html is None:
        html = render_to_string("includes/navigation.html", {"navigation": navigation})
        navigation["html"] = html  # the same text whoever renders it first
    return html


def _menu_url(model, pk):
    """A node's public URL as the menu this process keeps knows it, or None."""
    return get_navigation()["urls"].get(f"{model._meta.model_name}:{pk}")


def node_url(node):
    """The public URL of a tree node, from the navigation this process keeps: no query."""
    return _menu_url(node._meta.model, node.pk) or node.get_absolute_url()


def ref_url(model, ref):
    """The public URL of a node of ``model`` known by its tree index entry (a ``NodeRef``)."""
    return ref_urls(model)(ref)


def ref_urls(model):
    """``ref -> public URL`` for nodes of ``model``, the menu read once: for many nodes."""
    urls = get_navigation()["urls"]
    prefix = f"{model._meta.model_name}:"

    def url(ref):
        found = urls.get(f"{prefix}{ref.pk}")
        return found or model._base_manager.get(pk=ref.pk).get_absolute_url()

    return url
