"""Import of historic ledgers: good rows registered, bad rows reported, nothing half-written."""

import io
from datetime import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from xinfang.core.exceptions import ValidationFailed
from xinfang.deadlines.models import Deadline
from xinfang.petitions.exports import register_xlsx
from xinfang.petitions.imports import TEMPLATE_COLUMNS, register_import
from xinfang.petitions.models import NumberSequence, Petition, Petitioner

from .factories import VALID_IDS, register

HEADER = (
    "收到时间",
    "来源渠道",
    "信访人",
    "身份证号",
    "联系电话",
    "问题类别",
    "标题",
    "主要问题和诉求",
    "问题属地",
)


def _xlsx(rows, header=HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


GOOD = (
    datetime(2025, 3, 1, 9, 30),
    "来信",
    "刘一",
    VALID_IDS[0],
    "13800000001",
    "0201",
    "拖欠工资",
    "欠薪三月",
    "城关镇",
)
BAD_ID = (
    "2025-03-02 10:00",
    "来访",
    "陈二",
    "110105194912310021",
    "",
    "拖欠工资",
    "欠薪",
    "欠薪两月",
    "341122101",
)
BAD_CATEGORY = ("2025-03-03", "来电", "孙三", "", "13800000003", "不存在的类别", "咨询", "咨询政策", "城关镇")
GOOD_ANONYMOUS = ("2025/03/04", "网上信访", "匿名", "", "", "环境保护/污染", "河道污染", "工厂排污", "东风村")


def test_import_registers_good_rows_and_reports_bad_rows_with_reasons(clerk):
    # when
    result = register_import(actor=clerk, content=_xlsx([GOOD, BAD_ID, BAD_CATEGORY, GOOD_ANONYMOUS]))
    # then
    assert (result.created, result.failed) == (2, 2)
    by_row = {row.row_number: row for row in result.rows}
    assert by_row[2].ok
    assert by_row[5].ok
    assert by_row[3].problems == ["身份证号：身份证号校验位错误（按 GB 11643 应为 X），请核对。"]
    assert by_row[4].problems == ["问题类别：问题类别不存在或已停用。"]
    assert Petition.objects.count() == 2
    assert set(Petitioner.objects.values_list("name", flat=True)) == {"刘一"}  # nothing of the bad rows
    anonymous = Petition.objects.get(pk=by_row[5].petition_id)
    assert anonymous.is_anonymous is True
    assert anonymous.category.code == "0901"
    assert anonymous.problem_unit.name == "东风村"
    first = Petition.objects.get(pk=by_row[2].petition_id)
    assert first.received_at.isoformat() == "2025-03-01T01:30:00+00:00"  # 09:30 in Asia/Shanghai


def test_import_refuses_units_outside_scope_row_by_row(village_handler_clerk):
    # given: 红星村 is not under 东风村
    row = (*GOOD[:8], "红星村")
    # when
    result = register_import(actor=village_handler_clerk, content=_xlsx([row]))
    # then
    assert result.rows[0].problems == ["问题属地：请选择问题属地（须为您权限范围内的单位）。"]
    assert Petition.objects.count() == 0


def test_import_refuses_a_file_missing_required_columns(clerk):
    # when / then
    with pytest.raises(ValidationFailed, match="表头缺少必填列：问题属地"):
        register_import(actor=clerk, content=_xlsx([GOOD[:8]], header=HEADER[:8]))
    assert Petition.objects.count() == 0


def test_import_refuses_a_file_that_is_not_xlsx(clerk):
    with pytest.raises(ValidationFailed, match="文件无法读取"):
        register_import(actor=clerk, content=b"not a workbook")


def test_importing_an_exported_register_again_refuses_the_numbers_already_there(clerk):
    # given
    register(clerk)
    exported = register_xlsx(Petition.objects.all()).content
    # when
    result = register_import(actor=clerk, content=exported)
    # then: nothing is recorded twice
    assert (result.created, result.failed) == (0, 1)
    assert "不能使用（已被使用）" in " ".join(result.rows[0].problems)
    assert Petition.objects.count() == 1


def test_historic_rows_keep_their_number_and_status_and_finished_ones_stop_counting(clerk):
    # given: a 2025 ledger with one finished matter in the system's own number format
    header = (*HEADER, "编号", "状态")
    closed = (*GOOD, "341122101-2025-000040", "已办结")
    still_open = (*GOOD_ANONYMOUS, "旧-2025-7", "办理中")
    # when
    result = register_import(actor=clerk, content=_xlsx([closed, still_open], header=header))
    # then
    assert (result.created, result.failed) == (2, 0)
    finished = Petition.objects.get(number="341122101-2025-000040")
    assert finished.status == "closed"
    assert finished.current_deadline is None
    assert not Deadline.objects.get(owner_type="petitions.petition", owner_id=finished.pk).is_open
    ongoing = Petition.objects.get(number="旧-2025-7")
    assert ongoing.status == "handling"
    assert ongoing.current_deadline is not None
    # and the unit's 2025 sequence moved past the imported number
    assert NumberSequence.objects.get(unit=clerk.unit, year=2025).last_value == 40


def test_import_page_shows_the_result_table(client, clerk):
    # given
    client.force_login(clerk)
    upload = SimpleUploadedFile("台账.xlsx", _xlsx([GOOD, BAD_ID]))
    # when
    response = client.post(reverse("petitions:import"), {"file": upload})
    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert "已导入 1 件。" in html
    assert "第 3 行" in html
    assert "身份证号校验位错误" in html
    assert Petition.objects.count() == 1


def test_import_page_refuses_other_file_types_and_handlers(client, clerk, handler):
    # given
    client.force_login(clerk)
    # when
    wrong_type = client.post(reverse("petitions:import"), {"file": SimpleUploadedFile("台账.xls", b"x")})
    client.force_login(handler)
    refused = client.get(reverse("petitions:import"))
    # then
    assert "只能导入 .xlsx 格式的 Excel 文件" in wrong_type.content.decode()
    assert refused.status_code == 403


def test_import_template_has_the_columns(client, clerk):
    # given
    client.force_login(clerk)
    # when
    response = client.get(reverse("petitions:import_template"))
    # then
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert tuple(cell.value for cell in sheet[1]) == TEMPLATE_COLUMNS


def test_imported_numbers_stay_inside_the_importers_scope_and_range(village_handler_clerk, unit_by_code):
    """Issue 15: the 编号 column named any unit by its code and took any sequence; a village's
    import could move the county's sequence, and a 19-digit sequence broke every later
    registration of that unit."""
    # given
    header = (*HEADER, "编号")
    village_row = (*GOOD_ANONYMOUS[:8], "东风村")
    rows = [
        (*village_row, "341122-2025-500000"),  # the county's format: outside the village's scope
        (*village_row, "341122101201-2025-9223372036854775807"),  # the village's own, out of range
        (*village_row, "341122101201-1800-000001"),  # a year out of range
        (*village_row, "341122101201-2025-000007"),  # the village's own, fine
    ]
    # when
    result = register_import(actor=village_handler_clerk, content=_xlsx(rows, header=header))
    # then
    problems = [" ".join(row.problems) for row in result.rows]
    assert (result.created, result.failed) == (1, 3), problems
    assert "不是您权限范围内的单位" in problems[0]
    assert "序号须在 1 至 999999 之间" in problems[1]
    assert "年份须在" in problems[2]
    assert not NumberSequence.objects.filter(unit=unit_by_code("341122")).exists()
    assert NumberSequence.objects.get(unit=unit_by_code("341122101201"), year=2025).last_value == 7
