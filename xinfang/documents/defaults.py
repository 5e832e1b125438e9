"""The building of built-in templates: a Word notice from a layout, in memory with python-docx.

Each app lays out its own kinds (petitions.notices, supervision.notices) and registers a builder
that calls `build_notice`.

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

from .registry import DocumentKindSpec, document_kind

TITLE_FONT = "黑体"
BODY_FONT = "仿宋"
FALLBACK_FONT = "宋体"
ZIP_TIMESTAMP = (2022, 5, 1, 0, 0, 0)  # the day the 信访工作条例 took effect


@dataclass(frozen=True)
class NoticeLayout:
    title: str
    addressee: str  # "" for a report, which has none
    paragraphs: tuple[str, ...]
    closing: str = ""


def _east_asian_font(run: object, font: str, size_pt: float, *, bold: bool = False) -> None:
    """Word takes Chinese glyphs from rFonts/@w:eastAsia; python-docx's font.name sets only ASCII."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = font  # type: ignore[attr-defined]
    run.font.size = Pt(size_pt)  # type: ignore[attr-defined]
    run.font.bold = bold  # type: ignore[attr-defined]
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), font)  # type: ignore[attr-defined]


def build_notice(layout: NoticeLayout) -> bytes:
    """A kind's built-in template from its layout (what a `DocumentKindSpec.default_template` calls)."""
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
def _default_of(spec: DocumentKindSpec) -> bytes:
    return spec.default_template()


def default_template_bytes(kind: str) -> bytes:
    """The built-in template of the registered `kind` as .docx bytes (built once per spec)."""
    spec = document_kind(kind)
    if spec is None:
        raise KeyError(kind)
    return _default_of(spec)
