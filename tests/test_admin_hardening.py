"""Least privilege on every admin page, and admin forms that survive any input."""

import pytest
from django.contrib import admin
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from osce_cms.roles import COMMUNICATIONS_STAFF, ROLES, SITE_ADMINISTRATORS
from press.models import PressRelease
from taxonomy.models import Topic

from .conftest import make_release, make_user

pytestmark = pytest.mark.usefixtures("taxonomy")

ROLE_NAMES = ["anonymous", "comms", "siteadmin", "superuser"]


def login(client, role):
    if role == "anonymous":
        return set()
    if role == "superuser":
        client.force_login(make_user("root", superuser=True))
        return None  # everything
    group = {"comms": COMMUNICATIONS_STAFF, "siteadmin": SITE_ADMINISTRATORS}[role]
    client.force_login(make_user(role, group=group))
    return set(ROLES[group])


def any_object(model):
    if model is PressRelease:
        return make_release("An existing release")
    obj = model._default_manager.order_by("pk").first()
    if obj is not None:
        return obj
    label = model._meta.label
    if label == "auth.User":
        return make_user("someone")
    if label == "press.OldSlug":
        return model.objects.create(slug="a-former-address", release=make_release("Renamed"))
    if label.startswith("axes."):
        fields = {"username": "someone", "ip_address": "192.0.2.1", "user_agent": "test",
                  "http_accept": "*/*", "path_info": "/admin/login/"}  # fmt: skip
        if label == "axes.AccessAttempt":
            fields.update(get_data="", post_data="", failures_since_start=1)
        return model.objects.create(**fields)
    return None


def admin_pages():
    """(model, view, url name suffix, needed action) for every registered model admin."""
    pages = []
    for model in admin.site._registry:
        opts = model._meta
        for view, action in (("changelist", "view"), ("add", "add"), ("change", "view"),
                             ("delete", "delete"), ("history", "view")):  # fmt: skip
            pages.append(pytest.param(model, view, action,
                                      id=f"{opts.app_label}.{opts.model_name}.{view}"))  # fmt: skip
    return pages


# Login records are written by django-axes only: nobody adds them by hand.
NOBODY = {("axes", "add")}


def allowed(perms, model, action):
    if (model._meta.app_label, action) in NOBODY:
        return False
    if perms is None:
        return True
    label = f"{model._meta.app_label}.%s_{model._meta.model_name}"
    if action == "view":
        return label % "view" in perms or label % "change" in perms
    return label % action in perms


@pytest.mark.parametrize("role", ROLE_NAMES)
@pytest.mark.parametrize(("model", "view", "action"), admin_pages())
def test_every_admin_page_answers_exactly_as_the_role_allows(client, role, model, view, action):
    perms = login(client, role)
    opts = model._meta
    name = f"admin:{opts.app_label}_{opts.model_name}_{view}"
    if view in ("change", "delete", "history"):
        obj = any_object(model)
        if obj is None:
            pytest.skip(f"no {opts.verbose_name} to open")
        url = reverse(name, args=[obj.pk])
    else:
        url = reverse(name)
    response = client.get(url)
    if role == "anonymous":
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    elif allowed(perms, model, action):
        assert response.status_code == 200, url
    else:
        assert response.status_code == 403, url


def test_view_only_staff_see_no_save_buttons_on_trees(client):
    login(client, "comms")
    node = Topic.objects.get(slug="youth")
    page = client.get(reverse("admin:taxonomy_topic_change", args=[node.pk])).content.decode()
    assert 'name="_save"' not in page


def test_staff_cannot_see_users_or_groups(client):
    login(client, "comms")
    assert client.get("/admin/auth/user/").status_code == 403
    assert client.get("/admin/auth/group/").status_code == 403


def test_publish_action_needs_the_publish_permission(client):
    from django.contrib.auth.models import Permission

    user = make_user("writer")
    user.user_permissions.add(*Permission.objects.filter(
        codename__in=["add_pressrelease", "change_pressrelease", "view_pressrelease"]))  # fmt: skip
    client.force_login(user)
    release = make_release("Needs an editor", status="draft")
    page = client.get("/admin/press/pressrelease/").content.decode()
    assert "publish_selected" not in page
    client.post("/admin/press/pressrelease/",
                {"action": "publish_selected", "_selected_action": [release.pk]})  # fmt: skip
    release.refresh_from_db()
    assert release.status == "draft"
    # Nor can the status field publish it.
    response = client.get(reverse("admin:press_pressrelease_change", args=[release.pk]))
    assert (
        'name="status" disabled' in response.content.decode()
        or "disabled" in (response.content.decode().split('name="status"')[1][:200])
    )


def test_the_public_preview_matrix(client):
    draft = make_release("Draft preview", status="draft")
    assert client.get(draft.get_absolute_url()).status_code == 404
    for role, expected in (("comms", 200), ("siteadmin", 200), ("superuser", 200)):
        login(client, role)
        assert client.get(draft.get_absolute_url()).status_code == expected
        client.logout()
    viewer = make_user("viewer")  # staff without change permission: the public view
    client.force_login(viewer)
    assert client.get(draft.get_absolute_url()).status_code == 404


# --- hostile form posts -----------------------------------------------------------

FUZZ = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
nasty = st.one_of(
    st.text(max_size=400),
    st.sampled_from(["\x00", "<script>alert(1)</script>", "2024-13-45", "-1", "9" * 400,
                     "javascript:alert(1)", "' OR 1=1 --", "\u202e", ""]),
)  # fmt: skip
ids = st.lists(st.one_of(st.integers(-5, 10**12).map(str), nasty), max_size=4)


@FUZZ
@given(title=nasty, slug=nasty, body=nasty, status=nasty, date=nasty, time=nasty, tags=ids,
       type_=st.one_of(nasty, st.integers(-1, 50).map(str)))  # fmt: skip
def test_release_form_posts_never_500(admin_client, title, slug, body, status, date, time, tags,
                                      type_):  # fmt: skip
    response = admin_client.post("/admin/press/pressrelease/add/", {
        "title": title, "slug": slug, "body": body, "status": status, "type": type_,
        "published_at_0": date, "published_at_1": time, "topics": tags, "locations": tags,
        "structures": tags, "sources": tags, "meetings": tags, "summary": body, "place": title,
        "lead_image_alt": title, "lead_image_caption": body, "lead_image_credit": title,
        "source_url": slug,
    })  # fmt: skip
    assert response.status_code in (200, 302)


@FUZZ
@given(name=nasty, slug=nasty, parent=st.one_of(nasty, st.integers(-5, 10**6).map(str)),
       description=nasty, alias=nasty)  # fmt: skip
def test_node_form_posts_never_500(admin_client, name, slug, parent, description, alias):
    response = admin_client.post("/admin/taxonomy/topic/add/", {
        "name": name, "slug": slug, "parent": parent, "description": description,
        "is_active": "on", "aliases-TOTAL_FORMS": "1", "aliases-INITIAL_FORMS": "0",
        "aliases-0-name": alias,
    })  # fmt: skip
    assert response.status_code in (200, 302)


@FUZZ
@given(cmd=nasty, cut=nasty, pasted=nasty, position=nasty)
def test_tree_move_posts_never_500(admin_client, cmd, cut, pasted, position):
    response = admin_client.post("/admin/taxonomy/topic/", {
        "cmd": "move_node", "cut_item": cut, "pasted_on": pasted, "position": position,
    })  # fmt: skip
    assert response.status_code in (200, 302, 400)


@FUZZ
@given(
    query=st.dictionaries(
        st.sampled_from(
            [
                "q",
                "o",
                "p",
                "status__exact",
                "state",
                "topics__id__inhierarchy",
                "published_at__year",
                "e",
                "_to_field",
            ]
        ),
        nasty,
        max_size=4,
    )
)
def test_admin_changelist_queries_never_500(admin_client, query):
    response = admin_client.get("/admin/press/pressrelease/", query)
    assert response.status_code in (200, 302, 400)
