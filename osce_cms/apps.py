from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig


class OsceCmsConfig(AppConfig):
    """The project as an app: commands that need both apps and the roles."""

    name = "osce_cms"
    verbose_name = "OSCE CMS"


class OsceAdminConfig(AdminConfig):
    default_site = "osce_cms.admin.OsceAdminSite"

    def ready(self):
        super().ready()  # discovers every app's admin module, auth's included
        from django.contrib import admin

        from .users import register

        register(admin.site)
