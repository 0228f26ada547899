"""Invitation letters as one printable PDF (mail merge): a letter and a reply form per person.

The layout follows DIN 5008 (form B) so the address shows in a window envelope (DL/C6/5). Each
letter carries the personal response code, as text and inside a QR code of the answer page.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import qr
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from .models import Assembly, Invitation, QuotaCategory

WIDTH, HEIGHT = A4
LEFT = 25 * mm
RIGHT = WIDTH - 20 * mm
FONT = "Helvetica"
BOLD = "Helvetica-Bold"
MONO = "Courier-Bold"


def consent_text() -> str:
    """The consent respondents give, the same on paper and online."""
    return _(
        "I agree that my answers are stored and used for the selection of the citizens' "
        "assembly, and that they are published without my name, as a pseudonymous row, in the "
        "audit record of the draw. I can withdraw this consent at any time."
    )


def _wrap(canvas: Canvas, text: str, font: str, size: float, width: float) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words, current = paragraph.split(), ""
        for word in words:
            candidate = f"{current} {word}".strip()
            if canvas.stringWidth(candidate, font, size) <= width:
                current = candidate
            else:
                if current:
                    lines.append(current)
                current = word
        lines.append(current)
    return lines


def _paragraph(
    canvas: Canvas,
    text: str,
    y: float,
    *,
    font: str = FONT,
    size: float = 10.5,
    leading: float = 14.5,
    x: float = LEFT,
    width: float | None = None,
) -> float:
    canvas.setFont(font, size)
    for line in _wrap(canvas, text, font, size, width or (RIGHT - x)):
        canvas.drawString(x, y, line)
        y -= leading
    return y - leading * 0.4


def _qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    widget = qr.QrCodeWidget(url, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)


def _letterhead(canvas: Canvas, municipality: Any, sender: str) -> None:
    canvas.setFont(BOLD, 14)
    canvas.drawString(LEFT, HEIGHT - 20 * mm, municipality.name)
    canvas.setFont(FONT, 9)
    canvas.drawString(LEFT, HEIGHT - 26 * mm, sender)
    # The return line sits just above the address field of the window envelope.
    canvas.setFont(FONT, 7)
    canvas.drawString(LEFT, HEIGHT - 50 * mm, f"{municipality.name} · {sender}")
    canvas.setLineWidth(0.3)
    canvas.line(5 * mm, HEIGHT - 105 * mm, 9 * mm, HEIGHT - 105 * mm)  # folding mark


def _letter(
    canvas: Canvas,
    assembly: Assembly,
    invitation: Invitation,
    *,
    answer_url: str,
    sender: str,
) -> None:
    municipality = assembly.municipality
    _letterhead(canvas, municipality, sender)
    y = HEIGHT - 55 * mm
    canvas.setFont(FONT, 11)
    for line in (invitation.name, invitation.street, f"{invitation.postcode} {invitation.city}"):
        canvas.drawString(LEFT, y, line)
        y -= 5 * mm
    canvas.setFont(FONT, 9)
    canvas.drawRightString(
        RIGHT, HEIGHT - 98 * mm, formats.date_format(timezone.localdate(), "DATE_FORMAT")
    )
    canvas.drawRightString(
        RIGHT, HEIGHT - 93 * mm, _("Letter no. %(n)s") % {"n": invitation.number}
    )
    y = HEIGHT - 108 * mm
    y = _paragraph(
        canvas,
        _("Invitation to the citizens' assembly: %(title)s") % {"title": assembly.title},
        y,
        font=BOLD,
        size=12,
    )
    y = _paragraph(canvas, _("Dear Sir or Madam,"), y)
    y = _paragraph(
        canvas,
        _(
            "you have been drawn by lot from the population register of %(town)s. We invite "
            "you to take part in a citizens' assembly. Its members come together to advise "
            "the city council on this question:"
        )
        % {"town": municipality.name},
        y,
    )
    y = _paragraph(canvas, f"„{assembly.guiding_question}“", y, font=BOLD, x=LEFT + 8 * mm)
    schedule = []
    if assembly.first_meeting:
        schedule.append(
            _("The assembly meets from %(start)s to %(end)s.")
            % {
                "start": formats.date_format(assembly.first_meeting, "DATE_FORMAT"),
                "end": formats.date_format(
                    assembly.last_meeting or assembly.first_meeting, "DATE_FORMAT"
                ),
            }
        )
    schedule.append(
        _(
            "No previous knowledge is needed. From everyone who answers, %(size)s members are "
            "drawn by a second, public lottery, so that the assembly reflects the town: young "
            "and old, women and men, all districts."
        )
        % {"size": assembly.panel_size}
    )
    y = _paragraph(canvas, " ".join(schedule), y)
    deadline = formats.date_format(timezone.localtime(assembly.response_deadline), "DATE_FORMAT")
    y = _paragraph(
        canvas,
        _(
            "Please answer by %(date)s, online with your personal code or with the reply form "
            "on the back of this letter. Answering takes five minutes and commits you to "
            "nothing yet."
        )
        % {"date": deadline},
        y,
    )
    box_top = y
    canvas.setLineWidth(1)
    canvas.rect(LEFT, box_top - 38 * mm, RIGHT - LEFT, 36 * mm)
    canvas.setFont(FONT, 10)
    canvas.drawString(LEFT + 5 * mm, box_top - 9 * mm, _("Your personal code:"))
    canvas.setFont(MONO, 20)
    canvas.drawString(LEFT + 5 * mm, box_top - 19 * mm, invitation.code)
    canvas.setFont(FONT, 10)
    canvas.drawString(LEFT + 5 * mm, box_top - 28 * mm, _("Answer online:"))
    canvas.setFont(BOLD, 10)
    canvas.drawString(LEFT + 5 * mm, box_top - 33 * mm, answer_url)
    _qr(canvas, f"{answer_url}?code={invitation.code}", RIGHT - 34 * mm, box_top - 36 * mm, 32 * mm)
    y = box_top - 46 * mm
    y = _paragraph(
        canvas,
        _(
            "Your address was taken from the population register only for this invitation; "
            "the register data are deleted after the draw. Your answers are used only for "
            "the selection. Questions? Write to %(email)s."
        )
        % {"email": municipality.contact_email or sender},
        y,
        size=9,
        leading=12,
    )
    _paragraph(canvas, _("Kind regards"), y)
    canvas.showPage()


def _reply_form(
    canvas: Canvas,
    assembly: Assembly,
    invitation: Invitation,
    categories: list[QuotaCategory],
    *,
    sender: str,
) -> None:
    y = HEIGHT - 20 * mm
    y = _paragraph(
        canvas, _("Reply form: %(title)s") % {"title": assembly.title}, y, font=BOLD, size=13
    )
    y = _paragraph(
        canvas,
        _("Code %(code)s · letter no. %(n)s · please return by %(date)s to: %(sender)s")
        % {
            "code": invitation.code,
            "n": invitation.number,
            "date": formats.date_format(
                timezone.localtime(assembly.response_deadline), "DATE_FORMAT"
            ),
            "sender": f"{assembly.municipality.name}, {sender}",
        },
        y,
        size=9,
    )

    def box(label: str, y: float, x: float = LEFT) -> float:
        canvas.rect(x, y - 1, 3.5 * mm, 3.5 * mm)
        canvas.setFont(FONT, 10)
        canvas.drawString(x + 6 * mm, y, label)
        return y - 6.5 * mm

    y = box(_("Yes, I would like to take part in the citizens' assembly."), y)
    y = box(_("No, I do not want to take part."), y)
    y -= 2 * mm
    y = _paragraph(canvas, _("If yes, please also answer:"), y, font=BOLD)
    for category in categories:
        y = _paragraph(canvas, category.question, y, size=10)
        x = LEFT
        for value in category.values.all():
            width = canvas.stringWidth(value.label, FONT, 10) + 14 * mm
            if x + width > RIGHT:
                x, y = LEFT, y - 6.5 * mm
            box(value.label, y, x)
            x += width
        y -= 9 * mm
        if y < 60 * mm:
            canvas.showPage()
            y = HEIGHT - 20 * mm
    y = _paragraph(canvas, _("How can we reach you if you are drawn?"), y, font=BOLD)
    canvas.setFont(FONT, 10)
    canvas.drawString(LEFT, y, _("E-mail or telephone:"))
    canvas.line(LEFT + 40 * mm, y - 1, RIGHT, y - 1)
    y -= 12 * mm
    y = box(_("I agree to the use of my answers described below."), y)
    y = _paragraph(canvas, consent_text(), y, size=9, leading=12)
    canvas.setFont(FONT, 10)
    canvas.drawString(LEFT, y - 10 * mm, _("Date, signature:"))
    canvas.line(LEFT + 35 * mm, y - 10 * mm - 1, RIGHT, y - 10 * mm - 1)
    canvas.showPage()


def letters_pdf(
    assembly: Assembly,
    invitations: Iterable[Invitation],
    *,
    answer_url: str,
    sender: str,
) -> bytes:
    """One PDF with a letter and a reply form for every invitation, in letter-number order."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(_("Invitations: %(title)s") % {"title": assembly.title})
    canvas.setAuthor(assembly.municipality.name)
    canvas.setCreator("Mitmachstadt")
    cats = list(assembly.categories.prefetch_related("values").order_by("position", "id"))
    for invitation in invitations:
        _letter(canvas, assembly, invitation, answer_url=answer_url, sender=sender)
        _reply_form(canvas, assembly, invitation, cats, sender=sender)
    canvas.save()
    return buffer.getvalue()
