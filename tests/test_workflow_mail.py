"""A submission reaches the publishers through a real SMTP server.

aiosmtpd listens on 127.0.0.1 on a free port; Django's SMTP backend talks to
it as it would to the organisation's relay. The mail leaves once the
submission has committed.
"""

from email import message_from_bytes
from email.header import decode_header, make_header

import pytest

from . import smtp
from .conftest import make_release, make_user
from .test_workflow import PUBLISHERS, STAFF, logged_in, step

pytestmark = pytest.mark.usefixtures("taxonomy")


smtp_server = smtp.smtp_server  # the fixture, by the name the tests ask for


def test_a_submission_reaches_the_publishers_over_smtp(
    smtp_server, django_capture_on_commit_callbacks
):
    make_user("pub-one", group=PUBLISHERS)
    make_user("pub-two", group=PUBLISHERS)
    make_user("other-writer", group=STAFF)
    writer = make_user("writer", group=STAFF)
    release = make_release("Mission opens field office", status="draft", edited_by=writer)

    with django_capture_on_commit_callbacks(execute=True):
        step(logged_in(writer), release, "submit", comment="Needed by noon.")

    assert sorted(e.rcpt_tos for e in smtp_server.envelopes) == [
        ["pub-one@example.org"],
        ["pub-two@example.org"],
    ]
    for envelope in smtp_server.envelopes:
        assert envelope.mail_from == "press@osce.example"
        message = message_from_bytes(envelope.original_content)
        assert str(make_header(decode_header(message["Subject"]))) == (
            "For review: Mission opens field office"
        )
        assert message["To"] == envelope.rcpt_tos[0]
        body = message.get_payload(decode=True).decode(message.get_content_charset())
        assert "writer submitted “Mission opens field office” for review." in body
        assert "Their note: Needed by noon." in body
        assert f"http://testserver/admin/press/pressrelease/{release.pk}/review/" in body


def test_a_server_that_is_down_does_not_undo_the_submission(
    settings, django_capture_on_commit_callbacks, caplog
):
    """The control for a failure: nothing listens; the submission stands, the error is logged."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = smtp.free_port()
    settings.EMAIL_TIMEOUT = 5
    make_user("pub-one", group=PUBLISHERS)
    writer = make_user("writer", group=STAFF)
    release = make_release("Nobody hears of it", status="draft", edited_by=writer)

    with django_capture_on_commit_callbacks(execute=True):
        step(logged_in(writer), release, "submit")

    assert release.state == "in_review"
    assert "Could not tell the publishers about release" in caplog.text
