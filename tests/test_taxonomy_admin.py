"""Administrators reorganise the trees in the admin; communications staff only look."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from osce_cms.roles import COMMUNICATIONS_STAFF, SITE_ADMINISTRATORS
from taxonomy.integrity import tree_problems
from taxonomy.models import Location, Structure, Topic

pytestmark = pytest.mark.usefixtures("taxonomy")

TREE_ADMIN_URLS = [
    "admin:taxonomy_topic_changelist",
    "admin:taxonomy_location_changelist",
    "admin:taxonomy_structure_changelist",
    "admin:taxonomy_meeting_changelist",
]


def move(client, model, cut, pasted_on, position):
    url = reverse(f"admin:taxonomy_{model._meta.model_name}_changelist")
    return client.post(
        url,
        {"cmd": "move_node", "cut_item": cut.pk, "pasted_on": pasted_on.pk, "position": position},
    )


def test_roles_exist_as_data():
    admins = Group.objects.get(name=SITE_ADMINISTRATORS)
    staff = Group.objects.get(name=COMMUNICATIONS_STAFF)
    admin_perms = set(admins.permissions.values_list("codename", flat=True))
    staff_perms = set(staff.permissions.values_list("codename", flat=True))
    assert {"add_topic", "change_structure", "delete_meeting", "view_location"} <= admin_perms
    assert "view_structure" in staff_perms
    assert not any(
        p.startswith(("add_", "change_", "delete_"))
        and "alias" not in p
        and p.split("_", 1)[1] in {"topic", "location", "structure", "meeting"}
        for p in staff_perms
    )


@pytest.mark.parametrize("url_name", TREE_ADMIN_URLS)
def test_site_administrator_sees_each_tree_with_drag_and_drop(admin_client_site, url_name):
    response = admin_client_site.get(reverse(url_name))
    assert response.status_code == 200
    content = response.content.decode()
    assert "draggable-admin.js" in content
    assert 'class="drag-handle"' in content


@pytest.mark.parametrize("url_name", TREE_ADMIN_URLS)
def test_communications_staff_see_trees_without_drag_handles(comms_client, url_name):
    response = comms_client.get(reverse(url_name))
    assert response.status_code == 200
    assert 'class="drag-handle"' not in response.content.decode()


def test_site_administrator_moves_a_node(admin_client_site):
    youth = Topic.objects.get(slug="youth")
    first = Topic.objects.get(slug="arms-control")
    response = move(admin_client_site, Topic, youth, first, "left")
    assert response.content.startswith(b"OK")
    assert Topic.objects.root_nodes()[0].slug == "youth"
    assert tree_problems(Topic) == []


def test_site_administrator_moves_a_unit_into_another_parent(admin_client_site):
    unit = Structure.objects.get(slug="gender-issues-programme")
    institutions = Structure.objects.get(slug="institutions")
    move(admin_client_site, Structure, unit, institutions, "last-child")
    unit.refresh_from_db()
    assert unit.parent == institutions
    assert unit.get_absolute_url() == "/structures/institutions/gender-issues-programme/"
    assert tree_problems(Structure) == []


def test_communications_staff_cannot_move_a_node(comms_client):
    youth = Topic.objects.get(slug="youth")
    first = Topic.objects.get(slug="arms-control")
    response = move(comms_client, Topic, youth, first, "left")
    assert b"FAIL" in response.content
    assert Topic.objects.root_nodes()[0].slug == "arms-control"


def test_communications_staff_cannot_change_or_delete(comms_client):
    node = Topic.objects.get(slug="youth")
    change = reverse("admin:taxonomy_topic_change", args=[node.pk])
    response = comms_client.post(change, {"name": "Hacked", "slug": "youth"})
    assert response.status_code == 403
    response = comms_client.post(
        reverse("admin:taxonomy_topic_delete", args=[node.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    node.refresh_from_db()
    assert node.name == "Youth"


def test_deleting_a_node_with_children_is_refused_with_a_reason(admin_client_site):
    secretariat = Structure.objects.get(slug="secretariat")
    url = reverse("admin:taxonomy_structure_delete", args=[secretariat.pk])
    page = admin_client_site.get(url).content.decode()
    assert "12 child node(s): move or delete them first" in page
    assert 'type="submit"' not in page.split('id="content"')[1]
    admin_client_site.post(url, {"post": "yes"})
    assert Structure.objects.filter(slug="secretariat").exists()
    assert Structure.objects.filter(parent__slug="secretariat").count() == 12


def test_bulk_delete_action_refuses_nodes_in_use(admin_client_site):
    moldova = Location.objects.get(slug="moldova")
    andorra = Location.objects.get(slug="andorra")
    url = reverse("admin:taxonomy_location_changelist")
    response = admin_client_site.post(
        url,
        {"action": "delete_selected", "_selected_action": [moldova.pk, andorra.pk], "post": "yes"},
    )
    assert response.status_code == 200
    assert "works in" in response.content.decode()
    assert Location.objects.filter(pk__in=[moldova.pk, andorra.pk]).count() == 2


def test_site_administrator_adds_a_node_with_an_alias(admin_client_site):
    parent = Topic.objects.get(slug="elections")
    response = admin_client_site.post(
        reverse("admin:taxonomy_topic_add"),
        {
            "name": "Election observation",
            "slug": "election-observation",
            "parent": parent.pk,
            "description": "",
            "is_active": "on",
            "aliases-TOTAL_FORMS": "1",
            "aliases-INITIAL_FORMS": "0",
            "aliases-0-name": "Observing elections",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    node = Topic.objects.get(slug="election-observation")
    assert node.parent == parent and node.key == "election-observation"
    assert Topic.objects.resolve("OSCE observing elections") == node
    assert tree_problems(Topic) == []


def test_admin_search_finds_a_node_by_alias(admin_client_site):
    response = admin_client_site.get(
        reverse("admin:taxonomy_structure_changelist"), {"q": "Nur-Sultan"}
    )
    assert "Programme Office in Astana" in response.content.decode()


def test_dropping_a_node_left_of_a_node_in_another_parent_puts_it_there(admin_client_site):
    # A regression: the save after mptt's move re-read the old parent and moved
    # the node once more, to the *right* of its target.
    unit = Structure.objects.get(slug="gender-issues-programme")
    target = Structure.objects.get(slug="representative-on-freedom-of-the-media")
    response = move(admin_client_site, Structure, unit, target, "left")
    assert response.content.startswith(b"OK")
    unit.refresh_from_db()
    assert unit.parent.slug == "institutions"
    assert unit.get_next_sibling().slug == "representative-on-freedom-of-the-media"
    assert tree_problems(Structure) == []
