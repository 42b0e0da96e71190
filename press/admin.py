from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldError, ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from mptt.admin import TreeRelatedFieldListFilter
from reversion.admin import VersionAdmin
from reversion.models import Version

from taxonomy import clock, page_version
from taxonomy.admin import tree_level_class
from taxonomy.models import Node
from taxonomy.pickers import PathLabels, in_picker_order
from taxonomy.widgets import SafeAutocompleteMixin

from . import languages, listing_model, services, translations, workflow
from .admin_workflow import WorkflowAdminMixin
from .dimensions import BY_RELATION, DIMENSIONS, RELATIONS
from .forms import LeadImageField
from .images import discarded_on_error
from .models import (
    CHANGE_PERMISSION,
    PUBLISH_PERMISSION,
    WORKFLOW_FIELDS,
    OldSlug,
    PressRelease,
    ReleaseType,
    unique_slug,
)

VERSION_FIELD = "release_version"


class NodeTreeFilter(TreeRelatedFieldListFilter):
    """ "This node and everything under it", refusing values that name no node.

    Filtered by the listing's read model, as the public listing is (one
    indexed lookup, drafts included, no duplicate rows from a join).
    django-mptt's filter turns a non-numeric or unknown id into a 500; here
    it is an incorrect lookup, which the admin answers with its own notice.
    """

    def queryset(self, request, queryset):
        try:
            if not self.lookup_val:
                return super().queryset(request, queryset)
            node = self.other_model._default_manager.get(pk=self.lookup_val)
            self.used_parameters.pop(self.changed_lookup_kwarg, None)
            dimension = BY_RELATION[self.field_path]
            return queryset.filter(**self.used_parameters).under(dimension, [node])
        except (ValueError, TypeError, OverflowError, ObjectDoesNotExist, FieldError) as exc:
            raise IncorrectLookupParameters(exc) from exc

    def field_choices(self, field, request, model_admin):
        """Each node indented by its level, countries alphabetically under each region.

        django-mptt indents with a style attribute, which the admin's CSP
        refuses: here a class per level does it (static/css/admin.css). One
        query reads the nodes for both their levels and, in the alphabetical
        trees, their order, as every other picker shows them.
        """
        choices = field.get_choices(include_blank=False)
        model = field.related_model
        nodes = list(
            model._default_manager.filter(pk__in=[pk for pk, _name in choices]).only(
                "pk", "parent_id", "name", model._mptt_meta.level_attr
            )
        )
        classes = {node.pk: tree_level_class(node) for node in nodes}
        indented = {pk: (pk, name, format_html(' class="{}"', classes[pk])) for pk, name in choices}
        if not model.ALPHABETICAL:
            return list(indented.values())
        return [indented[node.pk] for node in in_picker_order(nodes)]


class SafeChangeList(ChangeList):
    """The date hierarchy turns a year like 2200000000 into an OverflowError: refuse it."""

    def get_filters(self, request):
        try:
            return super().get_filters(request)
        except OverflowError as exc:
            raise IncorrectLookupParameters(exc) from exc


class StateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("draft", _("Draft")),
            ("sent_back", _("Sent back")),
            ("in_review", _("In review")),
            ("scheduled", _("Scheduled")),
            ("published", _("Published (public)")),
            ("withdrawn", _("Withdrawn")),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "draft":
                return queryset.drafts()
            case "sent_back":
                return queryset.sent_back()
            case "in_review":
                return queryset.in_review()
            case "scheduled":
                return queryset.scheduled()
            case "published":
                return queryset.published()
            case "withdrawn":
                return queryset.withdrawn()
        return queryset


class MineFilter(admin.SimpleListFilter):
    title = _("author")
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("1", _("Created or last edited by me"))]

    def queryset(self, request, queryset):
        return queryset.mine(request.user) if self.value() == "1" else queryset


def _icon(shapes):
    return mark_safe(
        '<svg class="state-icon" viewBox="0 0 16 16" width="14" height="14" '
        f'aria-hidden="true" focusable="false">{shapes}</svg>'
    )


STATE_ICONS = {
    "scheduled": _icon(
        '<circle cx="8" cy="8" r="6.5" fill="none" stroke="currentColor" stroke-width="1.6"/>'
        '<path d="M8 4v4.3l2.8 1.7" fill="none" stroke="currentColor" stroke-width="1.6"/>'
    ),
    "draft": _icon(
        '<path d="M2.5 13.5l1-3.5 7.5-7.5 2.5 2.5-7.5 7.5z" fill="none" '
        'stroke="currentColor" stroke-width="1.5" stroke-linejoin="round"/>'
    ),
    "published": _icon('<circle cx="8" cy="8" r="5" fill="currentColor"/>'),
    "in_review": _icon(
        '<circle cx="6.5" cy="6.5" r="4.5" fill="none" stroke="currentColor" stroke-width="1.6"/>'
        '<path d="M10 10l4 4" stroke="currentColor" stroke-width="1.8" stroke-linecap="round"/>'
    ),
    "withdrawn": _icon(
        '<circle cx="8" cy="8" r="6.5" fill="none" stroke="currentColor" stroke-width="1.6"/>'
        '<path d="M3.5 12.5l9-9" stroke="currentColor" stroke-width="1.6"/>'
    ),
}

# Wide through a class (static/css/admin.css): the admin's CSP forbids style attributes.
WIDE = {"class": "vTextField wide-text"}


class PressReleaseForm(forms.ModelForm):
    class Meta:
        model = PressRelease
        fields = (
            "title", "slug", "language", "type", "summary", "body", "published_at", "place",
            "sources", *RELATIONS, "lead_image",
            "lead_image_alt", "lead_image_caption", "lead_image_credit", "source_url",
        )  # fmt: skip
        widgets = {
            name: forms.TextInput(attrs=WIDE) for name in ("title", "slug", "lead_image_alt")
        }

    #: On "Add translation": the release this one translates (its group is joined).
    translation_of = forms.ModelChoiceField(
        queryset=PressRelease.objects.all(), required=False, widget=forms.HiddenInput
    )

    #: The version of the release this page showed (no lost edits: see ``clean``).
    release_version = page_version.PageVersionField(max_length=100)

    def __init__(self, *args, user=None, shown_digest=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        #: The release's digest as stored before this request changed it (a
        #: revision's page, which restores the revision to show it): what the
        #: page showed, and what a save must still find.
        self.shown_digest = shown_digest
        release = self.instance
        if release.pk:
            self.initial[VERSION_FIELD] = (
                page_version.token(shown_digest) if shown_digest else workflow.page_token(release)
            )

    def check_version(self):
        """No lost edits: refuse a save of a release changed since this page was read.

        The row is locked to the end of the admin's transaction, over the save
        that follows: nobody changes it in between.
        """
        release = self.instance
        if not release.pk or not PressRelease.objects.filter(pk=release.pk).exists():
            return  # a new release, or one recovered from its deleted revision
        token = self.data.get(self.add_prefix(VERSION_FIELD))
        if not token:
            self.add_error(None, ValidationError(_(
                "This form came without the version of its page, so whether the release "
                "changed after the page was opened cannot be told. Nothing was saved: reload "
                "the page and make your changes again."
            ), code="no_version"))  # fmt: skip
            return
        # With its translations, whose tags a save changes (translations.lock_group).
        translations.lock_group(release)
        try:
            workflow.lock_and_check(release.pk, token, self.shown_digest)
        except workflow.WorkflowError as exc:
            self.add_error(None, ValidationError(exc.message, code=exc.code))

    def check_shared_tags(self, source):
        """Tags are the group's: re-tagging one translation re-tags the others, a
        published or withdrawn one included, which only a publisher corrects."""
        if not set(self.changed_data) & set(translations.SHARED):
            return
        if self.user is not None and self.user.has_perm(PUBLISH_PERMISSION):
            return
        anchor = source if source is not None else self.instance
        if not (anchor.pk and anchor.translation_group):
            return
        others = PressRelease.objects.filter(translation_group=anchor.translation_group).exclude(
            pk=self.instance.pk
        )
        public = [r for r in others if r.is_released]
        if public:
            self.add_error(None, ValidationError(_(
                "The tags are shared by the translations, and “%(title)s” (%(language)s) is "
                "published: only a publisher changes its tags. Leave the tags as they are, or "
                "ask a publisher."
            ) % {"title": public[0].title, "language": public[0].get_language_display()},
                code="shared_tags"))  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        self.check_version()
        self.check_shared_tags(cleaned.get("translation_of"))
        if self.errors.pop("translation_of", None):
            # A hidden field: said where the editor sees it.
            self.add_error(None, _("The release this one was to translate no longer exists."))
        source, language = cleaned.get("translation_of"), cleaned.get("language")
        if source is not None and not (self.user and self.user.has_perm(CHANGE_PERMISSION)):
            # Adding a translation puts the source in a group: it changes the source.
            self.add_error(None, _("You may not change the release this one translates."))
        # One release per language in a group: the one it joins, or its own,
        # read under lock (the admin saves in one transaction).
        anchor = source if source is not None else self.instance
        group = translations.lock_group(anchor) if anchor.pk else ""
        members = translations.group_releases(group)
        if source is not None:
            members.setdefault(source.language, source)
        taken = members.get(language)
        if taken is not None and taken.pk != self.instance.pk:
            self.add_error(
                "language",
                _("“%(title)s” is already this release's version in %(language)s.")
                % {"title": taken.title, "language": taken.get_language_display()},
            )
        return cleaned


@admin.register(PressRelease)
class PressReleaseAdmin(WorkflowAdminMixin, SafeAutocompleteMixin, VersionAdmin):
    form = PressReleaseForm
    change_form_template = "admin/press/pressrelease/change_form.html"
    list_display = (
        "title",
        "language",
        "type",
        "state_badge",
        "published_at",
        "edited_at",
        "edited_by",
    )
    list_display_links = ("title",)
    list_filter = (
        StateFilter,
        MineFilter,
        "language",
        "type",
        *((dimension.relation, NodeTreeFilter) for dimension in DIMENSIONS),
    )
    list_select_related = ("type", "edited_by")
    list_per_page = 50
    date_hierarchy = "published_at"
    search_fields = ("title", "summary", "slug", "place")
    prepopulated_fields = {"slug": ("title",)}
    autocomplete_fields = ("sources", *RELATIONS)
    readonly_fields = (
        "preview_link",
        "translations_list",
        "image_preview",
        "created_at",
        "created_by",
        "edited_at",
        "edited_by",
        "updated_at",
        "updated_by",
    )
    save_on_top = True
    fieldsets = (
        (
            None,
            {"fields": ("title", "slug", "language", "type", "summary", "body", "translation_of")},
        ),
        (
            _("Translations"),
            {
                "fields": ("translations_list",),
                "description": _(
                    "Each translation is a release of its own, with its own text and "
                    "publication. The tags are shared: a change to one translation's tags "
                    "is made to all of them."
                ),
            },
        ),
        (
            _("Publication"),
            {
                "fields": ("published_at", "place", "preview_link"),
                "description": _(
                    "A new release is a draft. When it is ready, submit it for review: a "
                    "publisher approves it (now or at a set time) or sends it back."
                ),
            },
        ),
        (_("Tags"), {"fields": ("sources", *RELATIONS)}),
        (
            _("Lead image"),
            {
                "fields": (
                    "lead_image",
                    "image_preview",
                    "lead_image_alt",
                    "lead_image_caption",
                    "lead_image_credit",
                )
            },
        ),
        (
            _("History"),
            {
                "classes": ("collapse",),
                "fields": (
                    "source_url",
                    "created_at",
                    "created_by",
                    "edited_at",
                    "edited_by",
                    "updated_at",
                    "updated_by",
                ),
            },
        ),
    )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        # The editor (django-prose-editor) needs an inline <script type="importmap">;
        # its media (django-js-asset) renders every tag with the request's CSP
        # nonce, which the admin's script-src names. Here, not in a middleware,
        # so that pages rendered before the response leaves the view (the
        # revision and recover pages) carry it too.
        nonce = getattr(request, "csp_nonce", None)
        if nonce is not None and hasattr(context.get("media"), "with_nonce"):
            context["media"] = context["media"].with_nonce(nonce)
        release = obj
        form = context["adminform"].form if "adminform" in context else None
        if release is not None and release.pk:
            context["workflow"] = self.workflow_context(request, release)
            if form is not None and VERSION_FIELD in form.fields:
                # The page carries its version (a hidden row of the first fieldset):
                # the change page and reversion's revision and recover pages alike.
                adminform = context["adminform"]
                name, options = adminform.fieldsets[0]
                if VERSION_FIELD not in options["fields"]:
                    fields = (*options["fields"], VERSION_FIELD)
                    adminform.fieldsets[0] = (name, {**options, "fields": fields})
            if form is not None and page_version.is_stale(form):
                context["stale_url"] = reverse("admin:press_pressrelease_change", args=[release.pk])
        context["can_submit_for_review"] = (
            (release is None or release.status == PressRelease.Status.DRAFT)
            and self.has_change_permission(request, release)
            and not (release is None and not self.has_add_permission(request))
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_changelist(self, request, **kwargs):
        return SafeChangeList

    def recover_view(self, request, version_id, extra_context=None):
        """A deleted release comes back as a draft: it is reviewed again before it is public.

        django-reversion's page takes any revision's id; only those of deleted
        releases are recovered here (restoring one that exists is the History
        page's, ``revision_view``). The step is recorded.
        """
        deleted = Version.objects.get_deleted(self.model)
        if not str(version_id).isdigit() or not deleted.filter(pk=version_id).exists():
            raise Http404(_("No deleted release has this revision."))
        request.release_workflow = {
            "status": PressRelease.Status.DRAFT,
            "embargo_key": "",
            "withdrawn_at": None,
            "withdrawal_note": "",
        }
        request.release_recovered = True
        return super().recover_view(request, version_id, extra_context)

    def revision_view(self, request, object_id, version_id, extra_context=None):
        """Restoring a revision: what it says, never where the release is in the workflow.

        django-reversion restores the whole revision inside the request's
        transaction before it shows or checks the form, the state of then
        included. Read first, with the row locked to the end of the request:
        the workflow's columns as they are now, put back before the form is
        built (``changeform_view``), so that a restore never publishes,
        schedules, withdraws or unpublishes; and the digest of the release as stored, which
        is what the page showed, so that a save made by someone else after the
        page was opened is not overwritten. A restore is an edit: of a
        scheduled release, it takes it back to review.
        """
        with transaction.atomic():
            pk = unquote(object_id)
            if pk.isdigit():
                stored = (
                    PressRelease.objects.select_for_update()
                    .filter(pk=pk)
                    .values(*(PressRelease._meta.get_field(f).attname for f in WORKFLOW_FIELDS))
                    .first()
                )
                if stored is not None:
                    request.release_digest = workflow.state_digest(int(pk))
                    request.release_workflow = stored
            return super().revision_view(request, object_id, version_id, extra_context)

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and obj.status in (
            PressRelease.Status.PUBLISHED,
            PressRelease.Status.WITHDRAWN,
        ):
            # Approved: its time was set on the Review page; a publisher who
            # would change it stops the scheduled publication and approves again.
            readonly += ("published_at",)
        return readonly

    def has_change_permission(self, request, obj=None):
        """Drafts, releases in review and scheduled ones: whoever may change releases.

        A published or withdrawn release is corrected by a publisher only:
        staff see it read-only (its correction is public at once).
        """
        if not super().has_change_permission(request, obj):
            return False
        return obj is None or not obj.is_released or request.user.has_perm(PUBLISH_PERMISSION)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The admin saves in one transaction (release, relations, log,
        # revision): if any step fails, an image stored early goes too. The
        # release and its five relations change the listing's read model
        # once, in that transaction.
        with discarded_on_error(), transaction.atomic(), listing_model.refreshed_once():
            kept = getattr(request, "release_workflow", None)
            if kept is not None:
                # A revision was just restored (revision_view, recover_view): the
                # workflow's columns as they are to be, before the form reads the row.
                PressRelease.objects.filter(pk=unquote(object_id)).update(**kept)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_changeform_initial_data(self, request):
        """ "Add translation" (``?translation_of=<pk>&language=fr``): the new release starts
        as a copy of the one it translates, in the chosen language, as a draft."""
        initial = super().get_changeform_initial_data(request)
        source = self._translation_source(request)
        if source is None:
            return initial
        initial.update(
            translation_of=source.pk,
            title=source.title,
            type=source.type_id,
            summary=source.summary,
            body=source.body,
            place=source.place,
            lead_image_alt=source.lead_image_alt,
            lead_image_caption=source.lead_image_caption,
            lead_image_credit=source.lead_image_credit,
            **{
                relation: list(getattr(source, relation).values_list("pk", flat=True))
                for relation in translations.SHARED
            },
        )
        # A free address to start from; typing the translated title replaces it
        # (the admin's prepopulated slug).
        language = str(initial.get("language") or "")
        if language in languages.CODES:
            initial["slug"] = unique_slug(f"{source.slug[:200]}-{language}")
        return initial

    def _translation_source(self, request):
        pk = request.GET.get("translation_of", "")
        if not (pk.isascii() and pk.isdigit()) or len(pk) > 18:
            return None
        source = PressRelease.objects.filter(pk=int(pk)).first()
        if source is None or not self.has_view_permission(request, source):
            return None
        return source

    @admin.display(description=_("translations"))
    def translations_list(self, obj):
        if not obj or not obj.pk:
            return _("Save the release to add translations.")
        group = translations.group_releases(obj.translation_group) or {obj.language: obj}
        add_url = reverse("admin:press_pressrelease_add")
        rows = []
        for code, name in settings.LANGUAGES:
            release = group.get(code)
            if release is not None and release.pk == obj.pk:
                rows.append(
                    format_html("<li><strong>{}</strong>: {}</li>", name, _("this release"))
                )
            elif release is not None:
                url = reverse("admin:press_pressrelease_change", args=[release.pk])
                rows.append(
                    format_html(
                        '<li>{}: <a href="{}" lang="{}">{}</a> ({})</li>',
                        name,
                        url,
                        code,
                        release.title,
                        release.get_status_display(),
                    )
                )
            else:
                query = urlencode({"translation_of": obj.pk, "language": code})
                rows.append(
                    format_html(
                        '<li>{}: <a class="addlink" href="{}?{}">{}</a></li>',
                        name,
                        add_url,
                        query,
                        _("Add translation"),
                    )
                )
        return format_html(
            '<ul class="translations">{}</ul>', format_html_join("", "{}", ((r,) for r in rows))
        )

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)

        class RequestForm(form):
            def __init__(self, *args, **kw):
                kw.setdefault("user", request.user)
                kw.setdefault("shown_digest", getattr(request, "release_digest", None))
                super().__init__(*args, **kw)

        return RequestForm

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "source_url":
            kwargs["assume_scheme"] = "https"
        if db_field.name == "lead_image":
            kwargs["form_class"] = LeadImageField
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if field is not None and issubclass(db_field.related_model, Node):
            field.label_from_instance = PathLabels(db_field.related_model)
        return field

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("type", "edited_by")

    @admin.display(description=_("state"), ordering="status")
    def state_badge(self, obj):
        # The marks are drawn (SVG), not characters: symbol glyphs such as
        # U+23F2 are missing from common fonts and render as a box.
        state = obj.state
        if state == "scheduled":
            when = date_format(timezone.localtime(obj.published_at), "DATETIME_FORMAT")
            return format_html(
                '<span class="state state-scheduled"><span class="state-label">{}<strong>{}'
                "</strong></span> {}</span>",
                STATE_ICONS["scheduled"],
                _("Scheduled for"),
                when,
            )
        return format_html(
            '<span class="state state-{} state-label">{}{}</span>',
            state,
            STATE_ICONS.get(state, ""),
            workflow.state_label(state),
        )

    @admin.display(description=_("preview"))
    def preview_link(self, obj):
        if not obj or not obj.pk:
            return _("Save the release to preview it.")
        label = (
            _("View on the public site")
            if obj.is_public
            else _("Preview as the public will see it")
        )
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>', obj.get_absolute_url(), label
        )

    @admin.display(description=_("current image"))
    def image_preview(self, obj):
        if not obj or not obj.lead_image:
            return "—"
        try:
            url = obj.image_thumbnail.url
        except (OSError, ValueError):
            return _("The image file is missing.")
        return format_html('<img src="{}" alt="" class="lead-image-preview">', url)

    def save_model(self, request, obj, form, change):
        source = form.cleaned_data.get("translation_of")
        if not change and source is not None:
            # The new release joins its source's group (made now for a first
            # translation). Locked, so that two first translations at once
            # end in one group.
            source = PressRelease.objects.select_for_update().get(pk=source.pk)
            if not source.translation_group:
                source.translation_group = translations.new_group()
                source.save(update_fields=["translation_group", "updated_at"])
            obj.translation_group = source.translation_group
        if not change:
            obj.created_by = request.user
        obj.updated_by = request.user
        if not change or form.has_changed() or self._restoring(request):
            # Four eyes: whoever last changed what it says may not approve it.
            obj.edited_by, obj.edited_at = request.user, clock.now()
        super().save_model(request, obj, form, change)

    @staticmethod
    def _restoring(request):
        """Whether this save restores a revision (an edit, whatever the form shows changed)."""
        return getattr(request, "release_workflow", None) is not None

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        release = form.instance
        services.sync_sources(release)
        base_url = request.build_absolute_uri("/")
        if set(form.changed_data) & set(translations.SHARED) and release.translation_group:
            workflow.tags_shared(release, request.user, base_url=base_url)
        if getattr(request, "release_recovered", False):
            workflow.note(release, workflow.RECOVER, request.user)
        edited = change and (form.has_changed() or self._restoring(request))
        if edited and release.is_released:
            # Corrected by a publisher (staff may not change it): public at once, recorded.
            labels = [str(form.fields[name].label) for name in form.changed_data]
            workflow.note(release, workflow.CORRECT, request.user, ", ".join(labels))
        if edited and release.is_scheduled:
            # Approved as it was: changed, it needs approving again.
            workflow.reopen(release, request.user, base_url=base_url)
            self.message_user(
                request,
                _(
                    "Your changes took it back to review: it is no longer scheduled, and its "
                    "embargo link no longer works. A publisher approves it again."
                ),
                messages.WARNING,
            )
        elif "_submit_for_review" in request.POST and release.status == PressRelease.Status.DRAFT:
            # Typed into the form, not checked by it: PostgreSQL holds no NUL.
            note = request.POST.get("review_note", "").replace("\x00", "")[:2000]
            try:
                workflow.perform(
                    release.pk,
                    "submit",
                    request.user,
                    comment=note,
                    base_url=base_url,
                )
            except workflow.WorkflowError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(
                    request, _("Submitted for review: the publishers have been told."),
                    messages.SUCCESS,
                )  # fmt: skip
        elif release.status == PressRelease.Status.DRAFT:
            self.message_user(
                request,
                _("Saved as a draft: not visible to the public. Submit it for review when ready."),
                messages.INFO,
            )
        elif release.is_public and change:
            self.message_user(
                request, _("Saved: the correction is on the public site now."), messages.WARNING
            )


@admin.register(ReleaseType)
class ReleaseTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "position")
    list_editable = ("position",)
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)


@admin.register(OldSlug)
class OldSlugAdmin(SafeAutocompleteMixin, admin.ModelAdmin):
    list_display = ("slug", "release", "created_at")
    search_fields = ("slug", "release__title")
    autocomplete_fields = ("release",)
    list_select_related = ("release",)

    def view_on_site(self, obj):
        return reverse("press:detail", args=[obj.slug])
