"""The admin's account pages per role: nobody gives more than they hold.

Each attempt is what a browser would send, forged from the full form a
superuser sees (so a field hidden from the actor's form is sent anyway), and
its effect is read back from the database, not from the status code. The
expectations are a table written by hand; the superuser's column is the
positive control that every attempt can succeed.
"""

import pytest
from django.contrib.auth.models import Group, Permission, User
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ..conftest import make_user
from ..forms import form_data

pytestmark = pytest.mark.django_db

# fmt: off
#: attempt → did it take effect, per actor (None: does not apply to that actor)
EXPECTED = {
    #                                 superuser site_admin comms  anonymous
    "see the list of accounts":        (True,   True,      False, False),
    "make another account superuser":  (True,   False,     False, False),
    "make their own account superuser": (None,  False,     False, None),
    "edit a superuser":                (True,   False,     False, False),
    "set a superuser's password":      (True,   False,     False, False),
    "delete a superuser":              (True,   False,     False, False),
    "set a plain account's password":  (True,   True,      False, False),
    "grant a permission they hold":    (True,   True,      False, False),
    "grant a permission they lack":    (True,   False,     False, False),
    "assign a group within reach":     (True,   True,      False, False),
    "assign a group beyond reach":     (True,   False,     False, False),
    "add a permission they lack to their group": (True, False, False, False),
    "edit a group beyond reach":       (True,   False,     False, False),
    "set the password of a stronger account": (True, False, False, False),
}
# fmt: on
ACTORS = ("superuser", "site_admin", "comms", "anonymous")

# A permission no editorial role holds, and one the site administrators hold.
LACKED = ("admin", "delete_logentry")
HELD = ("press", "view_pressrelease")
NEW_PASSWORD = "a-new-Passw0rd-nobody-guesses"


def perm(app_label, codename):
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


@pytest.fixture
def world(db):
    """Accounts and groups every attempt works on, and the acting client."""
    auditors = Group.objects.create(name="Auditors")
    auditors.permissions.add(perm(*LACKED))
    people = {
        "superuser": make_user("root", superuser=True),
        "site_admin": make_user("siteadmin", group="Site administrators"),
        "comms": make_user("comms", group="Communications staff"),
        "chief": make_user("chief", superuser=True),
        "plain": make_user("plain"),
        "auditor": make_user("auditor", group="Auditors"),
    }
    group = Group.objects.get(name="Site administrators")
    people["role permissions"] = list(group.permissions.all())
    return people


def act_as(client, world, actor):
    if actor != "anonymous":
        client.force_login(world[actor])
    return client


def full_form(world, url, form_id):
    """The form as a superuser's browser would send it: every field present."""
    from django.test import Client

    root = Client()
    root.force_login(world["superuser"])
    page = root.get(url)
    assert page.status_code == 200, url
    return form_data(page.content, form_id)


def change(client, world, obj, **changes):
    """Post an account's or a group's change form, forged from the superuser's, with ``changes``."""
    name = obj._meta.model_name
    url = f"/admin/auth/{name}/{obj.pk}/change/"
    data = full_form(world, url, f"{name}_form")
    data.update(changes)
    data["_save"] = ["Save"]
    return client.post(url, data)


def set_password(client, target):
    client.post(
        f"/admin/auth/user/{target.pk}/password/",
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
    )
    target.refresh_from_db()
    return target.check_password(NEW_PASSWORD)


def add_to(target, relation, obj):
    return [str(pk) for pk in getattr(target, relation).values_list("pk", flat=True)] + [
        str(obj.pk)
    ]


def attempt(name, client, world, actor):
    plain, chief = world["plain"], world["chief"]
    if name == "see the list of accounts":
        page = client.get("/admin/auth/user/")
        return page.status_code == 200 and b"plain" in page.content
    if name == "make another account superuser":
        change(client, world, plain, is_superuser=["on"])
        return User.objects.get(pk=plain.pk).is_superuser
    if name == "make their own account superuser":
        me = world[actor]
        change(client, world, me, is_superuser=["on"])
        return User.objects.get(pk=me.pk).is_superuser
    if name == "edit a superuser":
        change(client, world, chief, email=["taken@example.org"], is_superuser=["on"])
        return User.objects.get(pk=chief.pk).email == "taken@example.org"
    if name == "set a superuser's password":
        return set_password(client, chief)
    if name == "delete a superuser":
        client.post(f"/admin/auth/user/{chief.pk}/delete/", {"post": "yes"})
        client.post(
            "/admin/auth/user/",
            {"action": "delete_selected", "_selected_action": [chief.pk], "post": "yes"},
        )
        return not User.objects.filter(pk=chief.pk).exists()
    if name == "set a plain account's password":
        return set_password(client, plain)
    if name == "grant a permission they hold":
        change(client, world, plain, user_permissions=add_to(plain, "user_permissions",
                                                                   perm(*HELD)))  # fmt: skip
        return plain.user_permissions.filter(codename=HELD[1]).exists()
    if name == "grant a permission they lack":
        change(client, world, plain, user_permissions=add_to(plain, "user_permissions",
                                                                   perm(*LACKED)))  # fmt: skip
        return plain.user_permissions.filter(codename=LACKED[1]).exists()
    if name == "assign a group within reach":
        staff = Group.objects.get(name="Communications staff")
        change(client, world, plain, groups=add_to(plain, "groups", staff))
        return plain.groups.filter(pk=staff.pk).exists()
    if name == "assign a group beyond reach":
        auditors = Group.objects.get(name="Auditors")
        change(client, world, plain, groups=add_to(plain, "groups", auditors))
        return plain.groups.filter(pk=auditors.pk).exists()
    if name == "add a permission they lack to their group":
        group = Group.objects.get(name="Site administrators")
        change(client, world, group, permissions=add_to(group, "permissions",
                                                               perm(*LACKED)))  # fmt: skip
        return group.permissions.filter(codename=LACKED[1]).exists()
    if name == "edit a group beyond reach":
        auditors = Group.objects.get(name="Auditors")
        change(client, world, auditors, name=["Renamed"])
        return Group.objects.filter(name="Renamed").exists()
    if name == "set the password of a stronger account":
        return set_password(client, world["auditor"])
    raise AssertionError(f"no attempt called {name!r}")


CASES = [
    pytest.param(name, actor, expected, id=f"{actor}: {name}")
    for name, row in EXPECTED.items()
    for actor, expected in zip(ACTORS, row, strict=True)
    if expected is not None
]


@pytest.mark.parametrize(("name", "actor", "expected"), CASES)
def test_account_admin_matrix(client, world, name, actor, expected):
    took_effect = attempt(name, act_as(client, world, actor), world, actor)
    assert bool(took_effect) is expected


def test_site_administrator_sees_superuser_status_but_cannot_change_it(client, world):
    client.force_login(world["site_admin"])
    page = client.get(f"/admin/auth/user/{world['plain'].pk}/change/")
    assert page.status_code == 200
    fields = form_data(page.content, "user_form")
    assert "is_superuser" not in fields  # shown as text, not a field
    assert "is_staff" in fields  # control: the other status boxes are fields
    assert b"Superuser status" in page.content


def offered(page, field):
    """The values of the options of one <select> of a page (not of the page's other selects)."""
    import re

    select = re.search(rf'<select name="{field}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no <select name={field}>"
    return {int(value) for value in re.findall(r'<option value="(\d+)"', select[1])}


def test_site_administrator_is_offered_only_what_they_hold(client, world):
    client.force_login(world["site_admin"])
    page = client.get(f"/admin/auth/user/{world['plain'].pk}/change/").content.decode()
    permissions = offered(page, "user_permissions")
    assert perm(*HELD).pk in permissions  # control: a held permission is offered
    assert perm(*LACKED).pk not in permissions
    groups = offered(page, "groups")
    assert Group.objects.get(name="Communications staff").pk in groups  # control
    assert Group.objects.get(name="Auditors").pk not in groups


def test_superuser_accounts_are_not_listed_for_site_administrators(client, world):
    client.force_login(world["site_admin"])
    listing = client.get("/admin/auth/user/").content
    assert b"plain" in listing and b"siteadmin" in listing
    assert b"chief" not in listing and b"auditor" not in listing
    assert client.get(f"/admin/auth/user/{world['chief'].pk}/password/").status_code == 404
    assert client.get(f"/admin/auth/user/{world['chief'].pk}/history/").status_code == 302


HYPOTHESIS = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@HYPOTHESIS
@given(picks=st.lists(st.integers(min_value=0, max_value=10_000), max_size=12),
       groups=st.lists(st.integers(min_value=0, max_value=10), max_size=4))  # fmt: skip
def test_no_submitted_choice_gives_an_account_more_than_its_administrator_holds(
    client, world, picks, groups
):
    """Whatever permissions and groups a site administrator submits, nobody ends up
    able to do something the administrator cannot."""
    everything = list(Permission.objects.order_by("pk").values_list("pk", flat=True))
    all_groups = list(Group.objects.order_by("pk").values_list("pk", flat=True))
    chosen = [str(everything[i % len(everything)]) for i in picks]
    chosen_groups = [str(all_groups[i % len(all_groups)]) for i in groups]
    admin, plain = world["site_admin"], world["plain"]
    group = Group.objects.get(name="Site administrators")
    # Hypothesis runs every example on the same database: start each from the roles as shipped.
    group.permissions.set(world["role permissions"])
    plain.user_permissions.clear()
    plain.groups.clear()
    before = User.objects.get(pk=admin.pk).get_all_permissions()
    client.force_login(admin)
    change(client, world, plain, user_permissions=chosen, groups=chosen_groups,
                is_superuser=["on"])  # fmt: skip
    change(client, world, group, permissions=chosen)
    admin = User.objects.get(pk=admin.pk)  # fresh permission caches
    plain = User.objects.get(pk=plain.pk)
    assert not plain.is_superuser and not admin.is_superuser
    assert plain.get_all_permissions() <= before
    assert admin.get_all_permissions() <= before


@pytest.mark.parametrize(
    "next_url, lands_on",
    [
        ("/press/", "/press/"),  # positive control: a page of the site is followed
        ("https://evil.example/", "/admin/"),
        ("//evil.example/", "/admin/"),
        ("/\\evil.example/", "/admin/"),
        ("javascript:alert(1)", "/admin/"),
    ],
)
def test_login_goes_to_a_page_of_the_site_never_off_it(client, next_url, lands_on):
    make_user("editor", group="Communications staff")
    response = client.post(
        f"/admin/login/?next={next_url}",
        {"username": "editor", "password": "pw-for-tests", "next": next_url},
    )
    assert response.status_code == 302
    assert response["Location"] == lands_on
    assert client.get(response["Location"]).status_code == 200
