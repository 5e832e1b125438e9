"""What the duty room prints: the month's roster (.xlsx people by day, .docx 值班表), a shift's
值班记录表 and its 交接班记录 — opened again with openpyxl and python-docx, scoped (404), audited,
on A4 (landscape for the sheet, the 公文 margins for Word), and the roster read in a number of
queries that does not grow with the shifts."""

import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook

from xinfang.accounts.models import User
from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.duty import selectors, services
from xinfang.duty.exports import WEEKDAYS
from xinfang.duty.machine import shift_transition
from xinfang.duty.models import RosterMonth, Shift

from .helpers import running_shift, township, user

pytestmark = pytest.mark.usefixtures("demo")

PHONES = {
    "leader": "13800001111",
    "principal": "13800002222",
    "duty": "13900003333",
    "handler": "13900004444",
}


def first_of(months_ahead: int) -> date:
    month = timezone.localdate().replace(day=1)
    for _ in range(months_ahead):
        month = selectors.next_month(month)
    return month


@pytest.fixture
def phones(demo) -> None:
    for username, phone in PHONES.items():
        User.objects.filter(username=username).update(phone=phone)


def two_slots() -> None:
    services.slots_save(
        actor=user("clerk"),
        unit=township(),
        slots=[services.SlotIn("白班", "08:30", 540), services.SlotIn("夜班", "17:30", 900)],
    )


def roster(month: date, *, publish: bool = True) -> RosterMonth:
    made = services.roster_generate(
        actor=user("clerk"),
        unit_id=township().pk,
        month=month,
        leaders=[user("leader").pk, user("principal").pk],
        staff=[user("duty").pk, user("clerk").pk, user("handler").pk],
    )
    if publish:
        services.roster_publish(actor=user("clerk"), roster=made)
    return made


def act(shift: Shift, action: str, username: str, **fields) -> Shift:  # type: ignore[no-untyped-def]
    shift_transition(shift=shift, action=action, actor=user(username), **fields)
    return selectors.access_shift_by_id(user(username), shift.pk)


def download(client, username: str, name: str, pk: int):  # type: ignore[no-untyped-def]
    client.force_login(user(username))
    return client.get(reverse(f"duty:{name}", args=[pk]))


def exported(target_id: int, kind: str) -> AuditEntry:
    return AuditEntry.objects.get(event=AuditEvent.EXPORT, target_id=str(target_id), extra_data__kind=kind)


def docx_text(document) -> str:  # type: ignore[no-untyped-def]
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def mm(length) -> float:  # type: ignore[no-untyped-def]
    return round(length.mm, 1)


def assert_official_page(document) -> None:  # type: ignore[no-untyped-def]
    """GB/T 9704: A4 portrait, 天头 37, 下 35, 订口 28, 右 26 mm (to the tenth of a millimetre)."""
    for section in document.sections:
        assert (mm(section.page_width), mm(section.page_height)) == (210, 297)
        assert (mm(section.top_margin), mm(section.bottom_margin)) == (37, 35)
        assert (mm(section.left_margin), mm(section.right_margin)) == (28, 26)


def with_substitute(month: RosterMonth) -> list[Shift]:
    """The first shift's 值班员 (吴值班) on leave, 李承办 standing in."""
    shifts = selectors.roster_shifts(month)
    act(shifts[0], "request_leave", "duty", reason="家中有事")
    act(shifts[0], "approve_leave", "leader", user=user("duty").pk, substitute=user("handler").pk)
    return selectors.roster_shifts(month)


# --- the roster ------------------------------------------------------------------------------------


def test_the_roster_sheet_is_people_by_day_as_offices_print_it(client, phones):
    two_slots()
    month = roster(first_of(1))
    with_substitute(month)
    response = download(client, "clerk", "roster_xlsx", month.pk)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert len(book.worksheets) == 1
    sheet = book.worksheets[0]
    first = month.month
    assert sheet["A1"].value == f"城关镇{first:%Y年%m月}值班表"
    assert [c.value for c in sheet[2]] == [
        "日期",
        "星期",
        "班次（时间）",
        "带班领导",
        "值班员",
        "联系电话",
        "备注",
    ]
    day, night = [[c.value for c in sheet[row]] for row in (3, 4)]
    assert day[0].date() == first
    assert day[1] == WEEKDAYS[first.weekday()]
    assert day[2:5] == ["白班 08:30—17:30", "张分管", "李承办"]  # who actually serves
    assert day[5] == "张分管 13800001111\n李承办 13900004444"
    assert day[6] == "李承办（替吴值班）"
    assert night[2:5] == ["夜班 17:30—次日08:30", "赵书记", "王接访"]
    assert night[5] == "赵书记 13800002222"  # 王接访 has no phone on file
    # the day's two shifts share one 日期 and one 星期 cell
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A1:G1", "A3:A4", "B3:B4"} <= merged
    days = (selectors.next_month(first) - first).days
    assert sheet.cell(row=2 + 2 * days, column=3).value == "夜班 17:30—次日08:30"
    assert any(
        str(v).startswith("制表单位：城关镇") for row in sheet.iter_rows(values_only=True) for v in row if v
    )
    # printed: A4 landscape, one page wide, title and header on every page, bordered cells
    assert int(sheet.page_setup.paperSize) == 9  # A4
    assert sheet.page_setup.orientation == "landscape"
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$1:$2"
    assert sheet["E3"].border.left.style == "thin"
    assert sheet["E3"].border.bottom.style == "thin"
    assert sheet.column_dimensions["F"].width >= 24  # a name and an 11-digit phone on one line
    entry = exported(month.pk, "duty_roster_xlsx")
    assert entry.target_type == "duty.rostermonth"
    assert entry.extra_data["rows"] == 2 * days
    assert entry.target_label == f"城关镇{first:%Y年%m月}值班表"


def test_a_draft_says_so_in_its_title(client, phones):
    month = roster(first_of(1), publish=False)
    sheet = load_workbook(io.BytesIO(download(client, "clerk", "roster_xlsx", month.pk).content)).worksheets[
        0
    ]
    assert sheet["A1"].value.endswith("值班表（草稿，未发布）")


def test_the_roster_document_has_the_leader_column_on_the_official_page(client, phones):
    two_slots()
    month = roster(first_of(1))
    with_substitute(month)
    response = download(client, "leader", "roster_docx", month.pk)
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    assert_official_page(document)
    first = month.month
    assert document.paragraphs[0].text == f"城关镇{first:%Y年%m月}值班表"
    text = docx_text(document)
    assert "制表单位：城关镇" in text
    assert "制表日期：" in text
    table = document.tables[0]
    header = [c.text for c in table.rows[0].cells]
    assert header == ["日期", "星期", "班次（时间）", "带班领导", "值班员", "联系电话", "备注"]
    # the header row repeats on every printed page
    assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    day = [c.text for c in table.rows[1].cells]
    assert day[0] == f"{first.month}月1日"
    assert day[1] == WEEKDAYS[first.weekday()]
    assert day[2:5] == ["白班\n08:30—17:30", "张分管", "李承办"]
    assert "李承办（替吴值班）" in day[6]
    assert table.rows[2].cells[0].text == day[0]  # the 日期 cell is merged over the day's shifts
    assert table.rows[2].cells[3].text == "赵书记"
    days = (selectors.next_month(first) - first).days
    assert len(table.rows) == 1 + 2 * days
    # the columns fit between the margins (156 mm)
    assert sum(mm(c.width) for c in table.rows[1].cells) <= 156
    assert exported(month.pk, "duty_roster_docx").extra_data["rows"] == 2 * days


def test_the_roster_is_read_in_the_same_queries_whatever_its_size(client, phones):
    small = roster(first_of(1))  # one 24-hour shift a day
    two_slots()
    large = roster(first_of(2))  # two a day
    assert large.shifts.count() > 1.8 * small.shifts.count()
    client.force_login(user("clerk"))
    counts = {}
    for name in ("roster_xlsx", "roster_docx"):
        for month in (small, large):
            url = reverse(f"duty:{name}", args=[month.pk])
            client.get(url)  # sessions and caches warmed
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts[name, month.pk] = len(queries)
        assert counts[name, small.pk] == counts[name, large.pk], counts


# --- a shift's record and handover ------------------------------------------------------------------


def logged_shift() -> Shift:
    shift = running_shift()
    shift = act(shift, "check_in", "duty")
    shift = act(shift, "check_in", "leader")
    shift = act(
        shift,
        "log_entry",
        "duty",
        kind="call",
        name="孙来电",
        phone="13912345678",
        matter="反映村里路灯坏了三个月无人修",
    )
    shift = act(
        shift, "log_entry", "duty", kind="visit", name="周来访", matter="十余人聚集镇政府门口", urgent=True
    )
    urgent = shift.carried.get(urgent=True)
    return act(shift, "acknowledge", "leader", entry=urgent.pk)


def test_the_daily_record_lists_the_people_and_every_call_and_visit(client, phones):
    shift = logged_shift()
    response = download(client, "duty", "shift_record", shift.pk)
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    assert_official_page(document)
    assert document.paragraphs[0].text == "城关镇值班记录表"
    text = docx_text(document)
    start = timezone.localtime(shift.starts_at)
    assert f"{start.year}年{start.month}月{start.day}日" in text
    assert "白班" in text
    assert "张分管" in text
    assert "吴值班" in text
    people = document.tables[1]
    assert [c.text for c in people.rows[0].cells] == ["职责", "姓名", "联系电话", "到岗签到", "离岗", "备注"]
    duty_row = next(r for r in people.rows if r.cells[1].text == "吴值班")
    assert duty_row.cells[2].text == "13900003333"
    assert duty_row.cells[3].text.count(":") == 1  # the time of the sign-in
    log = document.tables[2]
    call, visit = ([c.text for c in row.cells] for row in log.rows[1:3])
    assert call[1].endswith("来电")
    assert call[2] == "孙来电\n13912345678"
    assert call[3] == "反映村里路灯坏了三个月无人修"
    assert call[5].startswith("待办结")
    assert visit[1].endswith("来访")
    assert "【紧急】张分管" in visit[5]
    assert "确认" in visit[5]
    assert "尚未交班。" in text
    assert "值班员（签字）：" in text
    assert "带班领导（签字）：" in text
    assert "系统签字：未签字" in text
    entry = exported(shift.pk, "duty_shift_record")
    assert entry.target_type == "duty.shift"
    assert entry.extra_data["rows"] == 2


def test_the_handover_record_shows_each_item_who_decided_it_and_the_signature(client, phones):
    shift = logged_shift()
    # not handed over yet: nothing to print
    assert download(client, "duty", "handover_docx", shift.pk).status_code == 409
    shift = act(shift, "hand_over", "duty", note="周来访的事项需回访")
    items = list(shift.handover.items.order_by("pk"))
    shift = act(shift, "accept_item", "handler", item=items[0].pk)
    shift = act(shift, "return_item", "handler", item=items[-1].pk, reason="请写明回访对象和时间")
    response = download(client, "principal", "handover_docx", shift.pk)
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    assert_official_page(document)
    assert document.paragraphs[0].text == "城关镇交接班记录"
    text = docx_text(document)
    assert "交班班次" in text
    assert "接班班次" in text
    assert "带班领导 张分管；值班员 吴值班" in text
    assert "带班领导 赵书记；值班员 李承办" in text
    table = document.tables[1]
    assert [c.text for c in table.rows[0].cells] == ["序号", "类别", "事项", "状态", "接收／退回", "退回理由"]
    rows = [[c.text for c in row.cells] for row in table.rows[1:]]
    assert len(rows) == len(items)
    assert rows[0][2].startswith("来电")
    assert "孙来电" in rows[0][2]
    assert rows[0][3] == "已接收"
    assert rows[0][4].startswith("李承办\n")
    assert rows[-1][1] == "交班说明事项"
    assert rows[-1][3] == "已退回"
    assert rows[-1][5] == "请写明回访对象和时间"
    assert any(r[3] == "待接收" for r in rows)
    assert "周来访的事项需回访" in text
    assert "带班领导签字：未签字" in text
    assert exported(shift.pk, "duty_handover").extra_data["rows"] == len(items)

    # settled, handed over again, signed: the leader's name and time
    shift = act(shift, "hand_over", "duty")  # the returned note comes back to be accepted
    for item in shift.handover.items.filter(status="pending"):
        shift = act(shift, "accept_item", "handler", item=item.pk)
    shift = act(shift, "sign", "leader")
    text = docx_text(Document(io.BytesIO(download(client, "leader", "handover_docx", shift.pk).content)))
    signed = timezone.localtime(shift.signed_at)
    assert f"带班领导签字：张分管（{signed.year}年{signed.month}月{signed.day}日 {signed:%H:%M}）" in text
    assert "未签字" not in text


# --- scope ---------------------------------------------------------------------------------------


def test_outside_scope_is_404_and_audited(client, phones):
    month = roster(first_of(1))
    shift = logged_shift()
    act(shift, "hand_over", "duty")
    outsider = "village-handler"  # 东风村: below 城关镇, sees only its own unit
    for name, pk in (
        ("roster_xlsx", month.pk),
        ("roster_docx", month.pk),
        ("shift_record", shift.pk),
        ("handover_docx", shift.pk),
    ):
        assert download(client, outsider, name, pk).status_code == 404, name
        assert download(client, outsider, name, 999_999).status_code == 404, name
    denied = AuditEntry.objects.filter(event=AuditEvent.ACCESS_DENIED, actor__username=outsider)
    assert denied.filter(target_type="duty.rostermonth", target_id=str(month.pk)).count() == 2
    assert denied.filter(target_type="duty.shift", target_id=str(shift.pk)).count() == 2
    assert not AuditEntry.objects.filter(event=AuditEvent.EXPORT, actor__username=outsider).exists()
    # a role without duty.view (the auditor) is refused outright
    assert download(client, "auditor", "roster_xlsx", month.pk).status_code == 403
    # the county above sees the township's roster
    assert download(client, "county-leader", "roster_xlsx", month.pk).status_code == 200
