"""The alerts' pages: subscribe, confirm, manage, unsubscribe (one click).

No page here is cached (each carries a form and its CSRF token, or acts on
a signed link), and none says whether an address is known: asking for
alerts answers the same for a new address, a pending one and a confirmed
one (the mail differs: a confirmation link, or "you already get these").
"""

from django.conf import settings
from django.db import transaction
from django.http import HttpResponseBadRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from . import filter_sets, matching, tasks, tokens
from .forms import FrequencyForm, SubscribeForm
from .models import Delivery, Subscription
from .throttle import allow, client_address

HOUR, DAY = 3600, 86400


def _listing_url(filter_set):
    url = reverse("press:list")
    return f"{url}?{filter_set.query}" if filter_set.query else url


@method_decorator(never_cache, name="dispatch")
class SubscribeView(View):
    template_name = "alerts/subscribe.html"

    def get(self, request):
        filter_set = filter_sets.read(request.GET)
        return self.page(request, filter_set, SubscribeForm())

    def post(self, request):
        filter_set = filter_sets.read(request.POST)
        form = SubscribeForm(request.POST)
        if not allow("client", client_address(request), settings.ALERTS_CLIENT_LIMIT, HOUR):
            response = self.page(
                request,
                filter_set,
                form,
                status=429,
                refusal=_("Too many requests from your address: please try again in an hour."),
            )
            response["Retry-After"] = str(HOUR)
            return response
        if filter_set.errors or not form.is_valid():
            return self.page(request, filter_set, form, status=400)
        email = form.cleaned_data["email"]
        # An address is asked for at most so often, whoever asks: nobody can
        # fill someone's inbox with confirmations. The answer does not change.
        if allow("email", email, settings.ALERTS_EMAIL_LIMIT, DAY):
            self.ask(email, filter_set, form.cleaned_data)
        return render(
            request,
            "alerts/check_inbox.html",
            {"email": email, "words": filter_set.words(), "confirm_days": tokens.CONFIRM_DAYS},
        )

    @staticmethod
    def ask(email, filter_set, data):
        now = timezone.now()
        with transaction.atomic():
            subscription, created = Subscription.objects.select_for_update().get_or_create(
                email=email,
                query=filter_set.query,
                language=data["language"],
                defaults={"frequency": data["frequency"], "created_at": now, "confirm_due": True},
            )
            if not created:
                if not subscription.is_active:
                    # Asked again (pending, or ended): a new request, a new link;
                    # nothing its earlier life still owed is sent to it.
                    subscription.frequency = data["frequency"]
                    subscription.created_at = now
                    subscription.confirmed_at = None
                    subscription.ended_at = None
                    Delivery.objects.filter(subscription=subscription, done_at=None).update(
                        done_at=now, dropped=True
                    )
                subscription.confirm_due = True
                subscription.save()
            tasks.queue(tasks.send_confirmations)

    def page(self, request, filter_set, form, *, status=200, refusal=""):
        context = {
            "form": form,
            "filter_set": filter_set,
            "phrases": filter_set.phrases(),
            "hidden": filter_set.params,
            "listing_url": _listing_url(filter_set),
            "refusal": refusal,
            "confirm_days": tokens.CONFIRM_DAYS,
        }
        return render(request, self.template_name, context, status=status)


def _bad_link(request, error):
    expired = isinstance(error, tokens.Expired)
    subscribe_url = reverse("alerts:subscribe")
    if expired and error.query:
        subscribe_url += f"?{error.query}"  # ask again for the same filters
    return render(
        request,
        "alerts/bad_link.html",
        {"expired": expired, "subscribe_url": subscribe_url},
        status=410 if expired else 404,
    )


@method_decorator(never_cache, name="dispatch")
class ConfirmView(View):
    """GET shows a button (mail scanners follow links); POST confirms."""

    def get(self, request, token):
        try:
            subscription = tokens.confirming(token)
        except (tokens.Expired, tokens.Invalid) as error:
            return _bad_link(request, error)
        return self.page(request, subscription, done=subscription.is_active)

    def post(self, request, token):
        try:
            subscription = tokens.confirming(token)
        except (tokens.Expired, tokens.Invalid) as error:
            return _bad_link(request, error)
        with transaction.atomic():
            locked = Subscription.objects.select_for_update().get(pk=subscription.pk)
            if not locked.is_active:
                # What an earlier life still owed was dropped when it was asked for
                # again (SubscribeView.ask): a confirmed start owes nothing yet.
                locked.confirmed_at = timezone.now()
                locked.ended_at = None
                locked.save(update_fields=["confirmed_at", "ended_at"])
                matching.index(locked)
        return self.page(request, locked, done=True)

    @staticmethod
    def page(request, subscription, *, done):
        with translation.override(subscription.language):
            words = filter_sets.from_query(subscription.query).words()
        return render(
            request,
            "alerts/confirm.html",
            {
                "subscription": subscription,
                "words": words,
                "done": done,
                "manage_url": reverse(
                    "alerts:manage", args=[tokens.manage_token(subscription.email)]
                ),
            },
        )


@method_decorator(never_cache, name="dispatch")
class ManageView(View):
    """An address's subscriptions: change how often, end one, end all."""

    def get(self, request, token):
        try:
            email = tokens.managing(token)
        except tokens.Invalid as error:
            return _bad_link(request, error)
        return self.page(request, email, token)

    def post(self, request, token):
        try:
            email = tokens.managing(token)
        except tokens.Invalid as error:
            return _bad_link(request, error)
        mine = Subscription.objects.filter(email=email, ended_at=None)
        action = request.POST.get("action", "")
        now = timezone.now()
        if action == "end_all":
            mine.end(now)
            return self.page(request, email, token, said=_("You will get no more alerts."))
        subscription = mine.filter(pk=_int(request.POST.get("subscription"))).first()
        if subscription is None:
            return self.page(request, email, token, said=_("That subscription has already ended."))
        if action == "end":
            mine.filter(pk=subscription.pk).end(now)
            return self.page(request, email, token, said=_("That subscription has ended."))
        if action == "frequency":
            form = FrequencyForm(request.POST)
            if form.is_valid():
                mine.filter(pk=subscription.pk).update(frequency=form.cleaned_data["frequency"])
                return self.page(request, email, token, said=_("Saved."))
        return self.page(request, email, token, said=_("Nothing was changed."), status=400)

    @staticmethod
    def page(request, email, token, *, said="", status=200):
        rows = []
        for subscription in Subscription.objects.filter(email=email, ended_at=None).order_by("pk"):
            with translation.override(subscription.language):
                words = filter_sets.from_query(subscription.query).words()
            rows.append(
                {
                    "subscription": subscription,
                    "words": words,
                    "listing_url": _listing_url(filter_sets.from_query(subscription.query)),
                }
            )
        return render(
            request,
            "alerts/manage.html",
            {
                "email": email,
                "rows": rows,
                "said": said,
                "frequencies": Subscription.Frequency.choices,
                "action": reverse("alerts:manage", args=[token]),
            },
            status=status,
        )


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@method_decorator([never_cache, csrf_exempt], name="dispatch")
class UnsubscribeView(View):
    """``List-Unsubscribe``: GET shows a button, POST ends (RFC 8058 one-click, no CSRF token).

    The signed token in the address is the authority; a mail client's
    one-click POST carries ``List-Unsubscribe=One-Click`` and no cookie.
    """

    http_method_names = ["get", "post", "head", "options"]

    def get(self, request, token):
        try:
            subscriptions = list(tokens.unsubscribing(token))
        except tokens.Invalid as error:
            return _bad_link(request, error)
        return self.page(request, subscriptions, done=False)

    def post(self, request, token):
        try:
            subscriptions = tokens.unsubscribing(token)
        except tokens.Invalid as error:
            return _bad_link(request, error)
        if request.POST.get("List-Unsubscribe") != "One-Click":
            return HttpResponseBadRequest(
                _("To unsubscribe, send List-Unsubscribe=One-Click."), content_type="text/plain"
            )
        subscriptions.end()
        return self.page(request, list(subscriptions), done=True)

    @staticmethod
    def page(request, subscriptions, *, done):
        rows = []
        for subscription in subscriptions:
            with translation.override(subscription.language):
                rows.append(filter_sets.from_query(subscription.query).words())
        manage = (
            reverse("alerts:manage", args=[tokens.manage_token(subscriptions[0].email)])
            if subscriptions
            else ""
        )
        return render(
            request,
            "alerts/unsubscribe.html",
            {"rows": rows, "done": done, "manage_url": manage},
        )
