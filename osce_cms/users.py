"""Accounts in the admin: nobody gives more than they hold.

Django's stock user and group pages let anyone with ``auth.change_user``
tick "Superuser status" (their own included), set any account's password
and hand out any permission. Here, for everyone but a superuser:

* an account is visible, editable, deletable and its password settable only
  when everything it may do is something the acting user may do too: never
  a superuser, never an account holding a permission the actor lacks
  (setting its password would be taking over what it may do);
* "Superuser status" is shown, not editable: only a superuser grants it;
* the permissions offered, for an account or a group, are the actor's own,
  and the groups offered are those whose permissions the actor holds all of;
  a group with more is not shown (editing it would change what its members
  may do beyond the actor's reach).

The rules are enforced where the data is read and written (querysets, form
fields, permissions), so a forged POST of a hidden field or of a choice not
offered is ignored or refused with a form error, never applied.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission
from django.db.models import Q


def held_permissions(user):
    """The permission rows ``user`` holds, directly or through a group."""
    if user.is_superuser:
        return Permission.objects.all()
    if not user.is_active:
        return Permission.objects.none()
    return Permission.objects.filter(Q(user=user) | Q(group__user=user)).distinct()


def _not_held(user):
    return Permission.objects.exclude(pk__in=held_permissions(user).values("pk"))


def manageable_users(user, queryset):
    """``queryset`` narrowed to the accounts ``user`` may see and manage."""
    if user.is_superuser:
        return queryset
    beyond = _not_held(user)
    return (
        queryset.exclude(is_superuser=True)
        .exclude(user_permissions__in=beyond)
        .exclude(groups__permissions__in=beyond)
    )


def manageable_groups(user, queryset):
    """``queryset`` narrowed to the groups whose every permission ``user`` holds."""
    if user.is_superuser:
        return queryset
    return queryset.exclude(permissions__in=_not_held(user))


def _narrowed(model_admin, request, queryset, narrow):
    """``queryset`` narrowed for an actor who may see the model at all.

    Whoever may not gets the whole queryset, so that every page answers them
    403 from the permission checks (Django's history page looks the object up
    first, and would otherwise redirect as if it did not exist).
    """
    if not model_admin.has_view_or_change_permission(request):
        return queryset
    return narrow(request.user, queryset)


class AccountAdmin(UserAdmin):
    def get_queryset(self, request):
        return _narrowed(self, request, super().get_queryset(request), manageable_users)

    def _manageable(self, request, obj):
        return obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._manageable(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._manageable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._manageable(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ("is_superuser",)
        return readonly

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "user_permissions":
            kwargs["queryset"] = held_permissions(request.user).select_related("content_type")
        elif db_field.name == "groups":
            kwargs["queryset"] = manageable_groups(request.user, Group.objects.all())
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class GroupsAdmin(GroupAdmin):
    def get_queryset(self, request):
        return _narrowed(self, request, super().get_queryset(request), manageable_groups)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "permissions":
            kwargs["queryset"] = held_permissions(request.user).select_related("content_type")
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def register(site):
    """Put the guarded account pages in place of Django's on ``site``."""
    User = get_user_model()
    for model, model_admin in ((User, AccountAdmin), (Group, GroupsAdmin)):
        if site.is_registered(model):
            site.unregister(model)
        site.register(model, model_admin)
