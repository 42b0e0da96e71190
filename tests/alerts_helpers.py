"""Shared helpers for the email alerts' tests (tests/test_alerts*.py).

Everything here goes through the real thing: the real /alerts/ pages and
their form, the real confirmation mail and its link, a real SMTP server.

Use in a test module::

    from . import alerts_helpers
    from .alerts_helpers import inbox, subscribe_and_confirm, ...

    smtp_server = alerts_helpers.smtp_server  # the fixture, by the name tests ask for

* ``smtp_server``: an aiosmtpd server on 127.0.0.1 (a free port) with
  Django's SMTP backend pointed at it (``settings`` fixture); yields the
  ``Collector`` whose ``envelopes`` are the messages it accepted. Its
  ``port`` is ``collector.port`` (for a worker process's environment:
  ``smtp_environment(collector)``).
* ``inbox(smtp=None)``: every message sent so far, parsed
  (``email.message.EmailMessage``), from ``django.core.mail.outbox``, or
  from the SMTP server's collector when one is given. ``text_of``,
  ``html_of``, ``subject_of``, ``to_of`` read them.
* ``subscribe(client, params, email, ...)``: GET ``/alerts/?<params>``,
  then POST the page's own form (its hidden filter inputs) with the email,
  frequency and language; returns the POST's response.
* ``subscribe_and_confirm(client, params, email, frequency, language, ...)``:
  the above, then have the confirmation mail sent (``deliver``, by default
  ``call_command("send_alerts")`` in this process), find it in the inbox,
  follow its link (GET shows the button and does not confirm, POST
  confirms) and return the confirmed ``Subscription``.
* ``links(text)``, ``local(url)``, ``confirm_link(message)``,
  ``manage_link(message)``, ``unsubscribe_link(message)``: the links of a
  mail, as paths the test client can request.
"""

import re
import time
from email import message_from_bytes, policy
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core import mail
from django.core.management import call_command

from . import smtp

# --- A real SMTP server (tests/smtp.py) --------------------------------------------------

Collector, free_port, smtp_environment = smtp.Collector, smtp.free_port, smtp.smtp_environment
FROM_EMAIL = smtp.FROM_EMAIL
smtp_server = smtp.smtp_server


# --- Reading what was sent ---------------------------------------------------------------


def inbox(smtp=None):
    """Every message sent so far, parsed: from the SMTP ``Collector`` if given, else the outbox."""
    if smtp is not None:
        raw = [envelope.original_content for envelope in smtp.envelopes]
    else:
        raw = [message.message().as_bytes() for message in mail.outbox]
    return [message_from_bytes(data, policy=policy.default) for data in raw]


def to_of(message):
    return [address.strip().lower() for address in message["To"].split(",")]


def subject_of(message):
    return str(message["Subject"])


def _part(message, subtype):
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return None
    return part.get_content()


def text_of(message):
    """The plain text part (``None`` if there is none)."""
    return _part(message, "plain")


def html_of(message):
    """The HTML part (``None`` if there is none)."""
    return _part(message, "html")


def mails_to(email, smtp=None):
    """The messages sent to ``email`` so far (parsed)."""
    return [m for m in inbox(smtp) if email.lower() in to_of(m)]


URL = re.compile(r"""https?://[^\s<>"']+""")


def links(text):
    """Every absolute http(s) address in ``text``, in order."""
    return URL.findall(text or "")


def local(url):
    """An absolute address on this site as the path (and query) the test client requests."""
    site = urlsplit(settings.SITE_URL)
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == (site.scheme, site.netloc), (url, settings.SITE_URL)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _link(message, word):
    found = [url for url in links(text_of(message)) if f"/alerts/{word}/" in url]
    assert found, f"no /alerts/{word}/ link in: {text_of(message)}"
    return local(found[0])


def confirm_link(message):
    """The confirmation link of a confirmation mail, as a local path."""
    return _link(message, "confirm")


def manage_link(message):
    """The manage link of any alerts mail, as a local path."""
    return _link(message, "manage")


def unsubscribe_link(message):
    """The address of the ``List-Unsubscribe`` header of an alert, as a local path."""
    header = str(message["List-Unsubscribe"])
    match = re.fullmatch(r"<(https?://[^>]+)>", header.strip())
    assert match, header
    return local(match.group(1))


# --- The pages ---------------------------------------------------------------------------


class _Forms(HTMLParser):
    """The inputs of the page's subscribe form (``class="alerts-form"``)."""

    def __init__(self):
        super().__init__()
        self.inside = False
        self.action = None
        self.hidden = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and "alerts-form" in (attrs.get("class") or ""):
            self.inside = True
            self.action = attrs.get("action")
        elif tag == "input" and self.inside and attrs.get("type") == "hidden":
            self.hidden.append((attrs.get("name"), attrs.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False


def subscribe_form(html):
    """``(action, [(name, value)] of the hidden inputs)`` of an /alerts/ page's form."""
    parser = _Forms()
    parser.feed(html)
    assert parser.action, "no subscribe form on the page"
    return parser.action, [(n, v) for n, v in parser.hidden if n != "csrfmiddlewaretoken"]


#: What the /alerts/ page says above the filters it refuses (an unknown slug, a bad date).
REFUSED = "These filters cannot be subscribed to:"


def query_of(params):
    """``params`` (a dict, with lists for several values, pairs, or a query string) as a query."""
    if isinstance(params, str):
        return params.lstrip("?")
    return urlencode(params, doseq=True)


def subscribe(
    client,
    params,
    email,
    frequency="immediate",
    language="en",
    *,
    prefix="",
    remote_addr="127.0.0.1",
):
    """Ask for alerts as a visitor does: open ``/alerts/?<params>``, fill in and post its form.

    ``prefix`` is a language's path prefix ("/fr"). The page must accept the
    filters (it names none it refuses): its form posts only what it
    understood. Returns the POST's response.
    """
    query = query_of(params)
    page = client.get(f"{prefix}/alerts/" + (f"?{query}" if query else ""))
    assert page.status_code == 200, page.content.decode()[:2000]
    assert REFUSED not in page.content.decode(), f"the page refuses some of {query!r}"
    action, hidden = subscribe_form(page.content.decode())
    data = {}
    for name, value in hidden:
        data.setdefault(name, []).append(value)
    data.update({"email": email, "frequency": frequency, "language": language})
    return client.post(action, data, REMOTE_ADDR=remote_addr)


def send_alerts():
    """Everything due, in this process (the cron job's command)."""
    call_command("send_alerts", "--quiet")


def wait_for(predicate, timeout=20.0, interval=0.1):
    """Poll ``predicate`` until it is true (returned) or ``timeout`` seconds pass (``None``)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)


def subscribe_and_confirm(
    client,
    params,
    email,
    frequency="immediate",
    language="en",
    *,
    smtp=None,
    deliver=send_alerts,
    prefix="",
):
    """Subscribe through the real pages and confirm through the real confirmation mail.

    ``deliver()`` gets the confirmation sent (default: ``send_alerts`` in this
    process; a worker test may pass a function that waits for its worker).
    ``smtp`` is the ``smtp_server`` collector to read the mail from (else the
    outbox). Returns the confirmed ``Subscription``.
    """
    from alerts.models import Subscription

    before = len(mails_to(email, smtp))
    answer = subscribe(client, params, email, frequency, language, prefix=prefix)
    assert answer.status_code == 200, answer.content.decode()[:2000]
    deliver()
    mails = wait_for(lambda: mails_to(email, smtp)[before:] or None)
    assert mails and len(mails) == 1, f"expected one confirmation mail to {email}, got {mails}"
    link = confirm_link(mails[0])
    shown = client.get(link)
    assert shown.status_code == 200, shown.content.decode()[:2000]
    token = link.rstrip("/").rsplit("/", 1)[1]
    from alerts import tokens

    subscription = tokens.confirming(token)
    assert subscription.confirmed_at is None, "a GET of the link must not confirm"
    done = client.post(link)
    assert done.status_code == 200, done.content.decode()[:2000]
    subscription = Subscription.objects.get(pk=subscription.pk)
    assert subscription.is_active, subscription
    return subscription
