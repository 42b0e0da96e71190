from django.db.models.signals import post_delete, post_save
from mptt.signals import node_moved

from .models import (
    ALIAS_MODELS,
    LINK_MODELS,
    NAME_MODELS,
    TREE_MODELS,
    Chairpersonship,
    OldNodeSlug,
)
from .versions import bump_tree_version

# Whatever the menu, the tree indexes and the node pages show.
for model in (
    *TREE_MODELS,
    *ALIAS_MODELS,
    *NAME_MODELS,
    *LINK_MODELS,
    Chairpersonship,
    OldNodeSlug,
):
    post_save.connect(bump_tree_version, sender=model, dispatch_uid=f"bump-save-{model.__name__}")
    post_delete.connect(
        bump_tree_version, sender=model, dispatch_uid=f"bump-delete-{model.__name__}"
    )
for model in TREE_MODELS:
    node_moved.connect(bump_tree_version, sender=model, dispatch_uid=f"bump-move-{model.__name__}")
