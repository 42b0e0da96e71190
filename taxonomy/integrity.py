"""Is a tree intact? Checked from the rows themselves, independent of mptt."""

from collections import defaultdict


def tree_problems(model, limit=20):
    """Return what is wrong with ``model``'s trees, as sentences; empty when intact.

    Checks, for every tree_id: exactly one root; ``lft``/``rght`` values are
    exactly 1..2n with ``lft < rght``; every node lies strictly inside its
    parent, in the parent's tree, one level below it; and its span holds
    exactly its descendants.
    """
    rows = list(
        model._base_manager.order_by().values_list(
            "pk", "parent_id", "tree_id", "lft", "rght", "level"
        )
    )
    nodes = {pk: (parent, tree, lft, rght, level) for pk, parent, tree, lft, rght, level in rows}
    by_tree = defaultdict(list)
    for pk, (_parent, tree, *_rest) in nodes.items():
        by_tree[tree].append(pk)
    children = defaultdict(int)
    problems = []

    def add(message):
        if len(problems) < limit:
            problems.append(message)

    for pk, (parent, tree, lft, rght, level) in nodes.items():
        if parent is not None:
            children[parent] += 1
            if parent not in nodes:
                add(f"node {pk} points to missing parent {parent}")
                continue
            p_parent, p_tree, p_lft, p_rght, p_level = nodes[parent]
            if p_tree != tree:
                add(f"node {pk} is in tree {tree} but its parent {parent} is in tree {p_tree}")
            if not (p_lft < lft and rght < p_rght):
                add(
                    f"node {pk} ({lft}, {rght}) lies outside its parent {parent} "
                    f"({p_lft}, {p_rght})"
                )
            if level != p_level + 1:
                add(f"node {pk} has level {level}, its parent {parent} level {p_level}")
        elif level != 0:
            add(f"root node {pk} has level {level}")
        if lft >= rght:
            add(f"node {pk} has lft {lft} >= rght {rght}")

    for tree, members in by_tree.items():
        roots = [pk for pk in members if nodes[pk][0] is None]
        if len(roots) != 1:
            add(f"tree_id {tree} has {len(roots)} root nodes: {sorted(roots)[:10]}")
        values = sorted(v for pk in members for v in nodes[pk][2:4])
        if values != list(range(1, 2 * len(members) + 1)):
            add(f"tree_id {tree}: lft/rght values are not exactly 1..{2 * len(members)}")
        # Each node's span must hold exactly its own descendants.
        descendants = defaultdict(int)
        for pk in members:
            parent = nodes[pk][0]
            seen = set()
            while parent is not None and parent in nodes and parent not in seen:
                seen.add(parent)
                descendants[parent] += 1
                parent = nodes[parent][0]
        for pk in members:
            lft, rght = nodes[pk][2:4]
            if (rght - lft - 1) // 2 != descendants[pk] or (rght - lft) % 2 != 1:
                add(
                    f"node {pk} spans {(rght - lft - 1) // 2} descendants but has {descendants[pk]}"
                )
    return problems


#: What other apps derive from the trees, checked (and rebuilt) with them by
#: ``check_trees``: name -> (verify, rebuild). ``verify()`` returns sentences,
#: empty when right; ``rebuild()`` writes the data afresh. An app above
#: registers here, so the trees never need to know it.
DERIVED = {}


def register_derived(name, *, verify, rebuild):
    DERIVED[name] = (verify, rebuild)
