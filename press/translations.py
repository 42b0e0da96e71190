"""Translations: releases in other languages, joined in one translation group.

Each translation is a release of its own (slug, title, text, state,
revisions); what the group shares is its tags, so editors tag once. The
members' tags are kept equal on every write: a change to one member's tags
(the admin, the import, a script) is made to every other member in the same
transaction, through the relations' own ``set()``, so the listing's read
model and the caches follow as for any re-tagging. A release that joins a
group without tags of its own takes the group's (:func:`adopt_tags`).
"""

import functools
import uuid

from asgiref.local import Local
from django.db import transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed

from .dimensions import DIMENSIONS
from .languages import CODES
from .models import PressRelease

#: The relations a group shares: every dimension's tags, and the sources.
SHARED = ("sources", *(d.relation for d in DIMENSIONS))

_sharing = Local()  # .active: a share in progress (its own set() calls must not echo)


def new_group():
    """A fresh group name, for a release's first translation."""
    return uuid.uuid4().hex


def members(release, *, using=None):
    """The other releases of ``release``'s group (none when it has no group)."""
    if not release.translation_group:
        return PressRelease.objects.none()
    return (
        PressRelease.objects.using(using or release._state.db)
        .filter(translation_group=release.translation_group)
        .exclude(pk=release.pk)
    )


def published(release):
    """The public translations of ``release``, by language, as a list: what a reader may
    switch to. A release in no group has none, known without a query (an empty
    queryset is still compiled when it is read: 0.6 ms)."""
    if not release.translation_group:
        return []
    found = members(release).published().only("pk", "slug", "language", "title")
    return list(found.order_by("language"))


def lock_group(release):
    """Lock ``release`` and the rest of its group until the transaction ends; its group now.

    Two editors changing one group's languages at once (adding a French
    translation each) then take turns, and the second reads the first's
    work once it is committed. The release and its group are locked in one
    statement, in one order (by pk): two translations saved at once (each
    re-tagging the other) wait for each other in turn, never in a circle.
    Outside a transaction (nothing to hold a lock until), and on SQLite
    (which takes no row locks), it only reads.
    """
    releases = PressRelease.objects.using(release._state.db or "default")
    group = releases.filter(pk=release.pk).values_list("translation_group", flat=True).first()
    if not transaction.get_connection(releases.db).in_atomic_block:
        return group or ""
    rows = releases.select_for_update().order_by("pk")
    mine = Q(pk=release.pk)
    list(rows.filter(mine | Q(translation_group=group) if group else mine).values_list("pk"))
    # Locked, then read again: rows another writer added or regrouped while
    # this one waited are seen by a new statement, not by the one that waited.
    locked = releases.filter(pk=release.pk).values_list("translation_group", flat=True).first()
    if locked and locked != group:
        list(rows.filter(translation_group=locked).values_list("pk"))
    return locked or ""


def group_releases(group):
    """{language: release} of a group, in the site's order of languages ({} for no group)."""
    if not group:
        return {}
    found = {r.language: r for r in PressRelease.objects.filter(translation_group=group)}
    return {code: found[code] for code in CODES if code in found}


def share_tags(release, relations=SHARED, *, using=None):
    """Give every other member of ``release``'s group ``release``'s tags in ``relations``."""
    if getattr(_sharing, "active", False) or not release.translation_group:
        return
    others = list(members(release, using=using))
    if not others:
        return
    _sharing.active = True
    try:
        for relation in relations:
            tags = list(getattr(release, relation).values_list("pk", flat=True))
            for other in others:
                getattr(other, relation).set(tags)
    finally:
        _sharing.active = False


def adopt_tags(release, *, using=None):
    """Give ``release`` the tags of its group (those of another member), if it has one."""
    other = members(release, using=using).order_by("pk").first()
    if other is not None:
        share_tags(other, using=using)


def _tags_changed(sender, instance, action, reverse, pk_set, using=None, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    relation = _through_relations()[sender]
    if not reverse:
        share_tags(instance, [relation], using=using)
        return
    # Tagged from the node's side: each release named shares the change.
    if pk_set:
        grouped = (
            PressRelease.objects.using(using).filter(pk__in=pk_set).exclude(translation_group="")
        )
        for release in grouped:
            share_tags(release, [relation], using=using)


@functools.cache
def _through_relations():
    """{through model: relation} of the shared relations (the models are loaded once)."""
    return {
        PressRelease._meta.get_field(relation).remote_field.through: relation for relation in SHARED
    }


def connect():
    """Keep the members' tags equal on every write (called once, from the app's ready())."""
    for through, relation in _through_relations().items():
        m2m_changed.connect(_tags_changed, sender=through, dispatch_uid=f"translations-{relation}")
