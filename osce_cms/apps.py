from django.contrib.admin.apps import AdminConfig


class OsceAdminConfig(AdminConfig):
    default_site = "osce_cms.admin.OsceAdminSite"
