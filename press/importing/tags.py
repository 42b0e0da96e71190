"""Tag resolution: record names to tree nodes and release types, per run.

A name is looked up among node names, slugs, keys, aliases and the dated
names a node had (a name two nodes had in turn means the one that had it on
the record's date), compared as :func:`~taxonomy.naming.normalize_name` does. It is
looked for in the tree of the key it was given under first; failing that, in
the other trees, where it counts only when exactly one node has it: the
release then gets that node in that tree's relation ("Asian Partners for
Co-operation" given under ``structures`` is a region, so it is filed under
``countries``). A name that resolves nowhere, or to several nodes, is left
out. Either way the resolver says so in a :class:`TagWarning`: a release is
never lost for a tag, and nobody is left guessing where a tag went.
"""

from dataclasses import dataclass

from taxonomy.models import Structure
from taxonomy.naming import NameIndex

from ..dimensions import DIMENSIONS
from ..models import ReleaseType

#: Record key -> (release relation, tree model): the registry's dimensions,
#: and sources, which are structures (and also go to structures).
RELATIONS = {
    "sources": ("sources", Structure),
    **{d.import_key: (d.relation, d.model) for d in DIMENSIONS},
}
M2M_FIELDS = tuple(relation for relation, _model in RELATIONS.values())
#: Tree model -> the record key a node of that tree is filed under when it was
#: given under another tree's key (a source must be a structure, so a name
#: found elsewhere is a plain tag of its own tree, never a source).
HOME_KEYS = {d.model: d.import_key for d in DIMENSIONS}


@dataclass(frozen=True)
class TagWarning:
    """A tag that was not filed where the record gave it: moved to another tree, or left out."""

    name: str
    given_under: str
    filed_under: str = ""  # the record key it went to instead; empty when left out
    node: str = ""
    candidates: tuple = ()

    def describe(self):
        where = f"tag {self.name!r} given under {self.given_under}"
        if self.filed_under:
            return f"{where} was filed under {self.filed_under} ({self.node})"
        if self.candidates:
            return (
                f"{where} is ambiguous (it could be {'; '.join(self.candidates)}); "
                "imported without it"
            )
        return f"{where} matches no node; imported without it"


class Resolver:
    """Names to nodes and types, with every index built once."""

    def __init__(self):
        self.indexes = {d.model: NameIndex(d.model) for d in DIMENSIONS}
        self.types = {}
        for release_type in ReleaseType.objects.all():
            self.types[release_type.slug.casefold()] = release_type
            self.types[" ".join(release_type.name.split()).casefold()] = release_type
        self.type_names = {" ".join(t.name.split()).casefold() for t in self.types.values()}

    def release_type(self, name):
        return self.types.get(" ".join(str(name).split()).casefold())

    def _matches(self, model, name, on):
        index = self.indexes[model]
        return [index.nodes[pk] for pk in index.matches(name, on)]

    def resolve(self, key, name, on=None):
        """(record key the node is filed under, node, warning or None) for one given name.

        ``on`` is the day the record speaks of: a name two nodes had at
        different times means the one that had it then. The node is None
        when the name is left out; the warning then says why.
        """
        own_model = RELATIONS[key][1]
        own = self._matches(own_model, name, on)
        if len(own) == 1:
            return key, own[0], None
        if own:
            # The name is this tree's; picking a node elsewhere would be a guess.
            candidates = tuple(node.path_names() for node in own)
            return None, None, TagWarning(name, key, candidates=candidates)
        elsewhere = [
            (model, node)
            for model in self.indexes
            if model is not own_model
            for node in self._matches(model, name, on)
        ]
        if len(elsewhere) == 1:
            [(model, node)] = elsewhere
            filed_under = HOME_KEYS[model]
            return filed_under, node, TagWarning(name, key, filed_under, node.path_names())
        candidates = tuple(f"{HOME_KEYS[model]}: {node.path_names()}" for model, node in elsewhere)
        return None, None, TagWarning(name, key, candidates=candidates)

    def links(self, names_by_key, on=None):
        """Resolve every given name: ({release relation: set of node pks}, [TagWarning]).

        ``on`` (a date) is the record's day, for names two nodes had in turn.
        """
        links = {name: set() for name in M2M_FIELDS}
        warnings = []
        for key, names in names_by_key.items():
            for name in names:
                filed_under, node, warning = self.resolve(key, name, on)
                if warning is not None:
                    warnings.append(warning)
                if node is not None:
                    links[RELATIONS[filed_under][0]].add(node.pk)
        # The model's convention: sources are structures too.
        links["structures"] |= links["sources"]
        return links, warnings
