from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

#: django-mptt's bookkeeping: where a node sits is its parent; these columns
#: are derived from it and rewritten by every move, so no revision keeps them.
TREE_COLUMNS = ("lft", "rght", "tree_id", "level")


class TaxonomyConfig(AppConfig):
    name = "taxonomy"
    verbose_name = _("Taxonomy trees")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        import reversion

        from . import signals  # noqa: F401
        from .models import LINK_MODELS, NAME_MODELS, TREE_MODELS

        # Merges, renames and closings record revisions of the nodes they
        # change (taxonomy.merging, taxonomy.history): with its dated names
        # and its successors, a node's revision is its whole history.
        for model in (*NAME_MODELS, *LINK_MODELS):
            if not reversion.is_registered(model):
                reversion.register(model)
        for model in TREE_MODELS:
            if not reversion.is_registered(model):
                reversion.register(model, exclude=TREE_COLUMNS, follow=("dated_names", "links_out"))
