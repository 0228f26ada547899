"""Forms of the events app. They only collect input; the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Application, Event, EventDocument, Format, Place, Registration
from .selectors import formats, linkable_ideas, places

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def apply_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, field by field where possible."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else None
            for item in errors:
                form.add_error(target, item.messages[0] if hasattr(item, "messages") else item)
    else:
        for message in error.messages:
            form.add_error(None, message)


class DateTimeLocalField(forms.DateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)
    input_formats = [DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    format = forms.ModelChoiceField(label=_("Format"), queryset=Format.objects.none())
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown: **bold**, *italic*, lists, links."),
    )
    mode = forms.ChoiceField(
        label=_("How does it take place?"),
        choices=Event.Mode.choices,
        widget=forms.RadioSelect,
        initial=Event.Mode.IN_PERSON,
    )
    place = forms.ModelChoiceField(
        label=_("Place"),
        queryset=Place.objects.none(),
        required=False,
        help_text=_("Needed for events in person and hybrid events."),
    )
    online_url = forms.URLField(
        assume_scheme="https",
        label=_("Link for online participation"),
        required=False,
        help_text=_("Only registered participants see this link."),
    )
    start = DateTimeLocalField(label=_("Start"))
    end = DateTimeLocalField(label=_("End"))
    registration_required = forms.BooleanField(
        label=_("Registration required"), required=False, initial=True
    )
    capacity = forms.IntegerField(
        label=_("Places"),
        required=False,
        min_value=1,
        help_text=_("Leave empty for no limit. Further registrations go on the waiting list."),
    )
    registration_closes = DateTimeLocalField(
        label=_("Registration closes"),
        required=False,
        help_text=_("Leave empty to allow registration until the start."),
    )

    def __init__(self, *args: Any, municipality: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["format"].queryset = formats(municipality)  # type: ignore[attr-defined]
        self.fields["place"].queryset = places(municipality)  # type: ignore[attr-defined]

    @classmethod
    def initial_for(cls, event: Event) -> dict[str, Any]:
        return {
            "title": event.title,
            "format": event.format_id,
            "description": event.description,
            "mode": event.mode,
            "place": event.place_id,
            "online_url": event.online_url,
            "start": event.start,
            "end": event.end,
            "registration_required": event.registration_required,
            "capacity": event.capacity,
            "registration_closes": event.registration_closes,
        }


class CancelEventForm(forms.Form):
    reason = forms.CharField(
        label=_("Public reason for the cancellation"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RegistrationForm(forms.Form):
    note = forms.CharField(
        label=Registration._meta.get_field("note").verbose_name,
        help_text=Registration._meta.get_field("note").help_text,
        max_length=300,
        required=False,
    )


class OutcomeForm(forms.Form):
    outcome = forms.CharField(
        label=_("Outcome"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("What came out of the event (Markdown); shown once the event is over."),
    )
    ideas = forms.ModelMultipleChoiceField(
        label=_("Ideas and projects the event worked on"),
        queryset=linkable_ideas(None),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, municipality: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ideas"].queryset = linkable_ideas(municipality)  # type: ignore[attr-defined]


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=EventDocument.Kind.choices)
    file = forms.FileField(label=_("File"), required=False)
    url = forms.URLField(
        assume_scheme="https",
        label=_("or a link"),
        required=False,
        help_text=_("Upload a file or give a link."),
    )


class PlaceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    address = forms.CharField(label=_("Address"), max_length=250, required=False)
    lat = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    lon = forms.FloatField(label=_("Longitude"), required=False, min_value=-180, max_value=180)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    accessibility = forms.CharField(
        label=_("Accessibility"),
        max_length=300,
        required=False,
        help_text=_("Step-free access, hearing loop, accessible toilet, ..."),
    )


class FormatForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class OpenCallForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    format = forms.ModelChoiceField(label=_("Format"), queryset=Format.objects.none())
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Markdown: who is sought, for what, how much time it takes."),
    )
    question = forms.CharField(label=_("Question to applicants"), max_length=300)
    seats = forms.IntegerField(
        label=_("Places"),
        required=False,
        min_value=1,
        help_text=_("How many people are sought (optional)."),
    )
    closes = DateTimeLocalField(label=_("Applications close"))

    def __init__(self, *args: Any, municipality: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["format"].queryset = formats(municipality)  # type: ignore[attr-defined]


class ApplicationForm(forms.Form):
    motivation = forms.CharField(
        label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 6}), max_length=4000
    )
    background = forms.CharField(
        label=Application._meta.get_field("background").verbose_name,
        help_text=Application._meta.get_field("background").help_text,
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
    )
    availability = forms.CharField(
        label=Application._meta.get_field("availability").verbose_name,
        max_length=300,
        required=False,
    )

    def __init__(self, *args: Any, question: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if question:
            self.fields["motivation"].label = question


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("accept", _("Accept")), ("decline", _("Decline"))],
        widget=forms.RadioSelect,
    )
    message = forms.CharField(
        label=_("Message to the applicant"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Sent with the decision by e-mail."),
    )
