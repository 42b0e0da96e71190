"""The review workflow in the admin: the change form's panel, the Review page, embargo links.

- The change form shows where the release is (state, who, when), every step
  of its workflow (who, when, from, to, comment), its embargo link when it is
  scheduled (in an element marked ``data-embargo-link``), and the steps the
  person may take, which the Review page performs. A draft's form has "Save
  and submit for review".
- The Review page shows the release as it will be read and one form per step
  the person may take: submit, take back, approve (now or at a time), send
  back with a comment, stop a scheduled publication, withdraw with a note,
  reinstate; and, for a scheduled release, a new embargo link or the link
  sent to journalists. Each form carries the version of the release the page
  showed: a step on a release changed since is refused, naming who changed
  it (``press.workflow``).
"""

import re

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from taxonomy import clock, page_version

from . import embargo, notify, workflow
from .models import PUBLISH_PERMISSION

#: Steps of the Review page beyond the workflow's transitions.
NEW_LINK, SEND_LINK = "new_link", "send_link"
MAX_ADDRESSES = 200
#: How many steps the change form lists (the Review page lists them all).
PANEL_STEPS = 10


class ReviewForm(forms.Form):
    action = forms.CharField(max_length=20)
    comment = forms.CharField(required=False, max_length=2000)
    publish = forms.ChoiceField(
        choices=[("now", gettext_lazy("Now")), ("at", gettext_lazy("At a set time"))],
        required=False,
    )
    publish_at = forms.DateTimeField(
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
    )
    addresses = forms.CharField(required=False, max_length=20_000)
    version = page_version.PageVersionField(max_length=100)

    def clean_addresses(self):
        text = self.cleaned_data.get("addresses") or ""
        found = [a for a in re.split(r"[\s,;]+", text) if a]
        bad = []
        for address in found:
            try:
                validate_email(address)
            except ValidationError:
                bad.append(address)
        if bad:
            raise ValidationError(
                _("Not an email address: %(list)s") % {"list": ", ".join(bad[:5])}
            )
        if len(found) > MAX_ADDRESSES:
            raise ValidationError(_("At most %(n)d addresses at once.") % {"n": MAX_ADDRESSES})
        return list(dict.fromkeys(a.lower() for a in found))

    def clean(self):
        cleaned = super().clean()
        action = cleaned.get("action")
        if action == "approve" and cleaned.get("publish") == "at" and not cleaned.get("publish_at"):
            self.add_error("publish_at", _("Give the time it is to go out."))
        if action == SEND_LINK and not cleaned.get("addresses") and "addresses" not in self.errors:
            self.add_error("addresses", _("Give at least one address."))
        return cleaned


def _step_rows(steps):
    return [
        {
            "step": step,
            "said": workflow.describe(step.name, step.target, step.publish_at),
            "source": workflow.state_label(step.source) if step.source else "",
            "target": workflow.state_label(step.target),
            "who": notify.person(step.user) or "—",
        }
        for step in steps
    ]


def embargo_url(request, release):
    return request.build_absolute_uri(embargo.path(release))


class WorkflowAdminMixin:
    """For :class:`press.admin.PressReleaseAdmin`: the Review page and the panel's context."""

    review_template = "admin/press/pressrelease/review.html"

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/review/",
                self.admin_site.admin_view(self.review_view),
                name=f"{opts.app_label}_{opts.model_name}_review",
            ),
            *super().get_urls(),
        ]

    def review_url(self, release):
        return reverse("admin:press_pressrelease_review", args=[release.pk])

    def workflow_context(self, request, release, *, every_step=False):
        """What the change form's panel and the Review page show of the workflow.

        The panel lists the last ``PANEL_STEPS`` steps; the Review page
        (``every_step``) all of them, as ``all_steps``, from the same query.
        """
        user = request.user
        steps = release.transitions.select_related("user")
        rows = _step_rows(steps if every_step else steps[: PANEL_STEPS + 1])
        available = workflow.available(release, user)
        return {
            "release": release,
            "state": release.state,
            "state_label": workflow.state_label(release.state),
            "steps": rows[:PANEL_STEPS],
            "all_steps": rows if every_step else None,
            "more_steps": len(rows) > PANEL_STEPS,
            "available": [workflow.ACTIONS[name] for name in available],
            "review_url": self.review_url(release),
            "embargo_url": embargo_url(request, release) if embargo.has_link(release) else "",
            # Only a link has an expiry (a draft's date may be anything, up to 9999).
            "embargo_expires": embargo.expires(release) if embargo.has_link(release) else None,
            "is_publisher": user.has_perm(PUBLISH_PERMISSION),
            "last_editor_is_me": workflow.last_editor_is(release, user),
            # Steps held back by four eyes: the page says why they are missing.
            "four_eyes_blocked": workflow.held_back_by_four_eyes(release, user),
        }

    def review_view(self, request, object_id):
        release = self.get_object(request, unquote(object_id))
        if release is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_view_or_change_permission(request, release):
            raise PermissionDenied
        form = ReviewForm(request.POST) if request.method == "POST" else ReviewForm()
        failed = ""
        if request.method == "POST":
            failed = request.POST.get("action", "")[:20]
            done = self._review_post(request, release, form)
            if done is not None:
                return done
            release.refresh_from_db()
        return self._review_page(request, release, form, failed)

    def _review_post(self, request, release, form):
        """Perform the posted step: a redirect when done, None when refused (``form`` says why)."""
        if not form.is_valid():
            return None
        data = form.cleaned_data
        name, token = data["action"], data.get("version") or None
        if token is None:
            # A browser always sends the page's version; without it, whether the
            # release changed since the page was read cannot be told.
            form.add_error(None, ValidationError(_(
                "This form came without the version of its page, so whether the release "
                "changed after the page was opened cannot be told. Nothing was done: reload "
                "the page and try again."
            ), code="no_version"))  # fmt: skip
            return None
        try:
            if name in workflow.ACTIONS:
                at = data.get("publish_at") if data.get("publish") == "at" else None
                step = workflow.perform(
                    release.pk,
                    name,
                    request.user,
                    comment=data.get("comment", ""),
                    at=at,
                    token=token,
                    base_url=request.build_absolute_uri("/"),
                )
                said = workflow.describe(step.name, step.target, step.publish_at)
                messages.success(request, _("%(said)s: “%(title)s”.") % {
                    "said": said, "title": release.title
                })  # fmt: skip
                if step.target == "scheduled":
                    messages.info(
                        request,
                        _("Its embargo link for journalists is on this page."),
                    )
            elif name == NEW_LINK:
                workflow.regenerate_embargo_link(release.pk, request.user, token=token)
                messages.success(
                    request, _("A new embargo link is ready: the earlier one no longer works.")
                )
            elif name == SEND_LINK:
                self._send_link(request, release, data["addresses"], token)
            else:
                form.add_error(None, _("There is no such step."))
                return None
        except workflow.WorkflowError as exc:
            form.add_error(None, ValidationError(exc.message, code=exc.code))
            return None
        return redirect(self.review_url(release))

    def _send_link(self, request, release, addresses, token):
        if not request.user.has_perm(PUBLISH_PERMISSION):
            raise PermissionDenied
        with transaction.atomic():
            current = workflow.lock_and_check(release.pk, token)
            if not embargo.has_link(current):
                raise workflow.WorkflowError(
                    _("Only a release scheduled for publication has an embargo link."),
                    code="state",
                )
            link = embargo_url(request, current)
        sent = notify.embargo_link(current, addresses, link, sender=request.user)
        workflow.log(current, request.user, ngettext(
            "Embargo link sent to %(n)d address", "Embargo link sent to %(n)d addresses", sent
        ) % {"n": sent})  # fmt: skip
        if sent < len(addresses):
            raise workflow.WorkflowError(
                _("The mail could not be sent (%(sent)d of %(n)d went out): try again later.")
                % {"sent": sent, "n": len(addresses)},
                code="mail",
            )
        messages.success(
            request,
            ngettext(
                "The embargo link went to %(n)d address.",
                "The embargo link went to %(n)d addresses.",
                sent,
            )
            % {"n": sent},
        )

    def _review_page(self, request, release, form, failed):
        context = {
            **self.admin_site.each_context(request),
            **self.workflow_context(request, release, every_step=True),
            "opts": self.opts,
            "title": _("Review “%(title)s”") % {"title": release.title},
            "subtitle": None,
            "original": release,
            "form": form,
            "failed": failed,
            "stale": page_version.is_stale(form),
            "version": workflow.page_token(release),
            "change_url": reverse("admin:press_pressrelease_change", args=[release.pk]),
            "needs_reason": workflow.needs_override(release, request.user, "approve"),
            # A time to come the writers planned: approving proposes it, not "now".
            "planned_later": release.published_at is not None
            and release.published_at > clock.now(),
            "new_link": NEW_LINK,
            "send_link": SEND_LINK,
            "preview_url": release.get_absolute_url(),
            "has_change_permission": self.has_change_permission(request, release),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.review_template, context)
