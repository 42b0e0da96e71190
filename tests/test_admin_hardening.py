"""Least privilege on every admin page, and admin forms that survive any input."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taxonomy.integrity import tree_problems
from taxonomy.models import Topic

from .factories import AccessFailureLogFactory, OldSlugFactory, PressReleaseFactory, UserFactory

pytestmark = pytest.mark.usefixtures("taxonomy")

# --- who may do what: written down here (DESIGN.md's roles), not read from osce_cms.roles --

COMMS = "Communications staff"
PUBLISHERS = "Publishers"
SITE_ADMINS = "Site administrators"


def perms(app_model, actions):
    """``perms("press.pressrelease", "add view")`` -> {"press.add_pressrelease", ...}."""
    app, model = app_model.split(".")
    return {f"{app}.{action}_{model}" for action in actions.split()}


TREES = ("topic", "country", "structure", "meeting")
# The exact permissions each role's group holds after the migrations.
GROUP_PERMISSIONS = {
    # Write, edit and submit releases for review, never publish; the trees are read-only
    # to them ("trees: view only"); no deleting releases, no old-address records, no users.
    COMMS: {
        *perms("press.pressrelease", "add change view"),
        *perms("press.transition", "view"),
        *perms("press.releasetype", "view"),
        *(p for tree in TREES for p in perms(f"taxonomy.{tree}", "view")),
        *(p for tree in TREES for p in perms(f"taxonomy.{tree}alias", "view")),
        *perms("taxonomy.chairpersonship", "view"),
        *perms("reversion.revision", "view"),
        *perms("reversion.version", "view"),
    },
    # What staff do, and approve (now or scheduled), send back and withdraw.
    PUBLISHERS: {
        *perms("press.pressrelease", "add change view publish"),
        *perms("press.transition", "view"),
        *perms("press.releasetype", "view"),
        *(p for tree in TREES for p in perms(f"taxonomy.{tree}", "view")),
        *(p for tree in TREES for p in perms(f"taxonomy.{tree}alias", "view")),
        *perms("taxonomy.chairpersonship", "view"),
        *perms("reversion.revision", "view"),
        *perms("reversion.version", "view"),
    },
    # The structure (trees), users and roles, and everything the newsroom does.
    SITE_ADMINS: {
        *perms("press.pressrelease", "add change delete view publish"),
        "press.override_review",  # approve what they last edited, giving a reason
        *perms("press.transition", "view"),
        *perms("press.releasetype", "add change delete view"),
        *perms("press.oldslug", "add change delete view"),
        *(p for tree in TREES for p in perms(f"taxonomy.{tree}", "add change delete view")),
        *(p for tree in TREES for p in perms(f"taxonomy.{tree}alias", "add change delete view")),
        *perms("taxonomy.chairpersonship", "add change delete view"),
        *perms("auth.user", "add change delete view"),
        *perms("auth.group", "add change delete view"),
        *perms("reversion.revision", "view"),
        *perms("reversion.version", "view"),
        # Alert subscriptions: read them, end one on request; only their owner makes one.
        *perms("alerts.subscription", "delete view"),
    },
}

ALL = "view add change delete"
# What each role may do on each admin page: (Communications staff, Site administrators,
# superuser). Login records are written by django-axes only: nobody adds one by hand, and
# only a superuser reads them.
ADMIN_PAGES = {
    "press.pressrelease": ("view add change", ALL, ALL),
    "press.releasetype": ("view", ALL, ALL),
    "press.oldslug": ("", ALL, ALL),
    "taxonomy.topic": ("view", ALL, ALL),
    "taxonomy.country": ("view", ALL, ALL),
    "taxonomy.structure": ("view", ALL, ALL),
    "taxonomy.meeting": ("view", ALL, ALL),
    "taxonomy.chairpersonship": ("view", ALL, ALL),
    "auth.user": ("", ALL, ALL),
    "auth.group": ("", ALL, ALL),
    # Nobody adds or edits a subscription in the admin (double opt-in): see and end.
    "alerts.subscription": ("", "view delete", "view delete"),
    # The task queue's records (django-tasks-db): read-only, for a superuser.
    "django_tasks_database.dbtaskresult": ("", "", "view"),
    "axes.accessattempt": ("", "", "view change delete"),
    "axes.accesslog": ("", "", "view change delete"),
    "axes.accessfailurelog": ("", "", "view change delete"),
}
ROLE_COLUMN = {"comms": 0, "siteadmin": 1, "superuser": 2}
# Which ability opens which admin view.
VIEW_NEEDS = {"changelist": "view", "add": "add", "change": "view", "delete": "delete",
              "history": "view"}  # fmt: skip


def login(client, role):
    if role == "anonymous":
        return
    if role == "superuser":
        client.force_login(UserFactory(username="root", is_superuser=True))
    else:
        group = {"comms": COMMS, "siteadmin": SITE_ADMINS}[role]
        client.force_login(UserFactory(username=role, group=group))


def group_permissions(name):
    group = Group.objects.get(name=name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}


@pytest.mark.parametrize("name", [COMMS, PUBLISHERS, SITE_ADMINS])
def test_each_role_holds_exactly_its_permissions(name):
    held = group_permissions(name)
    assert held - GROUP_PERMISSIONS[name] == set(), "more than the role allows"
    assert GROUP_PERMISSIONS[name] - held == set(), "less than the role needs"


def test_every_admin_page_is_in_the_table():
    """A newly registered model admin must be given its row above, not silently skipped."""
    assert {m._meta.label_lower for m in admin.site._registry} == set(ADMIN_PAGES)


def any_object(label):
    """One object of the model, made the way the product makes it."""
    if label == "press.pressrelease":
        return PressReleaseFactory(title="An existing release")
    if label == "press.oldslug":
        return OldSlugFactory()
    if label == "auth.user":
        return UserFactory(username="someone")
    if label == "alerts.subscription":
        # Asked for on the public page, as a reader does.
        Client().post("/alerts/", {"email": "reader@example.org", "frequency": "daily",
                                   "language": "en", "country": "moldova"})  # fmt: skip
    if label == "django_tasks_database.dbtaskresult":
        from alerts.tasks import send_digests

        send_digests.enqueue()  # a task waiting in the queue
    if label == "axes.accessfailurelog":
        return AccessFailureLogFactory()  # this site does not keep that log itself
    if label.startswith("axes."):
        # Login records come from a real login: a success is logged, a failure is counted.
        UserFactory(username="visitor")
        password = "pw-for-tests" if label == "axes.accesslog" else "wrong"
        Client().post("/admin/login/", {"username": "visitor", "password": password})
    model = next(m for m in admin.site._registry if m._meta.label_lower == label)
    return model._default_manager.order_by("pk").first()


def admin_pages():
    return [
        pytest.param(label, view, id=f"{label}.{view}")
        for label in ADMIN_PAGES
        for view in VIEW_NEEDS
    ]


@pytest.mark.parametrize("role", ["anonymous", "comms", "siteadmin", "superuser"])
@pytest.mark.parametrize(("label", "view"), admin_pages())
def test_every_admin_page_answers_exactly_as_the_role_allows(client, role, label, view):
    login(client, role)
    name = f"admin:{label.replace('.', '_')}_{view}"
    if view in ("change", "delete", "history"):
        obj = any_object(label)
        assert obj is not None, f"no {label} to open"
        url = reverse(name, args=[obj.pk])
    else:
        url = reverse(name)
    response = client.get(url)
    if role == "anonymous":
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        return
    may = ADMIN_PAGES[label][ROLE_COLUMN[role]].split()
    expected = 200 if VIEW_NEEDS[view] in may else 403
    assert response.status_code == expected, url


def test_view_only_staff_see_no_save_buttons_on_trees(client):
    url = reverse("admin:taxonomy_topic_change", args=[Topic.objects.get(slug="youth").pk])
    login(client, "siteadmin")  # the control: who may change a node gets the button
    assert 'name="_save"' in client.get(url).content.decode()
    client.logout()
    login(client, "comms")
    page = client.get(url)
    assert page.status_code == 200 and "Youth" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()


@pytest.mark.parametrize("url", ["/admin/auth/user/", "/admin/auth/group/"])
def test_only_site_administrators_see_users_and_groups(client, url):
    login(client, "siteadmin")
    assert client.get(url).status_code == 200
    client.logout()
    login(client, "comms")
    assert client.get(url).status_code == 403


def writer_without_publish():
    writer = UserFactory(username="writer")
    writer.user_permissions.add(*Permission.objects.filter(
        codename__in=["add_pressrelease", "change_pressrelease", "view_pressrelease"]))  # fmt: skip
    return writer


@pytest.mark.parametrize(("user", "publishes"), [
    (lambda: UserFactory(username="publisher", group=PUBLISHERS), True),
    (lambda: UserFactory(username="staff", group=COMMS), False),
    (writer_without_publish, False),
])  # fmt: skip
def test_approving_needs_the_publish_permission(client, user, publishes):
    from press.workflow import page_token

    client.force_login(user())
    release = PressReleaseFactory(title="Needs an editor", status="in_review")
    url = reverse("admin:press_pressrelease_review", args=[release.pk])
    page = client.get(url).content.decode()
    assert ('value="approve"' in page) is publishes
    client.post(url, {"action": "approve", "publish": "now", "version": page_token(release)})
    release.refresh_from_db()
    assert release.status == ("published" if publishes else "in_review")


def test_the_state_is_no_form_field_for_anyone(client):
    client.force_login(UserFactory(username="publisher", group=PUBLISHERS))
    release = PressReleaseFactory(title="Needs an editor", status="draft")
    response = client.get(reverse("admin:press_pressrelease_change", args=[release.pk]))
    assert response.status_code == 200
    assert "status" not in response.context["adminform"].form.fields


def test_the_public_preview_matrix(client):
    draft = PressReleaseFactory(title="Draft preview", status="draft")
    assert client.get(draft.get_absolute_url()).status_code == 404
    for role in ("comms", "siteadmin", "superuser"):
        login(client, role)
        assert client.get(draft.get_absolute_url()).status_code == 200, role
        client.logout()
    client.force_login(UserFactory(username="viewer"))  # staff without change permission
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
# Small integers hit real nodes, so some posts are real moves; the rest are forged.
node_ids = st.one_of(st.integers(0, 120).map(str), nasty)


@FUZZ
@given(title=nasty, slug=nasty, body=nasty, status=nasty, date=nasty, time=nasty, tags=ids,
       type_=st.one_of(nasty, st.integers(-1, 50).map(str)))  # fmt: skip
def test_release_form_posts_never_500(admin_client, title, slug, body, status, date, time, tags,
                                      type_):  # fmt: skip
    response = admin_client.post("/admin/press/pressrelease/add/", {
        "title": title, "slug": slug, "body": body, "status": status, "type": type_,
        "language": "en",
        "published_at_0": date, "published_at_1": time, "topics": tags, "countries": tags,
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
@given(cmd=st.one_of(st.just("move_node"), nasty), cut=node_ids, pasted=node_ids,
       position=st.one_of(st.sampled_from(["left", "right", "last-child"]), nasty))  # fmt: skip
def test_tree_move_posts_never_500_and_keep_the_tree_intact(admin_client, cmd, cut, pasted,
                                                            position):  # fmt: skip
    response = admin_client.post("/admin/taxonomy/topic/", {
        "cmd": cmd, "cut_item": cut, "pasted_on": pasted, "position": position,
    })  # fmt: skip
    assert response.status_code in (200, 302, 400)
    assert tree_problems(Topic) == []


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


def changelists():
    return [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    ]


@pytest.mark.parametrize("url", [*changelists(), "/admin/autocomplete/"])
def test_a_nul_character_in_an_admin_address_is_a_400_not_a_500(admin_client, url):
    """PostgreSQL cannot hold a NUL in text: searched or filtered for, it was a DataError."""
    params = {"app_label": "press", "model_name": "pressrelease", "field_name": "topics"}
    if url == "/admin/autocomplete/":
        control, hostile = {**params, "term": "elec"}, {**params, "term": "elec\x00"}
    else:
        control, hostile = {"q": "elec"}, {"q": "elec\x00"}
    assert admin_client.get(url, control).status_code == 200  # the control: searching works
    response = admin_client.get(url, hostile)
    assert response.status_code == 400
    assert b"NUL character" in response.content
    assert admin_client.get(url, {"status__exact": "\x00"}).status_code in (302, 400)
