"""The 登记台账 (.xlsx) and the 信访事项登记表 (.docx): content, scope, audit."""

import io
from datetime import date

import pytest
from django.urls import reverse
from docx import Document
from openpyxl import load_workbook

from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.petitions import exports
from xinfang.petitions.exports import REGISTER_COLUMNS, age_on, register_xlsx, registration_form_docx
from xinfang.petitions.models import Petition
from xinfang.petitions.selectors import access_petition_by_id
from xinfang.petitions.services import PetitionerInput

from .factories import VALID_IDS, register


def _sheet(content: bytes):
    return load_workbook(io.BytesIO(content), read_only=True).worksheets[0]


def _docx_text(content: bytes) -> str:
    document = Document(io.BytesIO(content))
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def test_register_xlsx_has_the_ledger_columns_full_names_and_masked_numbers(clerk):
    # given
    petition = register(
        clerk, petitioners=[PetitionerInput(name="王小明", id_number=VALID_IDS[2], phone="13712345678")]
    )
    # when
    exported = register_xlsx(Petition.objects.filter(pk=petition.pk))
    # then
    rows = list(_sheet(exported.content).iter_rows(values_only=True))
    assert exported.rows == 1
    assert rows[0] == tuple(title for title, _ in REGISTER_COLUMNS)
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["编号"] == petition.number
    assert row["信访人"] == "王小明"
    assert row["身份证号"] == "440308********0012"
    assert row["联系电话"] == "137****5678"
    assert row["问题类别"] == "劳动保障/拖欠工资"
    assert row["状态"] == "已登记"
    assert row["首问责任人"] == "王接访"
    assert row["当前期限"].date() == petition.current_deadline


def test_register_xlsx_refuses_more_rows_than_the_cap(clerk, monkeypatch):
    # given
    register(clerk)
    register(clerk)
    monkeypatch.setattr(exports, "MAX_EXPORT_ROWS", 1)
    # when / then
    with pytest.raises(exports.ExportTooLarge, match="超过单次导出上限 1 件，请缩小筛选范围"):
        register_xlsx(Petition.objects.all())


def test_export_view_is_scoped_filtered_and_audited(client, clerk, village_handler, village_handler_clerk):
    # given
    in_village = register(village_handler_clerk, subject="东风村拖欠工资")
    register(village_handler_clerk, subject="东风村环境污染", category="0901")
    in_township = register(clerk, subject="城关镇拖欠工资")
    client.force_login(village_handler)
    exports_before = AuditEntry.objects.filter(event=AuditEvent.EXPORT).count()
    # when
    response = client.get(reverse("petitions:export"), {"category": "02"})
    # then
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    numbers = [row[0] for row in _sheet(response.content).iter_rows(min_row=2, values_only=True)]
    assert numbers == [in_village.number]
    assert in_township.number not in numbers
    entry = AuditEntry.objects.filter(event=AuditEvent.EXPORT).latest("id")
    assert AuditEntry.objects.filter(event=AuditEvent.EXPORT).count() == exports_before + 1
    assert entry.extra_data == {"kind": "register_xlsx", "filters": {"category": "02"}, "rows": 1}


def test_export_over_the_cap_goes_back_to_the_register_with_a_message(client, clerk, monkeypatch):
    # given
    register(clerk)
    register(clerk)
    monkeypatch.setattr(exports, "MAX_EXPORT_ROWS", 1)
    client.force_login(clerk)
    exports_before = AuditEntry.objects.filter(event=AuditEvent.EXPORT).count()
    # when
    response = client.get(reverse("petitions:export"), {"status": "open"}, follow=True)
    # then
    assert response.redirect_chain[-1][0] == reverse("petitions:register") + "?status=open"
    assert "请缩小筛选范围" in response.content.decode()
    assert AuditEntry.objects.filter(event=AuditEvent.EXPORT).count() == exports_before


def test_registration_form_docx_has_number_petitioner_age_and_receiver(clerk):
    # given
    petition = register(
        clerk,
        petitioners=[
            PetitionerInput(
                name="王小明", gender="male", id_number=VALID_IDS[1], phone="13712345678", workplace="务农"
            ),
            PetitionerInput(name="李红", is_representative=True),
        ],
    )
    petition = access_petition_by_id(clerk, petition.pk)
    # when
    text = _docx_text(registration_form_docx(petition))
    # then
    assert "信访事项登记表" in text
    assert "城关镇" in text
    assert petition.number in text
    assert "王小明" in text
    assert VALID_IDS[1] in text
    assert "李红（代表）" in text
    assert str(age_on(VALID_IDS[1], petition.received_at.date())) in text
    assert "王接访" in text
    assert "信访人签字" in text
    assert "处理结果" in text


def test_age_comes_from_the_id_numbers_birth_date():
    assert age_on("110101199003070513", date(2026, 3, 6)) == 35
    assert age_on("110101199003070513", date(2026, 3, 7)) == 36
    assert age_on("110101199003070514", date(2026, 3, 7)) is None
    assert age_on("", date(2026, 3, 7)) is None


def test_print_form_view_is_audited_and_hidden_outside_scope(client, village_handler_clerk, village2_handler):
    # given
    petition = register(village_handler_clerk)
    client.force_login(village_handler_clerk)
    exports_before = AuditEntry.objects.filter(event=AuditEvent.EXPORT).count()
    # when
    response = client.get(reverse("petitions:print_form", args=[petition.pk]))
    client.force_login(village2_handler)
    outside = client.get(reverse("petitions:print_form", args=[petition.pk]))
    # then
    assert response.status_code == 200
    assert petition.number in _docx_text(response.content)
    entry = AuditEntry.objects.filter(event=AuditEvent.EXPORT).latest("id")
    assert entry.target_id == str(petition.pk)
    assert entry.extra_data["kind"] == "registration_form"
    assert outside.status_code == 404
    assert AuditEntry.objects.filter(event=AuditEvent.EXPORT).count() == exports_before + 1
