from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PressConfig(AppConfig):
    name = "press"
    verbose_name = _("Press releases")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        import warnings

        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate
        from PIL import Image

        from taxonomy.integrity import register_derived

        from . import listing_index, listing_model, search, signals, translations  # noqa: F401

        listing_model.connect()
        translations.connect()
        register_derived(
            "listing read model", verify=listing_model.verify, rebuild=listing_model.rebuild
        )
        # After the rows: the index is read from them.
        register_derived(
            "listing index", verify=listing_index.verify, rebuild=listing_index.rebuild
        )

        # SQLite's full-text index is kept by triggers that call a Python
        # function: every connection needs it, and a table rebuilt by a
        # later migration needs its triggers back.
        connection_created.connect(search.register_functions, dispatch_uid="press-sqlite-functions")
        post_migrate.connect(search.repair_after_migrate, sender=self, dispatch_uid="press-fts5")

        # Pillow only warns between 89M and 179M pixels: anywhere in this
        # process, such an image is refused, not decoded.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
