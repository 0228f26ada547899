"""Checks and clean-up of uploaded images and attachments."""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
MAX_IMAGE_EDGE = 2000
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_IMAGES_PER_IDEA = 6
MAX_ATTACHMENTS_PER_IDEA = 6

# Extension -> (content type, leading bytes that prove it). Only formats people exchange with a
# town hall; nothing executable or scriptable (no HTML, SVG, office macros).
ATTACHMENT_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "odt": ("application/vnd.oasis.opendocument.text", (b"PK\x03\x04",)),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", (b"PK\x03\x04",)),
    "odp": ("application/vnd.oasis.opendocument.presentation", (b"PK\x03\x04",)),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (b"PK\x03\x04",)),
    "txt": ("text/plain", (b"",)),
    "csv": ("text/csv", (b"",)),
}


def clean_filename(name: str, *, limit: int = 120) -> str:
    """A display-safe file name: no path, no control or markup characters."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f<>\"'`&;]", "", name).strip(" .")
    return (name or "datei")[:limit]


@dataclass
class CleanImage:
    content: ContentFile
    width: int
    height: int


def clean_image(upload: UploadedFile) -> CleanImage:
    """Re-encode an uploaded image (JPEG/PNG/WebP): drops EXIF/GPS and anything hidden in it."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if upload.size and upload.size > MAX_IMAGE_BYTES:
        raise ValidationError(_("An image may be at most 10 MB."), code="image_size")
    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    try:
        with Image.open(upload) as source:
            if source.format not in {"JPEG", "PNG", "WEBP", "GIF"}:
                raise ValidationError(
                    _("Please upload a JPEG, PNG or WebP image."), code="image_type"
                )
            if source.width * source.height > MAX_IMAGE_PIXELS:
                raise ValidationError(_("This image has too many pixels."), code="image_pixels")
            image = ImageOps.exif_transpose(source)
            has_alpha = image.mode in {"RGBA", "LA", "P"} and source.format in {
                "PNG",
                "WEBP",
                "GIF",
            }
            image = image.convert("RGBA" if has_alpha else "RGB")
            image.thumbnail((MAX_IMAGE_EDGE, MAX_IMAGE_EDGE))
            buffer = io.BytesIO()
            if has_alpha:
                image.save(buffer, format="PNG", optimize=True)
                extension = "png"
            else:
                image.save(buffer, format="JPEG", quality=85, optimize=True, progressive=True)
                extension = "jpg"
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise ValidationError(
            _("This file is not an image we can read."), code="image_invalid"
        ) from error
    return CleanImage(
        content=ContentFile(buffer.getvalue(), name=f"image.{extension}"),
        width=image.width,
        height=image.height,
    )


def check_attachment(upload: UploadedFile) -> tuple[str, str]:
    """Validate type and size of an attachment; returns (clean name, content type)."""
    name = clean_filename(upload.name or "")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in ATTACHMENT_TYPES:
        raise ValidationError(
            _("Allowed attachments: %(types)s.") % {"types": ", ".join(sorted(ATTACHMENT_TYPES))},
            code="attachment_type",
        )
    if (upload.size or 0) > MAX_ATTACHMENT_BYTES:
        raise ValidationError(_("An attachment may be at most 10 MB."), code="attachment_size")
    content_type, signatures = ATTACHMENT_TYPES[extension]
    head = upload.read(8)
    upload.seek(0)
    if not any(head.startswith(signature) for signature in signatures):
        raise ValidationError(
            _("The file does not look like a .%(ext)s file.") % {"ext": extension},
            code="attachment_content",
        )
    if extension in {"txt", "csv"}:
        try:
            upload.read().decode("utf-8")
        except UnicodeDecodeError as error:
            raise ValidationError(
                _("Text files must be UTF-8."), code="attachment_encoding"
            ) from error
        finally:
            upload.seek(0)
    return name, content_type
