from django import forms
from django.conf import settings
from django.core.validators import EmailValidator
from django.utils.encoding import punycode
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .models import Subscription


def _language_choices():
    from django.utils.translation import get_language_info

    return [(code, get_language_info(code)["name_local"]) for code, _name in settings.LANGUAGES]


class SubscribeForm(forms.Form):
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "required": True}),
    )
    frequency = forms.ChoiceField(
        label=_("How often"),
        choices=Subscription.Frequency.choices,
        initial=Subscription.Frequency.IMMEDIATE,
        widget=forms.RadioSelect,
    )
    language = forms.ChoiceField(
        label=_("Language of the releases and the mail"), choices=_language_choices
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = get_language()

    def clean_email(self):
        # One address, one spelling: the same inbox is one subscriber.
        email = self.cleaned_data["email"].strip().lower()
        try:
            # A domain no mail can be addressed to (it has no ASCII form).
            punycode(email.rpartition("@")[2])
        except UnicodeError:
            # Django's own words for an invalid address (and its translations).
            raise forms.ValidationError(EmailValidator.message, code="invalid") from None
        return email


class FrequencyForm(forms.Form):
    frequency = forms.ChoiceField(choices=Subscription.Frequency.choices)
