"""The review workflow, through the admin as people use it.

draft → in review → approved (published now, or scheduled) → published →
withdrawn; sent back and unscheduled releases go back to draft. Every step
is taken through the Review page (``/admin/press/pressrelease/<pk>/review/``)
or the change form, by POSTs built from the page as a browser would send
them (the page's version token included). Expectations are literal: states
as the workflow names them ("draft", "in_review", "scheduled", "published",
"withdrawn"), roles by their group names, texts as the pages say them.
"""

import json
import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connections, transaction
from django.test import Client
from django.utils import timezone
from reversion.models import Version

from press import workflow
from press.importing import import_files
from press.models import PressRelease, Transition
from taxonomy import clock

from .conftest import make_release, make_user, requires_postgres
from .forms import form_data

pytestmark = pytest.mark.usefixtures("taxonomy")

STAFF = "Communications staff"
PUBLISHERS = "Publishers"
SITE_ADMINS = "Site administrators"

#: A fixed "now" for the tests that travel: 1 March 2030, 09:00 UTC (10:00 in Vienna).
NOW = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)


# --- helpers: the admin's pages as a browser uses them ------------------------------


def review_url(release):
    return f"/admin/press/pressrelease/{release.pk}/review/"


def change_url(release):
    return f"/admin/press/pressrelease/{release.pk}/change/"


FORM = re.compile(r"<form\b[^>]*>.*?</form>", re.S)


def step_form(html, action):
    """What the Review page's form for ``action`` submits, or None when it offers none."""
    for chunk in FORM.findall(html):
        if f'name="action" value="{action}"' in chunk:
            return form_data(chunk.replace("<form", '<form id="step-form"', 1), "step-form")
    return None


def offered(client, release, action):
    page = client.get(review_url(release))
    return page.status_code == 200 and step_form(page.content.decode(), action) is not None


def forged_token(release):
    """A valid version token of the release as it is now: the strongest forged POST."""
    return workflow.page_token(PressRelease.objects.get(pk=release.pk))


def post_step(client, release, action, *, forge=False, **fields):
    """POST step ``action`` from the Review page; a forged POST when the page offers none.

    Returns (offered, response).
    """
    page = client.get(review_url(release))
    data = None
    if page.status_code == 200:
        data = step_form(page.content.decode(), action)
    was_offered = data is not None
    if data is None or forge:
        data = {"action": [action], "version": [forged_token(release)]}
    data.update({name: [value] for name, value in fields.items()})
    return was_offered, client.post(review_url(release), data)


def step(client, release, action, **fields):
    """Take an offered step; it must succeed (a redirect back to the Review page)."""
    was_offered, response = post_step(client, release, action, **fields)
    assert was_offered, f"{action} is not offered"
    assert response.status_code == 302, errors(response)
    assert response["Location"] == review_url(release)
    release.refresh_from_db()
    return response


def error_text(response):
    """What the error notes of an admin page say, as text ("" when it has none)."""
    page = response.content.decode()
    notes = re.findall(r'class="errornote[^"]*"[^>]*>(.*?)</(?:p|div)>', page, re.S)
    notes += re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', page, re.S)
    return " ".join(" ".join(re.sub(r"<[^>]+>", " ", note).split()) for note in notes)


def errors(response):
    """For an assertion's message: the page's errors, or the start of the page."""
    return error_text(response) or response.content.decode()[:3000]


def local_input(moment):
    """A time as the Review page's datetime-local input takes it (Vienna time)."""
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def save_change_form(client, release, *, submit=False, note="", **changes):
    """Open the change form, change ``changes``, and save it as a browser would."""
    page = client.get(change_url(release))
    assert page.status_code == 200
    data = form_data(page.content, "pressrelease_form")
    data.update({name: [value] for name, value in changes.items()})
    if submit:
        data["_submit_for_review"] = ["Save and submit for review"]
        data["review_note"] = [note]
    response = client.post(change_url(release), data)
    assert response.status_code == 302, errors(response)
    release.refresh_from_db()
    return response


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def state_of(release):
    return PressRelease.objects.get(pk=release.pk).state


def row(release):
    return PressRelease.objects.filter(pk=release.pk).values().get()


def steps_of(release):
    """(name, from, to, username, comment) of each recorded step, oldest first."""
    return [
        (t.name, t.source, t.target, t.user.username if t.user else None, t.comment)
        for t in Transition.objects.filter(release=release).order_by("at", "pk")
    ]


# --- 1. the permission matrix: role × step, through the Review page ---------------

ROLES = ("anonymous", "staff", "publisher", "siteadmin", "superuser")


def user_for(role):
    if role == "anonymous":
        return None
    if role == "superuser":
        return make_user("root", superuser=True)
    group = {"staff": STAFF, "publisher": PUBLISHERS, "siteadmin": SITE_ADMINS}[role]
    return make_user(role, group=group)


def in_state(state, *, editor, title=None, **fields):
    """A release in ``state``, last edited two hours ago by ``editor``."""
    now = clock.now()
    setup = {
        "draft": {"status": "draft"},
        "in_review": {"status": "in_review"},
        "scheduled": {
            "status": "published",
            "published_at": now + timedelta(days=2),
            "embargo_key": "the-first-key",
        },
        "published": {"status": "published", "published_at": now - timedelta(hours=1)},
        "withdrawn": {
            "status": "withdrawn",
            "published_at": now - timedelta(days=3),
            "withdrawn_at": now - timedelta(days=1),
            "withdrawal_note": "The figures were wrong.",
        },
    }[state]
    release = make_release(
        title or f"A release {state}",
        edited_by=editor,
        edited_at=now - timedelta(hours=2),
        **{**setup, **fields},
    )
    assert release.state == state
    return release


def scheduled_input():
    return local_input(clock.now() + timedelta(days=3))


#: step: (the state it starts from, what is posted, what it leads to).
STEPS = {
    "submit": ("draft", {"comment": "Ready"}, "in_review"),
    "recall": ("in_review", {}, "draft"),
    "approve_now": ("in_review", {"publish": "now"}, "published"),
    "approve_scheduled": ("in_review", {"publish": "at"}, "scheduled"),
    "send_back": ("in_review", {"comment": "Shorten the summary."}, "draft"),
    "unschedule": ("scheduled", {"comment": "The minister is ill."}, "draft"),
    "withdraw": ("published", {"comment": "The figures were wrong."}, "withdrawn"),
    "reinstate": ("withdrawn", {}, "published"),
    "new_link": ("scheduled", {}, "scheduled"),
    "send_link": ("scheduled", {"addresses": "desk@news.example"}, "scheduled"),
}
WRITERS = {"staff", "publisher", "siteadmin", "superuser"}
APPROVERS = {"publisher", "siteadmin", "superuser"}
ALLOWED = {
    "submit": WRITERS,
    # Another's submission: staff take back only what they submitted or wrote (below).
    "recall": APPROVERS,
    "approve_now": APPROVERS,
    "approve_scheduled": APPROVERS,
    "send_back": APPROVERS,
    "unschedule": APPROVERS,
    "withdraw": APPROVERS,
    "reinstate": APPROVERS,
    "new_link": APPROVERS,
    "send_link": APPROVERS,
}


def took_effect(name, release, before, mailbox):
    after = row(release)
    if name == "new_link":
        return after["embargo_key"] not in ("", "the-first-key")
    if name == "send_link":
        return [m.to for m in mailbox] == [["desk@news.example"]]
    return after != before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", list(STEPS))
def test_permission_matrix(role, name, mailoutbox):
    author = make_user("author", group=STAFF)
    start, fields, target = STEPS[name]
    release = in_state(start, editor=author)
    user = user_for(role)
    client = logged_in(user) if user else Client()
    fields = dict(fields)
    if name == "approve_scheduled":
        fields["publish_at"] = scheduled_input()
    action = "approve" if name.startswith("approve") else name
    before = row(release)
    steps_before = Transition.objects.count()

    was_offered, response = post_step(client, release, action, **fields)

    release.refresh_from_db()
    if role in ALLOWED[name]:
        assert was_offered, f"{role} is not offered {name}"
        assert response.status_code == 302, errors(response)
        assert took_effect(name, release, before, mailoutbox)
        assert release.state == target
        if name not in ("new_link", "send_link"):
            assert steps_of(release)[-1][:4] == (action, start, target, user.username)
    else:
        assert not was_offered, f"{role} is offered {name}"
        if role == "anonymous":
            assert response.status_code == 302
            assert response["Location"].startswith("/admin/login/")
        else:
            assert response.status_code == 403
        assert row(release) == before
        assert Transition.objects.count() == steps_before
        assert mailoutbox == []


def test_staff_take_back_only_what_they_submitted_or_wrote():
    author = make_user("author", group=STAFF)
    colleague = make_user("colleague", group=STAFF)
    release = in_state("draft", editor=author)
    step(logged_in(author), release, "submit")
    offered, response = post_step(logged_in(colleague), release, "recall")
    assert (offered, response.status_code, state_of(release)) == (False, 403, "in_review")
    offered, response = post_step(logged_in(author), release, "recall")
    assert (offered, response.status_code, state_of(release)) == (True, 302, "draft")


@pytest.mark.parametrize("role", ["staff", "publisher", "siteadmin", "superuser"])
def test_steps_from_the_wrong_state_are_refused_on_the_page(role):
    """A forged POST of a step the state does not allow: an error, nothing changes."""
    author = make_user("author", group=STAFF)
    client = logged_in(user_for(role))
    draft = in_state("draft", editor=author)
    before = row(draft)
    _offered, response = post_step(client, draft, "recall")
    assert response.status_code == 200
    assert "This step is not possible now: the release is Draft." in error_text(response)
    assert row(draft) == before


# --- 2. four eyes -------------------------------------------------------------------


def edited_and_submitted_by(client, *, title="Figures for the election observation"):
    """A draft written by a staff member, then edited and submitted by ``client``'s user."""
    release = in_state("draft", editor=make_user("author", group=STAFF), title="First words")
    save_change_form(client, release, submit=True, title=title)
    assert release.state == "in_review"
    return release


def test_the_last_editor_cannot_approve_another_publisher_can():
    editor = make_user("pub-editor", group=PUBLISHERS)
    editing = logged_in(editor)
    release = edited_and_submitted_by(editing)
    assert release.edited_by == editor

    # Not offered to the last editor, and said why.
    page = editing.get(review_url(release)).content.decode()
    assert step_form(page, "approve") is None
    assert step_form(page, "send_back") is not None
    assert "another publisher approves it (four eyes)" in page
    panel = editing.get(change_url(release)).content.decode()
    assert "another publisher approves it (four eyes)" in panel

    # A forged POST (valid version token) is refused, with the reason.
    before = row(release)
    _offered, response = post_step(
        editing, release, "approve", forge=True, publish="now", comment="Looks fine"
    )
    assert response.status_code == 200
    assert "another publisher must approve it (four eyes)" in error_text(response)
    assert row(release) == before
    assert [s[0] for s in steps_of(release)] == ["submit"]

    other = make_user("pub-other", group=PUBLISHERS)
    step(logged_in(other), release, "approve", publish="now")
    assert release.state == "published"
    approval = Transition.objects.filter(release=release, name="approve").get()
    assert (approval.user, approval.override, approval.comment) == (other, False, "")


@pytest.mark.parametrize("role", ["siteadmin", "superuser"])
def test_an_administrator_who_last_edited_approves_only_with_a_reason(role):
    admin = user_for(role)
    client = logged_in(admin)
    release = edited_and_submitted_by(client)
    assert release.edited_by == admin

    page = client.get(review_url(release)).content.decode()
    assert step_form(page, "approve") is not None
    assert "Your reason for approving it yourself (required, recorded)" in page

    before = row(release)
    _offered, response = post_step(client, release, "approve", publish="now", comment="  ")
    assert response.status_code == 200
    assert "give the reason for approving it yourself" in error_text(response)
    assert row(release) == before

    reason = "The only publisher on duty is on leave; the minister's office asked for it."
    step(client, release, "approve", publish="now", comment=reason)
    assert release.state == "published"
    approval = Transition.objects.filter(release=release, name="approve").get()
    assert (approval.user, approval.override, approval.comment) == (admin, True, reason)
    # Shown as an override on the change form and the Review page.
    for url in (change_url(release), review_url(release)):
        page = client.get(url).content.decode()
        assert "four eyes overridden" in page
        assert "the minister&#x27;s office asked for it" in page


def test_an_administrator_approving_what_someone_else_edited_needs_no_reason():
    release = in_state("in_review", editor=make_user("author", group=STAFF))
    admin = make_user("siteadmin", group=SITE_ADMINS)
    step(logged_in(admin), release, "approve", publish="now")
    approval = Transition.objects.filter(release=release, name="approve").get()
    assert (approval.override, approval.comment) == (False, "")


def test_four_eyes_apply_to_reinstating():
    publisher = make_user("pub-editor", group=PUBLISHERS)
    release = in_state("withdrawn", editor=publisher)
    client = logged_in(publisher)
    assert not offered(client, release, "reinstate")
    _offered, response = post_step(client, release, "reinstate", forge=True)
    assert response.status_code == 200
    assert "another publisher must approve it (four eyes)" in error_text(response)
    assert state_of(release) == "withdrawn"
    assert "another publisher approves it (four eyes)" in text_of(client.get(review_url(release)))
    step(logged_in(make_user("pub-other", group=PUBLISHERS)), release, "reinstate")
    assert release.state == "published"


# --- 3. every step recorded ---------------------------------------------------------


def test_every_step_is_recorded_and_shown(mailoutbox, django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False) as traveller:
        writer = make_user("writer", group=STAFF)
        publisher = make_user("publisher", group=PUBLISHERS)
        staff, pub = logged_in(writer), logged_in(publisher)
        release = in_state("draft", editor=writer, title="Water talks in Vienna")
        revisions = Version.objects.get_for_object(release).count()
        step(staff, release, "submit", comment="First version, please check the dates.")
        traveller.shift(timedelta(minutes=10))
        step(pub, release, "send_back", comment="The date in the second paragraph is wrong.")
        traveller.shift(timedelta(minutes=10))
        step(staff, release, "submit", comment="Dates fixed.")
        traveller.shift(timedelta(minutes=10))
        step(staff, release, "recall", comment="One more change.")
        traveller.shift(timedelta(minutes=10))
        step(staff, release, "submit")
        traveller.shift(timedelta(minutes=10))
        step(
            pub,
            release,
            "approve",
            publish="at",
            publish_at="2030-03-02T11:00",
            comment="Go tomorrow.",
        )
        assert release.published_at == datetime(2030, 3, 2, 10, 0, tzinfo=UTC)
        traveller.shift(timedelta(minutes=10))
        step(pub, release, "unschedule", comment="Hold until the talks end.")
        traveller.shift(timedelta(minutes=10))
        step(staff, release, "submit")
        traveller.shift(timedelta(minutes=10))
        step(pub, release, "approve", publish="now")
        traveller.shift(timedelta(minutes=10))
        step(pub, release, "withdraw", comment="Published by mistake.")
        traveller.shift(timedelta(minutes=10))
        step(pub, release, "reinstate", comment="It was right after all.")

        assert steps_of(release) == [
            ("submit", "draft", "in_review", "writer", "First version, please check the dates."),
            (
                "send_back",
                "in_review",
                "draft",
                "publisher",
                "The date in the second paragraph is wrong.",
            ),
            ("submit", "draft", "in_review", "writer", "Dates fixed."),
            ("recall", "in_review", "draft", "writer", "One more change."),
            ("submit", "draft", "in_review", "writer", ""),
            ("approve", "in_review", "scheduled", "publisher", "Go tomorrow."),
            ("unschedule", "scheduled", "draft", "publisher", "Hold until the talks end."),
            ("submit", "draft", "in_review", "writer", ""),
            ("approve", "in_review", "published", "publisher", ""),
            ("withdraw", "published", "withdrawn", "publisher", "Published by mistake."),
            ("reinstate", "withdrawn", "published", "publisher", "It was right after all."),
        ]
        first = Transition.objects.filter(release=release).order_by("at", "pk").first()
        assert first.at == NOW
        scheduled = Transition.objects.get(release=release, target="scheduled")
        assert scheduled.publish_at == datetime(2030, 3, 2, 10, 0, tzinfo=UTC)

        # One revision and one admin log entry per step, saying what happened.
        assert Version.objects.get_for_object(release).count() == revisions + 11
        latest = Version.objects.get_for_object(release).order_by("-pk").first().revision
        assert latest.user == publisher
        assert latest.get_comment() == "Reinstated: It was right after all."
        messages = list(
            LogEntry.objects.filter(object_id=str(release.pk))
            .order_by("pk")
            .values_list("user__username", "change_message")
        )
        assert messages == [
            ("writer", "Submitted for review: First version, please check the dates."),
            ("publisher", "Sent back: The date in the second paragraph is wrong."),
            ("writer", "Submitted for review: Dates fixed."),
            ("writer", "Taken back to draft: One more change."),
            ("writer", "Submitted for review"),
            ("publisher", "Approved: scheduled for 2 March 2030, 11:00 CET: Go tomorrow."),
            ("publisher", "Scheduled publication stopped: Hold until the talks end."),
            ("writer", "Submitted for review"),
            ("publisher", "Approved and published"),
            ("publisher", "Withdrawn: Published by mistake."),
            ("publisher", "Reinstated: It was right after all."),
        ]

        # The change form lists the last ten steps (who, from → to, comment), newest
        # first, and links to the whole history; the Review page shows all of them.
        form = text_of(staff.get(change_url(release)))
        assert "Reinstated (Withdrawn → Published)" in form
        assert "It was right after all." in form
        assert "Sent back (In review → Draft)" in form
        assert "The date in the second paragraph is wrong." in form
        assert "First version, please check the dates." not in form  # the eleventh step
        assert "The whole history" in form
        assert form.index("Reinstated (Withdrawn") < form.index("Withdrawn (Published")
        review = text_of(staff.get(review_url(release)))
        assert "Submitted for review (Draft → In review) First version, please check" in review
        assert "Approved: scheduled for 2 March 2030, 11:00 CET (In review → Scheduled)" in review
        assert "Scheduled publication stopped (Scheduled → Draft)" in review
        for who in ("writer", "publisher"):
            assert who in review


def text_of(response):
    assert response.status_code == 200
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split()).replace("&gt;", ">")


def test_saving_and_submitting_from_the_change_form_is_recorded():
    writer = make_user("writer", group=STAFF)
    client = logged_in(writer)
    release = in_state("draft", editor=make_user("other-writer", group=STAFF))
    response = save_change_form(
        client, release, submit=True, note="Please look today.", title="New title"
    )
    assert response.status_code == 302
    assert (release.title, release.state, release.edited_by) == ("New title", "in_review", writer)
    assert steps_of(release) == [("submit", "draft", "in_review", "writer", "Please look today.")]
    messages = [str(m) for m in client.get(change_url(release)).context["messages"]]
    assert "Submitted for review: the publishers have been told." in messages


def test_a_new_release_can_be_saved_and_submitted_at_once(
    mailoutbox, django_capture_on_commit_callbacks
):
    make_user("pub-one", group=PUBLISHERS)
    writer = make_user("writer", group=STAFF)
    client = logged_in(writer)
    page = client.get("/admin/press/pressrelease/add/")
    data = form_data(page.content, "pressrelease_form")
    option = r'<option value="(\d+)">Press release</option>'
    press_release = re.search(option, page.content.decode())
    data.update(
        title=["Freshly written"],
        slug=["freshly-written"],
        type=[press_release[1]],
        _submit_for_review=["Save and submit for review"],
        review_note=["New one"],
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/press/pressrelease/add/", data)
    assert response.status_code == 302, errors(response)
    release = PressRelease.objects.get(slug="freshly-written")
    assert (release.state, release.edited_by, release.created_by) == ("in_review", writer, writer)
    assert steps_of(release) == [("submit", "draft", "in_review", "writer", "New one")]
    assert [m.to for m in mailoutbox] == [["pub-one@example.org"]]


def test_the_change_form_says_what_staff_wait_for():
    writer = make_user("writer", group=STAFF)
    release = in_state("in_review", editor=writer)
    page = text_of(logged_in(writer).get(change_url(release)))
    assert "Waiting for a publisher to approve it or send it back." in page
    assert "Take back to draft…" in page
    assert "Approve…" not in page


def test_the_status_is_not_a_field_of_the_change_form():
    """Nobody publishes by posting a status with the change form."""
    writer = make_user("writer", group=STAFF)
    client = logged_in(writer)
    release = in_state("draft", editor=writer)
    page = client.get(change_url(release))
    data = form_data(page.content, "pressrelease_form")
    assert "status" not in data
    data["status"] = ["published"]
    data["title"] = ["Changed"]
    assert client.post(change_url(release), data).status_code == 302
    release.refresh_from_db()
    assert (release.title, release.state) == ("Changed", "draft")


# --- 4. the change list's state filter ------------------------------------------------


def test_the_change_list_filters_by_state():
    writer = make_user("writer", group=STAFF)
    publisher = make_user("publisher", group=PUBLISHERS)
    pub = logged_in(publisher)
    in_state("draft", editor=writer, title="Plain draft")
    sent_back = in_state("in_review", editor=writer, title="Sent back draft")
    step(pub, sent_back, "send_back", comment="No.")
    resubmitted = in_state("in_review", editor=writer, title="Sent back then resubmitted")
    step(pub, resubmitted, "send_back", comment="No.")
    step(logged_in(writer), resubmitted, "submit")
    in_state("in_review", editor=writer, title="Waiting for review")
    in_state("scheduled", editor=writer, title="Going out next week")
    in_state("published", editor=writer, title="Out already")
    in_state("withdrawn", editor=writer, title="Taken down")

    expected = {
        "draft": {"Plain draft", "Sent back draft"},
        "sent_back": {"Sent back draft"},
        "in_review": {"Waiting for review", "Sent back then resubmitted"},
        "scheduled": {"Going out next week"},
        "published": {"Out already"},
        "withdrawn": {"Taken down"},
    }
    everything = set().union(*expected.values())
    admin = logged_in(make_user("siteadmin", group=SITE_ADMINS))
    assert listed(admin, "") == everything
    for state, titles in expected.items():
        assert listed(admin, f"?state={state}") == titles, state
    # The filter is offered with its choices.
    page = admin.get("/admin/press/pressrelease/").content.decode()
    for state in expected:
        assert f"?state={state}" in page


def listed(client, query):
    response = client.get(f"/admin/press/pressrelease/{query}")
    assert response.status_code == 200
    page = response.content.decode()
    return set(re.findall(r'<th class="field-title"><a href="[^"]*">([^<]*)</a>', page))


# --- 5. publishers are told of each submission ----------------------------------------


def test_a_submission_mails_the_publishers_with_an_address(
    mailoutbox, django_capture_on_commit_callbacks
):
    first = make_user("pub-one", group=PUBLISHERS)
    second = make_user("pub-two", group=PUBLISHERS)
    no_address = make_user("pub-no-mail", group=PUBLISHERS)
    no_address.email = ""
    no_address.save()
    gone = make_user("pub-gone", group=PUBLISHERS)
    gone.is_active = False
    gone.save()
    make_user("other-writer", group=STAFF)
    writer = make_user("writer", group=STAFF)
    release = in_state("draft", editor=writer, title="Mission opens field office")

    with django_capture_on_commit_callbacks(execute=True):
        step(logged_in(writer), release, "submit", comment="Needed by noon.")

    assert sorted(m.to for m in mailoutbox) == [["pub-one@example.org"], ["pub-two@example.org"]]
    assert first.email == "pub-one@example.org" and second.email == "pub-two@example.org"
    message = mailoutbox[0]
    assert message.subject == "For review: Mission opens field office"
    assert "writer submitted “Mission opens field office” for review." in message.body
    assert "Their note: Needed by noon." in message.body
    assert f"http://testserver/admin/press/pressrelease/{release.pk}/review/" in message.body
    assert all(m.cc == [] and m.bcc == [] for m in mailoutbox)


def test_a_publisher_submitting_is_not_mailed_themselves(
    mailoutbox, django_capture_on_commit_callbacks
):
    submitter = make_user("pub-one", group=PUBLISHERS)
    make_user("pub-two", group=PUBLISHERS)
    release = in_state("draft", editor=submitter)
    with django_capture_on_commit_callbacks(execute=True):
        save_change_form(logged_in(submitter), release, submit=True, title="Edited")
    assert [m.to for m in mailoutbox] == [["pub-two@example.org"]]


def test_a_title_with_a_line_break_still_reaches_the_publishers(
    mailoutbox, django_capture_on_commit_callbacks
):
    make_user("pub-one", group=PUBLISHERS)
    writer = make_user("writer", group=STAFF)
    release = in_state("draft", editor=writer, title="Mission opens\r\nBcc: everyone@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        step(logged_in(writer), release, "submit")
    assert [m.to for m in mailoutbox] == [["pub-one@example.org"]]
    assert mailoutbox[0].subject == "For review: Mission opens Bcc: everyone@example.org"
    assert mailoutbox[0].bcc == []
    assert "Bcc" not in mailoutbox[0].message()  # no header of its own


def test_nothing_is_mailed_before_the_submission_commits(
    mailoutbox, django_capture_on_commit_callbacks
):
    make_user("pub-one", group=PUBLISHERS)
    writer = make_user("writer", group=STAFF)
    release = in_state("draft", editor=writer)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        step(logged_in(writer), release, "submit")
    assert mailoutbox == []
    for callback in callbacks:
        callback()
    assert [m.to for m in mailoutbox] == [["pub-one@example.org"]]
    mailoutbox.clear()
    # Other steps mail nobody.
    with django_capture_on_commit_callbacks(execute=True):
        step(logged_in(writer), release, "recall")
    assert mailoutbox == []


# --- 7. withdrawn releases ------------------------------------------------------------

UNIQUE = "Quokkaville"


def public_places(client, release, *others):
    """Where the public sees the release: {place: whether it is there}.

    ``others`` are releases whose pages list it among their related releases.
    """
    places = {}
    for url in ("/", "/press/", "/press/feed/", "/press/feed/atom/", "/topics/elections/",
                "/sitemap-releases.xml", f"/press/?q={UNIQUE}",
                *(other.get_absolute_url() for other in others)):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        places[url] = release.title in page or release.get_absolute_url() in page
    return places


def result_count(client, url):
    page = client.get(url).content.decode()
    return int(re.search(r'data-result-count="(\d+)"', page)[1])


def year_count(client, url, year):
    """The count the year filter shows beside ``year``."""
    page = client.get(url).content.decode()
    return int(re.search(rf'<option value="{year}"[^>]*>{year} \((\d+)\)</option>', page)[1])


def test_withdrawing_marks_the_page_and_takes_it_out_of_every_list(settings):
    settings.PAGE_CACHE_ENABLED = True
    with time_machine.travel(NOW, tick=False) as traveller:
        writer = make_user("writer", group=STAFF)
        another = make_release("Another release", tags={"topics": ["elections"]})
        release = make_release(
            f"Election results in {UNIQUE}",
            summary=f"The {UNIQUE} count.",
            published_at=NOW - timedelta(days=2),
            edited_by=writer,
            tags={"topics": ["elections"]},
        )
        public = Client()
        assert all(public_places(public, release, another).values())
        assert result_count(public, "/press/") == 2
        assert result_count(public, "/topics/elections/") == 2
        assert year_count(public, "/press/", 2030) == 2
        assert year_count(public, "/topics/elections/", 2030) == 2

        publisher = logged_in(make_user("publisher", group=PUBLISHERS))
        before = row(release)
        _offered, response = post_step(publisher, release, "withdraw", comment="")
        assert response.status_code == 200
        assert "this is required" in error_text(response)
        assert row(release) == before

        traveller.shift(timedelta(hours=1))
        step(publisher, release, "withdraw", comment="The count was not final.")
        assert release.state == "withdrawn"
        assert release.withdrawn_at == NOW + timedelta(hours=1)

        page = public.get(release.get_absolute_url())
        assert page.status_code == 200
        text = text_of(page)
        assert "This release was withdrawn on 1 March 2030." in text
        assert "The count was not final." in text
        assert f"Election results in {UNIQUE}" in text
        assert not any(public_places(public, release, another).values())
        assert result_count(public, "/press/") == 1
        assert result_count(public, "/topics/elections/") == 1
        assert year_count(public, "/press/", 2030) == 1
        assert year_count(public, "/topics/elections/", 2030) == 1

        step(publisher, release, "reinstate", comment="Final after all.")
        assert release.state == "published"
        assert (release.withdrawn_at, release.withdrawal_note) == (None, "")
        assert all(public_places(public, release, another).values())
        assert result_count(public, "/press/") == 2
        assert year_count(public, "/press/", 2030) == 2
        assert "withdrawn" not in text_of(public.get(release.get_absolute_url()))


def test_a_scheduled_release_cannot_be_withdrawn_only_unscheduled():
    publisher = logged_in(make_user("publisher", group=PUBLISHERS))
    release = in_state("scheduled", editor=make_user("writer", group=STAFF))
    assert not offered(publisher, release, "withdraw")
    assert offered(publisher, release, "unschedule")
    _offered, response = post_step(publisher, release, "withdraw", comment="No")
    assert response.status_code == 200
    assert "This step is not possible now: the release is Scheduled." in error_text(response)
    assert state_of(release) == "scheduled"


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        (
            {"publish": "at", "publish_at": "2030-02-28T10:00"},
            "A publication time cannot be in the past: choose now or a later time.",
        ),
        ({"publish": "at", "publish_at": ""}, "Give the time it is to go out."),
        ({"publish": "at", "publish_at": "tomorrow"}, "Enter a valid date/time."),
    ],
)
def test_approving_needs_a_time_to_come(fields, said):
    with time_machine.travel(NOW, tick=False):
        release = in_state("in_review", editor=make_user("writer", group=STAFF))
        publisher = logged_in(make_user("publisher", group=PUBLISHERS))
        before = row(release)
        _offered, response = post_step(publisher, release, "approve", **fields)
        assert response.status_code == 200
        assert said in error_text(response)
        assert row(release) == before
        # The control: a time to come schedules it.
        step(publisher, release, "approve", publish="at", publish_at="2030-03-01T10:30")
        assert (release.state, release.published_at) == (
            "scheduled",
            datetime(2030, 3, 1, 9, 30, tzinfo=UTC),
        )


def test_a_time_planned_by_the_writer_is_what_approving_proposes():
    """Staff plan a release for a later time; the publisher's Approve keeps it, not "now"."""
    with time_machine.travel(NOW, tick=False):
        writer = make_user("writer", group=STAFF)
        release = in_state("draft", editor=writer)
        save_change_form(
            logged_in(writer),
            release,
            submit=True,
            published_at_0="2030-03-04",
            published_at_1="08:00",
        )
        assert release.state == "in_review"
        publisher = logged_in(make_user("publisher", group=PUBLISHERS))
        form = step_form(publisher.get(review_url(release)).content.decode(), "approve")
        assert (form["publish"], form["publish_at"]) == (["at"], ["2030-03-04T08:00"])
        response = publisher.post(review_url(release), form)
        assert response.status_code == 302
        release.refresh_from_db()
        assert (release.state, release.published_at) == (
            "scheduled",
            datetime(2030, 3, 4, 7, 0, tzinfo=UTC),
        )
        # A release planned for no time (or a past one) is proposed for now.
        other = in_state("in_review", editor=writer, published_at=NOW - timedelta(days=1))
        form = step_form(publisher.get(review_url(other)).content.decode(), "approve")
        assert form["publish"] == ["now"]


def test_staff_cannot_move_the_time_of_a_scheduled_release():
    with time_machine.travel(NOW, tick=False):
        writer = make_user("writer", group=STAFF)
        release = in_state(
            "scheduled", editor=writer, published_at=datetime(2030, 3, 5, 9, 0, tzinfo=UTC)
        )
        client = logged_in(writer)
        page = client.get(change_url(release))
        data = form_data(page.content, "pressrelease_form")
        assert "published_at_0" not in data  # disabled: a browser does not send it
        data.update(published_at_0=["2030-03-01"], published_at_1=["09:00"])
        assert client.post(change_url(release), data).status_code == 302
        release.refresh_from_db()
        assert (release.state, release.published_at) == (
            "scheduled",
            datetime(2030, 3, 5, 9, 0, tzinfo=UTC),
        )


def test_a_step_the_clock_has_overtaken_is_refused_with_a_reason_not_a_403():
    """Unscheduling from a page read just before the release went out: it is public now."""
    with time_machine.travel(NOW, tick=False) as traveller:
        publisher = logged_in(make_user("publisher", group=PUBLISHERS))
        release = in_state(
            "scheduled",
            editor=make_user("writer", group=STAFF),
            published_at=NOW + timedelta(minutes=1),
        )
        form = step_form(publisher.get(review_url(release)).content.decode(), "unschedule")
        traveller.shift(timedelta(minutes=2))
        response = publisher.post(review_url(release), {**form, "comment": ["Stop it"]})
        assert response.status_code == 200
        assert "This step is not possible now: the release is Published." in error_text(response)
        assert state_of(release) == "published"


# --- 8. import statuses -----------------------------------------------------------------


def record(title, status, date):
    return {
        "title": title,
        "date": date,
        "type": "Press release",
        "topics": ["Elections"],
        "countries": ["Austria"],
        "summary": "A summary.",
        "body": "Text.",
        "status": status,
    }


def test_import_statuses(tmp_path):
    path = tmp_path / "statuses.jsonl"
    records = [
        record("Imported draft", "draft", "2030-02-01"),
        record("Imported in review", "in_review", "2030-02-01"),
        record("Imported approved past", "approved", "2030-02-01T10:00:00+01:00"),
        record("Imported approved future", "approved", "2030-03-05T10:00:00+01:00"),
        record("Imported published past", "published", "2030-02-01T10:00:00+01:00"),
        record("Imported published future", "published", "2030-03-04T12:30:00+02:00"),
        record("Imported withdrawn", "withdrawn", "2030-02-01"),
        record("Imported with bad status", "archived", "2030-02-01"),
        record("Imported without status", ..., "2030-02-01"),
    ]
    lines = [json.dumps({k: v for k, v in r.items() if v is not ...}) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    with time_machine.travel(NOW, tick=False):
        report = import_files([path])
        states = {
            r.title: r.state for r in PressRelease.objects.filter(title__startswith="Imported")
        }
        assert states == {
            "Imported draft": "draft",
            "Imported in review": "in_review",
            "Imported approved past": "published",
            "Imported approved future": "scheduled",
            "Imported published past": "published",
            "Imported published future": "scheduled",
            "Imported withdrawn": "withdrawn",
            "Imported without status": "published",
        }
        future = PressRelease.objects.get(title="Imported published future")
        assert future.published_at == datetime(2030, 3, 4, 10, 30, tzinfo=UTC)
        assert future.embargo_key != ""
        assert PressRelease.objects.get(title="Imported published past").embargo_key == ""

    assert (report.created, report.failed) == (8, 1)
    [error] = report.errors
    assert str(error).startswith(f"{path}:8: ")
    assert "bad status 'archived'" in str(error)
    steps = {
        t.release.title: (t.name, t.source, t.target, t.user, t.comment)
        for t in Transition.objects.select_related("release")
    }
    assert steps["Imported published future"] == (
        "import",
        "",
        "scheduled",
        None,
        "statuses.jsonl:6",
    )
    assert steps["Imported withdrawn"] == ("import", "", "withdrawn", None, "statuses.jsonl:7")
    assert len(steps) == 8


def test_a_scheduled_import_has_a_working_embargo_link(tmp_path):
    path = tmp_path / "one.jsonl"
    path.write_text(
        json.dumps(record("Imported for later", "published", "2030-03-04T12:30:00+02:00")) + "\n",
        encoding="utf-8",
    )
    with time_machine.travel(NOW, tick=False):
        import_files([path])
        release = PressRelease.objects.get(title="Imported for later")
        admin = logged_in(make_user("publisher", group=PUBLISHERS))
        link = embargo_link(admin.get(change_url(release)))
        response = Client().get(link)
        assert response.status_code == 200
        assert "Embargoed until" in text_of(response)
        assert Client().get(release.get_absolute_url()).status_code == 404


def test_running_an_import_again_keeps_what_publishers_decided_since(tmp_path):
    path = tmp_path / "again.jsonl"
    path.write_text(
        json.dumps(record("Imported and withdrawn", "published", "2030-02-01T10:00:00+01:00"))
        + "\n",
        encoding="utf-8",
    )
    publisher = make_user("publisher", group=PUBLISHERS)
    with time_machine.travel(NOW, tick=False):
        import_files([path])
        release = PressRelease.objects.get(title="Imported and withdrawn")
        step(logged_in(publisher), release, "withdraw", comment="Wrong figures.")
        report = import_files([path])
        release.refresh_from_db()
        assert (release.state, release.withdrawal_note) == ("withdrawn", "Wrong figures.")
        warnings = [w for o in report.outcomes for w in o.describe_warnings()]
        assert len(warnings) == 1
        assert "changed in the review workflow since it was imported (withdraw)" in warnings[0]
        assert report.counts["slugs taken"] == 0
        # Control: a release nobody moved since follows its record.
        other = tmp_path / "other.jsonl"
        other.write_text(
            json.dumps(record("Imported, then reworded", "draft", "2030-02-01")) + "\n",
            encoding="utf-8",
        )
        import_files([other])
        other.write_text(
            json.dumps(record("Imported, then reworded", "in_review", "2030-02-01")) + "\n",
            encoding="utf-8",
        )
        import_files([other])
        assert PressRelease.objects.get(title="Imported, then reworded").state == "in_review"


def embargo_link(response):
    """The embargo link shown on an admin page (its ``data-embargo-link`` element), as a path."""
    assert response.status_code == 200
    page = response.content.decode()
    links = set(re.findall(r'<a href="([^"]+)" data-embargo-link', page))
    assert len(links) == 1, links
    [link] = links
    assert link.startswith("http://testserver/")
    return link.removeprefix("http://testserver")


# --- 9. stale steps -----------------------------------------------------------------------


def test_a_step_on_a_page_older_than_a_save_is_refused_naming_who_saved():
    with time_machine.travel(NOW, tick=False) as traveller:
        writer = make_user("writer", group=STAFF)
        writer.first_name, writer.last_name = "Wanda", "Writer"
        writer.save()
        release = in_state("in_review", editor=writer, title="Budget agreed")
        publisher = logged_in(make_user("publisher", group=PUBLISHERS))
        seen = step_form(publisher.get(review_url(release)).content.decode(), "approve")

        traveller.shift(timedelta(minutes=5))
        save_change_form(logged_in(writer), release, title="Budget agreed, with a new figure")
        before = row(release)

        traveller.shift(timedelta(minutes=5))
        response = publisher.post(review_url(release), {**seen, "publish": ["now"]})
        assert response.status_code == 200
        said = error_text(response)
        assert "Wanda Writer saved this press release at 2030-03-01 10:05" in said
        assert "Nothing was saved" in said
        assert "data-stale" in response.content.decode()
        assert row(release) == before
        assert state_of(release) == "in_review"
        # The page now carries the new version: the step goes through from it.
        fresh = step_form(response.content.decode(), "approve")
        assert fresh["version"] != seen["version"]
        step(publisher, release, "approve", publish="now")
        assert release.state == "published"


def test_a_step_on_a_page_older_than_another_step_is_refused():
    with time_machine.travel(NOW, tick=False) as traveller:
        writer = make_user("writer", group=STAFF)
        release = in_state("in_review", editor=writer)
        first = logged_in(make_user("pub-one", group=PUBLISHERS))
        second = logged_in(make_user("pub-two", group=PUBLISHERS))
        seen = step_form(first.get(review_url(release)).content.decode(), "approve")
        traveller.shift(timedelta(minutes=1))
        step(second, release, "send_back", comment="Not yet.")
        traveller.shift(timedelta(minutes=1))
        response = first.post(review_url(release), {**seen, "publish": ["now"]})
        assert response.status_code == 200
        assert "pub-two saved this press release at 2030-03-01 10:01" in error_text(response)
        assert state_of(release) == "draft"
        assert [s[0] for s in steps_of(release)] == ["send_back"]


def test_a_step_without_a_version_is_refused():
    release = in_state("in_review", editor=make_user("writer", group=STAFF))
    publisher = logged_in(make_user("publisher", group=PUBLISHERS))
    response = publisher.post(review_url(release), {"action": "approve", "publish": "now"})
    assert response.status_code == 200
    assert "This form came without the version of its page" in error_text(response)
    assert state_of(release) == "in_review"
    # The same POST with the page's version goes through.
    step(publisher, release, "approve", publish="now")
    assert release.state == "published"


def test_the_workflow_refuses_anonymous_users_outright():
    release = in_state("in_review", editor=make_user("writer", group=STAFF))
    with pytest.raises(PermissionDenied):
        workflow.perform(release.pk, "approve", AnonymousUser())
    assert state_of(release) == "in_review"


# --- the Review page's own guards -----------------------------------------------------


def test_a_step_posted_from_another_site_is_refused_csrf():
    release = in_state("in_review", editor=make_user("writer", group=STAFF))
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(make_user("publisher", group=PUBLISHERS))
    form = step_form(browser.get(review_url(release)).content.decode(), "approve")
    assert form["csrfmiddlewaretoken"][0]
    # Without the page's CSRF token (what another site can send): refused.
    forged = {k: v for k, v in form.items() if k != "csrfmiddlewaretoken"}
    assert browser.post(review_url(release), forged).status_code == 403
    assert state_of(release) == "in_review"
    # The control: the page's own form goes through.
    response = browser.post(review_url(release), {**form, "publish": ["now"]})
    assert response.status_code == 302
    assert state_of(release) == "published"


def test_comments_and_notes_are_shown_as_text():
    writer = make_user("writer", group=STAFF)
    release = in_state("in_review", editor=writer, title="Plain title")
    publisher = logged_in(make_user("publisher", group=PUBLISHERS))
    step(publisher, release, "send_back", comment='<img src=x onerror="alert(1)">Fix it')
    step(logged_in(writer), release, "submit")
    step(publisher, release, "approve", publish="now")
    step(publisher, release, "withdraw", comment="<script>alert(2)</script>Wrong")
    for page in (
        publisher.get(change_url(release)).content.decode(),
        publisher.get(review_url(release)).content.decode(),
        Client().get(release.get_absolute_url()).content.decode(),
    ):
        assert "<script>alert(2)</script>" not in page
        assert "&lt;script&gt;alert(2)&lt;/script&gt;Wrong" in page
    admin_page = publisher.get(change_url(release)).content.decode()
    assert '<img src=x onerror="alert(1)">' not in admin_page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;Fix it" in admin_page


# --- restoring a revision ---------------------------------------------------------------


def test_restoring_an_old_revision_keeps_a_published_release_published():
    publisher = make_user("publisher", group=PUBLISHERS)
    client = logged_in(publisher)
    release = in_state("published", editor=publisher, title="First title")
    published_at = release.published_at
    save_change_form(client, release, title="Second title")
    save_change_form(client, release, title="Third title")
    first = Version.objects.get_for_object(release).order_by("pk").first()
    url = f"/admin/press/pressrelease/{release.pk}/history/{first.pk}/"
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(url, form_data(page.content, "pressrelease_form"))
    assert response.status_code == 302, errors(response)
    release.refresh_from_db()
    assert release.title == "Second title"
    assert (release.state, release.published_at) == ("published", published_at)
    assert Client().get(release.get_absolute_url()).status_code == 200


def test_restoring_a_revision_of_a_scheduled_release_takes_it_back_to_review():
    """A restore is an edit: the approval was of the text as it was."""
    staff = make_user("writer", group=STAFF)
    client = logged_in(staff)
    release = in_state("draft", editor=staff, title="First title")
    save_change_form(client, release, title="Second title")
    PressRelease.objects.filter(pk=release.pk).update(
        status="published",
        published_at=clock.now() + timedelta(days=2),
        embargo_key="approved-key",
    )
    first = Version.objects.get_for_object(release).order_by("pk").first()
    url = f"/admin/press/pressrelease/{release.pk}/history/{first.pk}/"
    page = client.get(url)
    response = client.post(url, form_data(page.content, "pressrelease_form"))
    assert response.status_code == 302, errors(response)
    release.refresh_from_db()
    assert release.state == "in_review"
    assert release.embargo_key == ""
    assert release.transitions.first().name == "reopen"


# --- two people at once (PostgreSQL: row locks) ---------------------------------------------


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_a_step_waits_for_a_step_under_way_and_is_then_refused_as_stale():
    """While one step holds the release, another on the same page version waits, then sees
    the release has changed: it never overwrites what the first did."""
    writer = make_user("writer", group=STAFF)
    release = in_state("in_review", editor=writer)
    approver = logged_in(make_user("pub-one", group=PUBLISHERS))
    sender = make_user("pub-two", group=PUBLISHERS)
    form = step_form(approver.get(review_url(release)).content.decode(), "approve")
    answers = []

    def approve():
        try:
            answers.append(approver.post(review_url(release), {**form, "publish": ["now"]}))
        finally:
            connections.close_all()

    with transaction.atomic():
        workflow.lock(release.pk)  # a step under way
        thread = threading.Thread(target=approve)
        thread.start()
        thread.join(timeout=1.5)
        assert thread.is_alive(), "the second step did not wait for the first"
        workflow.perform(release.pk, "send_back", sender, comment="Not yet.")
    thread.join(timeout=30)

    [response] = answers
    assert response.status_code == 200
    assert "pub-two saved this press release" in error_text(response)
    assert state_of(release) == "draft"
    assert [s[0] for s in steps_of(release)] == ["send_back"]
