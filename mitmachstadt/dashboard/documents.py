"""Documents from the dashboard: PDF (reportlab, pure Python), CSV and XLSX (openpyxl)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
from decimal import Decimal
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from mitmachstadt.core.markup import plain_text
from mitmachstadt.reviews.selectors import AgendaItem

from .report import MonitoringReport, Table

FONT, FONT_BOLD = "MitmachstadtSans", "MitmachstadtSans-Bold"


@cache
def _fonts() -> Any:
    """Register Bitstream Vera (shipped with reportlab): it has €, „“ and the umlauts."""
    import reportlab
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    folder = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
    regular = TTFont(FONT, os.path.join(folder, "Vera.ttf"))
    pdfmetrics.registerFont(regular)
    pdfmetrics.registerFont(TTFont(FONT_BOLD, os.path.join(folder, "VeraBd.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD)
    return regular.face.charToGlyph


def _text(value: Any) -> str:
    """Escape for reportlab's paragraph markup; characters the font lacks become "?"."""
    glyphs = _fonts()
    text = "" if value is None else str(value)
    text = "".join(ch if ord(ch) in glyphs or ch in "\n\t" else "?" for ch in text)
    return escape(text)


def _styles() -> dict[str, Any]:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    _fonts()
    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=12.5)
    return {
        "title": ParagraphStyle(
            "title", parent=base, fontName=FONT_BOLD, fontSize=18, leading=22, spaceAfter=6
        ),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=11, leading=14, spaceAfter=10),
        "h2": ParagraphStyle(
            "h2",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=13,
            leading=16,
            spaceBefore=12,
            spaceAfter=6,
        ),
        "h3": ParagraphStyle(
            "h3",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=10.5,
            leading=13,
            spaceBefore=8,
            spaceAfter=4,
        ),
        "body": base,
        "small": ParagraphStyle(
            "small",
            parent=base,
            fontSize=8,
            leading=10,
            spaceAfter=4,
            textColor=colors.HexColor("#4f5b66"),
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "cell_bold": ParagraphStyle(
            "cell_bold", parent=base, fontName=FONT_BOLD, fontSize=8, leading=10
        ),
    }


def _table(rows: list[list[Any]], widths: list[float], styles: dict[str, Any]) -> Any:
    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, TableStyle
    from reportlab.platypus import Table as PdfTable

    cells = [
        [Paragraph(_text(v), styles["cell_bold"] if r == 0 else styles["cell"]) for v in row]
        for r, row in enumerate(rows)
    ]
    table = PdfTable(cells, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6ebf0")),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, colors.HexColor("#c4ccd4")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _build(
    story: list[Any], *, title: str, subject: str, landscape_page: bool, municipality: Any
) -> bytes:
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    buffer = io.BytesIO()
    pagesize = landscape(A4) if landscape_page else A4
    footer = f"{municipality.name} · {title}"

    def on_page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.drawString(15 * mm, 9 * mm, footer[:150])
        canvas.drawRightString(pagesize[0] - 15 * mm, 9 * mm, _("Page %(n)d") % {"n": doc.page})
        canvas.restoreState()

    doc = SimpleDocTemplate(
        buffer,
        pagesize=pagesize,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=16 * mm,
        title=title,
        author=municipality.name,
        subject=subject,
        creator="Mitmachstadt",
        lang="de",
    )
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


def _paragraphs(html: str, styles: dict[str, Any], limit: int = 2500) -> list[Any]:
    from reportlab.platypus import Paragraph

    text = plain_text(html)
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0] + " …"
    # plain_text keeps HTML entities escaped, which is what reportlab's markup expects.
    parts = [p.strip() for p in text.split("\n") if p.strip()]
    glyphs = _fonts()
    return [
        Paragraph("".join(ch if ord(ch) in glyphs else "?" for ch in part), styles["body"])
        for part in parts
    ]


def agenda_pdf(
    municipality: Any, items: list[AgendaItem], *, meeting: dt.date | None = None
) -> bytes:
    """The committee's agenda of project candidates, each with its criteria assessment."""
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, Spacer

    styles = _styles()
    title = _("Agenda: project candidates")
    story: list[Any] = [
        Paragraph(_text(title), styles["title"]),
        Paragraph(
            _text(
                _("%(name)s – for the committee meeting on %(date)s")
                % {"name": municipality.name, "date": date_format(meeting, "DATE_FORMAT")}
                if meeting
                else municipality.name
            ),
            styles["subtitle"],
        ),
        Paragraph(
            _text(
                _("As of %(date)s. %(n)d candidates.")
                % {"date": date_format(timezone.localdate(), "DATE_FORMAT"), "n": len(items)}
            ),
            styles["small"],
        ),
    ]
    if not items:
        story.append(Paragraph(_text(_("There are no project candidates.")), styles["body"]))
    for number, item in enumerate(items, start=1):
        idea = item.idea
        story.append(
            Paragraph(
                _text(_("Item %(n)d: %(title)s") % {"n": number, "title": idea.title}),
                styles["h2"],
            )
        )
        facts = [
            _("Fields of action: %(names)s")
            % {"names": ", ".join(f.name for f in idea.fields.all()) or "–"},
        ]
        if idea.cluster:
            facts.append(_("Cluster: %(name)s") % {"name": idea.cluster.name})
        if idea.citywide:
            facts.append(_("Location: citywide"))
        elif idea.district:
            facts.append(_("Location: %(name)s") % {"name": idea.district.name})
        if item.accepted:
            facts.append(
                _("Candidate since %(date)s")
                % {"date": date_format(timezone.localdate(item.accepted.created), "DATE_FORMAT")}
            )
        story.append(Paragraph(_text(" · ".join(facts)), styles["small"]))
        story.extend(_paragraphs(idea.text_html, styles))
        if item.accepted and item.accepted.reason:
            story.append(
                Paragraph(
                    "<b>{}:</b> {}".format(
                        _text(_("Recommendation of the reviewers")), _text(item.accepted.reason)
                    ),
                    styles["body"],
                )
            )
        if item.assessment is not None:
            rows = [[_("Criterion"), _("Verdict"), _("Justification")]]
            rows += [
                [v.criterion_name, v.get_verdict_display(), v.justification]
                for v in item.assessment.verdicts.all()
            ]
            story.append(
                KeepTogether(
                    [
                        Paragraph(_text(_("Criteria assessment")), styles["h3"]),
                        _table(rows, [55 * mm, 28 * mm, 97 * mm], styles),
                    ]
                )
            )
            if item.assessment.summary:
                story.append(
                    Paragraph(
                        "<b>{}:</b> {}".format(
                            _text(_("Summary of the assessment")), _text(item.assessment.summary)
                        ),
                        styles["body"],
                    )
                )
        else:
            story.append(
                Paragraph(_text(_("No criteria assessment was published.")), styles["small"])
            )
        story.append(Spacer(1, 4 * mm))
    return _build(
        story,
        title=title,
        subject=_("Project candidates with their criteria assessments"),
        landscape_page=False,
        municipality=municipality,
    )


def report_pdf(report: MonitoringReport) -> bytes:
    """The half-yearly monitoring report as PDF (A4 landscape, one table per section)."""
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph

    styles = _styles()
    municipality = report.municipality
    title = _("Monitoring report, %(period)s") % {"period": report.period.label}
    story: list[Any] = [
        Paragraph(_text(title), styles["title"]),
        Paragraph(
            _text(
                _("%(name)s – %(start)s to %(end)s")
                % {
                    "name": municipality.name,
                    "start": date_format(report.period.start, "DATE_FORMAT"),
                    "end": date_format(report.period.end, "DATE_FORMAT"),
                }
            ),
            styles["subtitle"],
        ),
        Paragraph(
            _text(
                _("Created on %(date)s from the records of the participation platform.")
                % {"date": date_format(timezone.localtime(report.generated), "DATETIME_FORMAT")}
            ),
            styles["small"],
        ),
    ]
    usable = 267 * mm
    for table in report.tables:
        story.append(Paragraph(_text(table.title), styles["h2"]))
        if table.note:
            story.append(Paragraph(_text(table.note), styles["small"]))
        if not table.rows:
            story.append(Paragraph(_text(_("Nothing in this period.")), styles["body"]))
            continue
        count = len(table.columns)
        first = usable * (0.3 if count > 4 else 0.5)
        rest = (usable - first) / max(count - 1, 1)
        story.append(_table([table.columns, *table.rows], [first] + [rest] * (count - 1), styles))
    return _build(
        story,
        title=title,
        subject=_("Half-yearly monitoring report for the funding body"),
        landscape_page=True,
        municipality=municipality,
    )


# Spreadsheet programs run text that starts with these as a formula (CSV injection); idea
# titles are written by anyone, so such text is stored with a leading apostrophe in CSV and
# as plain text cells in XLSX.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _raw(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    return value


def _csv_safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def tables_csv(tables: list[Table]) -> str:
    """All tables in one long CSV: table, row, column, value (raw numbers and ISO dates)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["table", "row", "column", "value"])
    for table in tables:
        for number, row in enumerate(table.raw or table.rows, start=1):
            for column, value in zip(table.columns, row, strict=False):
                if isinstance(value, dt.date):
                    value = value.isoformat()
                value = "" if value is None else _csv_safe(_raw(value))
                writer.writerow([_csv_safe(table.title), number, _csv_safe(column), value])
    return out.getvalue()


def tables_xlsx(tables: list[Table], *, title: str, municipality: Any) -> bytes:
    """One worksheet per table, numbers as numbers, plus an info sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    info = book.active
    info.title = _("Info")[:31]
    info.append([title])
    info["A1"].font = Font(bold=True, size=14)
    info.append([municipality.name])
    info.append([_("Created"), timezone.localtime().replace(tzinfo=None)])
    info.append([_("Licence"), "Datenlizenz Deutschland – Zero – 2.0"])
    info.column_dimensions["A"].width = 30
    info.column_dimensions["B"].width = 40
    used: set[str] = set()
    for table in tables:
        name = "".join(ch for ch in table.title if ch not in "[]:*?/\\")[:31] or table.key
        while name in used:
            name = name[:28] + f"_{len(used)}"
        used.add(name)
        sheet = book.create_sheet(name)
        sheet.append(table.columns)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.raw or table.rows:
            sheet.append([_raw(v) for v in row])
            for cell in sheet[sheet.max_row]:
                if cell.data_type == "f":  # text that merely looks like a formula
                    cell.data_type = "s"
        for index, column in enumerate(table.columns, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = min(
                60, max(12, len(str(column)) + 2)
            )
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
