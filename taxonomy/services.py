"""Writes that span several steps on the trees: loading the shipped data."""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from .languages import NAME_FIELDS, TRANSLATED, cldr_names
from .locking import tree_write
from .models import Chairpersonship, Country, Meeting, OldNodeSlug, Structure, Topic
from .naming import normalize_name

DATA_FILE = Path(__file__).resolve().parent / "data" / "taxonomy.json"

# Order matters: structures point to countries.
TREES = {
    "countries": Country,
    "topics": Topic,
    "structures": Structure,
    "meetings": Meeting,
}


class TaxonomyDataError(ValueError):
    """The data file is not what load_taxonomy expects; the message says where."""


@dataclass
class LoadReport:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    aliases_added: list = field(default_factory=list)
    chairpersonships: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    checked: int = 0

    @property
    def changed(self):
        return bool(self.created or self.updated or self.aliases_added or self.chairpersonships)


def read_data(path=DATA_FILE):
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TaxonomyDataError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TaxonomyDataError(f"{path}:{exc.lineno}: invalid JSON: {exc.msg}") from exc
    validate(data, source=str(path))
    return data


def _walk(items, where):
    for index, item in enumerate(items):
        here = f"{where}[{index}]"
        yield here, item
        yield from _walk(item.get("children", []), f"{here}.children")


def validate(data, source="data"):
    """Check the whole file before anything is written; name the first bad place."""
    if not isinstance(data, dict):
        raise TaxonomyDataError(f"{source}: the top level must be an object")
    keys = {}
    for tree in TREES:
        items = data.get(tree, [])
        if not isinstance(items, list):
            raise TaxonomyDataError(f"{source}: {tree} must be a list")
        keys[tree] = set()
        for where, item in _walk(items, f"{source}: {tree}"):
            if not isinstance(item, dict):
                raise TaxonomyDataError(f"{where}: must be an object")
            name = item.get("name")
            if not isinstance(name, str) or not name.strip():
                raise TaxonomyDataError(f"{where}: missing name")
            key = item.get("key") or slugify(name)
            if key in keys[tree]:
                raise TaxonomyDataError(f"{where}: duplicate key {key!r} in {tree}")
            keys[tree].add(key)
            if not isinstance(item.get("aliases", []), list):
                raise TaxonomyDataError(f"{where}: aliases must be a list")
            _validate_names(item, where)
    for where, item in _walk(data.get("structures", []), f"{source}: structures"):
        country = item.get("country")
        if country and country not in keys["countries"]:
            raise TaxonomyDataError(f"{where}: unknown country {country!r}")
    for index, row in enumerate(data.get("chairpersonships", [])):
        where = f"{source}: chairpersonships[{index}]"
        if not isinstance(row.get("year"), int) or row.get("country") not in keys["countries"]:
            raise TaxonomyDataError(f"{where}: needs an integer year and a known country key")


def _validate_names(item, where):
    """``"names": {"fr": "...", ...}``: strings, in the site's other languages.

    A country with an ISO code is named by the CLDR (``taxonomy.languages``),
    never by hand: names for it are refused rather than silently ignored.
    """
    names = item.get("names", {})
    if not isinstance(names, dict):
        raise TaxonomyDataError(f"{where}: names must be an object")
    for language, name in names.items():
        if language not in TRANSLATED:
            raise TaxonomyDataError(
                f"{where}: names: unknown language {language!r} (one of {', '.join(TRANSLATED)}; "
                "the English name is 'name')"
            )
        if not isinstance(name, str):
            raise TaxonomyDataError(f"{where}: names: {language} must be a string")
    if names and cldr_names(item.get("iso_code", "")):
        raise TaxonomyDataError(
            f"{where}: names of a country with an ISO code come from the CLDR; remove them"
        )


def _wanted(item, tree):
    """The node's fields as the file states them, in comparable form."""
    names = item.get("names", {})
    wanted = {
        "name": item["name"].strip(),
        "slug": item.get("slug") or slugify(item["name"])[:120],
        "description": item.get("description", ""),
        "is_active": bool(item.get("is_active", True)),
        **{f"name_{code}": names.get(code, "").strip() for code in TRANSLATED},
    }
    if tree == "countries":
        wanted["iso_code"] = item.get("iso_code", "")
    if tree == "structures":
        wanted["country"] = item.get("country")
    return wanted


def load_taxonomy(*, data=None, path=DATA_FILE, on_node=None):
    """Create or update the trees from the shipped data; never delete anything.

    The file is merged three ways: each node remembers what the file said
    when it was last loaded (``source_data``), and a field is written only
    when the file's value has changed since then. So a second run changes
    nothing, a rename in the file reaches the node with the same key, and an
    administrator's later edit in the admin survives a restart that reloads
    the file. ``on_node()``, if given, is called after each node (a progress bar).
    """
    if data is None:
        data = read_data(path)
    else:
        validate(data)
    report = LoadReport()
    with transaction.atomic():
        for tree, model in TREES.items():
            with tree_write(model):
                _load_tree(model, tree, data.get(tree, []), report, on_node)
        _load_chairpersonships(data.get("chairpersonships", []), report)
    return report


def _load_tree(model, tree, items, report, on_node=None):
    nodes = {node.key: node for node in model.objects.all()}
    countries = {c.key: c for c in Country.objects.all()} if tree == "structures" else {}

    def load(items, parent):
        for item in items:
            key = item.get("key") or slugify(item["name"])
            wanted = _wanted(item, tree)
            wanted["parent"] = parent.key if parent else None
            node = nodes.get(key)
            report.checked += 1
            if on_node is not None:
                on_node()
            if node is None:
                survivor = _merged_into(model, key, wanted["slug"])
                if survivor is not None:
                    # Merged away by an administrator: never resurrect it.
                    report.skipped.append(f"{model._meta.verbose_name}: {item['name']} "
                                          f"(merged into {survivor.name})")  # fmt: skip
                    load(item.get("children", []), survivor)
                    continue
                node = model(key=key)
                changed_fields = list(wanted)
                previous = {}
            else:
                previous = node.source_data or {}
                # Apply only what the file changed since it was last loaded.
                # A file loaded before names per language existed said none.
                changed_fields = [
                    f
                    for f, v in wanted.items()
                    if previous.get(f, "" if f in NAME_FIELDS else object()) != v
                ]
            for name in changed_fields:
                value = wanted[name]
                if name == "parent":
                    node.parent = parent
                elif name == "country":
                    node.country = countries.get(value) if value else None
                else:
                    setattr(node, name, value)
            if node.pk is None:
                node.source_data = wanted
                node.save()
                nodes[key] = node
                report.created.append(f"{model._meta.verbose_name}: {node.name}")
            elif changed_fields:
                node.source_data = wanted
                node.save()
                report.updated.append(
                    f"{model._meta.verbose_name}: {node.name} ({', '.join(changed_fields)})"
                )
            known = {a.normalized for a in node.aliases.all()}
            for alias in item.get("aliases", []):
                if normalize_name(alias) not in known:
                    node.aliases.create(name=alias)
                    known.add(normalize_name(alias))
                    report.aliases_added.append(f"{node.name}: {alias}")
            load(item.get("children", []), node)

    load(items, None)


def _merged_into(model, key, slug):
    """The node that a missing node was merged into, if the admin merged it."""
    old = (
        OldNodeSlug.objects.filter(tree=model._meta.model_name, slug__in={key, slug})
        .order_by("-created_at")
        .first()
    )
    return model.objects.filter(pk=old.node_id).first() if old else None


def _load_chairpersonships(rows, report):
    countries = {c.key: c for c in Country.objects.all()}
    existing = {c.year: c for c in Chairpersonship.objects.select_related("country")}
    for row in rows:
        country = countries[row["country"]]
        current = existing.get(row["year"])
        if current is None:
            Chairpersonship.objects.create(year=row["year"], country=country)
        elif current.country_id != country.pk:
            current.country = country
            current.save()
        else:
            continue
        report.chairpersonships.append(f"{row['year']}: {country.name}")
