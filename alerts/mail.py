"""The alerts' mail: a confirmation, and alerts (one release, or a digest of many).

Every message is written in its subscription's language, in plain text and
HTML, and says why it came (the filter set in words) with a link to manage
the address's subscriptions. Alerts carry ``List-Unsubscribe`` (an https
address that ends the subscriptions the message is for),
``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058) and
``List-Id``; their ``Message-ID`` is made from what they deliver, so a
message sent again after a crash is the same message to the receiving side.
"""

import hashlib
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from press.feeds import site_names
from press.notify import one_line

from . import filter_sets, tokens


def site_url():
    return settings.SITE_URL.rstrip("/")


def _domain():
    return urlsplit(site_url()).hostname or "localhost"


def absolute(path):
    return site_url() + path


def manage_url(email, language):
    with translation.override(language):
        return absolute(reverse("alerts:manage", args=[tokens.manage_token(email)]))


def unsubscribe_url(subscriptions, language):
    with translation.override(language):
        return absolute(
            reverse("alerts:unsubscribe", args=[tokens.unsubscribe_token(subscriptions)])
        )


def confirmation(subscription):
    """The mail that asks to confirm ``subscription`` (or says it is already confirmed)."""
    with translation.override(subscription.language):
        words = filter_sets.from_query(subscription.query).words()
        context = {
            "subscription": subscription,
            "words": words,
            "already": subscription.is_active,
            "confirm_url": absolute(
                reverse("alerts:confirm", args=[tokens.confirm_token(subscription)])
            ),
            "confirm_days": tokens.CONFIRM_DAYS,
            "manage_url": manage_url(subscription.email, subscription.language),
            "frequency": subscription.get_frequency_display(),
            "site_name": site_names()[0],
        }
        # The subject names no filter: its words (a search) are the asker's, and
        # the asker may not be the address's owner. The body quotes them.
        if subscription.is_active:
            subject = _("You already get these alerts")
        else:
            subject = _("Confirm your email alerts")
        return _message(subject, "alerts/mail/confirm", context, subscription.email)


def words_of(query):
    """The filter set of a stored ``query`` in words, in the current language."""
    return filter_sets.from_query(query).words()


def alert(sections, *, language, email, words=words_of):
    """An alert: ``sections`` is [(subscription, [releases])], one or several (a digest).

    ``words(query)`` names a filter set (a sender passes one that remembers,
    so a batch names each filter set once).
    """
    subscriptions = [subscription for subscription, _releases in sections]
    with translation.override(language):
        parts = []
        for subscription, releases in sections:
            parts.append(
                {
                    "words": words(subscription.query),
                    "frequency": subscription.get_frequency_display(),
                    "releases": [_release(release) for release in releases],
                    "unsubscribe_url": unsubscribe_url([subscription], language),
                }
            )
        # Releases, not listings: one under two of the address's subscriptions counts once.
        count = len({release.pk for _subscription, releases in sections for release in releases})
        if count == 1:
            subject = parts[0]["releases"][0]["title"]
        else:
            subject = _("%(count)d new press releases: %(words)s") % {
                "count": count,
                "words": "; ".join(part["words"] for part in parts),
            }
        unsubscribe = unsubscribe_url(subscriptions, language)
        context = {
            "sections": parts,
            "digest": subscriptions[0].frequency != subscriptions[0].Frequency.IMMEDIATE,
            "manage_url": manage_url(email, language),
            "unsubscribe_url": unsubscribe,
            "site_name": site_names()[0],
        }
        delivered = sorted(
            f"{subscription.pk}:{release.pk}"
            for subscription, releases in sections
            for release in releases
        )
        message = _message(subject, "alerts/mail/alert", context, email)
    digest = hashlib.sha256(",".join(delivered).encode()).hexdigest()[:32]
    message.extra_headers.update(
        {
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": f"{one_line(_list_name())} <press-alerts.{_domain()}>",
            "Message-ID": f"<alert.{digest}@{_domain()}>",
            "Auto-Submitted": "auto-generated",
        }
    )
    return message


def _list_name():
    return _("%(site)s press release alerts") % {"site": site_names()[1]}


def _release(release):
    """What an alert says of a release: title, dateline, summary, link."""
    when = date_format(timezone.localtime(release.published_at), "DATE_FORMAT")
    dateline = f"{release.place.upper()}, {when}" if release.place else when
    return {
        "title": release.title,
        "dateline": dateline,
        "summary": release.summary,
        "url": absolute(release.get_absolute_url()),
    }


def _message(subject, template, context, to):
    text = render_to_string(f"{template}.txt", context)
    html = render_to_string(f"{template}.html", context)
    message = EmailMultiAlternatives(one_line(subject), text, to=[to])
    message.attach_alternative(html, "text/html")
    message.extra_headers["Content-Language"] = translation.get_language()
    return message
