"""What an office prints: the 信访事项登记表 on A4 with the 公文 margins of GB/T 9704, and the
登记台账 with the columns and the print setup of a ledger (issue 17)."""

import io

from docx import Document
from docx.shared import Mm

from xinfang.petitions.exports import registration_form_docx
from xinfang.petitions.selectors import access_petition_by_id

from .factories import register


def _mm(*lengths) -> tuple[float, ...]:
    return tuple(round(length.mm, 1) for length in lengths)


def test_registration_form_is_a4_with_the_official_document_margins(clerk):
    # given
    petition = access_petition_by_id(clerk, register(clerk).pk)
    # when
    document = Document(io.BytesIO(registration_form_docx(petition)))
    # then: GB/T 9704: A4 (210 × 297 mm), top 37 mm, bottom 35 mm, left 28 mm, right 26 mm
    # (Word keeps lengths in twentieths of a point, so to the tenth of a millimetre)
    for section in document.sections:
        assert _mm(section.page_width, section.page_height) == (210, 297)
        assert _mm(section.top_margin, section.bottom_margin) == (37, 35)
        assert _mm(section.left_margin, section.right_margin) == (28, 26)


def test_registration_form_table_fits_between_the_margins(clerk):
    # given
    petition = access_petition_by_id(clerk, register(clerk).pk)
    # when
    document = Document(io.BytesIO(registration_form_docx(petition)))
    # then: no column runs into the right margin (156 mm of text width)
    table = document.tables[0]
    first_row_width = sum(cell.width for cell in table.rows[0].cells)
    assert first_row_width <= Mm(210 - 28 - 26)
