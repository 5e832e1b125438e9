"""Layout of the statistics files that leave the office: Word (.docx), Excel (.xlsx) and the PNG
charts embedded in the Word reports. Pure layout: the callers pass the figures (already scoped)
and write the audit entry.

Word files follow the office's usual shape (GB/T 9704 margins, 黑体 title, 仿宋 body); Chinese
glyphs need the font in `w:eastAsia`, which python-docx's `font.name` does not set. Charts are
drawn with matplotlib (Agg, no display) in a CJK font found on the server (Noto CJK by default).
"""

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from xinfang.core.spreadsheets import xlsx_row
from xinfang.documents.defaults import BODY_FONT, FALLBACK_FONT, TITLE_FONT

CJK_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
CJK_FONT_NAMES = ("Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei")
TABLE_FONT_PT = 10.5  # 五号
BODY_FONT_PT = 16  # 三号


# --- the blocks of a report -----------------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class Table:
    header: Sequence[str]
    rows: Sequence[Sequence[Any]]
    caption: str = ""


@dataclass(frozen=True)
class Image:
    png: bytes
    caption: str


@dataclass
class Report:
    unit_name: str
    title: str  # without the unit, e.g. 信访工作通报
    subtitle: str  # 2026年第11期 / 2026年1月至11月
    blocks: list[Any] = field(default_factory=list)
    date_text: str = ""


def cell_text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}%"
    return str(value)


# --- Word -----------------------------------------------------------------------------------------


def _east_asian(run: Any, font: str, size_pt: float, *, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = font
    run.font.size = Pt(size_pt)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)


def report_docx(report: Report) -> bytes:
    """The report as a Word document: the unit's header, the blocks in order, the signature."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(BODY_FONT_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FALLBACK_FONT)
    for section in document.sections:
        section.page_height, section.page_width = Cm(29.7), Cm(21)
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)

    def paragraph(text: str, *, font: str = BODY_FONT, size: float = BODY_FONT_PT, bold: bool = False,
                  align: Any = None, indent: bool = False) -> None:  # fmt: skip
        p = document.add_paragraph()
        if align is not None:
            p.alignment = align
        if indent:
            p.paragraph_format.first_line_indent = Pt(size * 2)
        p.paragraph_format.space_after = Pt(4)
        if text:
            _east_asian(p.add_run(text), font, size, bold=bold)

    paragraph(f"{report.unit_name}", font=TITLE_FONT, size=22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    paragraph(report.title, font=TITLE_FONT, size=22, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
    paragraph(report.subtitle, align=WD_ALIGN_PARAGRAPH.CENTER)
    for block in report.blocks:
        if isinstance(block, Heading):
            paragraph(block.text, font=TITLE_FONT, bold=True)
        elif isinstance(block, Paragraph):
            paragraph(block.text, indent=True)
        elif isinstance(block, Table):
            if block.caption:
                paragraph(block.caption, size=TABLE_FONT_PT + 1.5, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER)
            table = document.add_table(rows=1, cols=len(block.header))
            table.style = "Table Grid"
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            for cell, title in zip(table.rows[0].cells, block.header, strict=True):
                cell.text = ""
                _east_asian(cell.paragraphs[0].add_run(title), BODY_FONT, TABLE_FONT_PT, bold=True)
            for values in block.rows:
                cells = table.add_row().cells
                for cell, value in zip(cells, values, strict=True):
                    _east_asian(cell.paragraphs[0].add_run(cell_text(value)), BODY_FONT, TABLE_FONT_PT)
        elif isinstance(block, Image):
            document.add_picture(io.BytesIO(block.png), width=Cm(15))
            document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            paragraph(block.caption, size=TABLE_FONT_PT + 1.5, align=WD_ALIGN_PARAGRAPH.CENTER)
    paragraph("")
    paragraph(report.unit_name, align=WD_ALIGN_PARAGRAPH.RIGHT)
    if report.date_text:
        paragraph(report.date_text, align=WD_ALIGN_PARAGRAPH.RIGHT)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- Excel ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[Any]]
    notes: Sequence[str] = ()


def workbook_xlsx(sheets: Sequence[Sheet], *, heading: str = "") -> bytes:
    """One worksheet per sheet: an optional heading line, the header, the rows, then the notes
    (definitions and rules) under the table. Rates are written as numbers with a % format."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="F2DCDB")
    for spec in sheets:
        sheet = book.create_sheet(spec.title[:31])
        if heading:
            sheet.append(xlsx_row(sheet, [heading]))
            sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
        sheet.append(xlsx_row(sheet, spec.header))
        header_row = sheet.max_row
        for column, _ in enumerate(spec.header, start=1):
            cell = sheet.cell(row=header_row, column=column)
            cell.font, cell.fill = header_font, header_fill
            cell.alignment = Alignment(horizontal="center", wrap_text=True)
        for values in spec.rows:
            sheet.append(xlsx_row(sheet, [_xlsx_value(v) for v in values]))
            for column, value in enumerate(values, start=1):
                if isinstance(value, float):
                    sheet.cell(row=sheet.max_row, column=column).number_format = "0.0%"
        for note in spec.notes:
            sheet.append([])
            sheet.append(xlsx_row(sheet, [note]))
        sheet.column_dimensions["A"].width = 28
        for column in range(2, len(spec.header) + 1):
            sheet.column_dimensions[get_column_letter(column)].width = 14
        sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value: Any) -> Any:
    if isinstance(value, float):
        return value / 100  # percentages are computed as 0–100
    return "—" if value is None else value


# --- charts ---------------------------------------------------------------------------------------


@cache
def _cjk_font() -> Any:
    """FontProperties of a font with Chinese glyphs, or None (the chart then shows boxes)."""
    from matplotlib import font_manager

    for path in CJK_FONT_FILES:
        if Path(path).exists():
            return font_manager.FontProperties(fname=path)
    for name in CJK_FONT_NAMES:
        try:
            found = font_manager.findfont(name, fallback_to_default=False)
        except ValueError:
            continue
        return font_manager.FontProperties(fname=found)
    return None


def _figure(width: float = 7.5, height: float = 3.6) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=150)
    axes = figure.add_subplot(1, 1, 1)
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes


def _png(figure: Any, axes: Any, title: str) -> bytes:
    font = _cjk_font()
    axes.set_title(title, fontproperties=font, fontsize=12)
    for label in (*axes.get_xticklabels(), *axes.get_yticklabels()):
        label.set_fontproperties(font)
        label.set_fontsize(9)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def bar_chart_png(labels: Sequence[str], values: Sequence[int], *, title: str) -> bytes:
    """Horizontal bars, largest on top, with the count at the end of each bar."""
    figure, axes = _figure(height=max(2.4, 0.42 * len(labels) + 1.2))
    positions = list(range(len(labels)))
    bars = axes.barh(positions, list(values), color="#b33a3a")
    axes.set_yticks(positions, list(labels))
    axes.invert_yaxis()
    axes.bar_label(bars, padding=3, fontsize=8)
    axes.xaxis.get_major_locator().set_params(integer=True)
    return _png(figure, axes, title)


def line_chart_png(labels: Sequence[str], series: dict[str, Sequence[int]], *, title: str) -> bytes:
    """One line per series over the labels (months)."""
    figure, axes = _figure()
    positions = list(range(len(labels)))
    for name, values in series.items():
        axes.plot(positions, list(values), marker="o", linewidth=1.8, label=name)
    axes.set_xticks(positions, list(labels), rotation=45, ha="right")
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_ylim(bottom=0)
    if len(series) > 1:
        axes.legend(prop=_cjk_font(), frameon=False)
    axes.grid(axis="y", alpha=0.3)
    return _png(figure, axes, title)
