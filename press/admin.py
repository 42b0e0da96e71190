from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import FieldError, ObjectDoesNotExist
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from mptt.admin import TreeRelatedFieldListFilter
from reversion.admin import VersionAdmin

from taxonomy.admin import tree_level_class
from taxonomy.models import Node
from taxonomy.pickers import PathLabels, in_picker_order
from taxonomy.widgets import SafeAutocompleteMixin

from . import languages, listing_model, services, translations
from .dimensions import BY_RELATION, DIMENSIONS, RELATIONS
from .forms import LeadImageField
from .images import discarded_on_error
from .models import OldSlug, PressRelease, ReleaseType, unique_slug

CHANGE_PERMISSION = "press.change_pressrelease"


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
            ("scheduled", _("Scheduled")),
            ("published", _("Published (public)")),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "draft":
                return queryset.drafts()
            case "scheduled":
                return queryset.scheduled()
            case "published":
                return queryset.published()
        return queryset


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
}

# Wide through a class (static/css/admin.css): the admin's CSP forbids style attributes.
WIDE = {"class": "vTextField wide-text"}


class PressReleaseForm(forms.ModelForm):
    class Meta:
        model = PressRelease
        fields = (
            "title", "slug", "language", "type", "summary", "body", "status", "published_at",
            "place",
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

    def __init__(self, *args, can_publish=True, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.can_publish = can_publish
        self.user = user
        if "status" in self.fields and not can_publish:
            self.fields["status"].disabled = True
            self.fields["status"].help_text = _("You may save drafts; publishing needs permission.")

    def clean(self):
        cleaned = super().clean()
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
class PressReleaseAdmin(SafeAutocompleteMixin, VersionAdmin):
    form = PressReleaseForm
    list_display = (
        "title",
        "language",
        "type",
        "state_badge",
        "published_at",
        "updated_at",
        "updated_by",
    )
    list_display_links = ("title",)
    list_filter = (
        StateFilter,
        "language",
        "type",
        *((dimension.relation, NodeTreeFilter) for dimension in DIMENSIONS),
    )
    list_select_related = ("type", "updated_by")
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
        "updated_at",
        "updated_by",
    )
    actions = ("publish_selected", "unpublish_selected")
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
                "fields": ("status", "published_at", "place", "preview_link"),
                "description": _(
                    "New releases are drafts. A published release with a future date is "
                    "scheduled: it appears by itself at that time."
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
                "fields": ("source_url", "created_at", "created_by", "updated_at", "updated_by"),
            },
        ),
    )

    def render_change_form(self, request, context, *args, **kwargs):
        # The editor (django-prose-editor) needs an inline <script type="importmap">;
        # its media (django-js-asset) renders every tag with the request's CSP
        # nonce, which the admin's script-src names. Here, not in a middleware,
        # so that pages rendered before the response leaves the view (the
        # revision and recover pages) carry it too.
        nonce = getattr(request, "csp_nonce", None)
        if nonce is not None and hasattr(context.get("media"), "with_nonce"):
            context["media"] = context["media"].with_nonce(nonce)
        return super().render_change_form(request, context, *args, **kwargs)

    def get_changelist(self, request, **kwargs):
        return SafeChangeList

    #: Actions that write through press.services, which records one revision
    #: per release saying what happened ("Published", "Scheduled", ...).
    SERVICE_ACTIONS = ("publish_selected", "unpublish_selected")

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST" and request.POST.get("action") in self.SERVICE_ACTIONS:
            # VersionAdmin runs the whole list request in one revision: every
            # selected release would share it and the last one's comment (a
            # scheduled release would read "Published"). Run without it.
            context = {"has_change_permission": self.has_change_permission(request)}
            context.update(extra_context or {})
            return admin.ModelAdmin.changelist_view(self, request, context)
        return super().changelist_view(request, extra_context)

    def has_publish_permission(self, request, obj=None):
        return request.user.has_perm("press.publish_pressrelease")

    def changeform_view(self, request, *args, **kwargs):
        # The admin saves in one transaction (release, relations, log,
        # revision): if any step fails, an image stored early goes too. The
        # release and its five relations change the listing's read model
        # once, in that transaction.
        with discarded_on_error(), transaction.atomic(), listing_model.refreshed_once():
            return super().changeform_view(request, *args, **kwargs)

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
        can_publish = self.has_publish_permission(request, obj)

        class RequestForm(form):
            def __init__(self, *args, **kw):
                kw.setdefault("can_publish", can_publish)
                kw.setdefault("user", request.user)
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
        return super().get_queryset(request).select_related("type", "updated_by")

    @admin.display(description=_("state"), ordering="status")
    def state_badge(self, obj):
        # The marks are drawn (SVG), not characters: symbol glyphs such as
        # U+23F2 are missing from common fonts and render as a box.
        if obj.state == "scheduled":
            when = date_format(timezone.localtime(obj.published_at), "DATETIME_FORMAT")
            return format_html(
                '<span class="state state-scheduled"><span class="state-label">{}<strong>{}'
                "</strong></span> {}</span>",
                STATE_ICONS["scheduled"],
                _("Scheduled for"),
                when,
            )
        if obj.state == "draft":
            return format_html(
                '<span class="state state-draft state-label">{}{}</span>',
                STATE_ICONS["draft"],
                _("Draft"),
            )
        return format_html(
            '<span class="state state-published state-label">{}{}</span>',
            STATE_ICONS["published"],
            _("Published"),
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
        was_public = change and PressRelease.objects.published().filter(pk=obj.pk).exists()
        super().save_model(request, obj, form, change)
        if obj.is_scheduled:
            when = date_format(timezone.localtime(obj.published_at), "DATETIME_FORMAT")
            self.message_user(
                request,
                _("Scheduled: it will appear on the public site on %s.") % when,
                messages.WARNING,
            )
        elif obj.state == "draft":
            if was_public:
                self.message_user(
                    request, _("Unpublished: it is no longer on the public site."), messages.WARNING
                )
            else:
                self.message_user(
                    request, _("Saved as a draft: not visible to the public."), messages.INFO
                )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.sync_sources(form.instance)

    @admin.action(description=_("Publish selected releases"), permissions=["publish"])
    def publish_selected(self, request, queryset):
        count = 0
        for release in queryset:
            services.publish(release, user=request.user)
            count += 1
        self.message_user(
            request,
            ngettext(
                "%d release published (or scheduled).",
                "%d releases published (or scheduled).",
                count,
            )
            % count,
            messages.SUCCESS,
        )

    @admin.action(
        description=_("Unpublish selected releases (back to draft)"), permissions=["publish"]
    )
    def unpublish_selected(self, request, queryset):
        count = 0
        for release in queryset:
            services.unpublish(release, user=request.user)
            count += 1
        self.message_user(
            request,
            ngettext("%d release unpublished.", "%d releases unpublished.", count) % count,
            messages.SUCCESS,
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
