"""Files the office takes away: the 登记台账 (.xlsx, printable on A4 landscape) and a petition's
信访事项登记表 (.docx, on the 公文 page of GB/T 9704).

The callers (views) check scope and write the audit entry; these functions only lay out files.
"""

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from xinfang.core.exceptions import ValidationFailed
from xinfang.core.spreadsheets import xlsx_row

from .choices import Gender, PetitionStatus
from .models import Petition, PetitionPetitioner
from .validators import id_number_problem, mask_address, mask_id_number, mask_phone

MAX_EXPORT_ROWS = 50_000
REGISTER_COLUMNS: tuple[tuple[str, int], ...] = (
    ("编号", 24),
    ("收到时间", 18),
    ("来源渠道", 12),
    ("信访人", 20),
    ("性别", 8),
    ("身份证号", 22),
    ("联系电话", 16),
    ("住址", 20),
    ("问题类别", 20),
    ("标题", 36),
    ("主要问题和诉求", 60),
    ("问题属地", 16),
    ("承办单位", 16),
    ("承办人", 12),
    ("状态", 10),
    ("处理结果", 20),
    ("当前期限", 12),
    ("首问责任人", 12),
)
DATE_FORMATS = {"收到时间": "yyyy-mm-dd hh:mm", "当前期限": "yyyy-mm-dd"}
ANSWER_STAGES = ("答复", "复查意见", "复核意见")  # by Petition.review_stage


class ExportTooLarge(ValidationFailed):
    pass


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    rows: int


@dataclass(frozen=True)
class _People:
    names: str = ""
    genders: str = ""
    ids: str = ""
    phones: str = ""
    addresses: str = ""


def _people(petition: Petition) -> _People:
    """Full names (the ledger is the office's own record); ID numbers, phones and addresses
    masked as in the register's lists."""
    people = [link.petitioner for link in petition.petitioner_links.all()]
    if not people:
        return _People(names="匿名" if petition.is_anonymous else "")
    genders = [
        Gender(person.gender).label if person.gender != Gender.UNKNOWN else "不详" for person in people
    ]
    return _People(
        names="、".join(person.name for person in people),
        genders="" if set(genders) == {"不详"} else "、".join(genders),
        ids="、".join(mask_id_number(person.id_number) for person in people if person.id_number),
        phones="、".join(mask_phone(person.phone) for person in people if person.phone),
        addresses="、".join(mask_address(person.address) for person in people if person.address),
    )


def _user_name(user: Any) -> str:
    return (user.full_name or user.username) if user is not None else ""


def handling_result(petition: Petition) -> str:
    """The 处理结果 column: the latest answer, review or re-review outcome (and whether the matter
    is final), or why it was not taken up."""
    if petition.answer_outcome:
        stage = ANSWER_STAGES[min(petition.review_stage, len(ANSWER_STAGES) - 1)]
        text = f"{stage}：{petition.get_answer_outcome_display()}"
        return f"{text}（已终结）" if petition.is_final else text
    if petition.status in (PetitionStatus.NOT_ACCEPTED, PetitionStatus.DECLINED_AGAIN):
        return petition.get_status_display()
    return ""


def _register_row(petition: Petition, *, hidden: bool = False) -> dict[str, Any]:
    people = _People(names="（已保护）") if hidden else _people(petition)
    return {
        "编号": petition.number,
        "收到时间": timezone.localtime(petition.received_at).replace(tzinfo=None),
        "来源渠道": petition.get_channel_display(),
        "信访人": people.names,
        "性别": people.genders,
        "身份证号": people.ids,
        "联系电话": people.phones,
        "住址": people.addresses,
        "问题类别": str(petition.category),
        "标题": petition.subject,
        "主要问题和诉求": petition.content,
        "问题属地": petition.problem_unit.name,
        "承办单位": petition.handling_unit.name if petition.handling_unit is not None else "",
        "承办人": _user_name(petition.handler),
        "状态": petition.get_status_display(),
        "处理结果": handling_result(petition),
        "当前期限": petition.current_deadline,
        "首问责任人": _user_name(petition.registered_by),
    }


def _print_setup(sheet: Any) -> None:
    """A4 landscape, every column on the page's width (as many pages down as it takes), the
    header row on every printed page."""
    from openpyxl.worksheet.worksheet import Worksheet

    sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    sheet.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    sheet.print_options.gridLines = True
    sheet.oddFooter.center.text = "第 &P 页，共 &N 页"


def register_xlsx(
    queryset: QuerySet[Petition], *, hidden: Callable[[Petition], bool] = lambda petition: False
) -> ExportFile:
    """The filtered register as the office's 登记台账. Refuses more than 50,000 rows, so that one
    export cannot take the server's memory; rows are read in chunks with their petitioners.
    A row `hidden` says the reader may not identify (selectors.identity_hidden) names no one."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    count = queryset.count()
    if count > MAX_EXPORT_ROWS:
        message = (
            f"符合条件的信访件有 {count} 件，超过单次导出上限 {MAX_EXPORT_ROWS} 件，"
            "请缩小筛选范围（如收到日期、问题属地）后再导出。"
        )
        raise ExportTooLarge(message)
    rows = (
        queryset.select_related(
            "category", "category__parent", "problem_unit", "registered_by", "handling_unit", "handler"
        )
        .prefetch_related(
            Prefetch("petitioner_links", queryset=PetitionPetitioner.objects.select_related("petitioner"))
        )
        .order_by("-received_at", "-id")
    )
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("登记台账")
    for index, (_, width) in enumerate(REGISTER_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    _print_setup(sheet)
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
        values = _register_row(petition, hidden=hidden(petition))
        for title, number_format in DATE_FORMATS.items():
            cell = WriteOnlyCell(sheet, value=values[title])
            cell.number_format = number_format
            values[title] = cell
        sheet.append(xlsx_row(sheet, (values[title] for title, _ in REGISTER_COLUMNS)))
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
