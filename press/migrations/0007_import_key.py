"""The import identity: a release is updated only by the import that created it.

Releases imported before this field existed get the identity they would get
now, read from their import revision ("Imported from FILE:LINE"): their
source address, else their title and local publication date. (An explicit
slug a record gave is not recorded anywhere, so such a release is matched by
its title and date; a re-import that finds nothing reports the clash of slugs
and imports under a free slug, never over it.)
"""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import migrations, models


def backfill(apps, schema_editor):
    PressRelease = apps.get_model("press", "PressRelease")
    Version = apps.get_model("reversion", "Version")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type = ContentType.objects.filter(app_label="press", model="pressrelease").first()
    if content_type is None:
        return
    imported = Version.objects.filter(
        content_type=content_type, revision__comment__startswith="Imported from"
    ).values_list("object_id", flat=True)
    zone = ZoneInfo(settings.TIME_ZONE)
    pks = {int(pk) for pk in imported if pk.isdigit()}
    for release in PressRelease.objects.filter(pk__in=pks, import_key=""):
        if release.source_url:
            release.import_key = f"url:{release.source_url}"[:500]
        elif release.published_at is not None:
            date = release.published_at.astimezone(zone).date().isoformat()
            release.import_key = f"title:{date}:{release.title}"[:500]
        else:
            continue
        release.save(update_fields=["import_key"])


class Migration(migrations.Migration):
    dependencies = [
        ("press", "0006_sqlite_full_text_search"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AddField(
            model_name="pressrelease",
            name="import_key",
            field=models.CharField(
                blank=True,
                db_index=True,
                editable=False,
                help_text="Set by the import that created the release: only a record with "
                "this identity (or this release's source address) updates it.",
                max_length=500,
                verbose_name="import identity",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
