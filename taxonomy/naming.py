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

    Two queries build it (nodes, aliases); each lookup is then a dict access.
    A name matches a node's name, slug, key or any alias, after
    :func:`normalize_name`.
    """

    def __init__(self, model):
        self.model = model
        self.nodes = model.objects.in_bulk()
        names = {}
        for pk, node in self.nodes.items():
            for text in (node.name, node.slug, node.key):
                names.setdefault(normalize_name(text), set()).add(pk)
        alias_model = model._meta.get_field("aliases").related_model
        for pk, normalized in alias_model.objects.values_list("node_id", "normalized"):
            names.setdefault(normalized, set()).add(pk)
        self.names = names

    def resolve(self, name):
        pks = self.names.get(normalize_name(name), set())
        if len(pks) == 1:
            return self.nodes[next(iter(pks))]
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
