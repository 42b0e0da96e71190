"""`make demo` serves the site as production does: its own 404, 500 and 503 pages.

It used to run with debug on, so a wrong address showed Django's debug page,
unstyled because the content security policy blocks its inline styles. These
tests start the server the way the Makefile does, with the Makefile's own
environment, and read the pages over HTTP.
"""

import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.test import override_settings
from django.urls import path

ROOT = Path(__file__).resolve().parent.parent
SITE_HEADER = 'class="site-header"'


def demo_environment():
    """The variables `make demo` sets, read from the Makefile itself."""
    line = re.search(r"^DEMO_ENV\s*:?=\s*(.*)$", (ROOT / "Makefile").read_text(), re.M)
    assert line, "the Makefile defines DEMO_ENV"
    return dict(pair.split("=", 1) for pair in line.group(1).split())


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def wait_until_up(url, process):
    for _ in range(150):
        if process.poll() is not None:
            pytest.fail(f"the server stopped: {process.stdout.read()[-3000:]}")
        try:
            get(url)
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.2)
    pytest.fail("the server did not start")


def serve(command, env, tmp_path):
    import os

    full_env = {**os.environ, **env, "MEDIA_ROOT": str(tmp_path / "media")}
    full_env.pop("DJANGO_SETTINGS_MODULE", None)
    full_env.pop("DJANGO_SECRET_KEY", None)  # the demo has none
    return subprocess.Popen(
        command, cwd=ROOT, env=full_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


@pytest.fixture
def demo_server(tmp_path):
    env = {**demo_environment(), "DATABASE_URL": f"sqlite:///{tmp_path}/demo.sqlite3"}
    migrate = serve([sys.executable, "manage.py", "migrate", "--noinput"], env, tmp_path)
    assert migrate.wait(timeout=300) == 0, migrate.stdout.read()[-3000:]
    port = free_port()
    server = serve(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"], env, tmp_path
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{base}/healthz", server)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_the_demo_shows_the_sites_own_404_page_styled(demo_server):
    status, body, headers = get(f"{demo_server}/no-such-page/")
    assert status == 404
    assert "Page not found" in body
    assert SITE_HEADER in body  # the site's layout, not Django's debug page
    assert "Django tried these URL patterns" not in body
    stylesheet = re.search(r'href="(/static/css/site[^"]*\.css)"', body).group(1)
    assert get(f"{demo_server}{stylesheet}")[0] == 200


def test_the_demo_serves_plain_http_cookies_a_browser_keeps(demo_server):
    status, body, headers = get(f"{demo_server}/admin/login/")
    assert status == 200
    cookie = headers.get("Set-Cookie", "")
    assert "csrftoken=" in cookie
    assert "Secure" not in cookie  # over http://127.0.0.1 a Secure cookie would be dropped
    assert get(f"{demo_server}/press/")[0] == 200


def test_a_database_outage_shows_the_sites_own_503_page(tmp_path):
    # Nothing listens on port 1: the database is down from the start.
    env = {**demo_environment(), "DATABASE_URL": "postgres://postgres@127.0.0.1:1/none"}
    port = free_port()
    server = serve(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "osce_cms.wsgi"],
        env,
        tmp_path,
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", server)
        status, body, headers = get(f"http://127.0.0.1:{port}/press/")
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert status == 503
    assert "Temporarily unavailable" in body
    assert SITE_HEADER in body
    assert headers.get("Retry-After") == "30"


def broken_view(request):
    raise RuntimeError("a bug")


urlpatterns = [path("broken/", broken_view)]


@override_settings(ROOT_URLCONF=__name__, DEBUG=False)
def test_an_unexpected_error_shows_the_sites_own_500_page(client):
    client.raise_request_exception = False
    response = client.get("/broken/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert SITE_HEADER in response.content.decode()
