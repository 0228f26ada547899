"""Forms of the idea pages. They check input shape; the rules themselves live in services."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from mitmachstadt.accounts.models import Organisation
from mitmachstadt.core.antispam import AntiSpamMixin
from mitmachstadt.geo.models import District
from mitmachstadt.tenants.models import Cluster, FieldOfAction, Municipality

from .models import IdeaLink
from .selectors import ORDERINGS
from .services import MAX_COMMENT, MAX_TEXT, MAX_TITLE
from .states import PROJECT_STATES, PUBLIC_STATES, State
from .uploads import (
    MAX_ATTACHMENT_BYTES,
    MAX_IMAGE_BYTES,
    check_attachment,
    clean_image,
)

IMAGE_SLOTS = 3
ATTACHMENT_SLOTS = 3
PROJECTS_FILTER = ",".join(sorted(PROJECT_STATES))

ORDER_LABELS = {
    "newest": _("Newest"),
    "supported": _("Most supported"),
    "rated": _("Best rated"),
    "discussed": _("Most discussed"),
    "controversial": _("Controversial"),
    "trending": _("Trending"),
    "random": _("Random"),
}

MARKDOWN_HELP = _(
    "You can format with Markdown: **bold**, *italic*, lists with “- ” at the start of a line, "
    "links as [text](https://…). Use “Preview” to see how it will look."
)


def _decimal(value: Any) -> float | None:
    """A coordinate typed with a decimal comma or point ("51,906" or "51.906")."""
    text = str(value or "").strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError as error:
        raise ValidationError(_("Please enter a number like 51.9065."), code="number") from error


class IdeaFilterForm(forms.Form):
    """The GET form above the idea list: search text, filters and order."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    field = forms.ChoiceField(label=_("Field of action"), required=False)
    district = forms.ChoiceField(label=_("District"), required=False)
    cluster = forms.ChoiceField(label=_("Cluster"), required=False)
    state = forms.ChoiceField(label=_("Stage"), required=False)
    order = forms.ChoiceField(
        label=_("Order"), required=False, choices=[(o, ORDER_LABELS[o]) for o in ORDERINGS]
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["q"].widget = forms.TextInput(attrs={"type": "search"})
        self._choices(
            "field",
            everything
            + list(
                FieldOfAction.objects.filter(municipality=municipality).values_list("slug", "name")
            ),
        )
        districts = list(
            District.objects.filter(municipality=municipality).values_list("slug", "name")
        )
        clusters = list(
            Cluster.objects.filter(municipality=municipality).values_list("slug", "name")
        )
        self._choices(
            "state",
            [
                *everything,
                (PROJECTS_FILTER, _("All projects")),
                *[(s.value, s.label) for s in State if s.value in PUBLIC_STATES],
            ],
        )
        # Filters without anything to choose from would only be noise.
        if districts:
            self._choices("district", everything + districts)
        else:
            del self.fields["district"]
        if clusters:
            self._choices("cluster", everything + clusters)
        else:
            del self.fields["cluster"]

    def _choices(self, name: str, choices: list[Any]) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def value(self, name: str) -> str:
        """The valid value of a filter, or "" (an invalid choice filters nothing)."""
        if not self.is_bound or name not in self.fields:
            return ""
        if self.is_valid() or name in self.cleaned_data:
            return str(self.cleaned_data.get(name) or "")
        return ""


class LocationMixin(forms.Form):
    """District, citywide or a point; the point decides the district (see services)."""

    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=District.objects.none(),
        required=False,
        empty_label=_("No district"),
    )
    citywide = forms.BooleanField(label=_("The idea concerns the whole city"), required=False)
    lat = forms.CharField(
        label=_("Latitude"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    lon = forms.CharField(
        label=_("Longitude"),
        required=False,
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    def clean_lat(self) -> float | None:
        value = _decimal(self.cleaned_data.get("lat"))
        if value is not None and not -90 <= value <= 90:
            raise ValidationError(_("A latitude lies between -90 and 90."), code="range")
        return value

    def clean_lon(self) -> float | None:
        value = _decimal(self.cleaned_data.get("lon"))
        if value is not None and not -180 <= value <= 180:
            raise ValidationError(_("A longitude lies between -180 and 180."), code="range")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lat, lon = data.get("lat"), data.get("lon")
        if "lat" in data and "lon" in data and (lat is None) != (lon is None):
            missing = "lon" if lon is None else "lat"
            self.add_error(missing, _("A point needs both latitude and longitude."))
        return data


class IdeaForm(LocationMixin):
    """Title, text, fields of action and location of an idea (create and revise)."""

    title = forms.CharField(
        label=_("Title"),
        max_length=MAX_TITLE,
        help_text=_("A short, clear headline (5 to 160 characters)."),
    )
    text = forms.CharField(
        label=_("Your idea"),
        max_length=MAX_TEXT,
        help_text=MARKDOWN_HELP,
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    fields_of_action = forms.ModelMultipleChoiceField(
        label=_("Fields of action"),
        queryset=FieldOfAction.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Choose one or more."),
        error_messages={"required": _("Please choose at least one field of action.")},
    )
    field_order = ["title", "text", "fields_of_action", "district", "citywide", "lat", "lon"]

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.municipality = municipality
        self.fields["fields_of_action"].queryset = FieldOfAction.objects.filter(  # type: ignore[attr-defined]
            municipality=municipality
        )
        self.fields["district"].queryset = District.objects.filter(  # type: ignore[attr-defined]
            municipality=municipality
        )
        self.fields["title"].widget.attrs.update({"autocomplete": "off", "maxlength": MAX_TITLE})

    def clean_title(self) -> str:
        title = " ".join(self.cleaned_data.get("title", "").split())
        if len(title) < 5:
            raise ValidationError(
                _("Please give your idea a title of at least 5 characters."), code="short"
            )
        return title

    def clean_text(self) -> str:
        text = self.cleaned_data.get("text", "").strip()
        if len(text) < 20:
            raise ValidationError(
                _("Please describe your idea in at least 20 characters."), code="short"
            )
        return text


def _check_image(upload: UploadedFile | None) -> UploadedFile | None:
    if upload is None:
        return None
    if upload.size and upload.size > MAX_IMAGE_BYTES:
        raise ValidationError(_("An image may be at most 10 MB."), code="image_size")
    clean_image(upload)  # raises a translated ValidationError for anything unreadable
    upload.seek(0)
    return upload


class UploadsMixin(forms.Form):
    """Up to three images (each with its description) and up to three attachments."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, IMAGE_SLOTS + 1):
            self.fields[f"image_{n}"] = forms.ImageField(
                label=_("Image %(n)d") % {"n": n},
                required=False,
                help_text=_("JPEG, PNG or WebP, at most 10 MB. Location data is removed."),
                widget=forms.ClearableFileInput(
                    attrs={"accept": "image/jpeg,image/png,image/webp"}
                ),
            )
            self.fields[f"alt_{n}"] = forms.CharField(
                label=_("Description of image %(n)d") % {"n": n},
                required=False,
                max_length=200,
                help_text=_("What does the image show? For people who cannot see it."),
            )
        for n in range(1, ATTACHMENT_SLOTS + 1):
            self.fields[f"attachment_{n}"] = forms.FileField(
                label=_("Attachment %(n)d") % {"n": n},
                required=False,
                help_text=_("PDF, OpenDocument, Word/Excel, text or CSV, at most 10 MB."),
                widget=forms.ClearableFileInput(
                    attrs={"accept": ".pdf,.odt,.ods,.odp,.docx,.xlsx,.txt,.csv"}
                ),
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for n in range(1, IMAGE_SLOTS + 1):
            image = data.get(f"image_{n}")
            if not image:
                continue
            try:
                _check_image(image)
            except ValidationError as error:
                self.add_error(f"image_{n}", error)
                continue
            if not " ".join((data.get(f"alt_{n}") or "").split()):
                self.add_error(
                    f"alt_{n}", _("Please describe the image for people who cannot see it.")
                )
        for n in range(1, ATTACHMENT_SLOTS + 1):
            upload = data.get(f"attachment_{n}")
            if not upload:
                continue
            if (upload.size or 0) > MAX_ATTACHMENT_BYTES:
                self.add_error(f"attachment_{n}", _("An attachment may be at most 10 MB."))
                continue
            try:
                check_attachment(upload)
            except ValidationError as error:
                self.add_error(f"attachment_{n}", error)
        return data

    def images(self) -> list[tuple[UploadedFile, str]]:
        return [
            (self.cleaned_data[f"image_{n}"], self.cleaned_data.get(f"alt_{n}", ""))
            for n in range(1, IMAGE_SLOTS + 1)
            if self.cleaned_data.get(f"image_{n}")
        ]

    def attachments(self) -> list[UploadedFile]:
        return [
            self.cleaned_data[f"attachment_{n}"]
            for n in range(1, ATTACHMENT_SLOTS + 1)
            if self.cleaned_data.get(f"attachment_{n}")
        ]

    def upload_errors(self) -> bool:
        """True if an image, description or attachment was refused (the section opens)."""
        return any(name.startswith(("image_", "alt_", "attachment_")) for name in self.errors)

    def upload_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(("image_", "alt_"))]

    def attachment_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("attachment_")]


class IdeaCreateForm(AntiSpamMixin, UploadsMixin, IdeaForm):
    anonymous = forms.BooleanField(
        label=_("Publish anonymously"),
        required=False,
        help_text=_("The public sees “anonymous”; moderators still see your account."),
    )


class IdeaEditForm(IdeaForm):
    note = forms.CharField(
        label=_("What did you change?"),
        required=False,
        max_length=200,
        help_text=_("A short note for the version history, e.g. “added a location”."),
    )


class FilesForm(UploadsMixin):
    """Add images and attachments to an existing idea."""


class CommentForm(AntiSpamMixin, forms.Form):
    text = forms.CharField(
        label=_("Your comment"),
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Be fair and stay on topic. Markdown works here too."),
        error_messages={"required": _("Please write a comment.")},
    )
    anonymous = forms.BooleanField(label=_("Comment anonymously"), required=False)
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Several comment forms share a page; give each its own element ids.
        if self.prefix is None and self.auto_id == "id_%s":
            self.auto_id = "id_comment_%s"


class CommentEditForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"),
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Please write a comment.")},
    )


class AnswerForm(forms.Form):
    text = forms.CharField(
        label=_("Official answer"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Published at once, prominently on the idea. Markdown works."),
        error_messages={"required": _("Please write an answer of at least 10 characters.")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_answer_%s")
        super().__init__(*args, **kwargs)


_IDEA_REFERENCE = re.compile(r"^\s*(?:.*/ideas/)?#?(\d{1,12})/?\s*$")


class LinkForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of link"), choices=IdeaLink.Kind.choices)
    target = forms.CharField(
        label=_("Other idea"),
        max_length=300,
        help_text=_("Its number or its address, e.g. 12 or https://…/ideas/12/"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_link_%s")
        super().__init__(*args, **kwargs)

    def clean_target(self) -> int:
        match = _IDEA_REFERENCE.match(self.cleaned_data.get("target", ""))
        if not match:
            raise ValidationError(
                _("Please enter the number or the address of an idea."), code="reference"
            )
        return int(match.group(1))


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you withdraw the idea? (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CoauthorForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name of the co-author"),
        max_length=40,
        help_text=_("The person needs an account in this municipality."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_coauthor_%s")
        super().__init__(*args, **kwargs)


class PartnerForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Partner organisation"), queryset=Organisation.objects.none()
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_partner_%s")
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            municipality=municipality
        )
