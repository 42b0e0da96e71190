"""Ways round the review workflow that a review of it found, each closed, with its control.

Recovering a "deleted" revision of a release that exists; re-tagging a
published translation through its draft sibling; a publisher's correction of
a public release; a NUL in the submission note; the change list's queries.
"""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from reversion.models import Version

from press import workflow
from press.models import PressRelease
from taxonomy import clock
from taxonomy.models import Topic

from .conftest import make_release, make_user
from .forms import form_data
from .test_workflow import (
    PUBLISHERS,
    SITE_ADMINS,
    STAFF,
    change_url,
    in_state,
    logged_in,
    save_change_form,
    state_of,
)

pytestmark = pytest.mark.usefixtures("taxonomy")


def steps_of(release):
    return list(release.transitions.order_by("at", "pk").values_list("name", "source", "target"))


# --- reversion's recover page -------------------------------------------------------------


def test_the_recover_page_takes_only_revisions_of_deleted_releases():
    """Its revision of a release that exists would put back an old state (a schedule
    a publisher stopped, with its revoked embargo link): refused."""
    staff = make_user("writer", group=STAFF)
    admin = make_user("siteadmin", group=SITE_ADMINS)
    release = in_state("draft", editor=staff, title="Once scheduled")
    save_change_form(logged_in(staff), release, summary="First words.")
    old = Version.objects.get_for_object(release).order_by("pk").first()
    PressRelease.objects.filter(pk=release.pk).update(
        status="published", published_at=clock.now() + timedelta(days=1), embargo_key="k"
    )
    url = f"/admin/press/pressrelease/recover/{old.pk}/"
    for client in (logged_in(staff), logged_in(admin)):
        assert client.get(url).status_code == 404
        assert client.post(url, {"title": "Once scheduled"}).status_code == 404
    assert state_of(release) == "scheduled"


def test_a_deleted_release_comes_back_as_a_draft_and_the_recovery_is_recorded():
    admin = make_user("siteadmin", group=SITE_ADMINS)
    client = logged_in(admin)
    release = in_state("published", editor=admin, title="Deleted while public")
    save_change_form(client, release, summary="Corrected before deletion.")
    pk = release.pk
    assert client.post(f"/admin/press/pressrelease/{pk}/delete/", {"post": "yes"}).status_code
    [deleted] = Version.objects.get_deleted(PressRelease)
    url = f"/admin/press/pressrelease/recover/{deleted.pk}/"
    response = client.post(url, form_data(client.get(url).content, "pressrelease_form"))
    assert response.status_code == 302
    recovered = PressRelease.objects.get(pk=pk)
    assert (recovered.state, recovered.embargo_key) == ("draft", "")
    assert recovered.summary == "Corrected before deletion."
    assert steps_of(recovered) == [("recover", "", "draft")]
    assert recovered.edited_by == admin


# --- tags shared by translations ----------------------------------------------------------


def group_of(*states, editor):
    """Translations (en, fr, ...) in ``states``, one group, tagged "Elections"."""
    releases = []
    for language, state in zip(("en", "fr", "de"), states, strict=False):
        release = in_state(
            state,
            editor=editor,
            title=f"Elections ({language})",
            language=language,
            translation_group="group-1",
            tags={"topics": ["elections"]},
        )
        releases.append(release)
    return releases


def topics_of(release):
    return sorted(release.topics.values_list("slug", flat=True))


def test_staff_cannot_retag_a_published_translation_through_its_draft_sibling():
    staff = make_user("writer", group=STAFF)
    published, draft = group_of("published", "draft", editor=staff)
    client = logged_in(staff)
    page = client.get(change_url(draft))
    data = form_data(page.content, "pressrelease_form")
    data["topics"] = [str(Topic.objects.get(slug="youth").pk)]
    response = client.post(change_url(draft), data)
    assert response.status_code == 200
    assert "only a publisher changes its tags" in response.content.decode()
    assert topics_of(published) == topics_of(draft) == ["elections"]
    # Control: the draft's own text is theirs to change, the tags left as they are.
    save_change_form(client, draft, summary="Reworded.")
    assert draft.summary == "Reworded."


def test_retagging_is_an_edit_of_every_translation_four_eyes_included():
    writer = make_user("writer", group=STAFF)
    publisher = make_user("publisher", group=PUBLISHERS)
    scheduled, in_review, draft = group_of("scheduled", "in_review", "draft", editor=writer)
    client = logged_in(publisher)
    page = client.get(change_url(draft))
    data = form_data(page.content, "pressrelease_form")
    data["topics"] = [str(Topic.objects.get(slug="youth").pk)]
    assert client.post(change_url(draft), data).status_code == 302
    for release in (scheduled, in_review):
        release.refresh_from_db()
        assert topics_of(release) == ["youth"]
        assert release.edited_by == publisher
    # The scheduled translation was approved with other tags: back to review.
    assert scheduled.state == "in_review"
    assert steps_of(scheduled)[-1] == ("reopen", "scheduled", "in_review")
    # The publisher re-tagged the one in review: another publisher approves it.
    assert "approve" not in workflow.available(in_review, publisher)
    assert "approve" in workflow.available(in_review, make_user("other", group=PUBLISHERS))


# --- corrections of what is public ----------------------------------------------------------


def test_a_publishers_correction_of_a_public_release_is_recorded(mailoutbox):
    writer = make_user("writer", group=STAFF)
    publisher = make_user("publisher", group=PUBLISHERS)
    release = in_state("published", editor=writer, title="Out already")
    save_change_form(logged_in(publisher), release, summary="Corrected figures.")
    assert release.state == "published"
    [(name, source, target)] = steps_of(release)
    assert (name, source, target) == ("correct", "published", "published")
    step_row = release.transitions.get()
    assert (step_row.user, step_row.comment) == (publisher, "Summary")
    # Staff may not correct it at all (read-only to them).
    staff_page = logged_in(writer).get(change_url(release)).content.decode()
    assert 'name="_save"' not in staff_page


def test_changing_a_scheduled_release_tells_the_publishers_it_awaits_them_again(
    mailoutbox, django_capture_on_commit_callbacks
):
    writer = make_user("writer", group=STAFF)
    publisher = make_user("publisher", group=PUBLISHERS)
    publisher.email = "publisher@example.org"
    publisher.save()
    release = in_state("scheduled", editor=writer)
    with django_capture_on_commit_callbacks(execute=True):
        save_change_form(logged_in(writer), release, summary="One more sentence.")
    assert release.state == "in_review"
    [message] = mailoutbox
    assert message.to == ["publisher@example.org"]
    assert "after it was approved: it awaits review again" in message.body


# --- hostile input ------------------------------------------------------------------------


def test_a_nul_in_the_submission_note_is_no_error():
    staff = make_user("writer", group=STAFF)
    release = in_state("draft", editor=staff)
    save_change_form(logged_in(staff), release, submit=True, note="Ready\x00 now")
    assert release.state == "in_review"
    assert release.transitions.get(name="submit").comment == "Ready now"


# --- the change list's queries --------------------------------------------------------------


def test_the_change_list_costs_the_same_queries_for_10_or_40_rows(client):
    staff = make_user("writer", group=STAFF)
    client = logged_in(staff)
    counts = []
    for total in (10, 40):
        while PressRelease.objects.count() < total:
            n = PressRelease.objects.count()
            make_release(f"Release {n}", status="draft", edited_by=staff, created_by=staff)
        for url in ("/admin/press/pressrelease/", "/admin/press/pressrelease/?state=sent_back"):
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.append((url, total, len(queries)))
    by_url = {}
    for url, _total, n in counts:
        by_url.setdefault(url, set()).add(n)
    assert all(len(numbers) == 1 for numbers in by_url.values()), counts
