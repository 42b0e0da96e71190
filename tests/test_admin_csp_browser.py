"""The admin's Content-Security-Policy in Chromium: every page it serves runs under it.

Each page is visited as a superuser with a collector installed before any of
its scripts: ``securitypolicyviolation`` events and console messages. None may
report a violation, and the editor and the tree admin must have done their
work (a policy that blocked their scripts would be "clean" and useless). The
control serves an inline script under the same header and sees it reported.
"""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from .conftest import BROWSER_TESTS, make_release

pytestmark = BROWSER_TESTS

COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(
    `${e.effectiveDirective} blocked ${e.blockedURI}`
    + ` at ${e.sourceFile}:${e.lineNumber} sample ${JSON.stringify(e.sample)}`
  );
});
"""


def violations(page):
    """Violations seen so far: the page's events and Chromium's console reports."""
    page.wait_for_timeout(300)  # reports are queued as tasks after the blocked thing
    events = page.evaluate("window.__cspViolations")
    console = [m for m in page.csp_console if "Content Security Policy" in m]
    return events + console


def watched_page(context, base):
    """A new page of ``context`` that collects CSP violations (``violations``), its console
    (``csp_console``) and its errors (``console_errors``); ``base`` is the site's address."""
    context.add_init_script(COLLECT_VIOLATIONS)
    page = context.new_page()
    page.csp_console, page.console_errors = [], []
    page.on("console", lambda m: page.csp_console.append(f"{m.type}: {m.text}"))
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(f"pageerror: {e}"))
    page.base = base
    return page


@pytest.fixture
def admin(browser, live_server, taxonomy):
    User.objects.create_superuser("editor", "editor@example.org", "pw-editor-test")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(COLLECT_VIOLATIONS)
    page = context.new_page()
    page.csp_console = []
    page.on("console", lambda m: page.csp_console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: page.csp_console.append(f"pageerror: {e}"))
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "editor")
    page.fill("#id_password", "pw-editor-test")
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    page.base = live_server.url
    yield page
    context.close()


def visit(page, path):
    response = page.goto(f"{page.base}{path}")
    assert response.status == 200
    policy = response.headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    return response


def test_admin_index_and_login_run_clean(admin):
    assert violations(admin) == []  # the login page and the redirect to the index
    visit(admin, "/admin/")
    assert admin.locator("#site-name").count() == 1
    assert violations(admin) == []


def test_the_release_add_form_and_its_editor_run_clean(admin):
    visit(admin, "/admin/press/pressrelease/add/")
    editor = admin.locator(".prose-editor .ProseMirror[contenteditable=true]")
    editor.wait_for()
    editor.click()
    admin.keyboard.type("Typed under the policy")
    assert editor.inner_text().strip() == "Typed under the policy"
    admin.locator(".prose-menubar").first.wait_for()  # the toolbar the script builds
    assert violations(admin) == []


def test_a_release_change_form_with_its_body_runs_clean(admin):
    release = make_release("Under the policy", body="<p>Existing <strong>body</strong></p>")
    visit(admin, f"/admin/press/pressrelease/{release.pk}/change/")
    editor = admin.locator(".prose-editor .ProseMirror[contenteditable=true]")
    editor.wait_for()
    assert editor.locator("strong").inner_text() == "body"
    editor.locator("p").first.click()
    admin.keyboard.press("End")
    admin.keyboard.type(" and more")
    assert editor.inner_text().strip() == "Existing body and more"
    assert violations(admin) == []


def test_the_tree_changelist_runs_clean(admin):
    visit(admin, "/admin/taxonomy/topic/")
    # draggable-admin.js turns each row's marker into an expand/collapse toggle
    # and adds its tools: proof that it ran.
    admin.locator(".tree-node").first.wait_for()
    assert admin.locator("#result_list tbody tr").count() > 1
    assert admin.locator(".object-tools a", has_text="Collapse tree").count() == 1
    assert violations(admin) == []


def control_violations(page, url, policy, extra=""):
    """Open, at ``url`` under ``policy``, a page with a style attribute, ``extra`` HTML and an
    inline script: what the collector found there, and whether the script ran."""
    page.route(url, lambda route: route.fulfill(
        status=200, content_type="text/html; charset=utf-8",
        body="<!doctype html><title>Control</title><p style='color: red'>x</p>"
             f"{extra}<script>window.__ran = 1</script>",
        headers={"Content-Security-Policy": policy},
    ))  # fmt: skip
    page.goto(url)
    return violations(page), page.evaluate("window.__ran") is not None


def test_control_an_inline_script_under_the_admin_policy_is_reported(admin):
    """The collector sees what the policy blocks: an inline script and a style attribute."""
    policy = visit(admin, "/admin/").headers["content-security-policy"]
    found, ran = control_violations(admin, f"{admin.base}/admin/csp-control/", policy)
    assert not ran
    assert any(v.startswith("script-src-elem blocked inline") for v in found), found
    assert any(v.startswith("style-src-attr blocked inline") for v in found), found


def admin_pages(release):
    """Every page of every registered admin a superuser may open, on an object where one exists."""
    from django.contrib import admin as django_admin
    from django.test import RequestFactory
    from django.urls import reverse
    from reversion.models import Version

    user = User.objects.get(username="editor")
    request = RequestFactory().get("/admin/")
    request.user = user
    pages = ["/admin/", "/admin/password_change/"]
    for model, model_admin in django_admin.site._registry.items():
        meta = model._meta
        name = f"admin:{meta.app_label}_{meta.model_name}"
        pages.append(reverse(f"{name}_changelist"))
        if model_admin.has_add_permission(request):  # not for axes' records
            pages.append(reverse(f"{name}_add"))
        obj = release if model is type(release) else model._default_manager.first()
        if obj is not None:
            pages += [reverse(f"{name}_{view}", args=[obj.pk]) for view in ("change", "history")]
            if model_admin.has_delete_permission(request, obj):
                pages.append(reverse(f"{name}_delete", args=[obj.pk]))
    pages.append(reverse("admin:auth_user_password_change", args=[user.pk]))
    pages.append(reverse("admin:press_pressrelease_recoverlist"))
    version = Version.objects.get_for_object(release).first()
    pages.append(reverse("admin:press_pressrelease_revision", args=[release.pk, version.pk]))
    # The review workflow's page, on a release in review and on a scheduled one (its
    # embargo link and the form that sends it).
    pages.append(reverse("admin:press_pressrelease_review", args=[release.pk]))
    scheduled = make_release(
        "Scheduled", published_at=timezone.now() + timedelta(days=1), embargo_key="key"
    )
    pages.append(reverse("admin:press_pressrelease_review", args=[scheduled.pk]))
    pages.append(reverse("admin:press_pressrelease_change", args=[scheduled.pk]))
    return pages


def test_every_admin_page_runs_clean(admin, settings, tmp_path):
    """Not just the pages above: every change list, form, history, deletion and revision page."""
    import reversion

    from .images import upload

    settings.MEDIA_ROOT = tmp_path
    with reversion.create_revision():
        release = make_release("With a lead image", lead_image=upload(), lead_image_alt="A picture")
    found = {}
    for path in admin_pages(release):
        visit(admin, path)
        if seen := violations(admin):
            found[path] = seen
        admin.evaluate("window.__cspViolations = []")
        admin.csp_console.clear()
    assert found == {}
