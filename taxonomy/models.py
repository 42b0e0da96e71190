"""The organisation's structure as four typed trees.

One abstract MPTT base and one concrete table per dimension, so that the
press releases' relations are typed and permissions are per tree. Sibling
order is the tree order itself (``lft``), set by drag and drop in the admin
and by the order of the shipped data file: a second "position" integer would
be a second truth that drifts from the tree.
"""

from django.db import models
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from mptt.managers import TreeManager
from mptt.models import MPTTModel, TreeForeignKey
from mptt.querysets import TreeQuerySet

from .languages import NAME_FIELDS, node_name
from .locking import tree_write
from .naming import NameIndex, normalize_name
from .subtree import subtree_q


class NodeInUse(Exception):
    """A node cannot be deleted: deleting it would lose children or links."""

    def __init__(self, node, reasons):
        self.node = node
        self.reasons = reasons
        super().__init__(
            _("%(node)s cannot be deleted: %(reasons)s")
            % {"node": node, "reasons": "; ".join(reasons)}
        )


class NodeQuerySet(TreeQuerySet):
    def active(self):
        return self.filter(is_active=True)

    def with_descendants(self, nodes):
        """These nodes and everything under them, as one SQL condition on the tree columns."""
        return self.filter(subtree_q(nodes))

    def resolve(self, name):
        """The one node called ``name`` (by name, slug or alias); raises UnknownName."""
        return NameIndex(self.model).resolve(name)

    def delete(self):
        """Delete node by node, deepest first, so every node's rules apply."""
        deleted = 0
        for node in self.order_by("-level", "-lft"):
            node.delete()
            deleted += 1
        return deleted, {self.model._meta.label: deleted}

    delete.alters_data = True
    delete.queryset_only = True


class NodeManager(TreeManager.from_queryset(NodeQuerySet)):
    """Moves go through the manager (the admin's drag and drop does): lock first."""

    def move_node(self, node, target, position="last-child"):
        with tree_write(self.model, using=self.db):
            # mptt computes the move from the instances' lft/rght: read them
            # again now that nobody else can change them.
            # For "left"/"right" the target's parent becomes the node's parent:
            # read that again too.
            fields = ["lft", "rght", "tree_id", "level", "parent"]
            node.refresh_from_db(fields=fields)
            node._mptt_cached_fields["parent"] = node.parent_id
            if target is not None:
                target.refresh_from_db(fields=fields)
            # mptt's move rewrites lft/rght in SQL but writes the new parent
            # with the save() that follows: that save must not re-read the
            # row (still the old parent) as if the instance were stale.
            node._tree_state_is_fresh = True
            try:
                return super().move_node(node, target, position)
            finally:
                node._tree_state_is_fresh = False


class Node(MPTTModel):
    key = models.SlugField(
        _("key"),
        max_length=100,
        unique=True,
        blank=True,
        help_text=_(
            "Stable identifier used by the shipped data file. Set once from the slug; "
            "renaming a node never changes it."
        ),
    )
    name = models.CharField(
        _("name"),
        max_length=200,
        help_text=_("In English: the canonical name (addresses, imports, the admin)."),
    )
    # The name in the site's other languages (taxonomy.languages); empty
    # means the English one. Plain columns: one row read names a node in
    # every language.
    name_fr = models.CharField(_("name in French"), max_length=200, blank=True)
    name_de = models.CharField(_("name in German"), max_length=200, blank=True)
    name_it = models.CharField(_("name in Italian"), max_length=200, blank=True)
    name_ru = models.CharField(_("name in Russian"), max_length=200, blank=True)
    name_es = models.CharField(_("name in Spanish"), max_length=200, blank=True)
    slug = models.SlugField(
        _("slug"),
        max_length=120,
        unique=True,
        help_text=_("Part of the public address. Defaults to the name in lower case."),
    )
    parent = TreeForeignKey(
        "self",
        verbose_name=_("parent"),
        # Deleting a parent must never take its subtree with it silently.
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_(
            "Untick to mark the node closed (e.g. a closed field operation). Closed nodes "
            "stay filterable and keep their press releases."
        ),
    )
    opened_on = models.DateField(
        _("opened on"),
        null=True,
        blank=True,
        help_text=_("The first day it existed, if known."),
    )
    closed_on = models.DateField(
        _("closed on"),
        null=True,
        blank=True,
        help_text=_("The last day it existed, if it is closed and the day is known."),
    )
    dates_source = models.URLField(
        _("source of the dates"),
        max_length=500,
        blank=True,
        help_text=_("A page that states when it opened or closed (a decision, an announcement)."),
    )
    history_note = models.TextField(
        _("history note"),
        blank=True,
        help_text=_("What readers should know of its past, in a sentence or two."),
    )
    source_data = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="What the shipped data file said when it was last loaded (see load_taxonomy).",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = NodeManager()

    #: Whether readers expect this tree's siblings in alphabetical order (see
    #: taxonomy.collation) rather than in the order editors gave them.
    ALPHABETICAL = False

    class Meta:
        abstract = True
        ordering = ["tree_id", "lft"]
        # Declaring indexes (even none) is what makes django-mptt add its
        # (tree_id, lft) index to migrations; descendant filters need it.
        indexes = []
        constraints = [
            models.CheckConstraint(
                condition=models.Q(opened_on__isnull=True)
                | models.Q(closed_on__isnull=True)
                | models.Q(opened_on__lte=models.F("closed_on")),
                name="%(class)s_opened_before_closed",
                violation_error_message=_("A node cannot close before it opens."),
            )
        ]

    class MPTTMeta:
        order_insertion_by = []

    def __str__(self):
        return self.name

    @property
    def is_closed(self):
        return not self.is_active

    def name_in(self, language=None):
        """The name a reader of ``language`` (default: the page's) sees (``taxonomy.languages``)."""
        return node_name(self, language)

    @property
    def display_name(self):
        """The name in the page's language: what public pages show."""
        return node_name(self)

    def path_names(self, separator=" › "):
        """ "Secretariat › Conflict Prevention Centre": the name with its ancestors."""
        names = [a.name for a in self.get_ancestors()] if self.parent_id else []
        return separator.join([*names, self.name])

    def clean(self):
        super().clean()
        if self.name and not self.slug:
            self.slug = slugify(self.name)[:120]

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = slugify(self.name)[:120]
        if not self.key:
            self.key = self.slug[:100]
        with tree_write(type(self), using=kwargs.get("using")):
            old_slug = None
            if self.pk and not self._state.adding:
                if getattr(self, "_tree_state_is_fresh", False):
                    old_slug = self._saved_slug(kwargs.get("using"))
                else:
                    old_slug = self._refresh_tree_state(kwargs.get("using"))
            if self.parent_id is not None and self.parent is not None:
                # mptt moves a node under the parent's in-memory lft/rght.
                self.parent._mptt_refresh()
            super().save(*args, **kwargs)
            tree = self._meta.model_name
            if old_slug and old_slug != self.slug:
                # The old address keeps working (301); see taxonomy.views.
                OldNodeSlug.objects.update_or_create(
                    tree=tree, slug=old_slug, defaults={"node_id": self.pk}
                )
            OldNodeSlug.objects.filter(tree=tree, slug=self.slug).delete()
            self.sync_current_name()

    save.alters_data = True

    def sync_current_name(self):
        """The current dated name (the one without an end) reads as the node's own name.

        Editing the name in place corrects the current name; a rename
        records a new dated name (``taxonomy.history.rename``).
        """
        self.dated_names.filter(valid_to__isnull=True).update(
            name=self.name,
            normalized=normalize_name(self.name),
            **{field: getattr(self, field) for field in NAME_FIELDS},
        )

    sync_current_name.alters_data = True

    def _saved_slug(self, using=None):
        manager = type(self)._base_manager.using(using or self._state.db or "default")
        return manager.filter(pk=self.pk).values_list("slug", flat=True).first()

    def _refresh_tree_state(self, using=None):
        """Re-read where this node really is, now that the lock is held.

        mptt decides whether and how to move a node from the instance's
        ``lft``/``rght`` and the parent it was loaded with. If another writer
        moved the node since, both are stale: the save would write a new
        parent without moving the subtree, and the tree would break.
        """
        opts = self._mptt_meta
        fields = [opts.left_attr, opts.right_attr, opts.tree_id_attr, opts.level_attr]
        row = (
            type(self)
            ._base_manager.using(using or self._state.db or "default")
            .filter(pk=self.pk)
            .values(*fields, f"{opts.parent_attr}_id", "slug")
            .first()
        )
        if row is None:
            return None
        for name in fields:
            setattr(self, name, row[name])
        self._mptt_cached_fields[opts.parent_attr] = row[f"{opts.parent_attr}_id"]
        return row["slug"]

    def deletion_blockers(self):
        """Why this node cannot be deleted, in words an administrator can act on.

        django-mptt deletes a whole subtree and Django silently drops the
        many-to-many links of a deleted node; both would lose data.
        """
        reasons = []
        children = self.get_children().count()
        if children:
            reasons.append(
                _("it has %(count)d child node(s): move or delete them first") % {"count": children}
            )
        # Deleting it would take other nodes' successors and predecessors with it.
        links = self.links_out.count() + self.links_in.count()
        if links:
            reasons.append(
                _(
                    "it is a predecessor or successor of %(count)d node(s): remove those "
                    "links first, or merge this node"
                )
                % {"count": links}
            )
        for relation in self._meta.related_objects:
            if relation.related_model is type(self) or relation.name == "aliases":
                continue
            protects = relation.many_to_many or (
                relation.one_to_many and relation.on_delete is models.PROTECT
            )
            if not protects:
                continue
            count = getattr(self, relation.get_accessor_name()).count()
            if count:
                reasons.append(
                    _("%(count)d %(things)s use it (as “%(field)s”): retag them or merge this node")
                    % {
                        "count": count,
                        "things": relation.related_model._meta.verbose_name_plural,
                        "field": relation.field.verbose_name,
                    }
                )
        return reasons

    def delete(self, *args, **kwargs):
        with tree_write(type(self), using=kwargs.get("using")):
            reasons = self.deletion_blockers()
            if reasons:
                raise NodeInUse(self, reasons)
            return super().delete(*args, **kwargs)

    delete.alters_data = True


class OldNodeSlug(models.Model):
    """A former slug of a node, so that old addresses answer with a redirect."""

    tree = models.CharField(max_length=20)
    slug = models.SlugField(max_length=120)
    node_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tree", "slug"]
        constraints = [
            models.UniqueConstraint(fields=["tree", "slug"], name="old_node_slug_unique")
        ]
        verbose_name = _("old node address")
        verbose_name_plural = _("old node addresses")

    def __str__(self):
        return f"{self.tree}: {self.slug}"


class Alias(models.Model):
    """Another name for a node: a former name, an abbreviation, an old spelling."""

    name = models.CharField(_("name"), max_length=200)
    normalized = models.CharField(max_length=200, editable=False, db_index=True)

    class Meta:
        abstract = True
        ordering = ["name"]
        verbose_name = _("alias")
        verbose_name_plural = _("aliases")

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.normalized = normalize_name(self.name)
        super().save(*args, **kwargs)


class DatedName(models.Model):
    """A name a node had over a span of days: a rename is a new dated name on the same node.

    ``valid_from`` and ``valid_to`` are the first and last day of the name,
    both included; either may be unknown (empty). The current name is the one
    without an end, and it is the node's own ``name``. Spans of one node never
    overlap (``taxonomy.history.history_problems``, run by ``check_trees``).
    """

    name = models.CharField(_("name"), max_length=200, help_text=_("In English."))
    name_fr = models.CharField(_("name in French"), max_length=200, blank=True)
    name_de = models.CharField(_("name in German"), max_length=200, blank=True)
    name_it = models.CharField(_("name in Italian"), max_length=200, blank=True)
    name_ru = models.CharField(_("name in Russian"), max_length=200, blank=True)
    name_es = models.CharField(_("name in Spanish"), max_length=200, blank=True)
    normalized = models.CharField(max_length=200, editable=False, db_index=True)
    valid_from = models.DateField(_("from"), null=True, blank=True)
    valid_to = models.DateField(
        _("to"), null=True, blank=True, help_text=_("The last day of this name; empty: current.")
    )
    source_url = models.URLField(_("source"), max_length=500, blank=True)

    class Meta:
        abstract = True
        ordering = [models.F("valid_from").asc(nulls_first=True), "pk"]
        verbose_name = _("dated name")
        verbose_name_plural = _("dated names")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_to__isnull=True)
                | models.Q(valid_from__lte=models.F("valid_to")),
                name="%(class)s_span_in_order",
                violation_error_message=_("A name cannot end before it begins."),
            )
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.normalized = normalize_name(self.name)
        super().save(*args, **kwargs)

    def covers(self, day):
        """Whether ``day`` lies in this name's span (an unknown end is open)."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


class NodeLink(models.Model):
    """How one node of a tree followed another: ``source`` → ``target``.

    Read from the other end, "succeeded by" is "preceded by", "merged into"
    is "absorbed", "split into" is "split from". The target is a successor of
    the source; the source a predecessor of the target.
    """

    SUCCEEDED_BY = "succeeded_by"
    MERGED_INTO = "merged_into"
    SPLIT_INTO = "split_into"
    KINDS = [
        (SUCCEEDED_BY, _("succeeded by")),
        (MERGED_INTO, _("merged into")),
        (SPLIT_INTO, _("split into")),
    ]
    #: How the target names the link.
    INVERSE = {
        SUCCEEDED_BY: _("preceded by"),
        MERGED_INTO: _("absorbed"),
        SPLIT_INTO: _("split from"),
    }

    kind = models.CharField(_("link"), max_length=20, choices=KINDS, default=SUCCEEDED_BY)

    date = models.DateField(_("date"), null=True, blank=True)
    source_url = models.URLField(_("source"), max_length=500, blank=True)

    class Meta:
        abstract = True
        ordering = [models.F("date").asc(nulls_last=True), "pk"]
        verbose_name = _("successor")
        verbose_name_plural = _("successors")
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="%(class)s_once"),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")),
                name="%(class)s_not_to_itself",
                violation_error_message=_("A node cannot succeed itself."),
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["succeeded_by", "merged_into", "split_into"]),
                name="%(class)s_known_kind",
            ),
        ]

    def __str__(self):
        return f"{self.source} → {self.get_kind_display()} → {self.target}"

    @classmethod
    def label(cls, kind, *, from_target=False):
        """How a link of ``kind`` reads from its source ("succeeded by") or its target
        ("preceded by"); a kind not known here reads as stored."""
        return (cls.INVERSE if from_target else dict(cls.KINDS)).get(kind, kind)


class Topic(Node):
    class Meta(Node.Meta):
        verbose_name = _("field of work")
        verbose_name_plural = _("fields of work")

    def get_absolute_url(self):
        return reverse("taxonomy:topic", kwargs={"slug": self.slug})


class Country(Node):
    iso_code = models.CharField(
        _("ISO code"),
        max_length=2,
        blank=True,
        help_text=_("ISO 3166-1 alpha-2 code, for countries only."),
    )

    ALPHABETICAL = True

    class Meta(Node.Meta):
        verbose_name = _("country or region")
        verbose_name_plural = _("countries and regions")

    def get_absolute_url(self):
        return reverse("taxonomy:country", kwargs={"slug": self.slug})


class Structure(Node):
    country = models.ForeignKey(
        Country,
        verbose_name=_("works in"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="structures",
        help_text=_("For field operations: the country or place it works in."),
    )

    class Meta(Node.Meta):
        verbose_name = _("structure")
        verbose_name_plural = _("structures and institutions")

    def slug_path(self):
        ancestors = [a.slug for a in self.get_ancestors()] if self.parent_id else []
        return "/".join([*ancestors, self.slug])

    def get_absolute_url(self):
        return reverse("taxonomy:structure", kwargs={"path": self.slug_path()})


class Meeting(Node):
    class Meta(Node.Meta):
        verbose_name = _("meeting or conference")
        verbose_name_plural = _("meetings and conferences")

    def get_absolute_url(self):
        return reverse("taxonomy:meeting", kwargs={"slug": self.slug})


class TopicAlias(Alias):
    node = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="aliases")


class CountryAlias(Alias):
    node = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="aliases")


class StructureAlias(Alias):
    node = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="aliases")


class MeetingAlias(Alias):
    node = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="aliases")


class TopicName(DatedName):
    node = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="dated_names")

    class Meta(DatedName.Meta):
        pass


class TopicLink(NodeLink):
    source = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="links_in")

    class Meta(NodeLink.Meta):
        pass


class CountryName(DatedName):
    node = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="dated_names")

    class Meta(DatedName.Meta):
        pass


class CountryLink(NodeLink):
    source = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Country, on_delete=models.CASCADE, related_name="links_in")

    class Meta(NodeLink.Meta):
        pass


class StructureName(DatedName):
    node = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="dated_names")

    class Meta(DatedName.Meta):
        pass


class StructureLink(NodeLink):
    source = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Structure, on_delete=models.CASCADE, related_name="links_in")

    class Meta(NodeLink.Meta):
        pass


class MeetingName(DatedName):
    node = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="dated_names")

    class Meta(DatedName.Meta):
        pass


class MeetingLink(NodeLink):
    source = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="links_in")

    class Meta(NodeLink.Meta):
        pass


class Chairpersonship(models.Model):
    """Which participating State chairs the organisation in a year."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    country = models.ForeignKey(
        Country,
        verbose_name=_("country"),
        on_delete=models.PROTECT,
        related_name="chairpersonships",
    )
    source_url = models.URLField(_("source"), max_length=500, blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("chairpersonship")
        verbose_name_plural = _("chairpersonships")

    def __str__(self):
        return _("%(country)s – OSCE Chairpersonship %(year)s") % {
            "country": self.country.display_name,
            "year": self.year,
        }


class TreeVersion(models.Model):
    """One row: the trees' version, a new token with every tree write (``taxonomy.versions``)."""

    token = models.CharField(max_length=32)
    #: When the trees last changed (the JSON API's ``Last-Modified``); written with the token.
    changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        default_permissions = ()

    def __str__(self):
        return self.token


TREE_MODELS = (Topic, Country, Structure, Meeting)
ALIAS_MODELS = (TopicAlias, CountryAlias, StructureAlias, MeetingAlias)
NAME_MODELS = (TopicName, CountryName, StructureName, MeetingName)
LINK_MODELS = (TopicLink, CountryLink, StructureLink, MeetingLink)


def tree_paths(model, separator=" › "):
    """{pk: "Secretariat › Conflict Prevention Centre"} for a whole tree, from one query.

    The trees hold hundreds of nodes, not millions: reading them whole is
    cheaper than asking for each node's ancestors.
    """
    rows = model._base_manager.order_by("tree_id", "lft").values_list("pk", "parent_id", "name")
    paths = {}
    for pk, parent_id, name in rows:
        parent = paths.get(parent_id)
        paths[pk] = f"{parent}{separator}{name}" if parent else name
    return paths
