"""Merge nodes of one tree into one: the duplicate goes, nothing it carried is lost.

A field operation created twice, a renamed department entered again under
its new name: an administrator keeps one node (the *survivor*) and merges the
others into it. Every press release tagged with another node is tagged with
the survivor instead, whatever pointed at it (a structure's country, a
chairpersonship) points at the survivor, its names become aliases, its
children move under the survivor, and its old address redirects there.

All of it happens in one transaction holding the tree's write lock: it
either happens completely or not at all. It leaves one revision (django-
reversion) of the survivor and of every object whose links or pointers it
changed, so each release's history shows its new tag and why. Those objects
are found through the relations themselves: this app names no other.
"""

from dataclasses import dataclass, field

import reversion
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.db import models
from django.dispatch import Signal
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .history import lineage, link_model, links_of
from .locking import tree_write
from .models import Node, NodeInUse, OldNodeSlug
from .naming import normalize_name
from .subtree import strictly_contains

#: Sent, in the merge's transaction, once per model whose rows were re-tagged
#: with the survivor by link-table writes that send no relation signals:
#: ``sender`` is that model, ``pks`` the primary keys of its touched rows.
links_moved = Signal()


@dataclass
class MergeReport:
    """What a merge did, for the administrator who asked for it."""

    survivor: object
    merged: list = field(default_factory=list)
    #: "<model_name>.<field>" -> links added to the survivor (many-to-many).
    links: dict = field(default_factory=dict)
    #: "<model_name>.<field>" -> rows repointed to the survivor (protected foreign keys).
    repointed: dict = field(default_factory=dict)
    #: Readable labels for the keys of ``links`` and ``repointed``.
    labels: dict = field(default_factory=dict)
    aliases: int = 0
    #: Predecessor and successor links that could not move to the survivor.
    history_links_dropped: int = 0
    children: int = 0
    old_addresses: int = 0
    #: model -> primary keys of the objects whose links or pointers changed.
    touched: dict = field(default_factory=dict, repr=False)

    def summary(self):
        parts = [
            ngettext("%(what)s: %(count)d link moved", "%(what)s: %(count)d links moved", n)
            % {"what": self.labels[key], "count": n}
            for key, n in self.links.items()
            if n
        ]
        parts += [
            ngettext("%(what)s: %(count)d repointed", "%(what)s: %(count)d repointed", n)
            % {"what": self.labels[key], "count": n}
            for key, n in self.repointed.items()
            if n
        ]
        if self.aliases:
            parts.append(
                ngettext("%(count)d alias added", "%(count)d aliases added", self.aliases)
                % {"count": self.aliases}
            )
        if self.children:
            parts.append(
                ngettext("%(count)d child node moved", "%(count)d child nodes moved", self.children)
                % {"count": self.children}
            )
        if self.history_links_dropped:
            parts.append(
                ngettext(
                    "%(count)d predecessor or successor link dropped (it would make the history "
                    "unsound: an open node with a successor, or a circle)",
                    "%(count)d predecessor or successor links dropped (they would make the "
                    "history unsound: an open node with a successor, or a circle)",
                    self.history_links_dropped,
                )
                % {"count": self.history_links_dropped}
            )
        merged = ", ".join(f"“{name}”" for name in self.merged)
        text = _("Merged %(merged)s into “%(survivor)s”") % {
            "merged": merged,
            "survivor": self.survivor,
        }
        return f"{text}: {'; '.join(parts)}." if parts else f"{text}."

    def __str__(self):
        return self.summary()


def _key(relation):
    return f"{relation.related_model._meta.model_name}.{relation.field.name}"


def _label(relation):
    return f"{relation.related_model._meta.verbose_name_plural} ({relation.field.verbose_name})"


def many_to_many_relations(model):
    """Relations whose links would silently vanish if a node were deleted."""
    return [
        relation
        for relation in model._meta.related_objects
        if relation.many_to_many and relation.related_model is not model
    ]


def protected_relations(model):
    """Foreign keys to the model that forbid deleting a node they point at."""
    return [
        relation
        for relation in model._meta.related_objects
        if relation.one_to_many
        and relation.on_delete is models.PROTECT
        and relation.related_model is not model  # the children: moved, not repointed
    ]


def _check(survivor, others):
    model = type(survivor)
    if not others:
        raise ValueError(_("Choose at least one other node to merge into the one you keep."))
    for other in others:
        if type(other) is not model:
            raise ValueError(
                _(
                    "Only nodes of one tree can be merged: “%(other)s” is a %(other_kind)s, "
                    "“%(survivor)s” a %(kind)s."
                )
                % {
                    "other": other,
                    "other_kind": other._meta.verbose_name,
                    "survivor": survivor,
                    "kind": model._meta.verbose_name,
                }
            )
    if any(other.pk == survivor.pk for other in others):
        raise ValueError(_("“%(node)s” cannot be merged into itself.") % {"node": survivor})


def _check_not_inside(survivor, others):
    """The survivor must not lie inside a node that is merged away (a parent into its child)."""
    for other in others:
        if strictly_contains(other, survivor):
            raise ValueError(
                _(
                    "“%(survivor)s” lies inside “%(other)s”: a node cannot be merged into its "
                    "own descendant. Keep “%(other)s” instead, or move “%(survivor)s” out first."
                )
                % {"survivor": survivor, "other": other}
            )


def _move_links(relation, survivor, other, report):
    """Tag the survivor on every release that had ``other``, once; then drop other's links."""
    m2m = relation.field  # declared on the other side, e.g. PressRelease.structures
    through = m2m.remote_field.through
    owner = through._meta.get_field(m2m.m2m_field_name()).attname  # pressrelease_id
    target = through._meta.get_field(m2m.m2m_reverse_field_name()).attname  # structure_id
    links = through._default_manager
    report.touched.setdefault(relation.related_model, set()).update(
        links.filter(**{target: other.pk}).values_list(owner, flat=True)
    )
    already = links.filter(**{target: survivor.pk}).values(owner)
    missing = list(
        links.filter(**{target: other.pk})
        .exclude(**{f"{owner}__in": already})
        .values_list(owner, flat=True)
    )
    links.bulk_create(
        [through(**{owner: owner_pk, target: survivor.pk}) for owner_pk in missing],
        batch_size=500,
    )
    links.filter(**{target: other.pk}).delete()
    key = _key(relation)
    report.labels[key] = _label(relation)
    report.links[key] = report.links.get(key, 0) + len(missing)


def _repoint(relation, survivor, other, report):
    name = relation.field.name
    pointing = relation.related_model._base_manager.filter(**{name: other.pk})
    report.touched.setdefault(relation.related_model, set()).update(
        pointing.values_list("pk", flat=True)
    )
    count = pointing.update(**{name: survivor.pk})
    key = _key(relation)
    report.labels[key] = _label(relation)
    report.repointed[key] = report.repointed.get(key, 0) + count


def _move_aliases(survivor, other, report):
    """Other's aliases, its name and the names it had become the survivor's aliases, once each.

    Its dated names cannot join the survivor's: two bodies' spans would
    overlap. As aliases they still find the survivor in imports.
    """
    alias_model = type(survivor)._meta.get_field("aliases").related_model
    known = {normalize_name(survivor.name)}
    known.update(alias_model.objects.filter(node=survivor).values_list("normalized", flat=True))
    known.update(survivor.dated_names.values_list("normalized", flat=True))
    moving = []
    for pk, normalized in alias_model.objects.filter(node=other).values_list("pk", "normalized"):
        if normalized not in known:
            known.add(normalized)
            moving.append(pk)
    # Duplicates stay with the other node and go with it.
    alias_model.objects.filter(pk__in=moving).update(node=survivor)
    moved = len(moving)
    for name in [other.name, *other.dated_names.values_list("name", flat=True)]:
        if normalize_name(name) not in known:
            known.add(normalize_name(name))
            alias_model.objects.create(node=survivor, name=name)
            moved += 1
    report.aliases += moved


def _move_history_links(survivor, other, report):
    """Other's predecessors and successors become the survivor's, where the history stays sound.

    A link to the survivor itself, one it already has, a successor for a
    survivor that is still open, or one that would close a circle of
    successors is dropped and counted in the report.
    """
    model = type(survivor)
    links = link_model(model)
    for link in list(links.objects.filter(source=other)) + list(links.objects.filter(target=other)):
        source = survivor.pk if link.source_id == other.pk else link.source_id
        target = survivor.pk if link.target_id == other.pk else link.target_id
        sound = (
            source != target
            and not (source == survivor.pk and survivor.is_active)
            and source not in lineage(links_of(model), target, backwards=False)
            and not links.objects.filter(source_id=source, target_id=target, kind=link.kind)
            .exclude(pk=link.pk)
            .exists()
        )
        if not sound:
            if source != target:  # a link between the two merged nodes is no loss
                report.history_links_dropped += 1
            link.delete()
            continue
        link.source_id, link.target_id = source, target
        link.save()


def _move_children(survivor, other, report):
    model = type(survivor)
    # By parent, not by the tree columns: those may have shifted since other was read.
    for child in model.objects.filter(parent_id=other.pk).order_by("lft"):
        model.objects.move_node(child, survivor, "last-child")
        report.children += 1


def _keep_addresses(survivor, other, report):
    """Other's address, and the former ones that led to it, now lead to the survivor."""
    tree = type(survivor)._meta.model_name
    report.old_addresses += OldNodeSlug.objects.filter(tree=tree, node_id=other.pk).update(
        node_id=survivor.pk
    )
    OldNodeSlug.objects.update_or_create(
        tree=tree, slug=other.slug, defaults={"node_id": survivor.pk}
    )
    report.old_addresses += 1


def _delete(other):
    other.refresh_from_db()
    reasons = other.deletion_blockers()
    if reasons:  # something the merge does not know how to move
        raise NodeInUse(other, reasons)
    other.delete()


def _log(user, survivor, others, report):
    if user is None or not getattr(user, "pk", None):
        return
    LogEntry.objects.log_actions(
        user_id=user.pk,
        queryset=others,
        action_flag=DELETION,
        change_message=f"Merged into “{survivor}” (id {survivor.pk}).",
    )
    LogEntry.objects.log_actions(
        user_id=user.pk,
        queryset=[survivor],
        action_flag=CHANGE,
        change_message=report.summary(),
        single_object=True,
    )


def _record_revisions(survivor, report, user):
    """Two revisions: one of the tree's nodes, one of everything else the merge changed.

    Restoring a release from its history reverts the whole revision it is
    in; with the nodes in it, that would rewrite the tree behind mptt's back.
    """
    model = type(survivor)
    nodes = {model: {survivor.pk}} if reversion.is_registered(model) else {}
    others = {}
    for touched_model, pks in report.touched.items():
        if pks and reversion.is_registered(touched_model):
            group = nodes if issubclass(touched_model, Node) else others
            group.setdefault(touched_model, set()).update(pks)
    for group in (nodes, others):
        if not group:
            continue
        with reversion.create_revision(atomic=False):
            if user is not None and getattr(user, "pk", None):
                reversion.set_user(user)
            reversion.set_comment(report.summary())
            for group_model, pks in group.items():
                # Serialising a release reads its links: fetch them in bulk.
                many_to_many = [f.name for f in group_model._meta.many_to_many]
                objects = group_model._base_manager.filter(pk__in=pks)
                for obj in objects.prefetch_related(*many_to_many).iterator(chunk_size=500):
                    reversion.add_to_revision(obj)


def merge_nodes(*, survivor, others, user=None):
    """Merge ``others`` into ``survivor`` (all of one tree) and delete them.

    Raises ValueError, and changes nothing, when there is nothing to merge,
    the nodes belong to different trees, the survivor is among the others or
    lies inside one of them. Returns a :class:`MergeReport`.
    """
    others = list(others)
    _check(survivor, others)
    model = type(survivor)
    other_pks = list(dict.fromkeys(other.pk for other in others))
    with tree_write(model):
        # Read everything again now that no other writer can move the tree.
        survivor = model.objects.filter(pk=survivor.pk).first()
        if survivor is None:
            raise ValueError("The node to keep no longer exists.")
        others = list(model.objects.filter(pk__in=other_pks).order_by("tree_id", "lft"))
        if len(others) != len(other_pks):
            raise ValueError("Some of the nodes to merge no longer exist.")
        _check_not_inside(survivor, others)

        report = MergeReport(survivor=survivor, merged=[other.name for other in others])
        for other in others:
            for relation in many_to_many_relations(model):
                _move_links(relation, survivor, other, report)
            for relation in protected_relations(model):
                _repoint(relation, survivor, other, report)
            _move_aliases(survivor, other, report)
            _move_history_links(survivor, other, report)
            _move_children(survivor, other, report)
            _keep_addresses(survivor, other, report)
        for touched_model, pks in report.touched.items():
            links_moved.send(sender=touched_model, pks=set(pks))
        _log(user, survivor, others, report)
        for other in others:
            _delete(other)
        survivor.refresh_from_db()
        _record_revisions(survivor, report, user)
    return report
