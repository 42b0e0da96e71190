"""Production settings, response headers, throttled logins, outages, uploads served safely."""

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from osce_cms.logs import JsonFormatter

from .conftest import make_release, make_user, requires_postgres
from .factories import UserFactory
from .images import image_bytes, upload

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.usefixtures("taxonomy")

PRODUCTION_ENV = {
    "DJANGO_SECRET_KEY": "x" * 20 + "-production-like-secret-for-the-deploy-check-0123456789",
    "DJANGO_DEBUG": "0",
    "DJANGO_ALLOWED_HOSTS": "www.example.org",
    "DJANGO_CSRF_TRUSTED_ORIGINS": "https://www.example.org",
    "DJANGO_SETTINGS_MODULE": "osce_cms.settings",
}


def test_check_deploy_reports_nothing_with_production_settings():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(PRODUCTION_ENV)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_without_a_secret_key_production_refuses_to_start():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update({"DJANGO_SETTINGS_MODULE": "osce_cms.settings"})
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env,
                            capture_output=True, text=True)  # fmt: skip
    assert result.returncode != 0
    assert "Set DJANGO_SECRET_KEY" in result.stderr


class TestHeaders:
    @pytest.mark.parametrize("url", ["/", "/press/", "/countries/moldova/", "/press/feed/"])
    def test_public_pages_have_a_strict_csp_and_safe_headers(self, client, url):
        response = client.get(url)
        csp = response["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "default-src 'self'" in csp and "object-src 'none'" in csp
        assert "frame-ancestors 'none'" in csp
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response["X-Frame-Options"] == "DENY"
        assert "camera=()" in response["Permissions-Policy"]

    def test_public_policy_is_exactly_the_strict_one(self, client):
        policy = sorted(client.get("/press/")["Content-Security-Policy"].split("; "))
        assert policy == [
            "base-uri 'self'",
            "connect-src 'self'",
            "default-src 'self'",
            "font-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "img-src 'self'",
            "object-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
        ]

    @pytest.mark.parametrize(
        "url",
        [
            "/admin/",
            "/admin/press/pressrelease/",
            "/admin/press/pressrelease/add/",
            "/admin/taxonomy/topic/",
        ],
    )
    def test_admin_pages_have_a_csp(self, client, url):
        client.force_login(make_user("csp-admin", superuser=True))
        response = client.get(url)
        assert response.status_code == 200
        directives = dict(d.split(" ", 1) for d in response["Content-Security-Policy"].split("; "))
        assert directives["default-src"] == "'self'"
        assert directives["object-src"] == "'none'"
        assert directives["frame-ancestors"] == "'none'"
        assert directives["base-uri"] == "'self'"
        # Scripts: same-origin files, and inline only with this response's nonce.
        script = directives["script-src"].split()
        assert script[0] == "'self'"
        assert all(s.startswith("'nonce-") for s in script[1:])
        assert "unsafe" not in response["Content-Security-Policy"]

    def test_the_admin_login_page_has_a_csp(self, client):
        response = client.get("/admin/login/")
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert "unsafe" not in response["Content-Security-Policy"]

    def test_the_editors_nonce_is_this_responses(self, client):
        """The release form's import map carries the nonce its header names, fresh each time."""
        client.force_login(make_user("csp-admin", superuser=True))
        nonces = []
        for _ in range(2):
            response = client.get("/admin/press/pressrelease/add/")
            (nonce,) = re.findall(r"'nonce-([^']+)'", response["Content-Security-Policy"])
            page = response.content.decode()
            assert f'<script type="importmap" nonce="{nonce}">' in page
            nonces.append(nonce)
        assert nonces[0] != nonces[1]

    def test_cached_pages_keep_their_headers(self, client, settings):
        settings.PAGE_CACHE_ENABLED = True
        client.get("/press/")
        response = client.get("/press/")
        assert response["X-Cache"] == "HIT"
        assert "unsafe-inline" not in response["Content-Security-Policy"]

    def test_release_page_renders_no_inline_script_or_style(self, client):
        release = make_release("Headers", summary="s")
        page = client.get(release.get_absolute_url()).content.decode()
        assert " style=" not in page
        scripts = page.count("<script")
        assert scripts == page.count('<script type="application/ld+json">')

    def test_json_ld_cannot_be_broken_out_of(self, client):
        release = make_release('</script><script>alert("x")</script>', summary="<!--")
        page = client.get(release.get_absolute_url()).content.decode()
        block = page.split('<script type="application/ld+json">')[1].split("</script>")[0]
        assert "<" not in block
        assert json.loads(block)["headline"].startswith("</script>")


class TestUploadsServedSafely:
    @pytest.fixture(autouse=True)
    def media_root(self, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path / "media"
        settings.MEDIA_ROOT.mkdir()
        return settings.MEDIA_ROOT

    def test_an_uploaded_image_is_served_as_an_image_only(self, client):
        release = make_release("Pic", lead_image=upload(), lead_image_alt="x")
        response = client.get(release.lead_image.url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]

    def test_only_image_files_inside_media_are_served(self, client, media_root, tmp_path):
        (media_root / "photo.jpg").write_bytes(image_bytes())
        (media_root / "evil.html").write_text("<script>alert(1)</script>")
        (media_root / "fake.jpg.svg").write_text("<svg onload=alert(1)>")
        (tmp_path / "outside.jpg").write_bytes(image_bytes())  # next to media, not in it
        assert client.get("/media/photo.jpg").status_code == 200  # the control
        assert client.get("/media/evil.html").status_code == 404
        assert client.get("/media/fake.jpg.svg").status_code == 404
        assert client.get("/media/..%2Foutside.jpg").status_code == 404

    @pytest.mark.parametrize(
        "path",
        [
            "a" * 256 + ".jpg",  # one name longer than any file system allows
            "a" * 300 + "/photo.jpg",
            "a/" * 2100 + "photo.jpg",  # a whole path longer than PATH_MAX
            "%00.jpg",
            "photo%00.jpg",
            "folder.jpg",  # a directory, not a file
        ],
    )
    def test_names_the_file_system_cannot_hold_are_not_found(self, client, media_root, path):
        (media_root / "folder.jpg").mkdir()
        (media_root / "photo.jpg").write_bytes(image_bytes())
        assert client.get(f"/media/{path}").status_code == 404

    def test_the_longest_name_a_file_system_holds_is_served(self, client, media_root):
        """The control: 255 characters is a legal name, and served."""
        name = "a" * 251 + ".jpg"
        (media_root / name).write_bytes(image_bytes())
        assert client.get(f"/media/{name}").status_code == 200

    @hypothesis_settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(
        # Short names, and names around and beyond the file system's 255 bytes.
        stem=st.one_of(st.text(min_size=1, max_size=40), st.text(min_size=200, max_size=600)),
        suffix=st.sampled_from([".jpg", ".JPEG", ".png", ".webp", ".html", ""]),
    )
    def test_any_name_is_served_or_not_found(self, client, media_root, stem, suffix):
        response = client.get("/media/" + quote(stem + suffix, safe="/"))
        assert response.status_code == 404  # nothing by such names exists


class TestLoginThrottling:
    def test_repeated_failures_lock_the_account_out(self, client, site_admin):
        for _ in range(4):
            response = client.post("/admin/login/", {"username": "siteadmin",
                                                     "password": "wrong"})  # fmt: skip
            assert response.status_code == 200  # the login form again, with an error
        response = client.post("/admin/login/", {"username": "siteadmin", "password": "wrong"})
        assert response.status_code == 429  # the fifth failure locks the pair out
        # Even the right password is refused now.
        response = client.post("/admin/login/", {"username": "siteadmin",
                                                 "password": "pw-for-tests"})  # fmt: skip
        assert response.status_code == 429
        assert "Too many failed logins" in response.content.decode()
        assert "_auth_user_id" not in client.session
        # The lock is on that account from that address: another account still gets in.
        UserFactory(username="colleague", group="Site administrators")
        response = client.post("/admin/login/", {"username": "colleague",
                                                 "password": "pw-for-tests"})  # fmt: skip
        assert response.status_code == 302 and "_auth_user_id" in client.session

    def test_a_success_before_the_limit_resets_the_count(self, client, site_admin):
        for _ in range(3):
            client.post("/admin/login/", {"username": "siteadmin", "password": "wrong"})
        response = client.post("/admin/login/", {"username": "siteadmin",
                                                 "password": "pw-for-tests"})  # fmt: skip
        assert response.status_code == 302


@requires_postgres  # an in-memory SQLite test database cannot be "unreachable"
@pytest.mark.django_db(transaction=True)
def test_a_database_outage_answers_503_and_the_site_recovers(client, taxonomy):
    """A real failed connection (an unreachable server or file), not a mock."""
    make_release("Before the outage")
    settings_dict = connection.settings_dict
    saved = dict(settings_dict)
    connection.close()
    if connection.vendor == "postgresql":
        settings_dict["PORT"] = "1"  # nothing listens there
    else:
        settings_dict["NAME"] = "/nonexistent-directory/db.sqlite3"
    try:
        response = client.get("/press/")
        assert response.status_code == 503
        assert response["Retry-After"] == "30"
        assert "Temporarily unavailable" in response.content.decode()
        assert client.get("/healthz").status_code == 503
    finally:
        connection.close()
        settings_dict.clear()
        settings_dict.update(saved)
    assert client.get("/healthz").status_code == 200
    assert b"Before the outage" in client.get("/press/").content


def test_logs_are_json_lines():
    record = logging.LogRecord("osce", logging.WARNING, __file__, 1, "hello %s", ("world",), None)
    record.release = 42
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "hello world"
    assert entry["level"] == "WARNING" and entry["release"] == 42
