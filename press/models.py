"""Press releases: what communications staff write and the public reads."""

import html
import re

from anyascii import anyascii
from django.conf import settings
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connections, models, router
from django.db.models import F, Func, OuterRef, Q, Subquery, Value
from django.db.models.functions import Concat
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import FSMField, transition
from django_prose_editor.fields import ProseEditorField
from imagekit.models import ImageSpecField

from taxonomy import clock
from taxonomy.models import Country, Meeting, Structure, Topic

from . import languages
from . import search as sqlite_search
from .compiled import compiled_on, statement, then
from .html import sanitize_html
from .images import (
    LeadImageField,
    discarded_on_error,
    lead_image_path,
    stored,
    strip_metadata,
    validate_image,
    webp_rendition_spec,
)
from .search import ReleaseSearchDocument  # noqa: F401 - registers the index's model
from .versions import per_request, release_version

EDITOR_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Underline": True,
    "Strike": True,
    "Subscript": True,
    "Superscript": True,
    "Heading": {"levels": [2, 3, 4]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HorizontalRule": True,
    "HardBreak": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
    "History": True,
}


class HtmlAsTextField(models.TextField):
    """Text that the database returns as HTML, read back as plain text."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else html.unescape(value)


class HtmlHeadline(SearchHeadline):
    """ts_headline over HTML, read as plain text (see ``with_headlines``)."""

    output_field = HtmlAsTextField()


class ReleaseType(models.Model):
    """Press release, News, Statement, ...: editable data, not code."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("release type")
        verbose_name_plural = _("release types")

    def __str__(self):
        return self.name


#: A slug reverse() writes as it is: ASCII letters, digits, hyphens, underscores.
_PLAIN_SLUG = re.compile(r"[-a-zA-Z0-9_]+\Z")
_SLUG_MARK = "release-slug-here"
#: (language, URLconf, script prefix) -> the release page's path around its slug.
_DETAIL_PATHS = {}


def detail_path(slug):
    """``reverse("press:detail", kwargs={"slug": slug})`` in the active language, fast.

    A page lists dozens of releases and reverse() costs about 50 µs each: the
    path is reversed once per language, URLconf and script prefix, around a
    mark, and each plain slug put in its place (any other slug is reversed,
    to be quoted as reverse() quotes it).
    """
    parts = _detail_parts() if _PLAIN_SLUG.match(slug) else None
    if parts is None:
        return reverse("press:detail", kwargs={"slug": slug})
    return f"{parts[0]}{slug}{parts[1]}"


def _detail_parts():
    """The release page's path in the active language, URLconf and script prefix, cut
    around its slug (before, after); None where the slug is not one place in it."""
    key = (translation.get_language(), get_urlconf(), get_script_prefix())
    parts = _DETAIL_PATHS.get(key)
    if parts is None:
        if len(_DETAIL_PATHS) > 100:  # a few languages and prefixes; bounded all the same
            _DETAIL_PATHS.clear()
        parts = reverse("press:detail", kwargs={"slug": _SLUG_MARK}).split(_SLUG_MARK)
        _DETAIL_PATHS[key] = parts
    return parts if len(parts) == 2 else None


def release_paths():
    """``release_path`` for the releases of a list: a function of (slug, language), the
    active language, URLconf and script prefix read once, not once a release."""
    active = translation.get_language()
    parts = _detail_parts()

    def path(slug, language):
        if parts is None or language != active or not _PLAIN_SLUG.match(slug):
            return release_path(slug, language)
        return f"{parts[0]}{slug}{parts[1]}"

    return path


def release_path(slug, language):
    """The address of the release ``slug`` in ``language`` (``/fr/press/…`` for French)."""
    if language == translation.get_language():
        return detail_path(slug)
    with translation.override(language):
        return detail_path(slug)


class PressReleaseQuerySet(models.QuerySet):
    def published(self, now=None):
        """Public: published, and its publication time has come.

        A release published with a future time is *scheduled*: it becomes
        public by itself when the time passes; no job has to run.
        """
        return self.filter(
            status=PressRelease.Status.PUBLISHED, published_at__lte=now or clock.now()
        )

    def scheduled(self, now=None):
        return self.filter(
            status=PressRelease.Status.PUBLISHED, published_at__gt=now or clock.now()
        )

    def in_language(self, language=None):
        """The releases written in ``language`` (the page's language when None)."""
        return self.filter(language=language or languages.current())

    def drafts(self):
        return self.filter(status=PressRelease.Status.DRAFT)

    def in_review(self):
        return self.filter(status=PressRelease.Status.IN_REVIEW)

    def mine(self, user):
        """What ``user`` wrote: the releases they created or last edited."""
        return self.filter(Q(created_by=user) | Q(edited_by=user))

    def sent_back(self):
        """Drafts whose last workflow step was a publisher sending them back."""
        last_step = (
            Transition.objects.filter(release=OuterRef("pk"))
            .order_by("-at", "-pk")
            .values("name")[:1]
        )
        return self.drafts().annotate(last_step=Subquery(last_step)).filter(last_step="send_back")

    def withdrawn(self):
        """Withdrawn: the page stays, marked, out of every list."""
        return self.filter(status=PressRelease.Status.WITHDRAWN)

    def with_public_page(self, now=None):
        """What has a public page: the published releases and the withdrawn ones."""
        return self.filter(
            status__in=(PressRelease.Status.PUBLISHED, PressRelease.Status.WITHDRAWN),
            published_at__lte=now or clock.now(),
        )

    def under(self, dimension, values):
        """Releases under any of ``values`` of ``dimension`` (nodes: with all they contain).

        ``dimension`` is a parameter ("country"), "type" or "year"; ``values``
        are nodes (or ``NodeRef``), types or primary keys. One indexed lookup
        in the read model (:class:`ListingRow`), whatever the size of the
        subtrees: a node's row is there for every release tagged with the
        node or anything below it.
        """
        keys = [getattr(v, "pk", v) for v in values]
        if not keys:
            return self.none()
        rows = ListingRow.objects.filter(dimension=str(dimension), value__in=keys)
        return self.filter(pk__in=rows.values("release_id"))

    def search(self, q):
        """Releases matching ``q``, annotated with ``rank`` (higher is better).

        Both databases read ``q`` as ``websearch_to_tsquery`` does ("quoted
        phrases", -exclusion, or). PostgreSQL matches the trigger-kept
        weighted vector; ranking reads the column (``F("search")``): passing
        the column name as a string would re-parse the document for every
        row. ``q`` is read with the text-search configuration of the page's
        language (``languages.search_config()``, migration 0011), the one
        the trigger indexed that language's releases with (public listings
        search only their language's releases, ``in_language()``). SQLite
        matches its FTS5 index (press/search.py), which stems English only.
        """
        # PostgreSQL refuses text holding NUL; to a search it is a space.
        q = (q or "").replace("\x00", " ").strip()
        if not q:
            return self
        if connections[self.db].vendor == "postgresql":
            query = SearchQuery(q, search_type="websearch", config=languages.search_config())
            return self.filter(search=query).annotate(rank=SearchRank(F("search"), query))
        return sqlite_search.search(self, q)

    def with_headlines(self, q):
        """Highlighted snippets, marked with \x02 and \x03 for safe escaping."""
        q = (q or "").replace("\x00", " ").strip()
        if not q:
            return self
        if connections[self.db].vendor != "postgresql":
            return sqlite_search.with_headlines(self, q)
        config = languages.search_config()
        query = SearchQuery(q, search_type="websearch", config=config)
        # ts_headline is given the text as HTML throughout (the summary
        # escaped, the body with its tags cut out and its entities kept), so
        # text such as "<script>" typed in either reaches it as entities, not
        # as a tag its parser would drop; the field turns the headline back
        # into plain text, as SQLite's snippet() gives it, for ``highlight``
        # to escape once.
        summary = Func(
            Func(
                Func(F("summary"), Value("&"), Value("&amp;"), function="replace"),
                Value("<"),
                Value("&lt;"),
                function="replace",
            ),
            Value(">"),
            Value("&gt;"),
            function="replace",
            output_field=models.TextField(),
        )
        body = Func(
            F("body"),
            Value("<[^>]*>"),
            Value(" "),
            Value("g"),
            function="regexp_replace",
            output_field=models.TextField(),
        )
        return self.annotate(
            headline=HtmlHeadline(
                Concat(summary, Value(" "), body, output_field=models.TextField()),
                query,
                config=config,
                start_sel="\x02",
                stop_sel="\x03",
                max_words=35,
                min_words=15,
                max_fragments=2,
                fragment_delimiter=" … ",
            )
        )

    def with_lists(self):
        """What a list of releases shows (the cards: type, date, title, summary, image),
        without one query per row. Never the search vector (the database's own, kept by
        its trigger, and larger than the text): no page reads it."""
        return self.select_related("type").defer("search")

    def for_cards(self):
        """``with_lists()`` without the body, which no card shows: a page of cards reads
        a tenth of the bytes."""
        return self.with_lists().defer("body")


def webp_rendition(size):
    """A WebP copy fitting a size × size box (never upscaled), made when the image is saved."""
    return ImageSpecField(source="lead_image", spec=webp_rendition_spec(size))


def _scheduled(release):
    return release.is_scheduled


def _public(release):
    return release.is_public


PUBLISH_PERMISSION = "press.publish_pressrelease"
CHANGE_PERMISSION = "press.change_pressrelease"
#: Approve or reinstate a release one last edited oneself, giving a reason.
OVERRIDE_PERMISSION = "press.override_review"
#: Where a release is in the workflow, and who last edited it: written by
#: press.workflow (and the form's save); restoring a revision in the admin
#: keeps them as they are.
WORKFLOW_FIELDS = (
    "status",
    "published_at",
    "withdrawn_at",
    "withdrawal_note",
    "embargo_key",
    "edited_by",
    "edited_at",
)


def released(status, published_at):
    """Whether a release in ``status`` published at ``published_at`` has gone out:
    public now, or withdrawn."""
    if status == PressRelease.Status.WITHDRAWN:
        return True
    return (
        status == PressRelease.Status.PUBLISHED
        and published_at is not None
        and (published_at <= clock.now())
    )


def person_field(verbose_name):
    """Who did something to a release: kept when their account goes (as empty)."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=verbose_name,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )


class PressRelease(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        #: Approved for publication at ``published_at``: scheduled until that
        #: time comes, then public, with no write at all.
        PUBLISHED = "published", _("Approved for publication")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(
        _("slug"),
        max_length=220,
        unique=True,
        help_text=_("The address of the release. Changing it keeps the old address working."),
    )
    type = models.ForeignKey(
        ReleaseType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="releases"
    )
    #: Changed only by the transitions below (press.workflow records each one).
    status = FSMField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(
        _("publication date"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_(
            "The time it goes out. A publisher confirms or changes it when approving; "
            "a future time schedules the release. Left empty, approving sets it to now."
        ),
    )
    place = models.CharField(
        _("place"), max_length=200, blank=True, help_text=_("The dateline, e.g. Vienna.")
    )
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("The language this release is written in."),
    )
    translation_group = models.CharField(
        _("translation group"),
        max_length=200,
        blank=True,
        db_index=True,
        help_text=_(
            "Releases that share it are translations of one another, and share their tags."
        ),
    )
    summary = models.TextField(_("summary"), blank=True)
    body = ProseEditorField(
        _("body"), blank=True, extensions=EDITOR_EXTENSIONS, sanitize=sanitize_html
    )
    lead_image = LeadImageField(
        _("lead image"),
        upload_to=lead_image_path,
        blank=True,
        width_field="lead_image_width",
        height_field="lead_image_height",
        validators=[validate_image],
        help_text=_("JPEG, PNG or WebP, at most 10 MB and 40 megapixels."),
    )
    lead_image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    lead_image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    lead_image_alt = models.CharField(
        _("alternative text"),
        max_length=300,
        blank=True,
        help_text=_("What the image shows, for people who cannot see it. Required with an image."),
    )
    lead_image_caption = models.CharField(_("caption"), max_length=500, blank=True)
    lead_image_credit = models.CharField(_("credit"), max_length=200, blank=True)
    #: Renditions for srcset: (field name, longest side). Generated when the image is saved.
    RENDITIONS = (("image_thumbnail", 400), ("image_medium", 800), ("image_large", 1600))
    image_thumbnail = webp_rendition(400)
    image_medium = webp_rendition(800)
    image_large = webp_rendition(1600)
    sources = models.ManyToManyField(
        Structure,
        verbose_name=_("sources"),
        blank=True,
        related_name="sourced_releases",
        help_text=_("Who issued it, e.g. OSCE Chairpersonship."),
    )
    topics = models.ManyToManyField(
        Topic, verbose_name=_("fields of work"), blank=True, related_name="press_releases"
    )
    countries = models.ManyToManyField(
        Country, verbose_name=_("countries"), blank=True, related_name="press_releases"
    )
    structures = models.ManyToManyField(
        Structure,
        verbose_name=_("structures"),
        blank=True,
        related_name="press_releases",
        help_text=_("Sources are added here automatically."),
    )
    meetings = models.ManyToManyField(
        Meeting, verbose_name=_("meetings"), blank=True, related_name="press_releases"
    )
    search = SearchVectorField(
        null=True,
        editable=False,
        help_text="PostgreSQL only: weighted title > summary > body, kept by a trigger.",
    )
    source_url = models.URLField(
        _("source address"),
        max_length=500,
        blank=True,
        help_text=_("Where an imported release came from; re-imports match on it."),
    )
    import_key = models.CharField(
        _("import identity"),
        max_length=500,
        blank=True,
        editable=False,
        db_index=True,
        help_text="Set by the import that created the release: only a record with this "
        "identity (or this release's source address) updates it.",
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawal_note = models.TextField(
        _("withdrawal note"),
        blank=True,
        help_text=_("Why it was withdrawn: shown on its page."),
    )
    #: The current embargo link's secret: a new one revokes the links given out.
    embargo_key = models.CharField(max_length=32, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    #: Who last changed what the release says (its text, tags, image): not
    #: whoever last moved it between states. Nobody approves their own edit.
    edited_at = models.DateTimeField(_("last edited at"), null=True, blank=True)
    edited_by = person_field(_("last edited by"))
    created_by = person_field(_("created by"))
    updated_by = person_field(_("updated by"))

    objects = PressReleaseQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("press release")
        verbose_name_plural = _("press releases")
        permissions = [
            (
                "publish_pressrelease",
                _("Can approve, schedule, send back and withdraw press releases"),
            ),
            (
                "override_review",
                _("Can approve a press release they last edited, giving a reason"),
            ),
        ]
        indexes = [
            # Covers the public count and the type/year facets (index-only on PostgreSQL).
            # The public listing of one language, newest first.
            models.Index(
                fields=["language", "status", "published_at"],
                include=["type", "id"],
                name="press_public_idx",
            ),
            models.Index(fields=["source_url"], name="press_source_url_idx"),
        ]
        constraints = [
            # What has been or is to be public has a time.
            models.CheckConstraint(
                condition=~Q(status__in=["published", "withdrawn"]) | Q(published_at__isnull=False),
                name="press_public_states_have_date",
            ),
            # One translation per language in a group.
            models.UniqueConstraint(
                fields=["translation_group", "language"],
                condition=~Q(translation_group=""),
                name="press_one_translation_per_language",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # A new image file is written before its row: any failure below deletes it again.
        with discarded_on_error():
            self.fill_in()
            if self.lead_image and not self.lead_image._committed:
                # A new upload: store it re-encoded, without its metadata; if the
                # save fails from here on, the file and its renditions go again.
                cleaned = strip_metadata(self.lead_image.file)
                self.lead_image.save(cleaned.name, cleaned, save=False)
                stored(self.lead_image.storage, self.lead_image.name)
                for field, _size in self.RENDITIONS:
                    rendition = getattr(self, field)
                    stored(rendition.storage, rendition.name)
            if self.pk:
                stored_row = (
                    type(self)
                    .objects.filter(pk=self.pk)
                    .values_list("slug", "status", "published_at")
                    .first()
                )
                if stored_row:
                    old, status, published_at = stored_row
                    # Read by press.versions: a change to what had gone out is public.
                    self._was_released = released(status, published_at)
                    if old != self.slug:
                        OldSlug.objects.update_or_create(slug=old, defaults={"release": self})
            super().save(*args, **kwargs)
            # A slug that was once old and is current again must not redirect.
            OldSlug.objects.filter(slug=self.slug).delete()

    save.alters_data = True

    def get_absolute_url(self):
        """The release's address in its own language (``/fr/press/…`` for French)."""
        return release_path(self.slug, self.language)

    def fill_in(self):
        """What every write of a release settles first (``save()`` and
        :func:`press.bulk.create_releases` alike): a free slug when it has none,
        its body sanitised, the time of a publication that gave none."""
        if not self.slug:
            self.slug = unique_slug(self.title, exclude_pk=self.pk)
        self.body = sanitize_html(self.body)
        if self.status == self.Status.PUBLISHED and self.published_at is None:
            self.published_at = clock.now()

    fill_in.alters_data = True

    @property
    def is_public(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= clock.now()
        )

    @property
    def is_scheduled(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > clock.now()
        )

    @property
    def is_released(self):
        """Whether it has gone out: public now, or withdrawn. Only a publisher changes it."""
        return released(self.status, self.published_at)

    @property
    def state(self):
        """draft, in_review, scheduled (approved, its time to come), published or withdrawn."""
        if self.status == self.Status.PUBLISHED:
            return "scheduled" if self.is_scheduled else "published"
        return self.status

    # --- the workflow: each transition's sources, target and permission ------------
    # press.workflow runs them (locks, four eyes, the record); here, what they change.

    @transition(field=status, source=Status.DRAFT, target=Status.IN_REVIEW,
                permission=CHANGE_PERMISSION)  # fmt: skip
    def submit(self):
        """Ask a publisher to review it."""

    @transition(field=status, source=Status.IN_REVIEW, target=Status.DRAFT,
                permission=CHANGE_PERMISSION)  # fmt: skip
    def recall(self):
        """Take it back from review to keep working on it."""

    @transition(field=status, source=Status.IN_REVIEW, target=Status.PUBLISHED,
                permission=PUBLISH_PERMISSION)  # fmt: skip
    def approve(self, at):
        """Publish at ``at``: now, or a future time (scheduled, with an embargo link)."""
        self.published_at = at
        self.withdrawn_at, self.withdrawal_note = None, ""

    @transition(field=status, source=Status.IN_REVIEW, target=Status.DRAFT,
                permission=PUBLISH_PERMISSION)  # fmt: skip
    def send_back(self):
        """Back to its writers, with a comment saying what to change."""

    @transition(field=status, source=Status.PUBLISHED, target=Status.DRAFT,
                conditions=[_scheduled], permission=PUBLISH_PERMISSION)  # fmt: skip
    def unschedule(self):
        """Stop a scheduled publication: back to draft; its embargo links stop working."""
        self.embargo_key = ""

    @transition(field=status, source=Status.PUBLISHED, target=Status.IN_REVIEW,
                conditions=[_scheduled], permission=CHANGE_PERMISSION)  # fmt: skip
    def reopen(self):
        """A scheduled release changed after approval: it needs approving again."""
        self.embargo_key = ""

    @transition(field=status, source=Status.PUBLISHED, target=Status.WITHDRAWN,
                conditions=[_public], permission=PUBLISH_PERMISSION)  # fmt: skip
    def withdraw(self, note, at):
        """Out of every list and feed; its page stays, marked withdrawn with ``note``."""
        self.withdrawn_at, self.withdrawal_note = at, note

    @transition(field=status, source=Status.WITHDRAWN, target=Status.PUBLISHED,
                permission=PUBLISH_PERMISSION)  # fmt: skip
    def reinstate(self):
        """Public again, in every list, at its original publication time."""
        self.withdrawn_at, self.withdrawal_note = None, ""

    def clean(self):
        super().clean()
        if self.lead_image and not self.lead_image_alt.strip():
            raise ValidationError(
                {"lead_image_alt": _("Describe the image for people who cannot see it.")}
            )


class Transition(models.Model):
    """One step of a release's workflow: who moved it from which state to which, and why."""

    release = models.ForeignKey(
        PressRelease, on_delete=models.CASCADE, related_name="transitions", db_index=False
    )
    #: The transition's name (``submit``, ``approve``, ...) or ``import``.
    name = models.CharField(_("action"), max_length=20)
    #: States as :attr:`PressRelease.state` tells them ("scheduled" included).
    source = models.CharField(
        pgettext_lazy("workflow step", "from state"), max_length=12, blank=True
    )
    target = models.CharField(pgettext_lazy("workflow step", "to state"), max_length=12)
    user = person_field(_("by"))
    at = models.DateTimeField(_("at"), default=clock.now)
    comment = models.TextField(_("comment"), blank=True)
    #: Approved by its own last editor: an administrator's override (the comment says why).
    override = models.BooleanField(_("four eyes overridden"), default=False)
    #: For an approval: when the release is to go out.
    publish_at = models.DateTimeField(_("publication time"), null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("workflow step")
        verbose_name_plural = _("workflow steps")
        indexes = [models.Index(fields=["release", "-at"], name="press_transition_release_idx")]

    def __str__(self):
        return f"{self.release_id}: {self.source} → {self.target} ({self.name})"


class OldSlug(models.Model):
    """A former address of a release: it answers with a permanent redirect."""

    slug = models.SlugField(max_length=220, unique=True)
    release = models.ForeignKey(PressRelease, on_delete=models.CASCADE, related_name="old_slugs")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("old address")
        verbose_name_plural = _("old addresses")

    def __str__(self):
        return self.slug

    @classmethod
    def release_named(cls, slug, releases):
        """The release of ``releases`` (a queryset) that ``slug`` once named, or None."""
        release_id = cls.objects.filter(slug=slug).values_list("release_id", flat=True).first()
        return None if release_id is None else releases.filter(pk=release_id).first()


def slug_base(title, max_length=220 - 8):
    """A release's address from its title, in ASCII whatever its language.

    Titles are transliterated first ("Выборы в Молдове" → ``vybory-v-moldove``),
    so that a Russian release gets a readable address, not ``release-17``.
    """
    return slugify(anyascii(title))[:max_length].strip("-") or "release"


def unique_slug(title, *, exclude_pk=None, max_length=220, reserved=()):
    """slugify(title), with -2, -3, ... when taken by another release or an old address.

    ``reserved`` holds slugs to skip as well (those an import run has given
    but not written, in a dry run).
    """
    base = slug_base(title, max_length - 8)
    candidate, n = base, 1
    taken = PressRelease.objects.exclude(pk=exclude_pk)
    while (
        candidate in reserved
        or taken.filter(slug=candidate).exists()
        or OldSlug.objects.filter(slug=candidate).exclude(release_id=exclude_pk).exists()
    ):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def release_types():
    """All release types: cached until anything public changes, and read once a request
    (by a statement compiled once per process, on PostgreSQL: ``press.compiled``; within
    ``compiled.overlapped``, sent at once and read when first used)."""

    def read():
        key = f"release-types:{release_version()}"
        types = cache.get(key)
        if types is not None:
            return types

        def keep(types):
            cache.set(key, types, timeout=60 * 60)
            return types

        using = router.db_for_read(ReleaseType)
        everything = ReleaseType.objects.using(using).all()
        if not compiled_on(using):
            return keep(list(everything))
        return then(statement(("types", using), lambda: (everything, {})).send(), keep)

    return per_request("release-types", read)


class ListingRow(models.Model):
    """The listing's read model: a release found under one value of one dimension.

    For every release: one row per node it sits under in each tree (the
    nodes it is tagged with and all their ancestors), one for its type and
    one for its year. A filter is then one indexed lookup of (dimension,
    value) and a facet one grouped count, with no walk over the trees. Kept
    by :mod:`press.listing_model` in the transaction of every write that
    changes it; ``check_trees`` verifies it and rebuilds it.
    """

    release = models.ForeignKey(
        PressRelease, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    #: A dimension's parameter ("topic", "country", ...), "type" or "year".
    dimension = models.CharField(max_length=12)
    #: A node's or a type's primary key, or a year.
    value = models.BigIntegerField()
    #: The release's language: each language's listing counts its own releases.
    language = models.CharField(max_length=8, default=settings.LANGUAGE_CODE)
    #: Whether the release was public when the row was written: what the
    #: totals count. A release scheduled then waits in ``ListingPending``.
    listed = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["release", "dimension", "value"], name="press_listing_row_unique"
            )
        ]
        indexes = [
            models.Index(fields=["dimension", "value", "release"], name="press_listing_lookup_idx")
        ]

    def __str__(self):
        return f"{self.release_id} under {self.dimension} {self.value}"


class ListingTotal(models.Model):
    """How many published releases lie under each value: the unfiltered listing's facets.

    Kept with ``n = n + delta`` in the same transaction as the rows above, so
    two writers at once add up instead of overwriting each other.
    """

    #: Each language's listing has its own totals.
    language = models.CharField(max_length=8, default=settings.LANGUAGE_CODE)
    dimension = models.CharField(max_length=12)
    value = models.BigIntegerField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["language", "dimension", "value"], name="press_listing_total_unique"
            )
        ]

    def __str__(self):
        return f"{self.dimension} {self.value}: {self.n}"


class ListingPair(models.Model):
    """How many published releases lie under two values of different dimensions at once.

    Kept like :class:`ListingTotal`, in both orders, so that the facets of a
    listing filtered by one value (a node page, ``?meeting=…``) are one
    indexed read of the rows starting with that value, however many
    releases it holds (Participating States: nearly all).
    """

    language = models.CharField(max_length=8, default=settings.LANGUAGE_CODE)
    dimension = models.CharField(max_length=12)
    value = models.BigIntegerField()
    other_dimension = models.CharField(max_length=12)
    other_value = models.BigIntegerField()
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["language", "dimension", "value", "other_dimension", "other_value"],
                name="press_listing_pair_unique",
            )
        ]

    def __str__(self):
        pair = f"{self.dimension} {self.value} and {self.other_dimension} {self.other_value}"
        return f"{pair}: {self.n}"


class ListingPending(models.Model):
    """A release that was scheduled when its rows were written, and when it goes public.

    Once that time has passed, readers add its rows to the totals themselves
    until the next write folds them in: no job has to run at that moment.
    """

    release = models.OneToOneField(
        PressRelease, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    public_from = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.release_id} from {self.public_from}"


class ReleaseClock(models.Model):
    """One row: when a release, its tags, a release type or an old address last changed.

    Written once a transaction that changed any of them commits
    (``press.versions``), so its time is never earlier than what it stands
    for; with the trees' own time and the last scheduled publication to
    pass, it is the JSON API's ``Last-Modified`` (``versions.last_public_change``).
    """

    changed_at = models.DateTimeField()

    class Meta:
        default_permissions = ()

    def __str__(self):
        return self.changed_at.isoformat()


class ListingClock(models.Model):
    """One row: how many writes have changed the listing's rows (``press.listing_index``).

    Every such write moves it in its own transaction, taking the row's lock
    first, so its values are committed in order.
    """

    seq = models.BigIntegerField(default=0)

    class Meta:
        default_permissions = ()

    def __str__(self):
        return str(self.seq)


class ListingChange(models.Model):
    """A release whose rows a write changed, at the listing clock's ``seq`` (none: all of them).

    What each process reads to bring its listing index up to date; the last
    ``listing_index.KEEP`` ticks are kept.
    """

    seq = models.BigIntegerField(db_index=True)
    release_id = models.BigIntegerField(null=True)

    class Meta:
        default_permissions = ()

    def __str__(self):
        return f"{self.seq}: {self.release_id or 'everything'}"


class SearchMatch(models.Model):
    """PostgreSQL: a release's search vector in a narrow table (migrations 0016, 0017).

    Kept by a trigger, deleted with its release by the database (so Django
    collects nothing here); on SQLite the table stays empty. Each vector is
    stored out of line, so a row is 87 bytes (a ``pad`` column the model does
    not name, with a default, makes every row long enough for PostgreSQL to
    toast it): finding every match of a word reads about 1,100 pages at
    100,000 releases instead of a 2 kB release row each
    (``press.selection.search_ids``).
    """

    release = models.OneToOneField(
        PressRelease, on_delete=models.DO_NOTHING, primary_key=True, related_name="+"
    )
    search = SearchVectorField()

    class Meta:
        default_permissions = ()

    def __str__(self):
        return str(self.release_id)
