"""What an office prints: the 信访事项登记表 on A4 with the 公文 margins of GB/T 9704, and the
登记台账 with the columns and the print setup of a ledger (issue 17)."""

import io

from django.db import connection
from django.test.utils import CaptureQueriesContext
from docx import Document
from docx.shared import Mm
from openpyxl import load_workbook

from xinfang.accounts.models import User
from xinfang.organisation.models import Unit
from xinfang.petitions.exports import register_xlsx, registration_form_docx
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import access_petition_by_id
from xinfang.petitions.services import PetitionerInput
from xinfang.petitions.workflow import petition_transition

from .factories import register


def _sheet(content: bytes):
    return load_workbook(io.BytesIO(content), read_only=True).worksheets[0]


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


def _assign_to_village_handler(petition, clerk):
    petition = petition_transition(petition=petition, action="accept", actor=clerk)
    village = Unit.objects.get(code="341122101201")
    handler = User.objects.get(username="village-handler")
    return petition_transition(
        petition=petition,
        action="assign",
        actor=clerk,
        unit=village.pk,
        handler=handler.pk,
        note="请按期办结",
    )


def test_register_xlsx_has_gender_address_result_and_handler_with_the_address_masked(clerk):
    # given: a matter assigned to the village handler and answered (the outcome is written
    # directly: only the ledger's reading of it is under test here)
    petition = register(
        clerk,
        petitioners=[
            PetitionerInput(name="王小明", gender="male", phone="13712345678", address="城关镇东风村3组12号"),
            PetitionerInput(name="李红", gender="female", address="城关镇红星村5组"),
        ],
    )
    petition = _assign_to_village_handler(petition, clerk)
    Petition.objects.filter(pk=petition.pk).update(answer_outcome="support", review_stage=1)
    # when
    exported = register_xlsx(Petition.objects.filter(pk=petition.pk))
    # then
    rows = list(_sheet(exported.content).iter_rows(values_only=True))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["性别"] == "男、女"
    assert row["住址"] == "城关镇东风村****、城关镇红星村****"
    assert row["处理结果"] == "复查意见：支持"
    assert row["承办单位"] == "东风村"
    assert row["承办人"] == "陈村干部"
    assert "城关镇东风村3组12号" not in str(rows)


def test_register_xlsx_shows_why_a_matter_was_not_taken_up(clerk):
    # given
    petition = register(clerk)
    Petition.objects.filter(pk=petition.pk).update(status="not_accepted")
    # when
    rows = list(
        _sheet(register_xlsx(Petition.objects.filter(pk=petition.pk)).content).iter_rows(values_only=True)
    )
    # then
    assert dict(zip(rows[0], rows[1], strict=True))["处理结果"] == "不予受理"


def test_register_xlsx_prints_on_a4_landscape_one_page_wide_with_the_header_on_every_page(clerk):
    # given
    petition = register(clerk)
    # when
    sheet = load_workbook(
        io.BytesIO(register_xlsx(Petition.objects.filter(pk=petition.pk)).content)
    ).worksheets[0]
    # then
    assert sheet.page_setup.paperSize == 9  # A4
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == "$1:$1"


def test_register_xlsx_writes_a_formula_like_address_as_text(clerk):
    # given
    petition = register(
        clerk, petitioners=[PetitionerInput(name="张三", address='=HYPERLINK("http://x.cn")')]
    )
    # when
    content = register_xlsx(Petition.objects.filter(pk=petition.pk)).content
    # then
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    row = dict(zip([cell.value for cell in sheet[1]], sheet[2], strict=True))
    assert row["住址"].value == "=HYPER****"
    assert row["住址"].data_type == "s"


def test_register_xlsx_reads_handlers_and_addresses_without_a_query_per_row(clerk, django_assert_num_queries):
    # given: one plain matter, counted; then three more, assigned, with two petitioners each
    register(clerk)
    with CaptureQueriesContext(connection) as one_row:
        register_xlsx(Petition.objects.all())
    for _ in range(3):
        petition = register(
            clerk,
            petitioners=[
                PetitionerInput(name="王小明", gender="male", address="城关镇东风村3组"),
                PetitionerInput(name="李红", gender="female", address="城关镇红星村5组"),
            ],
        )
        _assign_to_village_handler(petition, clerk)
    # when / then: the same queries for four rows as for one (count, rows, petitioners)
    with django_assert_num_queries(len(one_row.captured_queries)):
        exported = register_xlsx(Petition.objects.all())
    assert len(one_row.captured_queries) == 3
    rows = list(_sheet(exported.content).iter_rows(values_only=True))
    handlers = [dict(zip(rows[0], row, strict=True))["承办人"] or "" for row in rows[1:]]
    assert sorted(handlers) == ["", "陈村干部", "陈村干部", "陈村干部"]
