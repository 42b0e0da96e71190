"""How tree nodes read in pickers: by their full path, in the order readers expect.

"Field operations › OSCE Mission to Moldova" says where a node sits; a bare
"Moldova" could be the country or the mission. Countries (and any tree with
``ALPHABETICAL``) come in alphabetical order by collation under each parent,
the other trees in the order editors gave them.
"""

from django.utils.translation import gettext

from .collation import in_reading_order
from .models import tree_paths


def path_label(paths, node):
    """ "Secretariat › Conflict Prevention Centre", marked when the node is closed."""
    label = paths.get(node.pk, node.name)
    return label if node.is_active else gettext("%(label)s (closed)") % {"label": label}


class PathLabels:
    """A form field's ``label_from_instance``: one query per tree, on first use."""

    def __init__(self, model):
        self.model = model
        self._paths = None

    def __call__(self, node):
        if self._paths is None:
            self._paths = tree_paths(self.model)
        return path_label(self._paths, node)


def in_picker_order(nodes):
    """``nodes`` (tree order) in reading order for their tree: a list."""
    nodes = list(nodes)
    if not nodes:
        return nodes
    return in_reading_order(nodes, alphabetical=type(nodes[0]).ALPHABETICAL)
