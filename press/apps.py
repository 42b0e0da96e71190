from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PressConfig(AppConfig):
    name = "press"
    verbose_name = _("Press releases")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        import warnings

        from PIL import Image

        from . import signals  # noqa: F401

        # Pillow only warns between 89M and 179M pixels: anywhere in this
        # process, such an image is refused, not decoded.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
