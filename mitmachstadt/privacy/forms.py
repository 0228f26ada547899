from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import ConsentState


class ConsentForm(forms.Form):
    """One checkbox per optional purpose."""

    def __init__(self, *args: Any, states: list[ConsentState], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for state in states:
            self.fields[state.purpose] = forms.BooleanField(
                label=state.label,
                help_text=state.description,
                required=False,
                initial=state.granted,
            )


class DeleteAccountForm(forms.Form):
    KEEP = "keep"
    REMOVE = "remove"

    content = forms.ChoiceField(
        label=_("What should happen to your public ideas and comments?"),
        choices=[
            (KEEP, _("Keep them, shown as written by a “deleted account”")),
            (REMOVE, _("Remove them (ideas that have become projects stay, without your name)")),
        ],
        widget=forms.RadioSelect,
        initial=KEEP,
    )
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("To make sure it is you."),
    )
    confirm = forms.BooleanField(
        label=_("I understand that my account and my personal data are deleted for good."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("The password is not correct."))
        return password


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    actor = forms.CharField(label=_("By (display name)"), required=False, max_length=40)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, actions: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        groups = sorted({a.split(".")[0] + "." for a in actions})
        self.fields["action"].choices = [  # type: ignore[attr-defined]
            ("", _("all")),
            *[(g, g + "*") for g in groups],
            *[(a, a) for a in actions],
        ]
