from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mitmachstadt.accounts.models import Role
from mitmachstadt.core.antispam import AntiSpamMixin
from mitmachstadt.tenants.models import (
    Cluster,
    Criterion,
    FieldOfAction,
    Municipality,
    ReactionMode,
)

from .models import MAX_MESSAGE as MAX_FEEDBACK_MESSAGE
from .models import MAX_PAGE as MAX_FEEDBACK_PAGE


class MunicipalitySettingsForm(forms.ModelForm):
    languages = forms.MultipleChoiceField(
        label=_("Languages"),
        choices=[("de", "Deutsch"), ("en", "English")],
        widget=forms.CheckboxSelectMultiple,
        required=True,
    )

    class Meta:
        model = Municipality
        fields = [
            "name",
            "short_name",
            "tagline",
            "intro",
            "primary_color",
            "languages",
            "reaction_mode",
            "answer_days",
            "map_center_lat",
            "map_center_lon",
            "map_zoom",
            "contact_email",
            "imprint",
            "signup_open",
        ]
        widgets = {"reaction_mode": forms.RadioSelect(choices=ReactionMode.choices)}


class FieldOfActionForm(forms.ModelForm):
    class Meta:
        model = FieldOfAction
        fields = ["slug", "name", "description", "position"]


class ClusterForm(forms.ModelForm):
    class Meta:
        model = Cluster
        fields = ["slug", "name", "description", "position"]


class CriterionForm(forms.ModelForm):
    class Meta:
        model = Criterion
        fields = ["slug", "name", "description", "group", "position"]


class DistrictImportForm(forms.Form):
    file = forms.FileField(
        label=_("GeoJSON file"),
        help_text=_("A FeatureCollection of polygons with the properties 'name' and 'slug'."),
    )


class RoleGrantForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address of the account"))
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class MunicipalityCreateForm(forms.Form):
    slug = forms.SlugField(label=_("Short name in URLs"), max_length=60)
    name = forms.CharField(label=_("Name"), max_length=150)
    hosts = forms.CharField(
        label=_("Host names"),
        help_text=_("One per line; the first is the primary address."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    admin_email = forms.EmailField(
        label=_("E-mail of the first municipality admin"),
        required=False,
        help_text=_("An existing account; it becomes the municipality's admin."),
    )

    def clean_hosts(self) -> list[str]:
        hosts = [line.strip() for line in self.cleaned_data["hosts"].splitlines() if line.strip()]
        if not hosts:
            raise forms.ValidationError(_("Please give at least one host name."))
        return hosts

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


# --- Accessibility feedback (BITV 2.0 § 7) ---------------------------------------------------


class AccessibilityFeedbackForm(AntiSpamMixin, forms.Form):
    message = forms.CharField(
        label=_("Which barrier did you meet?"),
        max_length=MAX_FEEDBACK_MESSAGE,
        help_text=_(
            "Describe what did not work for you, and with which aids (for example a screen "
            "reader, magnification, keyboard only)."
        ),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    page = forms.CharField(
        label=_("Page concerned (optional)"),
        max_length=MAX_FEEDBACK_PAGE,
        required=False,
        help_text=_("The address or the title of the page."),
    )
    name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Your e-mail address (optional)"),
        required=False,
        help_text=_("Only if you would like an answer. We use it for nothing else."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
