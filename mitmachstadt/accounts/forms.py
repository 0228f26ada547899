from __future__ import annotations

from typing import Any

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from mitmachstadt.core.antispam import AntiSpamMixin

from .models import User
from .services import validate_display_name


class SignupForm(AntiSpamMixin, AllauthSignupForm):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=40,
        help_text=_("Shown with your contributions. A pseudonym is fine; never your e-mail."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    # Honeypot: people never see or fill it; naive bots do.
    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    field_order = ["email", "display_name", "password1", "password2"]

    def clean_display_name(self) -> str:
        return validate_display_name(self.cleaned_data["display_name"])

    def clean_website(self) -> str:
        if self.cleaned_data.get("website"):
            raise ValidationError(_("Please leave this field empty."))
        return ""

    def save(self, request: Any) -> User:
        user: User = super().save(request)
        return user


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=40)
    language = forms.ChoiceField(
        label=_("Language"), choices=[("de", "Deutsch"), ("en", "English")]
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_display_name(self) -> str:
        return validate_display_name(self.cleaned_data["display_name"], exclude_user=self.user)
