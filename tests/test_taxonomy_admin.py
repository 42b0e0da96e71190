"""Administrators reorganise the trees in the admin; communications staff only look."""

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from osce_cms.roles import COMMUNICATIONS_STAFF, SITE_ADMINISTRATORS
from taxonomy.integrity import tree_problems
from taxonomy.models import Country, Structure, Topic

pytestmark = pytest.mark.usefixtures("taxonomy")

TREE_ADMIN_URLS = [
    "admin:taxonomy_topic_changelist",
    "admin:taxonomy_country_changelist",
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
    assert {"add_topic", "change_structure", "delete_meeting", "view_country"} <= admin_perms
    assert "view_structure" in staff_perms
    assert not any(
        p.startswith(("add_", "change_", "delete_"))
        and "alias" not in p
        and p.split("_", 1)[1] in {"topic", "country", "structure", "meeting"}
        for p in staff_perms
    )


@pytest.mark.parametrize("url_name", TREE_ADMIN_URLS)
def test_site_administrator_sees_each_tree_with_drag_and_drop(admin_client_site, url_name):
    response = admin_client_site.get(reverse(url_name))
    assert response.status_code == 200
    content = response.content.decode()
    assert "taxonomy/draggable-tree.js" in content
    assert "mptt/draggable-admin.js" not in content
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
    # Twelve units and two former ones.
    assert "14 child node(s): move or delete them first" in page
    assert 'type="submit"' not in page.split('id="content"')[1]
    admin_client_site.post(url, {"post": "yes"})
    assert Structure.objects.filter(slug="secretariat").exists()
    assert Structure.objects.filter(parent__slug="secretariat").count() == 14


def test_bulk_delete_action_refuses_nodes_in_use(admin_client_site):
    moldova = Country.objects.get(slug="moldova")
    andorra = Country.objects.get(slug="andorra")
    url = reverse("admin:taxonomy_country_changelist")
    response = admin_client_site.post(
        url,
        {"action": "delete_selected", "_selected_action": [moldova.pk, andorra.pk], "post": "yes"},
    )
    assert response.status_code == 200
    assert "works in" in response.content.decode()
    assert Country.objects.filter(pk__in=[moldova.pk, andorra.pk]).count() == 2


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


# --- the parent picker and relation widgets -----------------------------------


def node_change_url(node):
    return reverse(f"admin:taxonomy_{node._meta.model_name}_change", args=[node.pk])


def test_parent_is_a_search_box_that_reads_as_a_path(admin_client_site):
    unit = Structure.objects.get(slug="conflict-prevention-centre")
    page = admin_client_site.get(node_change_url(unit)).content.decode()
    # An autocomplete box, not a <select> of every node.
    [select] = re.findall(r'<select name="parent"[^>]*>', page)
    assert "admin-autocomplete" in select
    assert "data-ajax--url" in select
    # Only the chosen parent is in the page, not every node of the tree.
    options = re.findall(
        r"<option[^>]*>([^<]*)</option>", page.split(select)[1].split("</select>")[0]
    )
    assert options == ["", "Secretariat"]


def test_parent_search_results_are_paths_in_tree_order(admin_client_site):
    response = admin_client_site.get("/admin/autocomplete/", {
        "app_label": "taxonomy", "model_name": "structure", "field_name": "parent",
        "term": "programme office",
    })  # fmt: skip
    texts = [r["text"] for r in response.json()["results"]]
    assert texts == [
        # Both words are in its description and alias ("programme", "Prague Office").
        "Secretariat › Documentation Centre in Prague",
        "Field operations › Programme Office in Astana",
        "Field operations › Programme Office in Bishkek",
        "Field operations › Programme Office in Dushanbe",
    ]


def test_closed_nodes_are_marked_in_parent_search(admin_client_site):
    response = admin_client_site.get("/admin/autocomplete/", {
        "app_label": "taxonomy", "model_name": "structure", "field_name": "parent",
        "term": "mission to georgia",
    })  # fmt: skip
    texts = [r["text"] for r in response.json()["results"]]
    assert texts == ["Closed field activities › Mission to Georgia (closed)"]


def test_countries_are_picked_in_alphabetical_order(admin_client_site):
    # The shipped tree has Belgium before Belarus; readers expect Belarus first.
    response = admin_client_site.get("/admin/autocomplete/", {
        "app_label": "taxonomy", "model_name": "structure", "field_name": "country",
        "term": "bel",
    })  # fmt: skip
    texts = [r["text"] for r in response.json()["results"]]
    assert texts == ["Participating States › Belarus", "Participating States › Belgium"]


@pytest.mark.parametrize(
    ("model", "slug", "field"),
    [(Structure, "mission-to-moldova", "parent"), (Structure, "mission-to-moldova", "country"),
     (Topic, "youth", "parent"), (Country, "moldova", "parent")],
)  # fmt: skip
def test_no_relation_widget_offers_to_delete_or_edit_what_it_points_at(
    admin_client_site, model, slug, field
):
    page = admin_client_site.get(node_change_url(model.objects.get(slug=slug))).content.decode()
    assert f'id="id_{field}"' in page
    assert f'id="delete_id_{field}"' not in page
    assert f'id="change_id_{field}"' not in page
    assert f'id="view_id_{field}"' in page  # looking is fine


def test_a_parent_is_not_created_from_the_childs_form(admin_client_site):
    page = admin_client_site.get(
        node_change_url(Structure.objects.get(slug="mission-to-moldova"))
    ).content.decode()
    assert 'id="add_id_parent"' not in page
    assert 'id="add_id_country"' in page  # a missing country may be added


def test_a_node_still_cannot_become_its_own_descendant(admin_client_site):
    secretariat = Structure.objects.get(slug="secretariat")
    cpc = Structure.objects.get(slug="conflict-prevention-centre")
    response = admin_client_site.post(node_change_url(secretariat), {
        "name": secretariat.name, "slug": secretariat.slug, "parent": cpc.pk,
        "description": "", "is_active": "on", "country": "",
        "aliases-TOTAL_FORMS": "0", "aliases-INITIAL_FORMS": "0",
    })  # fmt: skip
    assert response.status_code == 200  # the form again, with an error
    secretariat.refresh_from_db()
    assert secretariat.parent is None
    assert tree_problems(Structure) == []


def test_a_node_is_dropped_into_a_node_that_has_children(admin_client_site):
    # Moving into a parent that has children is what the drag "into" sends.
    youth = Topic.objects.get(slug="youth")
    environment = Topic.objects.get(slug="environmental-activities")
    assert environment.get_children().exists()
    response = move(admin_client_site, Topic, youth, environment, "last-child")
    assert response.content.startswith(b"OK")
    youth.refresh_from_db()
    assert youth.parent == environment
    assert list(environment.get_children())[-1] == youth
    assert tree_problems(Topic) == []
