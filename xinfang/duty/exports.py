"""Duty files the office prints (值班): the month's roster as .xlsx (people by day, A4 landscape)
and as .docx (值班表, A4 with the 公文 margins of GB/T 9704), a shift's daily record (值班记录表)
and its handover record (交接班记录), both .docx.

Each `*_xlsx` / `*_docx` function reads what it prints in a fixed number of queries (the roster:
two, whatever the number of shifts) and lays out the file in memory; nothing here writes to the
database. The callers (`export_views`) check scope and capability and write the audit entry.
Phone numbers are printed in full: these are the office's own records of its own people and of
the callers it must ring back.
"""

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Q
from django.utils import timezone

from xinfang.core.spreadsheets import xlsx_value
from xinfang.documents.defaults import BODY_FONT, FALLBACK_FONT, TITLE_FONT

from .choices import ItemStatus, LeaveStatus, MemberKind, RosterStatus
from .models import Handover, HandoverItem, LogEntry, RosterMonth, Shift, ShiftMember
from .selectors import roster_shifts

WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
TABLE_FONT = FALLBACK_FONT  # 宋体: tables in 五号 read better in 宋体 than in 仿宋
TABLE_PT = 10.5  # 五号
SMALL_PT = 9  # 小五
LINE_PT = 14  # 四号: the lines around a table
TITLE_PT = 22  # 二号, GB/T 9704 §7.3.1

# GB/T 9704-2012 §5.2: A4, 天头 37 mm, 订口 28 mm; the text block is 156 mm × 225 mm
A4_MM = (210, 297)
OFFICIAL_MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
TEXT_WIDTH_MM = A4_MM[0] - OFFICIAL_MARGINS_MM["left"] - OFFICIAL_MARGINS_MM["right"]  # 156

ROSTER_COLUMNS: tuple[tuple[str, float], ...] = (  # (header, width in Excel characters)
    ("日期", 12),
    ("星期", 9),
    ("班次（时间）", 24),
    ("带班领导", 16),
    ("值班员", 22),
    ("联系电话", 28),
    ("备注", 26),
)
CELL_MARGIN_TWIPS = 57  # 1 mm
# the same columns on the Word page, in mm: 156 in all
ROSTER_DOCX_MM = (16, 14, 30, 17, 19, 34, 26)


# --- reading -------------------------------------------------------------------------------------


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment)


def _name(user: Any) -> str:
    return str(user) if user is not None else ""


def _month_text(month: date) -> str:
    return f"{month:%Y年%m月}"


def _day_text(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def shift_time(shift: Shift) -> str:
    """08:30—17:30; a shift that ends the next day: 17:30—次日08:30."""
    start, end = _local(shift.starts_at), _local(shift.ends_at)
    days = (end.date() - start.date()).days
    after = "" if days == 0 else ("次日" if days == 1 else f"{end.month}月{end.day}日")
    return f"{start:%H:%M}—{after}{end:%H:%M}"


def shift_hours(shift: Shift) -> str:
    """白班 08:30—17:30; 夜班 17:30—次日08:30."""
    return f"{shift.label} {shift_time(shift)}"


@dataclass(frozen=True)
class ShiftPeople:
    """Who actually serves on a shift, and what the 备注 says about leave and substitutes."""

    leaders: list[ShiftMember]
    staff: list[ShiftMember]
    remarks: list[str]

    @property
    def serving(self) -> list[ShiftMember]:
        return [*self.leaders, *self.staff]

    def names(self, members: Iterable[ShiftMember]) -> str:
        return "、".join(_name(m.user) for m in members)

    def phones(self, separator: str = "\n") -> str:
        return separator.join(f"{_name(m.user)} {m.user.phone}" for m in self.serving if m.user.phone)


def people_of(shift: Shift) -> ShiftPeople:
    """From the prefetched members (`selectors.roster_shifts`, `access_shift_by_id`): no query."""
    members = list(shift.members.all())
    serving = [m for m in members if m.serving]
    remarks = [
        f"{_name(m.user)}（替{_name(m.replaces.user)}）"  # type: ignore[union-attr]
        for m in serving
        if m.replaces_id is not None
    ]
    remarks.extend(f"{_name(m.user)}请假待批" for m in members if m.leave == LeaveStatus.REQUESTED)
    return ShiftPeople(
        leaders=[m for m in serving if m.kind == MemberKind.LEADER],
        staff=[m for m in serving if m.kind == MemberKind.STAFF],
        remarks=remarks,
    )


@dataclass(frozen=True)
class RosterRow:
    day: date
    weekday: str
    label: str
    time: str
    leaders: str
    staff: str
    phones: str
    remarks: str


def roster_rows(shifts: Sequence[Shift]) -> list[RosterRow]:
    rows = []
    for shift in shifts:
        people = people_of(shift)
        day = _local(shift.starts_at).date()
        rows.append(
            RosterRow(
                day=day,
                weekday=WEEKDAYS[day.weekday()],
                label=shift.label,
                time=shift_time(shift),
                leaders=people.names(people.leaders),
                staff=people.names(people.staff),
                phones=people.phones(),
                remarks="；".join(people.remarks),
            )
        )
    return rows


def _day_runs(rows: Sequence[RosterRow]) -> list[tuple[int, int]]:
    """[first, last] indexes of the rows of each day, for merging the 日期 and 星期 cells."""
    runs: list[tuple[int, int]] = []
    for index, row in enumerate(rows):
        if runs and rows[runs[-1][0]].day == row.day:
            runs[-1] = (runs[-1][0], index)
        else:
            runs.append((index, index))
    return runs


def roster_title(roster: RosterMonth) -> str:
    return f"{roster.unit.name}{_month_text(roster.month)}值班表"


def _draft_mark(roster: RosterMonth) -> str:
    return "" if roster.status == RosterStatus.PUBLISHED else "（草稿，未发布）"


# --- the roster as .xlsx -------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    rows: int


def roster_xlsx(roster: RosterMonth, *, today: date | None = None) -> ExportFile:
    """The month as the office prints it: one sheet, a row per shift (the days' cells merged),
    title and header rows on every page, A4 landscape, one page wide, thin borders."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    today = today or timezone.localdate()
    rows = roster_rows(roster_shifts(roster))
    book = Workbook()
    sheet = book.active
    sheet.title = f"{roster.month:%Y年%m月}值班表"
    width = len(ROSTER_COLUMNS)
    last = get_column_letter(width)
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    body_font = Font(name="宋体", size=11)
    middle = Alignment(horizontal="center", vertical="center", wrap_text=True)
    left = Alignment(horizontal="left", vertical="center", wrap_text=True)

    sheet.append([xlsx_value(sheet, roster_title(roster) + _draft_mark(roster))])
    sheet.merge_cells(f"A1:{last}1")
    sheet["A1"].font = Font(name="黑体", size=18, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center", vertical="center")
    sheet.row_dimensions[1].height = 36
    sheet.append([title for title, _ in ROSTER_COLUMNS])
    for column in range(1, width + 1):
        cell = sheet.cell(row=2, column=column)
        cell.font = Font(name="黑体", size=11, bold=True)
        cell.alignment = middle
        cell.border = border
    sheet.row_dimensions[2].height = 24
    for index, (_, chars) in enumerate(ROSTER_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = chars

    first_row = 3
    for row in rows:
        values = [
            row.day,
            row.weekday,
            f"{row.label} {row.time}",
            row.leaders,
            row.staff,
            row.phones,
            row.remarks,
        ]
        sheet.append([xlsx_value(sheet, value) for value in values])
        number = sheet.max_row
        lines = max(1, row.phones.count("\n") + 1, len(row.staff) // 10 + 1)
        sheet.row_dimensions[number].height = max(24, 15 * lines + 6)
        for column in range(1, width + 1):
            cell = sheet.cell(row=number, column=column)
            cell.font = body_font
            cell.border = border
            cell.alignment = left if column in (6, 7) else middle
        sheet.cell(row=number, column=1).number_format = 'm"月"d"日"'
    for start, end in _day_runs(rows):
        if end > start:
            for letter in ("A", "B"):
                sheet.merge_cells(f"{letter}{first_row + start}:{letter}{first_row + end}")
    if not rows:
        sheet.append(["本月尚未排班。"])
        sheet.merge_cells(f"A{sheet.max_row}:{last}{sheet.max_row}")

    sheet.append([])
    sheet.append([f"制表单位：{roster.unit.name}", "", "", "", f"制表日期：{_day_text(today)}"])
    footer_row = sheet.max_row
    sheet.merge_cells(f"A{footer_row}:D{footer_row}")
    sheet.merge_cells(f"E{footer_row}:{last}{footer_row}")
    for column in (1, 5):
        sheet.cell(row=footer_row, column=column).font = body_font
    sheet.cell(row=footer_row, column=5).alignment = Alignment(horizontal="right")
    sheet.row_dimensions[footer_row].height = 22

    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:2"
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    sheet.page_margins.top, sheet.page_margins.bottom = 0.6, 0.8
    sheet.page_margins.header, sheet.page_margins.footer = 0.3, 0.3
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"
    sheet.freeze_panes = "A3"
    buffer = io.BytesIO()
    book.save(buffer)
    return ExportFile(content=buffer.getvalue(), rows=len(rows))


# --- Word: the page, fonts and tables shared by the three documents ----------------------------


def _font(run: Any, font: str, size_pt: float, *, bold: bool = False) -> Any:
    """Word takes Chinese glyphs from rFonts/@w:eastAsia; python-docx's font.name sets only ASCII."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = font
    run.font.size = Pt(size_pt)
    run.font.bold = bold
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
    return run


def _page_number_footer(section: Any) -> None:
    """— 1 — centred at the foot of every page (GB/T 9704 §7.5: 4号 半角 宋体 page number)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(paragraph.add_run("— "), FALLBACK_FONT, LINE_PT)
    run = _font(paragraph.add_run(), FALLBACK_FONT, LINE_PT)
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind is None:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        run._r.append(element)
    _font(paragraph.add_run(" —"), FALLBACK_FONT, LINE_PT)


def _official_document() -> Any:
    """A new document on the 公文 page: A4 portrait, GB/T 9704 margins, 仿宋 text, page numbers."""
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(LINE_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    normal.paragraph_format.space_after = Pt(0)
    for section in document.sections:
        section.page_width, section.page_height = Mm(A4_MM[0]), Mm(A4_MM[1])
        section.top_margin = Mm(OFFICIAL_MARGINS_MM["top"])
        section.bottom_margin = Mm(OFFICIAL_MARGINS_MM["bottom"])
        section.left_margin = Mm(OFFICIAL_MARGINS_MM["left"])
        section.right_margin = Mm(OFFICIAL_MARGINS_MM["right"])
        section.footer_distance = Mm(24)
        _page_number_footer(section)
    _cell_styles(document)
    return document


# paragraph styles of table cells: (style id, font, size, bold, centred); a cell's paragraph names
# its style instead of carrying its own font and alignment (smaller files, built several times
# faster, and an office that wants another font changes the style once)
CELL_STYLES = {
    (False, True, TABLE_PT): ("DutyCell", TABLE_FONT, TABLE_PT, False, True),
    (False, False, TABLE_PT): ("DutyCellLeft", TABLE_FONT, TABLE_PT, False, False),
    (False, True, SMALL_PT): ("DutyCellSmall", TABLE_FONT, SMALL_PT, False, True),
    (False, False, SMALL_PT): ("DutyCellSmallLeft", TABLE_FONT, SMALL_PT, False, False),
    (True, True, TABLE_PT): ("DutyCellHead", TITLE_FONT, TABLE_PT, True, True),
}


def _cell_styles(document: Any) -> None:
    from docx.enum.style import WD_STYLE_TYPE
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Pt

    for style_id, font, size, bold, centred in CELL_STYLES.values():
        style = document.styles.add_style(style_id, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = document.styles["Normal"]
        style.font.name = font
        style.font.size = Pt(size)
        style.font.bold = bold
        style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)
        style.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER if centred else WD_ALIGN_PARAGRAPH.LEFT
        style.paragraph_format.space_before = style.paragraph_format.space_after = Pt(0)


def _title(document: Any, text: str, subtitle: str = "") -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(6)
    _font(title.add_run(text), TITLE_FONT, TITLE_PT, bold=True)
    if subtitle:
        line = document.add_paragraph()
        line.alignment = WD_ALIGN_PARAGRAPH.CENTER
        line.paragraph_format.space_after = Pt(6)
        _font(line.add_run(subtitle), BODY_FONT, LINE_PT)


def _line(
    document: Any, text: str = "", *, right: str = "", bold: bool = False, size: float = LINE_PT
) -> Any:
    """A line of text; with `right`, that text at the right margin (a right tab stop)."""
    from docx.enum.text import WD_TAB_ALIGNMENT
    from docx.shared import Mm, Pt

    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(10 if bold else 4)
    paragraph.paragraph_format.space_after = Pt(4)
    if right:
        paragraph.paragraph_format.tab_stops.add_tab_stop(Mm(TEXT_WIDTH_MM), WD_TAB_ALIGNMENT.RIGHT)
        text = f"{text}\t{right}"
    if text:
        _font(paragraph.add_run(text), TITLE_FONT if bold else BODY_FONT, size, bold=bold)
    return paragraph


def _set_cell(
    cell: Any, text: str, *, bold: bool = False, center: bool = True, size: float = TABLE_PT
) -> None:
    """The cell's text (several lines for "\\n"), 宋体 五号 (headers 黑体), vertically centred."""
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT

    style_id = CELL_STYLES[bold, center or bold, TABLE_PT if bold else size][0]
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    lines = text.split("\n") if text else [""]
    for index, line in enumerate(lines):
        paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
        paragraph._p.style = style_id
        if line:
            paragraph.add_run(line)


def _add_line(cell: Any, text: str, size: float) -> None:
    """One more centred line in a cell, in its own size (the time under a shift's name)."""
    paragraph = cell.add_paragraph()
    paragraph._p.style = CELL_STYLES[False, True, size][0]
    paragraph.add_run(text)


def _table(document: Any, widths_mm: Sequence[float], header: Sequence[str] = ()) -> Any:
    """A bordered table of fixed column widths; its header row (if any) repeats on every page."""
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm

    table = document.add_table(rows=0, cols=len(widths_mm))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False  # w:tblLayout fixed: the widths below hold
    margins = OxmlElement("w:tblCellMar")  # 1 mm each side instead of Word's 1.9 mm
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(CELL_MARGIN_TWIPS))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    table._tbl.tblPr.tblLayout.addnext(margins)
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
    if header:
        cells = _row(table, widths_mm, height_mm=8)
        for cell, text in zip(cells, header, strict=True):
            _set_cell(cell, text, bold=True)
        tr_pr = table.rows[0]._tr.get_or_add_trPr()
        repeat = OxmlElement("w:tblHeader")
        repeat.set(qn("w:val"), "true")
        tr_pr.append(repeat)
    return table


def _row(table: Any, widths_mm: Sequence[float], *, height_mm: float = 0) -> Any:
    """A new row that never breaks across pages, each cell with its column's width. Its cells are
    read from the row itself (python-docx's `row.cells` lays out the whole table each time)."""
    from docx.enum.table import WD_ROW_HEIGHT_RULE
    from docx.oxml import OxmlElement
    from docx.shared import Mm
    from docx.table import _Cell

    row = table.add_row()
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    if height_mm:
        row.height = Mm(height_mm)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
    cells = [_Cell(tc, table) for tc in row._tr.tc_lst]
    for cell, width in zip(cells, widths_mm, strict=True):
        cell.width = Mm(width)
    return cells


def _pairs(table: Any, widths_mm: Sequence[float], *pairs: tuple[str, str]) -> None:
    """A row of label / value pairs (labels bold); a lone last pair spans the rest of the row."""
    cells = _row(table, widths_mm, height_mm=9)
    position = 0
    for index, (label, value) in enumerate(pairs):
        _set_cell(cells[position], label, bold=True)
        target = cells[position + 1]
        if index == len(pairs) - 1 and position + 2 < len(cells):
            target = target.merge(cells[-1])
        _set_cell(target, value, center=False)
        position += 2


def _save(document: Any) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- the roster as .docx -------------------------------------------------------------------------


def roster_docx(roster: RosterMonth, *, today: date | None = None) -> ExportFile:
    """值班表: the month on the 公文 page, a row per shift with its 带班领导, the header on every page,
    then 制表单位 and 制表日期."""
    today = today or timezone.localdate()
    rows = roster_rows(roster_shifts(roster))
    document = _official_document()
    first = roster.month.replace(day=1)
    last_day = rows[-1].day if rows else first
    span = f"（{_day_text(first)}至{last_day.month}月{last_day.day}日）" if rows else ""
    _title(document, roster_title(roster), span + _draft_mark(roster))
    _line(document, f"制表单位：{roster.unit.name}", right=f"制表日期：{_day_text(today)}")
    table = _table(document, ROSTER_DOCX_MM, [title for title, _ in ROSTER_COLUMNS])
    runs = _day_runs(rows)
    firsts = {start for start, _ in runs}
    cell_rows = []
    for index, row in enumerate(rows):
        cells = _row(table, ROSTER_DOCX_MM, height_mm=8)
        cell_rows.append(cells)
        if index in firsts:  # the day's later rows stay empty: merged into this one below
            _set_cell(cells[0], f"{row.day.month}月{row.day.day}日")
            _set_cell(cells[1], row.weekday)
        _set_cell(cells[2], row.label)
        _add_line(cells[2], row.time, SMALL_PT)
        _set_cell(cells[3], row.leaders)
        _set_cell(cells[4], row.staff)
        _set_cell(cells[5], row.phones, center=False, size=SMALL_PT)
        _set_cell(cells[6], row.remarks, center=False, size=SMALL_PT)
    for start, end in runs:
        if end > start:
            for column in (0, 1):  # the day's 日期 and 星期 span its rows (w:vMerge)
                cell_rows[start][column]._tc.vMerge = "restart"
                for index in range(start + 1, end + 1):
                    cell_rows[index][column]._tc.vMerge = "continue"
    if not rows:
        cells = _row(table, ROSTER_DOCX_MM, height_mm=10)
        _set_cell(cells[0].merge(cells[-1]), "本月尚未排班。")
    _line(
        document,
        "注：带班领导负责本班次值班工作；值班人员按时到岗签到，因故不能值班的提前请假，"
        "经办公室负责人批准并安排替班。",
        size=SMALL_PT + 1.5,
    )
    return ExportFile(content=_save(document), rows=len(rows))


# --- a shift's daily record (值班记录表) -----------------------------------------------------------


def _moment(moment: datetime | None, *, day: date | None = None) -> str:
    """09:12, or 1月6日 09:12 when it falls on another day than `day`."""
    if moment is None:
        return ""
    local = _local(moment)
    if day is not None and local.date() != day:
        return f"{local.month}月{local.day}日 {local:%H:%M}"
    return f"{local:%H:%M}"


def _signed_line(shift: Shift) -> str:
    if shift.signed_at is None:
        return "未签字"
    local = _local(shift.signed_at)
    return f"{_name(shift.signed_by)}（{_day_text(local.date())} {local:%H:%M}）"


def _shift_heading(shift: Shift) -> str:
    day = _local(shift.starts_at).date()
    return f"{_day_text(day)}（{WEEKDAYS[day.weekday()]}）{shift_hours(shift)}"


SHIFT_INFO_MM = (24, 54, 24, 54)
PEOPLE_MM = (22, 24, 30, 24, 24, 32)
ENTRY_MM = (10, 16, 28, 44, 34, 24)


def shift_entries(shift: Shift) -> list[LogEntry]:
    """The calls and visits received on the shift, and those it took over at a handover."""
    return list(
        LogEntry.objects.filter(Q(shift=shift) | Q(current_shift=shift))
        .select_related("acknowledged_by", "recorded_by")
        .order_by("at", "pk")
    )


def _entry_status(entry: LogEntry, shift: Shift) -> str:
    lines = [entry.get_status_display()]
    if entry.petition_number:
        lines.append(entry.petition_number)
    if entry.shift_id != shift.pk:
        lines.append("（上一班移交）")
    elif entry.current_shift_id != shift.pk:
        lines.append("（已移交下一班）")
    if entry.urgent:
        if entry.acknowledged_at is not None:
            ack = _local(entry.acknowledged_at)
            lines.append(f"【紧急】{_name(entry.acknowledged_by)} {ack:%H:%M} 确认")
        else:
            lines.append("【紧急】带班领导未确认")
    return "\n".join(lines)


def _handover_summary(handover: Handover | None) -> str:
    if handover is None:
        return "尚未交班。"
    items = list(handover.items.all())
    counts = {status: sum(1 for i in items if i.status == status) for status in ItemStatus}
    handed = _local(handover.handed_at)
    parts = [f"{handed.month}月{handed.day}日 {handed:%H:%M} 由{_name(handover.handed_by)}交班"]
    if handover.to_shift is not None:
        incoming = handover.to_shift
        day = _local(incoming.starts_at).date()
        parts.append(f"接班班次 {day.month}月{day.day}日{shift_hours(incoming)}")
    if items:
        detail = "，".join(
            f"{ItemStatus(status).label} {count} 项" for status, count in counts.items() if count
        )
        parts.append(f"交接事项 {len(items)} 项（{detail}），详见交接班记录")
    else:
        parts.append("无未办结事项")
    return "，".join(parts) + "。"


def _handover_of(shift: Shift) -> Handover | None:
    return (
        Handover.objects.filter(shift=shift)
        .select_related("handed_by", "to_shift")
        .prefetch_related("items__decided_by")
        .first()
    )


def shift_record_docx(shift: Shift) -> ExportFile:
    """值班记录表: the shift (unit, date, hours, status), who served with their sign-in and
    sign-out, every call and visit (time, 来电/来访, name and phone, 事由, 处理情况, status, the
    urgent mark and the leader's acknowledgement), the handover, and the signature lines.
    `shift` comes from `selectors.access_shift_by_id` (unit and people loaded)."""
    entries = shift_entries(shift)
    handover = _handover_of(shift)
    people = people_of(shift)
    day = _local(shift.starts_at).date()
    document = _official_document()
    _title(document, f"{shift.unit.name}值班记录表")
    info = _table(document, SHIFT_INFO_MM)
    _pairs(info, SHIFT_INFO_MM, ("值班单位", shift.unit.name), ("状态", shift.get_status_display()))
    _pairs(info, SHIFT_INFO_MM, ("值班日期", _shift_heading(shift)))
    _pairs(
        info,
        SHIFT_INFO_MM,
        ("带班领导", people.names(people.leaders)),
        ("值班员", people.names(people.staff)),
    )

    _line(document, "一、值班人员及到岗情况", bold=True)
    roll = _table(document, PEOPLE_MM, ["职责", "姓名", "联系电话", "到岗签到", "离岗", "备注"])
    for member in sorted(shift.members.all(), key=lambda m: (m.kind != MemberKind.LEADER, m.pk)):
        cells = _row(roll, PEOPLE_MM, height_mm=8)
        remark = ""
        if member.replaces_id is not None:
            remark = f"替{_name(member.replaces.user)}"  # type: ignore[union-attr]
        elif member.leave == LeaveStatus.APPROVED:
            remark = "已请假（替班见上）"
        elif member.leave == LeaveStatus.REQUESTED:
            remark = "请假待批"
        if member.leave == LeaveStatus.APPROVED:
            signed_in, signed_out = "—", "—"
        else:
            signed_in = _moment(member.checked_in_at, day=day) or "未签到"
            signed_out = _moment(member.checked_out_at, day=day)
        for cell, text in zip(
            cells,
            (
                member.get_kind_display(),
                _name(member.user),
                member.user.phone,
                signed_in,
                signed_out,
                remark,
            ),
            strict=True,
        ):
            _set_cell(cell, text)

    _line(document, "二、来电来访记录", bold=True)
    log = _table(
        document, ENTRY_MM, ["序号", "时间\n方式", "来电来访人\n联系电话", "事由", "处理情况", "状态"]
    )
    for number, entry in enumerate(entries, start=1):
        cells = _row(log, ENTRY_MM, height_mm=14)
        _set_cell(cells[0], str(number))
        _set_cell(cells[1], f"{_moment(entry.at, day=day)}\n{entry.get_kind_display()}")
        _set_cell(cells[2], f"{entry.name}\n{entry.phone}" if entry.phone else entry.name)
        _set_cell(cells[3], entry.matter, center=False)
        _set_cell(cells[4], entry.action_taken, center=False)
        _set_cell(cells[5], _entry_status(entry, shift), size=SMALL_PT)
    if not entries:
        cells = _row(log, ENTRY_MM, height_mm=10)
        _set_cell(cells[0].merge(cells[-1]), "本班次无来电来访。")

    _line(document, "三、交接班情况", bold=True)
    _line(document, _handover_summary(handover))
    if handover is not None and handover.note:
        _line(document, f"交班说明：{handover.note}")

    _line(document)
    _line(document, "值班员（签字）：", right="带班领导（签字）：　　　　　　　")
    _line(document, f"系统签字：{_signed_line(shift)}", size=SMALL_PT + 1.5)
    return ExportFile(content=_save(document), rows=len(entries))


# --- the handover record (交接班记录) --------------------------------------------------------------

ITEM_MM = (10, 25, 53, 17, 25, 26)


class NotHandedOver(Exception):
    """The shift has not been handed over: there is no 交接班记录 to print."""


def _decided(item: HandoverItem) -> str:
    if item.decided_at is None:
        return ""
    local = _local(item.decided_at)
    return f"{_name(item.decided_by)}\n{local.month}月{local.day}日{local:%H:%M}"


def _serving_line(members: Iterable[ShiftMember]) -> str:
    serving = [m for m in members if m.serving]
    leaders = "、".join(_name(m.user) for m in serving if m.kind == MemberKind.LEADER)
    staff = "、".join(_name(m.user) for m in serving if m.kind == MemberKind.STAFF)
    return f"带班领导 {leaders or '—'}；值班员 {staff or '—'}"


def handover_docx(shift: Shift) -> ExportFile:
    """交接班记录 of `shift` (the outgoing shift): both shifts and their people, each item with its
    status and who accepted or returned it (and why), the handover note, and the 带班领导's
    signature with its time, or 未签字. NotHandedOver when the shift has not been handed over."""
    handover = _handover_of(shift)
    if handover is None:
        raise NotHandedOver
    incoming = handover.to_shift
    incoming_members = (
        list(ShiftMember.objects.filter(shift=incoming).select_related("user").order_by("kind", "pk"))
        if incoming is not None
        else []
    )
    items = list(handover.items.all())
    handed = _local(handover.handed_at)
    document = _official_document()
    _title(document, f"{shift.unit.name}交接班记录")
    info = _table(document, SHIFT_INFO_MM)
    _pairs(info, SHIFT_INFO_MM, ("交班班次", _shift_heading(shift)))
    _pairs(info, SHIFT_INFO_MM, ("交班人员", _serving_line(shift.members.all())))
    _pairs(
        info,
        SHIFT_INFO_MM,
        ("接班班次", _shift_heading(incoming) if incoming is not None else "—"),
    )
    _pairs(info, SHIFT_INFO_MM, ("接班人员", _serving_line(incoming_members)))
    _pairs(
        info,
        SHIFT_INFO_MM,
        ("交班人", _name(handover.handed_by)),
        ("交班时间", f"{_day_text(handed.date())} {handed:%H:%M}"),
    )

    _line(document, "一、交接事项", bold=True)
    table = _table(document, ITEM_MM, ["序号", "类别", "事项", "状态", "接收／退回", "退回理由"])
    for number, item in enumerate(items, start=1):
        cells = _row(table, ITEM_MM, height_mm=12)
        _set_cell(cells[0], str(number))
        _set_cell(cells[1], item.get_kind_display())
        _set_cell(cells[2], item.text, center=False)
        _set_cell(cells[3], item.get_status_display())
        _set_cell(cells[4], _decided(item), size=SMALL_PT)
        _set_cell(cells[5], item.reason, center=False)
    if not items:
        cells = _row(table, ITEM_MM, height_mm=10)
        _set_cell(cells[0].merge(cells[-1]), "本班次无未办结事项。")
    settled = sum(1 for i in items if i.status in (ItemStatus.ACCEPTED, ItemStatus.SETTLED))
    _line(document, f"共 {len(items)} 项，已接收或办结 {settled} 项，未完成 {len(items) - settled} 项。")

    _line(document, "二、交班说明", bold=True)
    _line(document, handover.note or "无。")

    _line(document)
    receivers = "、".join(dict.fromkeys(_name(i.decided_by) for i in items if i.decided_by_id))
    _line(document, f"交班人：{_name(handover.handed_by)}", right=f"接班人：{receivers or '　　　　　　'}")
    _line(document, f"带班领导签字：{_signed_line(shift)}")
    if shift.closed_at is not None:
        closed = _local(shift.closed_at)
        _line(document, f"交班完成：{_day_text(closed.date())} {closed:%H:%M}", size=SMALL_PT + 1.5)
    return ExportFile(content=_save(document), rows=len(items))
