from django.contrib.admin.apps import AdminConfig


class OsceAdminConfig(AdminConfig):
    default_site = "osce_cms.admin.OsceAdminSite"

    def ready(self):
        super().ready()  # discovers every app's admin module, auth's included
        from django.contrib import admin

        from .users import register

        register(admin.site)
