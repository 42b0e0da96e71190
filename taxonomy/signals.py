from django.db.models.signals import post_delete, post_save
from mptt.signals import node_moved

from osce_cms.content import bump_content_version

from .models import TREE_MODELS, Chairpersonship

for model in (*TREE_MODELS, Chairpersonship):
    post_save.connect(
        bump_content_version, sender=model, dispatch_uid=f"bump-save-{model.__name__}"
    )
    post_delete.connect(
        bump_content_version, sender=model, dispatch_uid=f"bump-delete-{model.__name__}"
    )
    node_moved.connect(
        bump_content_version, sender=model, dispatch_uid=f"bump-move-{model.__name__}"
    )
