"""The trees, the release types and the chairpersonships, read once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.core.management.base import CommandError

from press.models import ReleaseType
from taxonomy.models import Chairpersonship, Country, Meeting, Structure, StructureName, Topic


class MissingTaxonomy(CommandError):
    """The trees a release is tagged with are empty: nothing to generate from."""


@dataclass(frozen=True, slots=True)
class Node:
    id: int
    key: str
    name: str
    parent_id: int | None
    is_active: bool
    description: str = ""
    country_id: int | None = None
    opened_on: date | None = None
    closed_on: date | None = None
    #: ((first day, last day, name), ...): the names it had before today's, oldest first.
    former: tuple = ()

    def name_on(self, day):
        """What it was called on ``day`` (``taxonomy.history``'s rule, in memory)."""
        for start, end, name in self.former:
            if (start is None or start <= day) and day <= end:
                return name
        return self.name


@dataclass
class Tree:
    """One tree in memory, in tree order."""

    nodes: list[Node]
    by_id: dict[int, Node] = field(init=False)
    by_key: dict[str, Node] = field(init=False)
    by_name: dict[str, Node] = field(init=False)
    children: dict[int, list[Node]] = field(init=False)

    def __post_init__(self):
        self.by_id = {node.id: node for node in self.nodes}
        self.by_key = {node.key: node for node in self.nodes}
        self.by_name = {node.name: node for node in self.nodes}
        self.children = {}
        for node in self.nodes:
            if node.parent_id is not None:
                self.children.setdefault(node.parent_id, []).append(node)

    def root_key(self, node):
        while node.parent_id is not None:
            node = self.by_id[node.parent_id]
        return node.key

    def keyed(self, keys):
        return [self.by_key[key] for key in keys if key in self.by_key]


@dataclass
class Context:
    """Everything generation reads from the database."""

    topics: Tree
    countries: Tree
    structures: Tree
    meetings: Tree
    types: list[tuple[int, str]]  # (pk, slug)
    chairs: dict[int, int]  # year -> country pk


def load_context(using="default"):
    """Read the four trees, the structures' former names, the release types and the
    chairpersonships: seven queries."""
    former = {}
    names = StructureName.objects.using(using).filter(valid_to__isnull=False)
    for node_id, name, start, end in names.order_by("valid_to").values_list(
        "node_id", "name", "valid_from", "valid_to"
    ):
        former.setdefault(node_id, []).append((start, end, name))

    def tree(model, *extra):
        fields = ("id", "key", "name", "parent_id", "is_active", "description", "opened_on",
                  "closed_on", *extra)  # fmt: skip
        rows = model._base_manager.using(using).order_by("tree_id", "lft").values(*fields)
        return Tree([Node(**row, former=tuple(former.get(row["id"], ()))) for row in rows])

    context = Context(
        topics=tree(Topic),
        countries=tree(Country),
        structures=tree(Structure, "country_id"),
        meetings=tree(Meeting),
        types=list(ReleaseType.objects.using(using).order_by("pk").values_list("pk", "slug")),
        chairs=dict(Chairpersonship.objects.using(using).values_list("year", "country_id")),
    )
    if not (context.topics.nodes and context.countries.nodes and context.structures.nodes):
        raise MissingTaxonomy(
            "The taxonomy trees are empty: run `python manage.py load_taxonomy` first."
        )
    if not context.types:
        raise CommandError("There are no release types: run `python manage.py migrate` first.")
    return context
