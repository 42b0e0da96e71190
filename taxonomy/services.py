"""Writes that span several steps on the trees: loading the shipped data."""

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from .history import former_slugs, link_model, spans_overlap
from .languages import NAME_FIELDS, TRANSLATED, cldr_names
from .locking import tree_write
from .models import Chairpersonship, Country, Meeting, NodeLink, OldNodeSlug, Structure, Topic
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
            _validate_history(item, where)
    for where, item in _walk(data.get("structures", []), f"{source}: structures"):
        country = item.get("country")
        if country and country not in keys["countries"]:
            raise TaxonomyDataError(f"{where}: unknown country {country!r}")
    for tree in TREES:
        for where, item in _walk(data.get(tree, []), f"{source}: {tree}"):
            key = item.get("key") or slugify(item["name"])
            for index, link in enumerate(item.get("links", [])):
                target = link.get("to")
                if target not in keys[tree]:
                    raise TaxonomyDataError(
                        f"{where}.links[{index}]: unknown {tree} key {target!r} "
                        "(a link points to a node of the same tree)"
                    )
                if target == key:
                    raise TaxonomyDataError(f"{where}.links[{index}]: a node cannot follow itself")
            if item.get("links") and not (item.get("closed") or item.get("is_active") is False):
                raise TaxonomyDataError(
                    f"{where}: only a closed node has successors: give it 'closed' "
                    'or "is_active": false'
                )
        _refuse_circles(data.get(tree, []), f"{source}: {tree}")
    for index, row in enumerate(data.get("chairpersonships", [])):
        where = f"{source}: chairpersonships[{index}]"
        if not isinstance(row.get("year"), int) or row.get("country") not in keys["countries"]:
            raise TaxonomyDataError(f"{where}: needs an integer year and a known country key")
        _url(row, "source", where)


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


LINK_KINDS = {kind for kind, _label in NodeLink.KINDS}


def _refuse_circles(items, where):
    """No chain of successors leads back to where it started."""
    following = {}
    for _here, item in _walk(items, where):
        key = item.get("key") or slugify(item["name"])
        following[key] = [link.get("to") for link in item.get("links", [])]
    for start in following:
        seen, queue = set(), list(following[start])
        while queue:
            key = queue.pop()
            if key == start:
                raise TaxonomyDataError(f"{where}: {start!r} is among its own successors")
            if key not in seen:
                seen.add(key)
                queue.extend(following.get(key, ()))


def _day(value, where):
    """A file's date ("YYYY-MM-DD") as a date; None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise TaxonomyDataError(f"{where}: {value!r} is not a date (YYYY-MM-DD)")


def _url(item, key, where):
    value = item.get(key)
    if value is None or value == "":
        return
    if not isinstance(value, str) or not value.startswith(("https://", "http://")):
        raise TaxonomyDataError(f"{where}: {key} must be an http(s) address")


def _validate_history(item, where):
    """Opening and closing days, dated names and links: well formed and in order.

    Spans include both ends; they may not be reversed or overlap; the last
    name has no end and is the node's name; no name begins before the node
    opened or after it closed.
    """
    opened = _day(item.get("opened"), f"{where}.opened")
    closed = _day(item.get("closed"), f"{where}.closed")
    if opened and closed and closed < opened:
        raise TaxonomyDataError(f"{where}: closed {closed} before it opened {opened}")
    _url(item, "dates_source", where)
    dated = item.get("dated_names", [])
    if not isinstance(dated, list):
        raise TaxonomyDataError(f"{where}: dated_names must be a list")
    previous_end = None
    for index, row in enumerate(dated):
        here = f"{where}.dated_names[{index}]"
        if not isinstance(row, dict) or not isinstance(row.get("name"), str) or not row["name"]:
            raise TaxonomyDataError(f"{here}: needs a name")
        start, end = _day(row.get("from"), f"{here}.from"), _day(row.get("to"), f"{here}.to")
        if start and end and end < start:
            raise TaxonomyDataError(f"{here}: ends {end} before it begins {start}")
        if index and spans_overlap(previous_end, start):
            raise TaxonomyDataError(
                f"{here}: overlaps the name before it (each name begins after the last ended)"
            )
        if opened and start and start < opened:
            raise TaxonomyDataError(f"{here}: begins {start}, before the node opened {opened}")
        if closed and start and start > closed:
            raise TaxonomyDataError(f"{here}: begins {start}, after the node closed {closed}")
        _url(row, "source", here)
        _validate_names(row, here)
        previous_end = end
    if dated:
        if "to" in dated[-1] and dated[-1]["to"] is not None:
            raise TaxonomyDataError(f"{where}: the last dated name is the current one: no 'to'")
        if dated[-1]["name"].strip() != item["name"].strip():
            raise TaxonomyDataError(
                f"{where}: the last dated name {dated[-1]['name']!r} is not its name"
            )
    links = item.get("links", [])
    if not isinstance(links, list):
        raise TaxonomyDataError(f"{where}: links must be a list")
    for index, link in enumerate(links):
        here = f"{where}.links[{index}]"
        if not isinstance(link, dict) or link.get("kind", NodeLink.SUCCEEDED_BY) not in LINK_KINDS:
            raise TaxonomyDataError(f"{here}: kind must be one of {', '.join(sorted(LINK_KINDS))}")
        _day(link.get("date"), f"{here}.date")
        _url(link, "source", here)


def _wanted(item, tree):
    """The node's fields as the file states them, in comparable form."""
    names = item.get("names", {})
    wanted = {
        "name": item["name"].strip(),
        "slug": item.get("slug") or slugify(item["name"])[:120],
        "description": item.get("description", ""),
        "is_active": bool(item.get("is_active", not item.get("closed"))),
        "opened_on": item.get("opened"),
        "closed_on": item.get("closed"),
        "dates_source": item.get("dates_source", ""),
        "history_note": item.get("history_note", ""),
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
                changed_fields = [f for f, v in wanted.items() if previous.get(f, _unsaid(f)) != v]
            for name in changed_fields:
                value = wanted[name]
                if name == "parent":
                    node.parent = parent
                elif name == "country":
                    node.country = countries.get(value) if value else None
                elif name in ("opened_on", "closed_on"):
                    setattr(node, name, datetime.date.fromisoformat(value) if value else None)
                else:
                    setattr(node, name, value)
            # What the file says now, beside what it said of its history.
            said_history = {k: v for k, v in previous.items() if k in ("dated_names", "links")}
            if node.pk is None:
                node.source_data = wanted
                node.save()
                nodes[key] = node
                report.created.append(f"{model._meta.verbose_name}: {node.name}")
            elif changed_fields:
                node.source_data = {**wanted, **said_history}
                node.save()
                report.updated.append(
                    f"{model._meta.verbose_name}: {node.name} ({', '.join(changed_fields)})"
                )
            _load_dated_names(node, item, report, created=not previous)
            known = {a.normalized for a in node.aliases.all()}
            for alias in item.get("aliases", []):
                if normalize_name(alias) not in known:
                    node.aliases.create(name=alias)
                    known.add(normalize_name(alias))
                    report.aliases_added.append(f"{node.name}: {alias}")
            load(item.get("children", []), node)

    existing = set(nodes)
    load(items, None)
    _load_links(model, tree, items, nodes, report, new=set(nodes) - existing)


def _file_names(item):
    """The file's dated names of a node, in the form they are compared and stored."""
    return [
        {
            "name": row["name"].strip(),
            "from": row.get("from"),
            "to": row.get("to"),
            "source": row.get("source", ""),
            **{f"name_{code}": row.get("names", {}).get(code, "").strip() for code in TRANSLATED},
        }
        for row in item.get("dated_names", [])
    ]


def _stored_names(node):
    return [
        {
            "name": row.name,
            "from": row.valid_from.isoformat() if row.valid_from else None,
            "to": row.valid_to.isoformat() if row.valid_to else None,
            "source": row.source_url,
            **{field: getattr(row, field) for field in NAME_FIELDS},
        }
        for row in node.dated_names.all()
    ]


def _comparable(rows):
    """Dated names as compared: the current one's names are the node's own, not the history's.

    (Its name and translations follow the node's fields, which merge on
    their own; comparing them here would read every edit of the node's
    name, or a translation the file gives the node but not its last dated
    name, as an edit of the history.)
    """
    return [
        row if row["to"] is not None else {"from": row["from"], "to": None, "source": row["source"]}
        for row in rows
    ]


def _load_dated_names(node, item, report, created=False):
    """The file's dated names reach the node unless an administrator changed them since.

    Merged three ways like the fields: when the file's list changed since it
    was last loaded, it replaces the node's, but only if the node's are
    still what the file said then; otherwise the administrator's stay and
    the report says so.
    """
    wanted = _file_names(item)
    said = node.source_data.get("dated_names", [])
    if wanted == said:
        return
    stored = _stored_names(node)
    if stored and _comparable(stored) != _comparable(said):
        report.skipped.append(
            f"{node._meta.verbose_name}: {node.name} (dated names edited in the admin kept)"
        )
    else:
        node.dated_names.all().delete()
        for row in wanted:
            node.dated_names.create(
                name=row["name"],
                valid_from=row["from"],
                valid_to=row["to"],
                source_url=row["source"],
                **{field: row[field] for field in NAME_FIELDS},
            )
        node.sync_current_name()
        former_slugs(node)
        if not created:
            report.updated.append(f"{node._meta.verbose_name}: {node.name} (dated names)")
    node.source_data = {**node.source_data, "dated_names": wanted}
    type(node)._base_manager.filter(pk=node.pk).update(source_data=node.source_data)


def _file_links(item):
    return {
        (link["to"], link.get("kind", NodeLink.SUCCEEDED_BY)): {
            "kind": link.get("kind", NodeLink.SUCCEEDED_BY),
            "to": link["to"],
            "date": link.get("date"),
            "source": link.get("source", ""),
        }
        for link in item.get("links", [])
    }


def _load_links(model, tree, items, nodes, report, new=()):
    """Each link the file added, changed or dropped since it was last loaded is made,
    updated or undone; the others, and every link an administrator added, stay as they are.
    """
    links = link_model(model)
    for _where, item in _walk(items, tree):
        node = nodes.get(item.get("key") or slugify(item["name"]))
        if node is None:
            continue
        wanted = _file_links(item)
        said = {(link["to"], link["kind"]): link for link in node.source_data.get("links", [])}
        if wanted == said:
            continue
        for key in said.keys() - wanted.keys():
            if key[0] in nodes:
                links.objects.filter(source=node, target=nodes[key[0]], kind=key[1]).delete()
        for key, link in wanted.items():
            if said.get(key) == link or link["to"] not in nodes:
                continue
            links.objects.update_or_create(
                source=node,
                target=nodes[link["to"]],
                kind=link["kind"],
                defaults={"date": link["date"], "source_url": link["source"]},
            )
        if node.key not in new:
            report.updated.append(f"{model._meta.verbose_name}: {node.name} (links)")
        node.source_data = {**node.source_data, "links": list(wanted.values())}
        model._base_manager.filter(pk=node.pk).update(source_data=node.source_data)


#: What a file loaded before a field existed said of it: nothing to apply.
_UNSAID = {
    **dict.fromkeys(NAME_FIELDS, ""),
    "opened_on": None,
    "closed_on": None,
    "dates_source": "",
    "history_note": "",
}


def _unsaid(field):
    return _UNSAID.get(field, _NEVER)


_NEVER = object()


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
        source = row.get("source", "")
        if current is None:
            Chairpersonship.objects.create(year=row["year"], country=country, source_url=source)
        elif current.country_id != country.pk or (source and not current.source_url):
            # An editor's own source for a year is kept.
            current.country = country
            current.source_url = current.source_url or source
            current.save()
        else:
            continue
        report.chairpersonships.append(f"{row['year']}: {country.name}")
