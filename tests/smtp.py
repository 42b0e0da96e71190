"""A real SMTP server for the mail tests: aiosmtpd on 127.0.0.1, a free port.

``smtp_server`` (a fixture) points Django's SMTP backend at it and yields its
``Collector``, whose ``envelopes`` are the messages it accepted;
``smtp_environment(collector)`` points another process's Django at it.
"""

import socket

import pytest
from aiosmtpd.controller import Controller


class Collector:
    """An SMTP handler keeping every message it is given (``envelopes``)."""

    def __init__(self):
        self.envelopes = []
        self.port = None

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


FROM_EMAIL = "press@osce.example"


@pytest.fixture
def smtp_server(settings):
    """aiosmtpd on 127.0.0.1 and Django's SMTP backend pointed at it; yields its ``Collector``."""
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    collector.port = controller.port
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 10
    settings.DEFAULT_FROM_EMAIL = FROM_EMAIL
    try:
        yield collector
    finally:
        controller.stop()


def smtp_environment(collector):
    """Environment variables that point another process's Django at ``collector``'s server."""
    return {
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(collector.port),
        "EMAIL_USE_TLS": "",
        "DEFAULT_FROM_EMAIL": FROM_EMAIL,
    }
