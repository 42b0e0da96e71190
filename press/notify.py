"""Mail about the review workflow: publishers hear of each release submitted to them.

Sent with Django's mail once the submission has committed, one message per
publisher (nobody sees who else got it). The backend comes from the
environment (``EMAIL_HOST``…, see the settings); the demo prints mail to the
console. A failure to send is logged and changes nothing: the submission
stands, and the dashboard lists it.
"""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import PUBLISH_PERMISSION, Transition

log = logging.getLogger(__name__)


def one_line(subject):
    """A subject on one line: a line break in a title would make the message unsendable."""
    return " ".join(str(subject).split())[:200]


def publishers():
    """Active staff accounts with an address that hold the publish permission (by role or own).

    Superusers hold every permission without a role: they are told only when
    they are in a role that publishes, so as not to mail every administrator.
    """
    app_label, codename = PUBLISH_PERMISSION.split(".")
    permission = Permission.objects.filter(
        content_type__app_label=app_label, codename=codename
    ).first()
    if permission is None:
        return get_user_model().objects.none()
    return (
        get_user_model()
        .objects.filter(is_active=True, is_staff=True)
        .exclude(email="")
        .filter(Q(user_permissions=permission) | Q(groups__permissions=permission))
        .distinct()
        .order_by("pk")
    )


def person(user):
    """How a person is named to others: their full name, else their user name ("" for none)."""
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def submitted(step_pk, *, base_url=""):
    """Tell the publishers that a release awaits their review; return how many were told."""
    step = Transition.objects.select_related("release", "user").filter(pk=step_pk).first()
    if step is None:
        return 0
    release = step.release
    recipients = list(publishers().exclude(pk=step.user_id).values_list("email", flat=True))
    if not recipients:
        return 0
    base = (base_url or settings.SITE_URL).rstrip("/")
    review_url = base + reverse("admin:press_pressrelease_review", args=[release.pk])
    who = person(step.user) or _("Someone")
    values = {"who": who, "title": release.title}
    if step.name == "reopen":
        said = _("%(who)s changed “%(title)s” after it was approved: it awaits review again.")
    else:
        said = _("%(who)s submitted “%(title)s” for review.")
    lines = [said % values, ""]
    if step.comment:
        lines += [_("Their note: %(note)s") % {"note": step.comment}, ""]
    lines += [_("Review it: %(url)s") % {"url": review_url}]
    subject = _("For review: %(title)s") % {"title": release.title}
    return _send_each(
        recipients,
        subject,
        "\n".join(lines),
        failure=f"Could not tell the publishers about release {release.pk}",
    )


def _send_each(addresses, subject, body, *, failure, reply_to=None):
    """One message per address (nobody sees who else got it); how many went out.

    A failure is logged, never raised: what asked for the mail stands.
    """
    messages = [
        mail.EmailMessage(one_line(subject), body, to=[address], reply_to=reply_to)
        for address in addresses
    ]
    try:
        with mail.get_connection() as connection:
            return connection.send_messages(messages) or 0
    except (OSError, mail.BadHeaderError) as exc:  # smtplib's errors are OSErrors
        log.error("%s: %s", failure, exc)
        return 0


def embargo_link(release, addresses, link, *, sender=None):
    """Send ``link`` (a scheduled release's embargo link) to each address; return how many.

    One message per address: no journalist sees who else got it.
    """
    when = date_format(timezone.localtime(release.published_at), "DATETIME_FORMAT")
    subject = _("Embargoed until %(time)s: %(title)s") % {"time": when, "title": release.title}
    body = "\n".join(
        [
            _("Embargoed until %(time)s. Not for publication or broadcast before that time.")
            % {"time": when},
            "",
            release.title,
            "",
            release.summary,
            "",
            _("Read it here: %(url)s") % {"url": link},
            "",
            _("This link is for you alone; it stops working seven days after publication."),
        ]
    )
    reply_to = [sender.email] if sender is not None and sender.email else None
    return _send_each(
        addresses,
        subject,
        body,
        failure=f"Could not send the embargo link of release {release.pk}",
        reply_to=reply_to,
    )
