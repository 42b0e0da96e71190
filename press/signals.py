from django.db.models.signals import m2m_changed, post_delete, post_save

from .models import OldSlug, PressRelease, ReleaseType
from .versions import bump_release_version

for model in (PressRelease, ReleaseType, OldSlug):
    post_save.connect(
        bump_release_version, sender=model, dispatch_uid=f"bump-save-{model.__name__}"
    )
    post_delete.connect(
        bump_release_version, sender=model, dispatch_uid=f"bump-delete-{model.__name__}"
    )
for field in ("sources", "topics", "countries", "structures", "meetings"):
    m2m_changed.connect(
        bump_release_version,
        sender=getattr(PressRelease, field).through,
        dispatch_uid=f"bump-m2m-{field}",
    )
