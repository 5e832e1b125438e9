"""The built-in templates: one Word notice per kind, built in memory with python-docx.

The layout follows the usual shape of an official notice (GB/T 9704 margins, 黑体 title, 仿宋
body in 三号, 28 pt lines): the issuing unit and the notice's name as the title, the 文号 on the
right, the addressee, the body citing the 信访工作条例 (2022), and the unit and date as the
signature. Every paragraph is a single run, so each Jinja tag stays whole for docxtpl. The zip
is written with fixed timestamps, so a kind's default has the same bytes (and SHA-256) on every
call and every server.
"""

import io
import zipfile
from dataclasses import dataclass
from functools import cache

from .models import DocumentKind

TITLE_FONT = "黑体"
BODY_FONT = "仿宋"
FALLBACK_FONT = "宋体"
ZIP_TIMESTAMP = (2022, 5, 1, 0, 0, 0)  # the day the 信访工作条例 took effect

PETITIONER = "{{ petitioner_names }}："
TO_UNIT = "{{ to_unit }}："
MATTER = "您于{{ received_date_cn }}反映的“{{ subject }}”一事（编号 {{ petition_number }}）"
NOTE = "{% if note %}说明：{{ note }}{% endif %}"


@dataclass(frozen=True)
class NoticeLayout:
    title: str
    addressee: str  # "" for a report, which has none
    paragraphs: tuple[str, ...]
    closing: str = ""


LAYOUTS: dict[str, NoticeLayout] = {
    DocumentKind.ACCEPTANCE_NOTICE: NoticeLayout(
        title="信访事项受理告知单",
        addressee=PETITIONER,
        paragraphs=(
            MATTER + "，本机关已依法受理，将在{{ handling_deadline_cn }}前办结并书面答复。",
            "根据《信访工作条例》第二十三条、第三十二条的规定，信访事项应当自受理之日起60日内办结；"
            "情况复杂的，经本机关负责人批准，可以适当延长办理期限，但延长期限不得超过30日，并告知您延期理由。",
            "办理期间，请您依法有序反映诉求；如有新的情况或者证据，可以向本机关补充提供。",
        ),
        closing="特此告知。",
    ),
    DocumentKind.REJECTION_NOTICE: NoticeLayout(
        title="信访事项不予受理告知单",
        addressee=PETITIONER,
        paragraphs=(
            MATTER + "，经审查，因{{ ground_label }}，根据《信访工作条例》第二十三条、第二十五条的规定，"
            "本机关决定不予受理。",
            NOTE,
            "依法应当通过诉讼、仲裁、行政复议等法定途径解决的，请您向有关机关提出；"
            "属于其他机关、单位职权范围的，请您向有权处理的机关、单位提出。",
        ),
        closing="特此告知。",
    ),
    DocumentKind.DECLINE_NOTICE: NoticeLayout(
        title="信访事项不再受理告知单",
        addressee=PETITIONER,
        paragraphs=(
            MATTER + "，经审查，因{{ ground_label }}，根据《信访工作条例》第三十五条、第三十六条的规定，"
            "各级党委和政府信访部门和其他机关、单位不再受理。",
            NOTE,
            "请您遵守信访秩序，依法理性表达诉求。",
        ),
        closing="特此告知。",
    ),
    DocumentKind.TRANSFER_NOTICE: NoticeLayout(
        title="信访事项转送办理通知单",
        addressee=TO_UNIT,
        paragraphs=(
            "现将{{ petitioner_names }}于{{ received_date_cn }}反映的“{{ subject }}”一事"
            "（编号 {{ petition_number }}，来源：{{ channel_label }}，类别：{{ category_name }}）转送你单位。"
            "根据《信访工作条例》第二十二条、第二十三条的规定，请依法依规处理，"
            "并于{{ deadline_cn }}前将受理情况书面告知信访人，同时抄告本机关。",
            "反映的主要问题和诉求：{{ content }}",
            "{% if note %}其他要求：{{ note }}{% endif %}",
            "如认为该事项不属于你单位职权范围，请自收到本通知之日起5个工作日内提出异议，并详细说明理由。",
        ),
    ),
    DocumentKind.ASSIGNMENT_NOTICE: NoticeLayout(
        title="信访事项交办通知单",
        addressee=TO_UNIT,
        paragraphs=(
            "现将{{ petitioner_names }}于{{ received_date_cn }}反映的“{{ subject }}”一事"
            "（编号 {{ petition_number }}）交由你单位办理，承办人：{{ handler_name }}。"
            "根据《信访工作条例》第二十二条的规定，请认真调查核实，依法依规妥善处理，"
            "并于{{ deadline_cn }}前将办理结果以办结报告形式报送本机关。",
            "反映的主要问题和诉求：{{ content }}",
            "{% if note %}交办要求：{{ note }}{% endif %}",
            "办结报告应当做到事实清楚、定性准确、处理恰当、手续完备；逾期未报送的，本机关将予以督办。",
        ),
    ),
    DocumentKind.EXTENSION_NOTICE: NoticeLayout(
        title="信访事项延期办理告知单",
        addressee=PETITIONER,
        paragraphs=(
            MATTER + "，本机关已依法受理。因{{ reason }}，根据《信访工作条例》第三十二条的规定，"
            "经本机关负责人批准，办理期限延长{{ days }}日，延长后的办理期限至{{ new_deadline_cn }}。",
            "本机关将在延长后的期限内办结并书面答复，请您理解和支持。",
        ),
        closing="特此告知。",
    ),
    DocumentKind.HANDLING_OPINION: NoticeLayout(
        title="信访事项处理意见书",
        addressee=PETITIONER,
        paragraphs=(
            MATTER + "，本机关依法受理后进行了调查核实。根据《信访工作条例》第三十二条的规定，"
            "现出具处理意见如下：",
            "一、信访请求：{{ content }}",
            "二、处理意见（{{ outcome_label }}）：{{ text }}",
            "三、如对本处理意见不服，根据《信访工作条例》第三十五条的规定，您可以自收到本意见书之日起30日内"
            "向{{ review_unit }}请求复查（请于{{ review_window_cn }}前提出）。",
            "本意见书送达日期：{{ delivered_on_cn }}。",
        ),
    ),
    DocumentKind.REVIEW_OPINION: NoticeLayout(
        title="信访事项复查意见书",
        addressee=PETITIONER,
        paragraphs=(
            "您对“{{ subject }}”一事（编号 {{ petition_number }}）的处理意见不服，向本机关请求复查。"
            "本机关根据《信访工作条例》第三十五条的规定进行了复查，现提出复查意见如下：",
            "复查意见（{{ outcome_label }}）：{{ text }}",
            "如对本复查意见不服，根据《信访工作条例》第三十六条的规定，您可以自收到本意见书之日起30日内"
            "向{{ rereview_unit }}请求复核（请于{{ rereview_window_cn }}前提出）。",
        ),
    ),
    DocumentKind.REREVIEW_OPINION: NoticeLayout(
        title="信访事项复核意见书",
        addressee=PETITIONER,
        paragraphs=(
            "您对“{{ subject }}”一事（编号 {{ petition_number }}）的复查意见不服，向本机关请求复核。"
            "本机关根据《信访工作条例》第三十六条的规定进行了复核，现提出复核意见如下：",
            "复核意见（{{ outcome_label }}）：{{ text }}",
            "根据《信访工作条例》第三十六条的规定，您对本复核意见不服，仍然以同一事实和理由提出投诉请求的，"
            "各级党委和政府信访部门和其他机关、单位不再受理。",
        ),
    ),
    DocumentKind.CLOSURE_REPORT: NoticeLayout(
        title="信访事项办结报告",
        addressee="",
        paragraphs=(
            "关于{{ petitioner_names }}于{{ received_date_cn }}反映的“{{ subject }}”一事"
            "（编号 {{ petition_number }}），根据《信访工作条例》第二十二条、第三十二条的规定，"
            "现将办理情况报告如下：",
            "一、反映的主要问题：{{ content }}",
            "二、办理情况及结果：{{ report }}",
            "三、承办单位：{{ handling_unit }}；承办人：{{ handler_name }}。",
        ),
        closing="以上报告，请审核。",
    ),
    DocumentKind.HEARING_NOTICE: NoticeLayout(
        title="信访事项听证会议通知单",
        addressee=PETITIONER,
        paragraphs=(
            "关于您反映的“{{ subject }}”一事（编号 {{ petition_number }}），根据《信访工作条例》"
            "第三十二条的规定，本机关决定举行听证。现将有关事项通知如下：",
            "一、听证时间：{{ hearing_at_cn }}",
            "二、听证地点：{{ place }}",
            "三、参加人员：{{ participants }}",
            "四、请您（或者您推选的代表）携带身份证件及有关证据材料按时参加；因故不能参加的，请提前告知本机关。",
            "{% if note %}五、其他事项：{{ note }}{% endif %}",
        ),
        closing="特此通知。",
    ),
    DocumentKind.SUPERVISION_NOTICE: NoticeLayout(
        title="信访事项督查督办通知单",
        addressee=TO_UNIT,
        paragraphs=(
            "你单位承办的{{ petitioner_names }}反映“{{ subject }}”一事（编号 {{ petition_number }}），"
            "存在{{ trigger_label }}的情形。根据《信访工作条例》第三十八条的规定，本机关决定以"
            "{{ method_label }}方式予以督办。",
            "请你单位高度重视，认真整改，依法依规办理，并于{{ deadline_cn }}前将办理情况书面报送本机关。",
            "{% if note %}督办要求：{{ note }}{% endif %}",
            "逾期未报送或者整改不到位的，将依照《信访工作条例》有关规定追究相关责任。",
        ),
    ),
}


def _east_asian_font(run: object, font: str, size_pt: float, *, bold: bool = False) -> None:
    """Word takes Chinese glyphs from rFonts/@w:eastAsia; python-docx's font.name sets only ASCII."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = font  # type: ignore[attr-defined]
    run.font.size = Pt(size_pt)  # type: ignore[attr-defined]
    run.font.bold = bold  # type: ignore[attr-defined]
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)  # type: ignore[attr-defined]


def _build(layout: NoticeLayout) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FALLBACK_FONT)
    normal.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    normal.paragraph_format.line_spacing = Pt(28)
    normal.paragraph_format.space_after = Pt(0)
    for section in document.sections:
        section.page_height, section.page_width = Cm(29.7), Cm(21)
        section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)
        section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)

    def line(
        text: str, *, align: WD_ALIGN_PARAGRAPH | None = None, indent: bool = False, font: str = BODY_FONT
    ) -> None:
        paragraph = document.add_paragraph()
        if align is not None:
            paragraph.alignment = align
        if indent:
            paragraph.paragraph_format.first_line_indent = Pt(32)  # two characters
        if text:
            is_title = font == TITLE_FONT
            _east_asian_font(paragraph.add_run(text), font, 22 if is_title else 16, bold=is_title)

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.line_spacing = Pt(40)
    _east_asian_font(title.add_run("{{ unit_name }}" + layout.title), TITLE_FONT, 22, bold=True)
    line("{{ number }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    line("")
    if layout.addressee:
        line(layout.addressee)
    for text in layout.paragraphs:
        line(text, indent=True)
    if layout.closing:
        line(layout.closing, indent=True)
    line("")
    line("")
    line("{{ unit_name }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    line("{{ date_cn }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    buffer = io.BytesIO()
    document.save(buffer)
    return _with_fixed_timestamps(buffer.getvalue())


def _with_fixed_timestamps(content: bytes) -> bytes:
    """The same zip with every member dated ZIP_TIMESTAMP (python-docx stamps the current time)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(member.filename))
    return output.getvalue()


@cache
def default_template_bytes(kind: str) -> bytes:
    """The built-in template of `kind` (a DocumentKind value) as .docx bytes."""
    return _build(LAYOUTS[DocumentKind(kind)])
