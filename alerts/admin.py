"""Administrators see the subscriptions (to answer a subscriber's question), and can end one."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Subscription


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ("email", "query", "language", "frequency", "confirmed_at", "ended_at")
    list_filter = ("frequency", "language", ("confirmed_at", admin.EmptyFieldListFilter))
    search_fields = ("email",)
    readonly_fields = [f.name for f in Subscription._meta.fields]
    actions = ["end"]

    def has_add_permission(self, request):
        return False  # only the address's owner subscribes it (double opt-in)

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description=_("End the chosen subscriptions"), permissions=["delete"])
    def end(self, request, queryset):
        ended = queryset.end()
        self.message_user(
            request,
            ngettext("%(n)d subscription ended.", "%(n)d subscriptions ended.", ended)
            % {"n": ended},
        )
