"""Nodes over time: the names a node had, when it opened and closed, what followed it.

A node keeps its identity through renames: "Centre in Almaty", "Centre in
Astana", "Programme Office in Astana" and "Programme Office in Nur-Sultan"
are dated names of one node (``DatedName``), the current one without an end.
A different body that took over is another node, linked to it
(``NodeLink``: succeeded by, merged into, split into).

Here are the rules, in one place: which name a node had on a day
(:func:`span_on`), whether a node's history holds together
(:func:`history_problems`, run by ``check_trees``), and the two writes an
administrator makes, renaming (:func:`rename`) and closing (:func:`close`).
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from . import clock
from .languages import NAME_FIELDS, TRANSLATED, names_of
from .locking import tree_write
from .models import NodeLink, OldNodeSlug

ONE_DAY = datetime.timedelta(days=1)
#: The earliest day history is recorded from: the organisation's story starts in 1973.
EARLIEST_DAY = datetime.date(1900, 1, 1)


def _check_day(on, field):
    """A day a rename or closing can be recorded for: known, not before 1900, not in the future.

    A rename or closing takes effect for every page at once, so it is
    recorded on or after its day, never ahead of it.
    """
    if on is None:
        raise ValidationError({field: _("Enter the day.")})
    if on < EARLIEST_DAY:
        raise ValidationError({field: _("Enter a day from 1900 on.")})
    if on > timezone.localdate(clock.now()):
        raise ValidationError(
            {field: _("That day has not come yet: record it on or after the day.")}
        )


@dataclass(frozen=True)
class NameSpan:
    """One dated name: its first and last day (None: unknown or open), its names per language."""

    valid_from: datetime.date | None
    valid_to: datetime.date | None
    #: The name in each of ``taxonomy.languages.LANGUAGES``, English first.
    names: tuple[str, ...]

    @property
    def is_current(self):
        return self.valid_to is None

    def covers(self, day):
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


def start_order(start):
    """Sort key of a span by its first day: an unknown first day counts as the earliest."""
    return (start is not None, start or datetime.date.min)


def spans_overlap(earlier_end, later_start):
    """Whether a span ending on ``earlier_end`` and one beginning on ``later_start``, no
    earlier, overlap (both days are included; an unknown day may be any)."""
    return later_start is None or earlier_end is None or earlier_end >= later_start


def span_text(start, end):
    """ "1998-07-23 – 2007-06-20", "…" for an unknown or open end."""
    return f"{start.isoformat() if start else '…'} – {end.isoformat() if end else '…'}"


def local_day(day):
    """The site's calendar day of ``day`` (an aware datetime, as ``published_at``); a date as is."""
    if isinstance(day, datetime.datetime):
        return timezone.localdate(day) if timezone.is_aware(day) else day.date()
    return day


def span_on(spans, day):
    """The span of ``spans`` (oldest first) naming the node on ``day``, or None for today's name.

    A day inside a span takes that span. A day before the first span (a
    release tagged before the node opened) takes the earliest name; a day in
    a gap between spans, or with no spans at all, takes today's name.
    """
    if day is None or not spans:
        return None
    for span in spans:
        if span.covers(day):
            return None if span.is_current else span
    first = spans[0]
    if first.valid_from is not None and day < first.valid_from and not first.is_current:
        return first
    return None


def name_model(model):
    """The tree's dated-name model (``TopicName`` for ``Topic``)."""
    return model._meta.get_field("dated_names").related_model


def link_model(model):
    """The tree's link model (``TopicLink`` for ``Topic``)."""
    return model._meta.get_field("links_out").related_model


def spans_by_node(model):
    """{node pk: (NameSpan, ...)} oldest first, for a whole tree, from one query."""
    fields = ["node_id", "name", *NAME_FIELDS, "valid_from", "valid_to"]
    spans = defaultdict(list)
    rows = name_model(model).objects.order_by().values_list(*fields)
    for node_id, name, *rest in rows:
        *translations, valid_from, valid_to = rest
        spans[node_id].append(NameSpan(valid_from, valid_to, names_of(name, translations)))
    return {
        pk: tuple(sorted(found, key=lambda span: start_order(span.valid_from)))
        for pk, found in spans.items()
    }


def links_of(model):
    """[(source pk, target pk, kind, date)] of a whole tree, from one query."""
    return list(
        link_model(model).objects.order_by().values_list("source_id", "target_id", "kind", "date")
    )


def lineage(links, pk, *, backwards=True):
    """Every node ``pk`` came from (``backwards``) or led to, transitively, nearest first."""
    step = defaultdict(list)
    for source, target, *_rest in links:
        if backwards:
            step[target].append(source)
        else:
            step[source].append(target)
    found, queue = [], list(step[pk])
    while queue:
        other = queue.pop(0)
        if other == pk or other in found:
            continue
        found.append(other)
        queue.extend(step[other])
    return found


# --- integrity ---------------------------------------------------------------


def history_problems(model, limit=20):
    """What is wrong with the history of ``model``'s nodes, as sentences; empty when sound.

    Names: at most one without an end, and that one is the node's name; no
    two spans overlap; none begins before the node opened or after it
    closed. Links: only a closed node has a successor, and following
    successors never leads back to where it started. (A reversed span, a
    link to itself or to a missing node cannot be stored: the database's
    constraints refuse them.)
    """
    problems = []

    def add(message):
        if len(problems) < limit:
            problems.append(message)

    what = model._meta.verbose_name
    nodes = {
        pk: (name, opened, closed, active)
        for pk, name, opened, closed, active in model._base_manager.values_list(
            "pk", "name", "opened_on", "closed_on", "is_active"
        )
    }
    names = defaultdict(list)
    for node_id, name, valid_from, valid_to in name_model(model).objects.values_list(
        "node_id", "name", "valid_from", "valid_to"
    ):
        names[node_id].append((valid_from, valid_to, name))
    for pk, rows in names.items():
        node_name, opened, closed, _active = nodes[pk]
        label = f"{what} {pk} ({node_name})"
        open_ended = [row for row in rows if row[1] is None]
        if len(open_ended) > 1:
            add(f"{label} has {len(open_ended)} names without an end; only the current one may")
        elif not open_ended:
            add(f"{label}: no dated name is current (every one has an end)")
        elif open_ended[0][2] != node_name:
            add(f"{label}: its current dated name is “{open_ended[0][2]}”")
        ordered = sorted(rows, key=lambda row: start_order(row[0]))
        for earlier, later in zip(ordered, ordered[1:], strict=False):
            if spans_overlap(earlier[1], later[0]):
                add(
                    f"{label}: the names “{earlier[2]}” ({span_text(*earlier[:2])}) and "
                    f"“{later[2]}” ({span_text(*later[:2])}) overlap"
                )
        for row in rows:
            if opened and row[0] and row[0] < opened:
                add(f"{label}: the name “{row[2]}” begins {row[0]}, before it opened ({opened})")
            if closed and row[0] and row[0] > closed:
                add(f"{label}: the name “{row[2]}” begins {row[0]}, after it closed ({closed})")
    links = links_of(model)
    for source, target, kind, _date in links:
        if nodes[source][3]:
            add(
                f"{what} {source} ({nodes[source][0]}) is {kind.replace('_', ' ')} "
                f"{what} {target} ({nodes[target][0]}) but is not closed"
            )
    for pk in {source for source, *_rest in links}:
        if pk in lineage(links, pk, backwards=False):
            add(f"{what} {pk} ({nodes[pk][0]}) is among its own successors")
    return problems


# --- writes ------------------------------------------------------------------


def current_name_row(node):
    return node.dated_names.filter(valid_to__isnull=True).first()


def former_slugs(node):
    """Keep an address for each former name: ``/structures/…/centre-in-almaty/`` redirects here.

    A slug that is some node's own slug, or already another node's old
    address, is left alone.
    """
    tree = node._meta.model_name
    model = type(node)
    for name in node.dated_names.exclude(valid_to__isnull=True).values_list("name", flat=True):
        slug = slugify(name)[:120]
        if not slug or slug == node.slug or model._base_manager.filter(slug=slug).exists():
            continue
        OldNodeSlug.objects.get_or_create(tree=tree, slug=slug, defaults={"node_id": node.pk})


@transaction.atomic
def rename(node, name, on, *, names=None, slug=None, source_url=""):
    """From ``on``, ``node`` is called ``name``: the name it had keeps its span.

    ``names`` are the new name's translations ({"fr": ...}); ``slug`` the
    new address (default: from the new name; the old one redirects). Raises
    ValidationError (naming the field) when the day does not follow the
    current name's first day or falls outside the node's life.
    """
    model = type(node)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Enter the new name.")})
    if on is None:
        raise ValidationError({"valid_from": _("Enter the day the new name took effect.")})
    _check_day(on, "valid_from")
    with tree_write(model):
        node.refresh_from_db()
        if name == node.name:
            raise ValidationError({"name": _("That is already its name.")})
        if node.opened_on and on <= node.opened_on:
            raise ValidationError(
                {
                    "valid_from": _("It opened on %(day)s: a rename comes after that.")
                    % {"day": node.opened_on.isoformat()}
                }  # fmt: skip
            )
        if node.closed_on and on > node.closed_on:
            raise ValidationError(
                {
                    "valid_from": _("It closed on %(day)s: a rename comes before that.")
                    % {"day": node.closed_on.isoformat()}
                }  # fmt: skip
            )
        current = current_name_row(node)
        if current is None:
            current = node.dated_names.model(node=node, valid_from=node.opened_on)
        if current.valid_from and on <= current.valid_from:
            raise ValidationError(
                {
                    "valid_from": _(
                        "Its current name dates from %(day)s: the new one must start later."
                    )
                    % {"day": current.valid_from.isoformat()}
                }  # fmt: skip
            )
        later = node.dated_names.filter(
            models.Q(valid_from__gte=on) | models.Q(valid_to__gte=on)
        ).exclude(pk=current.pk)
        if later.exists():
            raise ValidationError(
                {"valid_from": _("It has a name from a later day: correct its dated names first.")}
            )
        current.name = node.name
        for field in NAME_FIELDS:
            setattr(current, field, getattr(node, field))
        current.valid_to = on - ONE_DAY
        current.save()
        names = names or {}
        node.name = name
        for code in TRANSLATED:
            setattr(node, f"name_{code}", (names.get(code) or "").strip())
        new_slug = slug or slugify(name)[:120] or node.slug
        if model._base_manager.filter(slug=new_slug).exclude(pk=node.pk).exists():
            raise ValidationError(
                {"slug": _("The address “%(slug)s” is another node's.") % {"slug": new_slug}}
            )
        node.slug = new_slug
        node.dated_names.create(
            name=name,
            valid_from=on,
            source_url=source_url,
            **{f"name_{code}": getattr(node, f"name_{code}") for code in TRANSLATED},
        )
        node.save()
        former_slugs(node)
    return node


@transaction.atomic
def close(node, on, *, successor=None, kind=NodeLink.SUCCEEDED_BY, source_url=""):
    """``node`` closed on ``on`` (its last day), and ``successor`` (if any) took over."""
    model = type(node)
    with tree_write(model):
        node.refresh_from_db()
        if on is None:
            raise ValidationError({"closed_on": _("Enter the day it closed.")})
        _check_day(on, "closed_on")
        if node.opened_on and on < node.opened_on:
            raise ValidationError(
                {
                    "closed_on": _("It opened on %(day)s: it cannot close before that.")
                    % {"day": node.opened_on.isoformat()}
                }  # fmt: skip
            )
        if successor is not None:
            if type(successor) is not model:
                raise ValidationError({"successor": _("A successor is in the same tree.")})
            if successor.pk == node.pk:
                raise ValidationError({"successor": _("A node cannot succeed itself.")})
            links = links_of(model)
            if node.pk in lineage(links, successor.pk, backwards=False):
                raise ValidationError(
                    {
                        "successor": _("%(node)s already precedes it: that would be a circle.")
                        % {"node": successor}
                    }  # fmt: skip
                )
        later = node.dated_names.filter(valid_from__gt=on)
        if later.exists():
            raise ValidationError(
                {"closed_on": _("It has a name from after that day: correct its names first.")}
            )
        node.is_active = False
        node.closed_on = on
        if source_url:
            node.dates_source = source_url
        node.save()
        if successor is not None:
            link_model(model).objects.update_or_create(
                source=node,
                target=successor,
                kind=kind,
                # The day the successor took over: the day after the last.
                defaults={"date": on + ONE_DAY, "source_url": source_url},
            )
    return node
