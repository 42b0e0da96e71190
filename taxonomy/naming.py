"""How people write node names, and how we recognise them.

The newsroom writes "OSCE Mission to Moldova", the navigation "Mission to
Moldova", old pages "Mission to Georgia (closed)". All of these must reach
the same node, so names are compared in a normalised form.
"""

import re
import unicodedata

_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
_QUOTES = dict.fromkeys(map(ord, "\u2018\u2019\u201a\u201b\u2032`"), "'")
_PREFIX = re.compile(r"^(?:the\s+)?osce(?:'s)?\s+", re.IGNORECASE)
_SUFFIX = re.compile(r"\s*\((?:closed|discontinued)\)\s*$", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def normalize_name(name: str) -> str:
    """Return the form in which two spellings of one node's name compare equal.

    Case, Unicode compatibility forms, dash and apostrophe variants, runs of
    white space, an "OSCE " prefix and a "(closed)"/"(discontinued)" suffix
    are ignored.
    """
    text = unicodedata.normalize("NFKC", str(name)).translate(_DASHES).translate(_QUOTES)
    text = _SPACE.sub(" ", text).strip()
    previous = None
    while previous != text:
        previous = text
        text = _SUFFIX.sub("", text)
        text = _PREFIX.sub("", text).strip()
    return text.casefold()


class UnknownName(LookupError):
    def __init__(self, model, name, candidates=()):
        self.model, self.name, self.candidates = model, name, list(candidates)
        what = model._meta.verbose_name
        if self.candidates:
            message = f"{what} {name!r} is ambiguous: it could be {', '.join(self.candidates)}"
        else:
            message = f"unknown {what} {name!r}"
        super().__init__(message)


class NameIndex:
    """Every way of writing a node of one tree, for resolving many names cheaply.

    Three queries build it (nodes, aliases, dated names); each lookup is
    then a dict access. A name matches a node's name, slug, key, any alias
    or any name it ever had, after :func:`normalize_name`. When two nodes
    had one name at different times, the day a text speaks of
    (``on=``) says which: a node whose only claim on the name is a span
    that does not cover that day drops out.
    """

    def __init__(self, model):
        self.model = model
        self.nodes = model.objects.in_bulk()
        names = {}
        #: normalized -> pks that claim it without dates (slug, key, alias, undated name).
        self.undated = {}
        #: normalized -> {pk: [(valid_from, valid_to)]}: claims that hold for a span.
        self.spans = {}
        name_model = model._meta.get_field("dated_names").related_model
        dated_nodes = set()
        for pk, normalized, valid_from, valid_to in name_model.objects.values_list(
            "node_id", "normalized", "valid_from", "valid_to"
        ):
            names.setdefault(normalized, set()).add(pk)
            self.spans.setdefault(normalized, {}).setdefault(pk, []).append((valid_from, valid_to))
            dated_nodes.add(pk)
        for pk, node in self.nodes.items():
            texts = (node.slug, node.key) if pk in dated_nodes else (node.name, node.slug, node.key)
            for text in texts:
                self._undated(names, normalize_name(text), pk)
        alias_model = model._meta.get_field("aliases").related_model
        for pk, normalized in alias_model.objects.values_list("node_id", "normalized"):
            self._undated(names, normalized, pk)
        self.names = names

    def _undated(self, names, normalized, pk):
        names.setdefault(normalized, set()).add(pk)
        self.undated.setdefault(normalized, set()).add(pk)

    def matches(self, name, on=None):
        """The pks of the nodes ``name`` may mean, sorted; narrowed by the day ``on`` if given.

        On a day, the node whose dated name covers it wins; failing one, the
        nodes that claim the name without dates and existed that day (by
        their opening and closing days, where known) remain.
        """
        normalized = normalize_name(name)
        pks = self.names.get(normalized, set())
        if len(pks) > 1 and on is not None:
            spans = self.spans.get(normalized, {})
            dated = {
                pk
                for pk in pks
                if any(
                    (start is None or start <= on) and (end is None or on <= end)
                    for start, end in spans.get(pk, ())
                )
            }
            if len(dated) != 1:
                dated |= {
                    pk for pk in self.undated.get(normalized, set()) & pks if self._lived(pk, on)
                }
            if dated:
                pks = dated
        return sorted(pks)

    def _lived(self, pk, day):
        node = self.nodes[pk]
        return (node.opened_on is None or node.opened_on <= day) and (
            node.closed_on is None or day <= node.closed_on
        )

    def resolve(self, name, on=None):
        pks = self.matches(name, on)
        if len(pks) == 1:
            return self.nodes[pks[0]]
        raise UnknownName(self.model, name, sorted(self.nodes[pk].path_names() for pk in pks))

    def resolve_all(self, names):
        """Resolve each name; raise one error that names every unknown one."""
        found, errors = [], []
        for name in names:
            try:
                node = self.resolve(name)
            except UnknownName as exc:
                errors.append(str(exc))
            else:
                if node not in found:
                    found.append(node)
        if errors:
            raise LookupError("; ".join(errors))
        return found
