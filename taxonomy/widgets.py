"""Relation fields and widgets for the admin forms of every app.

They only pick (never edit or delete what a relation points to) and survive
forged values: an id no database key can hold, or a non-numeric selected
value, becomes a form error instead of a 500. The lowest app holds them so
that every app's admin can use them.
"""

from django import forms
from django.contrib.admin.widgets import (
    AutocompleteSelect,
    AutocompleteSelectMultiple,
    RelatedFieldWidgetWrapper,
)
from django.core.exceptions import ValidationError


class PickOnlyRelationsMixin:
    """Relation widgets pick; they never delete, and never edit what others share.

    Django puts a red × beside a relation's widget that deletes the chosen
    object (a tree node's parent, a release's type) from a form about
    something else, and a pencil that edits it for everyone who uses it.
    Deleting and editing happen on the object's own page. A tree node's
    parent is also never created from the child's form: that is a new place
    in the tree, made in the tree.
    """

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        widget = getattr(formfield, "widget", None)
        if isinstance(widget, RelatedFieldWidgetWrapper):
            widget.can_delete_related = False
            widget.can_change_related = False
            if db_field.related_model is db_field.model:
                widget.can_add_related = False
        return formfield


class SafeAutocompleteMixin(PickOnlyRelationsMixin):
    """Autocomplete widgets that survive a forged, non-numeric selected value.

    When a form comes back with errors, Django's autocomplete widget looks up
    the submitted values as primary keys; a value like ":" would raise there
    and turn a form error into a 500. Invalid values are dropped instead.
    Relation widgets only pick (see PickOnlyRelationsMixin).
    """

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", SafeModelChoiceField)
        return _safe(super().formfield_for_foreignkey(db_field, request, **kwargs))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", SafeModelMultipleChoiceField)
        return _safe(super().formfield_for_manytomany(db_field, request, **kwargs))


def _in_range(value):
    """False for a value no database integer key can hold (the query would crash)."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return True  # not a number at all: Django's own validation says so
    return -(2**63) <= number < 2**63


class SafeModelChoiceField(forms.ModelChoiceField):
    def to_python(self, value):
        if value not in self.empty_values and not _in_range(value):
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        for item in value if isinstance(value, list | tuple) else [value]:
            if not _in_range(item):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                    params={"pk": str(item)[:40]},
                )  # fmt: skip
        return super()._check_values(value)


def _valid_pks(widget, values):
    pk = widget.field.remote_field.model._meta.pk
    valid = []
    for value in values:
        if value in (None, ""):
            continue
        try:
            number = pk.get_prep_value(pk.to_python(value))
        except (ValueError, TypeError, ValidationError, OverflowError):
            continue
        if not _in_range(number):
            continue
        valid.append(value)
    return valid


class _SafeAutocompleteSelect(AutocompleteSelect):
    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, _valid_pks(self, value), attr)


class _SafeAutocompleteSelectMultiple(AutocompleteSelectMultiple):
    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, _valid_pks(self, value), attr)


def _safe(formfield):
    if formfield is None:
        return formfield
    widget = formfield.widget
    for unsafe, safe in ((AutocompleteSelectMultiple, _SafeAutocompleteSelectMultiple),
                         (AutocompleteSelect, _SafeAutocompleteSelect)):  # fmt: skip
        if type(widget) is unsafe:
            widget.__class__ = safe
    return formfield
