from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mitmachstadt.geo.models import District
from mitmachstadt.ideas.states import PUBLIC_STATES, State
from mitmachstadt.tenants.models import Cluster, FieldOfAction

from .kinds import Frequency, Kind
from .models import MAX_RADIUS_M, MIN_RADIUS_M


class ChannelsForm(forms.Form):
    """E-mail frequency, push and inbox per kind; field names are "<kind>__<channel>"."""

    email_paused = forms.BooleanField(label=_("Pause all e-mails"), required=False)

    def __init__(self, *args: Any, prefs: dict[str, dict[str, Any]], **kwargs: Any) -> None:
        initial = dict(kwargs.pop("initial", None) or {})
        for kind, values in prefs.items():
            for channel, value in values.items():
                initial.setdefault(f"{kind}__{channel}", value)
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        for kind in Kind:
            self.fields[f"{kind.value}__email"] = forms.ChoiceField(
                label=_("E-mail: %(kind)s") % {"kind": kind.label},
                choices=Frequency.choices,
            )
            self.fields[f"{kind.value}__push"] = forms.BooleanField(
                label=_("Web push: %(kind)s") % {"kind": kind.label}, required=False
            )
            self.fields[f"{kind.value}__inbox"] = forms.BooleanField(
                label=_("Inbox: %(kind)s") % {"kind": kind.label}, required=False
            )

    def rows(self) -> list[dict[str, Any]]:
        """One row per kind with its three fields, for the table."""
        return [
            {
                "label": kind.label,
                "email": self[f"{kind.value}__email"],
                "push": self[f"{kind.value}__push"],
                "inbox": self[f"{kind.value}__inbox"],
            }
            for kind in Kind
        ]

    def prefs(self) -> dict[str, dict[str, Any]]:
        data = self.cleaned_data
        return {
            kind.value: {
                "email": data[f"{kind.value}__email"],
                "push": data[f"{kind.value}__push"],
                "inbox": data[f"{kind.value}__inbox"],
            }
            for kind in Kind
        }


class FieldSubscriptionForm(forms.Form):
    field = forms.ModelChoiceField(
        label=_("Field of action"), queryset=FieldOfAction.objects.none(), to_field_name="slug"
    )
    include_updates = forms.BooleanField(
        label=_("Also tell me how matching ideas progress"), required=False
    )

    def __init__(self, *args: Any, municipality: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["field"].queryset = FieldOfAction.objects.filter(  # type: ignore[attr-defined]
            municipality=municipality
        )


class DistrictSubscriptionForm(forms.Form):
    district = forms.ModelChoiceField(
        label=_("District"), queryset=District.objects.none(), to_field_name="slug"
    )
    include_updates = forms.BooleanField(
        label=_("Also tell me how matching ideas progress"), required=False
    )

    def __init__(self, *args: Any, municipality: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].queryset = District.objects.filter(  # type: ignore[attr-defined]
            municipality=municipality
        )


class RadiusSubscriptionForm(forms.Form):
    label = forms.CharField(
        label=_("Name"),
        max_length=120,
        required=False,
        help_text=_("For example “Around my home”."),
    )
    lat = forms.FloatField(
        label=_("Latitude"),
        min_value=-90,
        max_value=90,
        help_text=_("Decimal degrees, for example 51.9060. Or pick the point on the map."),
    )
    lon = forms.FloatField(
        label=_("Longitude"),
        min_value=-180,
        max_value=180,
        help_text=_("Decimal degrees, for example 8.3780."),
    )
    radius_m = forms.IntegerField(
        label=_("Radius in metres"), min_value=MIN_RADIUS_M, max_value=MAX_RADIUS_M, initial=1000
    )
    include_updates = forms.BooleanField(
        label=_("Also tell me how matching ideas progress"), required=False
    )


class SearchSubscriptionForm(forms.Form):
    label = forms.CharField(label=_("Name"), max_length=120, required=False)
    q = forms.CharField(label=_("Search words"), max_length=200, required=False)
    field = forms.ModelChoiceField(
        label=_("Field of action"),
        queryset=FieldOfAction.objects.none(),
        to_field_name="slug",
        required=False,
    )
    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=District.objects.none(),
        to_field_name="slug",
        required=False,
    )
    cluster = forms.ModelChoiceField(
        label=_("Cluster"),
        queryset=Cluster.objects.none(),
        to_field_name="slug",
        required=False,
    )
    state = forms.ChoiceField(label=_("State"), required=False)
    include_updates = forms.BooleanField(
        label=_("Also tell me how matching ideas progress"), required=False
    )

    def __init__(self, *args: Any, municipality: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, model in (("field", FieldOfAction), ("district", District), ("cluster", Cluster)):
            self.fields[name].queryset = model.objects.filter(  # type: ignore[attr-defined]
                municipality=municipality
            )
        self.fields["state"].choices = [("", _("any state"))] + [  # type: ignore[attr-defined]
            (value, label) for value, label in State.choices if value in PUBLIC_STATES
        ]

    def search(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            "q": data.get("q") or "",
            "field": data["field"].slug if data.get("field") else "",
            "district": data["district"].slug if data.get("district") else "",
            "cluster": data["cluster"].slug if data.get("cluster") else "",
            "state": data.get("state") or "",
        }
