"""The country tree is called Country in code, like its public parameter.

Renames the models Location and LocationAlias and the field operation's
``Structure.location``; tables and columns follow. What names the old words
as data follows too: the permissions keep their rows (and so every group's
and user's grant) under the new codenames, old addresses of countries keep
redirecting, the load state of structures keeps matching the data file, and
stored revisions keep loading.

Runs after the release migrations whose own SQL still names
``taxonomy_location`` and ``location_id`` (press 0002, press 0008).
"""

import json

from django.db import migrations

#: (old model name, new model name). A permission's name comes from the
#: verbose name ("country or region", "alias"), which stays as it was.
RENAMED = (("location", "country"), ("locationalias", "countryalias"))
ACTIONS = ("add", "change", "delete", "view")


def _rename_permissions(apps, db, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    content_types = ContentType.objects.using(db).filter(app_label="taxonomy")
    target = content_types.filter(model=new).first()
    source = content_types.filter(model=old).first()
    if target is None and source is not None:
        # migrate renames the content type itself; a bare executor does not.
        source.model = new
        source.save(update_fields=["model"])
        target, source = source, None
    if target is None:
        return  # no content types yet: post_migrate creates them, and the permissions
    owners = [ct for ct in (target, source) if ct is not None]
    for action in ACTIONS:
        wanted = f"{action}_{new}"
        for perm in Permission.objects.using(db).filter(
            content_type__in=owners, codename=f"{action}_{old}"
        ):
            kept = Permission.objects.using(db).filter(content_type=target, codename=wanted)
            kept = kept.first()
            if kept is None:
                perm.content_type = target
                perm.codename = wanted
                perm.save(update_fields=["content_type", "codename"])
                continue
            # Both rows exist (created meanwhile): the grants move to the new one.
            for group in perm.group_set.all():
                group.permissions.add(kept)
            for user in perm.user_set.all():
                user.user_permissions.add(kept)
            perm.delete()


def _rename_revisions(apps, db, old, new, field_old, field_new):
    """Stored revisions name the model and the structure's field; deserializing needs the new."""
    Version = apps.get_model("reversion", "Version")
    ContentType = apps.get_model("contenttypes", "ContentType")
    models = {f"taxonomy.{old}": f"taxonomy.{new}"}
    content_types = ContentType.objects.using(db).filter(
        app_label="taxonomy", model__in=[new, "structure"]
    )
    versions = Version.objects.using(db).filter(content_type__in=content_types)
    for version in versions.iterator(chunk_size=1000):
        try:
            data = json.loads(version.serialized_data)
        except ValueError:
            continue
        changed = False
        for obj in data if isinstance(data, list) else []:
            if obj.get("model") in models:
                obj["model"] = models[obj["model"]]
                changed = True
            fields = obj.get("fields", {})
            if obj.get("model") == "taxonomy.structure" and field_old in fields:
                fields[field_new] = fields.pop(field_old)
                changed = True
        if changed:
            version.serialized_data = json.dumps(data)
            version.save(update_fields=["serialized_data"])


def _rename_data(apps, schema_editor, *, backwards=False):
    db = schema_editor.connection.alias
    for old, new in RENAMED:
        _rename_permissions(apps, db, *((new, old) if backwards else (old, new)))
    old, new = ("country", "location") if backwards else ("location", "country")
    # Former slugs are filed under the tree's model name (taxonomy.views, merging).
    OldNodeSlug = apps.get_model("taxonomy", "OldNodeSlug")
    OldNodeSlug.objects.using(db).filter(tree=old).update(tree=new)
    # What the data file said of a structure, under the field's name (load_taxonomy).
    Structure = apps.get_model("taxonomy", "Structure")
    for node in Structure.objects.using(db).all().only("pk", "source_data"):
        if isinstance(node.source_data, dict) and old in node.source_data:
            node.source_data[new] = node.source_data.pop(old)
            Structure.objects.using(db).filter(pk=node.pk).update(source_data=node.source_data)
    _rename_revisions(apps, db, old, new, old, new)


def forwards(apps, schema_editor):
    _rename_data(apps, schema_editor)


def backwards(apps, schema_editor):
    _rename_data(apps, schema_editor, backwards=True)


class Migration(migrations.Migration):
    dependencies = [
        ("taxonomy", "0004_tree_version"),
        ("press", "0008_listing_read_model"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
    ]

    operations = [
        migrations.RenameModel(old_name="Location", new_name="Country"),
        migrations.RenameModel(old_name="LocationAlias", new_name="CountryAlias"),
        migrations.RenameIndex(
            model_name="country",
            new_name="taxonomy_country_tree_id_l7bc0",
            old_name="taxonomy_location_tree_id_2b3a",
        ),
        migrations.RenameField(model_name="structure", old_name="location", new_name="country"),
        migrations.RunPython(forwards, backwards),
    ]
