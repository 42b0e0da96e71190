"""press 0012 and 0013: an existing newsroom moves into the review workflow, and back."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from press.models import PressRelease

BEFORE = [("press", "0011_search_languages")]

pytestmark = pytest.mark.usefixtures("taxonomy")


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    ContentType.objects.clear_cache()
    return executor.loader.project_state(targets).apps


def _latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_an_existing_newsroom_moves_into_the_workflow_and_back():
    old = _migrate(BEFORE)
    try:
        OldRelease = old.get_model("press", "PressRelease")
        OldUser = old.get_model("auth", "User")
        OldType = old.get_model("press", "ReleaseType")
        writer = OldUser.objects.create(username="writer")
        kind = OldType.objects.get(slug="press-release")
        now = timezone.now()
        common = {"type": kind, "updated_by": writer, "language": "en"}
        OldRelease.objects.create(title="Draft", slug="draft", status="draft", **common)
        OldRelease.objects.create(
            title="Out", slug="out", status="published", published_at=now - timedelta(days=1),
            **common,
        )  # fmt: skip
        OldRelease.objects.create(
            title="Tomorrow", slug="tomorrow", status="published",
            published_at=now + timedelta(days=1), **common,
        )  # fmt: skip
        staff = old.get_model("auth", "Group").objects.get(name="Communications staff")
        assert staff.permissions.filter(codename="publish_pressrelease").exists()
    finally:
        _migrate(_latest())

    rows = {r.slug: r for r in PressRelease.objects.all()}
    assert {slug: r.state for slug, r in rows.items()} == {
        "draft": "draft",
        "out": "published",
        "tomorrow": "scheduled",
    }
    # Four eyes hold for what was written before: its last saver is its last editor.
    assert {r.edited_by.username for r in rows.values()} == {"writer"}
    # The scheduled release has an embargo link; the others have none.
    assert rows["tomorrow"].embargo_key and not rows["out"].embargo_key
    # Staff no longer publish; publishers do.
    assert (
        not Group.objects.get(name="Communications staff")
        .permissions.filter(codename="publish_pressrelease")
        .exists()
    )
    assert (
        Group.objects.get(name="Publishers")
        .permissions.filter(codename="publish_pressrelease")
        .exists()
    )

    # Back: the states the old code does not know become drafts, never public.
    PressRelease.objects.filter(slug="draft").update(status="in_review")
    PressRelease.objects.filter(slug="out").update(status="withdrawn")
    old = _migrate(BEFORE)
    try:
        OldRelease = old.get_model("press", "PressRelease")
        assert dict(OldRelease.objects.values_list("slug", "status")) == {
            "draft": "draft",
            "out": "draft",
            "tomorrow": "published",
        }
        staff = old.get_model("auth", "Group").objects.get(name="Communications staff")
        assert staff.permissions.filter(codename="publish_pressrelease").exists()
    finally:
        _migrate(_latest())
