"""Files the office takes away: the 登记台账 (.xlsx) and a petition's 信访事项登记表 (.docx).

The callers (views) check scope and write the audit entry; these functions only lay out files.
"""

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from xinfang.core.exceptions import ValidationFailed
from xinfang.core.spreadsheets import xlsx_row

from .choices import Gender
from .models import Petition, PetitionPetitioner
from .validators import id_number_problem, mask_id_number, mask_phone

MAX_EXPORT_ROWS = 50_000
REGISTER_COLUMNS: tuple[tuple[str, int], ...] = (
    ("编号", 24),
    ("收到时间", 18),
    ("来源渠道", 12),
    ("信访人", 20),
    ("身份证号", 22),
    ("联系电话", 16),
    ("问题类别", 20),
    ("标题", 36),
    ("主要问题和诉求", 60),
    ("问题属地", 16),
    ("状态", 10),
    ("当前期限", 12),
    ("首问责任人", 12),
)


class ExportTooLarge(ValidationFailed):
    pass


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    rows: int


def _people(petition: Petition) -> tuple[str, str, str]:
    """Full names (the ledger is the office's own record); ID numbers and phones masked."""
    links = list(petition.petitioner_links.all())
    if not links:
        return ("匿名" if petition.is_anonymous else "", "", "")
    names = "、".join(link.petitioner.name for link in links)
    ids = "、".join(mask_id_number(link.petitioner.id_number) for link in links if link.petitioner.id_number)
    phones = "、".join(mask_phone(link.petitioner.phone) for link in links if link.petitioner.phone)
    return names, ids, phones


def _register_row(petition: Petition) -> list[Any]:
    names, ids, phones = _people(petition)
    registered_by = petition.registered_by
    return [
        petition.number,
        timezone.localtime(petition.received_at).replace(tzinfo=None),
        petition.get_channel_display(),
        names,
        ids,
        phones,
        str(petition.category),
        petition.subject,
        petition.content,
        petition.problem_unit.name,
        petition.get_status_display(),
        petition.current_deadline,
        registered_by.full_name or registered_by.username,
    ]


def register_xlsx(queryset: QuerySet[Petition]) -> ExportFile:
    """The filtered register as the office's 登记台账. Refuses more than 50,000 rows, so that one
    export cannot take the server's memory; rows are read in chunks with their petitioners."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill

    count = queryset.count()
    if count > MAX_EXPORT_ROWS:
        message = (
            f"符合条件的信访件有 {count} 件，超过单次导出上限 {MAX_EXPORT_ROWS} 件，"
            "请缩小筛选范围（如收到日期、问题属地）后再导出。"
        )
        raise ExportTooLarge(message)
    rows = (
        queryset.select_related("category", "category__parent", "problem_unit", "registered_by")
        .prefetch_related(
            Prefetch("petitioner_links", queryset=PetitionPetitioner.objects.select_related("petitioner"))
        )
        .order_by("-received_at", "-id")
    )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("登记台账")
    for index, (_, width) in enumerate(REGISTER_COLUMNS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"
    header_font = Font(bold=True)
    header_fill = PatternFill("solid", fgColor="F2DCDB")
    header = []
    for title, _ in REGISTER_COLUMNS:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center")
        header.append(cell)
    sheet.append(header)
    written = 0
    for petition in rows.iterator(chunk_size=2000):
        values = _register_row(petition)
        received = WriteOnlyCell(sheet, value=values[1])
        received.number_format = "yyyy-mm-dd hh:mm"
        deadline = WriteOnlyCell(sheet, value=values[11])
        deadline.number_format = "yyyy-mm-dd"
        values[1], values[11] = received, deadline
        sheet.append(xlsx_row(sheet, values))
        written += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return ExportFile(content=buffer.getvalue(), rows=written)


def age_on(id_number: str, day: date) -> int | None:
    """Age in whole years on `day`, from a valid ID number's birth date; None otherwise."""
    if not id_number or id_number_problem(id_number):
        return None
    born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _set_cell(cell: Any, text: str, *, bold: bool = False, center: bool = False) -> None:
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    cell.text = ""
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(text)
    run.bold = bold
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def _use_chinese_font(document: Any) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style = document.styles["Normal"]
    style.font.name = "SimSun"
    style.font.size = Pt(11)
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")


# GB/T 9704-2012 (党政机关公文格式) §5.2: A4 paper, 天头 37 mm, 订口 28 mm; the text block
# 156 mm × 225 mm leaves 35 mm at the foot and 26 mm on the right. The notices
# (documents.defaults) and the statistics reports use the same page.
A4_MM = (210, 297)
OFFICIAL_MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}


def _official_page(document: Any) -> None:
    from docx.shared import Mm

    for section in document.sections:
        section.page_width, section.page_height = Mm(A4_MM[0]), Mm(A4_MM[1])
        section.top_margin = Mm(OFFICIAL_MARGINS_MM["top"])
        section.bottom_margin = Mm(OFFICIAL_MARGINS_MM["bottom"])
        section.left_margin = Mm(OFFICIAL_MARGINS_MM["left"])
        section.right_margin = Mm(OFFICIAL_MARGINS_MM["right"])


def registration_form_docx(petition: Petition) -> bytes:
    """The 信访事项登记表 in the shape of the offices' paper register: the first petitioner's
    particulars, the others listed, the facts and demands, the receiver (首问责任人), and blank
    spaces for the handling result and the signatures."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Mm, Pt

    document = Document()
    _use_chinese_font(document)
    _official_page(document)
    unit_line = document.add_paragraph()
    unit_line.alignment = WD_ALIGN_PARAGRAPH.CENTER
    unit_line.add_run(petition.unit.name).font.size = Pt(12)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title_run = title.add_run("信访事项登记表")
    title_run.bold = True
    title_run.font.size = Pt(18)
    received = timezone.localtime(petition.received_at)
    number_line = document.add_paragraph()
    number_line.add_run(f"编号：{petition.number}")
    number_line.add_run(f"        收到时间：{received:%Y年%m月%d日 %H:%M}")

    links = list(petition.petitioner_links.all())
    first = links[0].petitioner if links else None
    age = age_on(first.id_number, received.date()) if first else None
    table = document.add_table(rows=0, cols=6)
    table.style = "Table Grid"

    def row(*cells: tuple[str, int]) -> Any:
        """Adds a row of (text, span) pairs; label cells (even positions) are bold."""
        new = table.add_row().cells
        position = 0
        for index, (text, span) in enumerate(cells):
            cell = new[position]
            if span > 1:
                cell = cell.merge(new[position + span - 1])
            _set_cell(cell, text, bold=index % 2 == 0, center=index % 2 == 0)
            position += span
        return new

    gender = Gender(first.gender).label if first else ""
    row(
        ("姓名", 1),
        (first.name if first else "匿名", 1),
        ("性别", 1),
        (gender if gender != "未知" else "", 1),
        ("年龄", 1),
        (str(age) if age is not None else "", 1),
    )
    row(
        ("身份证号", 1),
        (first.id_number if first else "", 3),
        ("联系电话", 1),
        (first.phone if first else "", 1),
    )
    row(("籍贯或住址", 1), (first.address if first else "", 5))
    row(("职业或工作单位", 1), (first.workplace if first else "", 5))
    others = "、".join(
        link.petitioner.name + ("（代表）" if link.is_representative else "") for link in links[1:]
    )
    row(("其他信访人", 1), (others, 3), ("人数", 1), (str(petition.headcount), 1))
    row(
        ("来源渠道", 1),
        (petition.get_channel_display(), 1),
        ("问题类别", 1),
        (str(petition.category), 1),
        ("问题属地", 1),
        (petition.problem_unit.name, 1),
    )
    row(("标题", 1), (petition.subject, 5))
    row(("主要事实和诉求", 1), (petition.content, 5))
    table.rows[-1].height = Cm(6)
    receiver = petition.registered_by.full_name or petition.registered_by.username
    row(
        ("接待人（首问责任人）", 1),
        (receiver, 3),
        ("登记时间", 1),
        (f"{timezone.localtime(petition.created_at):%Y-%m-%d}", 1),
    )
    row(("处理结果", 1), ("", 5))
    table.rows[-1].height = Cm(4)
    row(("承办人签字", 1), ("", 3), ("日期", 1), ("", 1))
    row(("信访人签字", 1), ("", 3), ("日期", 1), ("", 1))
    # 156 mm between the margins: label, value, label, value, label, value
    widths = (Mm(29), Mm(28), Mm(19), Mm(33), Mm(19), Mm(28))
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for table_row in table.rows:
        position = 0
        for cell in table_row._tr.tc_lst:  # a merged cell spans grid columns: its width is theirs
            cell.width = sum(widths[position : position + cell.grid_span], Mm(0))
            position += cell.grid_span
    footer = document.add_paragraph()
    footer.add_run("注：本表由首问责任人登记，信访人核对无误后签字。").font.size = Pt(9)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
