"""The 信息报送 pages: the list with its inbox (待签收) and filters, filing a report (a refused one
shown again with what was typed and the message once), a report's page with its steps, history
and 转为信访件, the completeness grid and the schedule; who may open which page, and the pinned
query counts of the list, a report and the grid."""

import re
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.accounts.services import user_create, user_set_roles
from xinfang.deadlines.engine import LOCAL_TZ
from xinfang.demo.clock import simulated_now
from xinfang.inforeports.machine import report_transition
from xinfang.inforeports.models import InfoReport, ReportSchedule
from xinfang.inforeports.services import report_file
from xinfang.organisation.models import Unit, UnitType
from xinfang.organisation.services import unit_create
from xinfang.petitions.models import Petition

pytestmark = pytest.mark.usefixtures("demo")

TOWNSHIP, COUNTY, DONGFENG, HEXI_VILLAGE = "341122101", "341122", "341122101201", "341122102201"
# the pages' queries, pinned (session, user, roles, nav, the page's own reads)
HOME_QUERIES = 12
DETAIL_QUERIES = 14
GRID_QUERIES = 15

SIGN: dict[str, Any] = {
    "kind": "early_sign",
    "title": "东风村拆迁户拟集体上访",
    "content": "十余户拆迁户对补偿标准不满。",
    "subjects": "东风村三组拆迁户",
    "headcount": "15",
    "place": "青山县人民政府",
    "demands": "提高拆迁补偿标准",
    "risk": "medium",
}


def user(username: str) -> User:
    return User.objects.select_related("unit").get(username=username)


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


def sign(**overrides: Any) -> InfoReport:
    values = {**SIGN, "headcount": 15, **overrides}
    return report_file(actor=user("village-informant"), **values)


def page(client: Any, username: str, url: str) -> Any:
    client.force_login(user(username))
    return client.get(url)


def text(response: Any) -> str:
    return response.content.decode()


# --- 信息报送 (the list) -----------------------------------------------------------------------------


def test_the_office_sees_the_list_its_inbox_and_its_buttons(client):
    # given
    report = sign()
    # when
    body = text(page(client, "clerk", "/reports/"))
    # then
    for words in (
        "信息报送",
        "报送信息",
        "报送完整率",
        "待签收",
        report.title,
        "东风村",
        "苗头信息",
        "中风险",
    ):
        assert words in body
    assert 'data-testid="inbox-count">1<' in body
    assert 'data-testid="schedule-link"' not in body  # rules.manage only


def test_the_inbox_tab_lists_what_waits_for_the_own_unit(client):
    # given: one waits for 城关镇, one was signed
    waiting = sign(title="待签收的苗头")
    done = sign(title="已签收的苗头")
    report_transition(report=done, action="sign", actor=user("clerk"))
    # when
    inbox = text(page(client, "clerk", "/reports/?inbox=on"))
    everything = text(page(client, "clerk", "/reports/"))
    # then
    assert waiting.title in inbox
    assert done.title not in inbox
    assert waiting.title in everything
    assert done.title in everything


def test_the_list_filters_by_kind_status_unit_and_dates(client):
    # given
    sign(title="苗头一")
    report_file(actor=user("informant"), kind="immediate", title="城关镇即时报告", content="路口聚集")
    client.force_login(user("clerk"))
    today = timezone.localdate().isoformat()
    # when
    immediate = text(client.get("/reports/", {"kind": "immediate"}))
    village = text(client.get("/reports/", {"unit": unit(DONGFENG).pk}))
    tomorrow = text(client.get("/reports/", {"from": (timezone.localdate() + timedelta(days=1)).isoformat()}))
    today_only = text(client.get("/reports/", {"from": today, "to": today, "status": "submitted"}))
    wrong = client.get("/reports/", {"from": "2026-03-02", "to": "2026-03-01", "kind": "x"})
    # then
    assert "城关镇即时报告" in immediate
    assert "苗头一" not in immediate
    assert "苗头一" in village
    assert "城关镇即时报告" not in village
    assert "没有符合条件的信息" in tomorrow
    assert "苗头一" in today_only
    assert "城关镇即时报告" in today_only
    assert wrong.status_code == 200
    assert "结束日期不能早于开始日期。" in text(wrong)
    assert "请从列表中选择。" in text(wrong)


def test_the_list_is_paginated_in_the_database_with_pinned_queries(client, django_assert_max_num_queries):
    # given: 25 reports (two pages)
    for i in range(25):
        sign(title=f"苗头{i:02d}")
    client.force_login(user("clerk"))
    client.get("/reports/")  # warm the session
    # when
    with django_assert_max_num_queries(HOME_QUERIES):
        first = client.get("/reports/")
    with django_assert_max_num_queries(HOME_QUERIES):
        second = client.get("/reports/", {"page": 2})
    # then
    assert first.content.decode().count('data-testid="report-row"') == 20
    assert second.content.decode().count('data-testid="report-row"') == 5
    assert "第 1 / 2 页，共 25 条" in text(first)


def test_pages_refuse_roles_without_their_capability(client):
    report = sign()
    assert page(client, "handler", "/reports/").status_code == 403
    assert page(client, "handler", f"/reports/{report.pk}/").status_code == 403
    assert page(client, "handler", "/reports/new/").status_code == 403
    assert page(client, "sysadmin", "/reports/").status_code == 403
    assert page(client, "clerk", "/reports/schedule/").status_code == 403
    client.logout()
    assert client.get("/reports/").status_code == 302


# --- 报送信息 ----------------------------------------------------------------------------------------


def test_the_filing_form_shows_every_section_until_a_kind_is_chosen(client):
    # when
    body = text(page(client, "village-informant", "/reports/new/"))
    sign_form = text(client.get("/reports/new/", {"kind": "early_sign"}, HTTP_HX_REQUEST="true"))
    routine = text(client.get("/reports/new/", {"kind": "routine"}, HTTP_HX_REQUEST="true"))
    urgent = text(client.get("/reports/new/", {"kind": "early_sign", "risk": "high"}, HTTP_HX_REQUEST="true"))
    # then
    for section in ("section-main", "section-period", "section-sign", "section-skip"):
        assert f'data-testid="{section}"' in body
    assert "报送单位：东风村" in body
    assert 'data-testid="section-sign"' in sign_form
    assert 'data-testid="section-period"' not in sign_form
    assert 'data-testid="section-skip"' not in sign_form  # a medium sign does not skip
    assert "<html" not in sign_form  # htmx gets the fields only
    assert 'data-testid="section-period"' in routine
    assert 'data-testid="section-sign"' not in routine
    cadences = re.search(r'name="cadence".*?</select>', routine, re.S)
    assert cadences is not None
    assert '<option value="weekly" selected>' in cadences.group(0)  # a village reports weekly
    assert '<option value="daily"' not in cadences.group(0)
    assert 'data-testid="section-skip"' in urgent
    assert "青山县" in urgent


def test_a_township_has_no_level_to_skip(client):
    body = text(page(client, "informant", "/reports/new/?kind=immediate"))
    assert 'data-testid="section-skip"' not in body
    assert 'data-testid="section-period"' not in body


def test_the_village_informant_files_a_sign_and_sees_it(client):
    # given
    client.force_login(user("village-informant"))
    # when
    response = client.post("/reports/new/", SIGN)
    # then
    report = InfoReport.objects.get()
    assert response.status_code == 302
    assert response.url == f"/reports/{report.pk}/"
    assert report.to_unit == unit(TOWNSHIP)
    assert report.headcount == 15
    body = text(client.get(response.url))
    assert f"已报送苗头信息 {report.number}，报送至城关镇。" in body
    for words in ("东风村三组拆迁户", "提高拆迁补偿标准", "15 人", "待签收", "报送", "刘信息"):
        assert words in body


def test_a_refused_filing_keeps_what_was_typed_and_says_why_once(client):
    # given
    client.force_login(user("village-informant"))
    typed = {**SIGN, "subjects": "", "demands": ""}
    # when
    response = client.post("/reports/new/", typed)
    # then
    body = text(response)
    assert response.status_code == 422
    assert body.count("苗头信息须写明涉及人员和主要诉求。") == 1
    assert "请填写涉及人员。" in body
    assert "请填写主要诉求。" in body
    assert f'value="{SIGN["title"]}"' in body
    assert SIGN["content"] in body
    assert not InfoReport.objects.exists()


def test_a_refused_skip_is_a_conflict_shown_on_the_form(client):
    client.force_login(user("village-informant"))
    response = client.post("/reports/new/", {**SIGN, "skip_to": unit(COUNTY).pk})
    assert response.status_code == 409
    assert text(response).count("只有紧急情况（即时报告，或高风险的苗头信息）可以越级报送。") == 1
    assert f'value="{SIGN["title"]}"' in text(response)


def test_a_missing_title_is_said_once_at_its_field(client):
    client.force_login(user("village-informant"))
    response = client.post("/reports/new/", {"kind": "immediate", "title": "", "content": "路口聚集"})
    body = text(response)
    assert response.status_code == 422
    assert body.count("请填写标题。") == 1
    assert 'data-testid="error-file-title"' in body
    assert "路口聚集" in body


def test_a_zero_report_without_content(client):
    client.force_login(user("village-informant"))
    response = client.post("/reports/new/", {"kind": "zero", "title": "本周零报告", "cadence": "weekly"})
    assert response.status_code == 302
    report = InfoReport.objects.get()
    assert report.content == "本期无情况。"
    assert report.cadence == "weekly"
    assert "周报 " in text(client.get(response.url))


# --- a report ------------------------------------------------------------------------------------


def test_the_township_signs_and_forwards_from_the_page(client):
    # given
    report = sign()
    client.force_login(user("clerk"))
    before = text(client.get(f"/reports/{report.pk}/"))
    assert 'data-testid="form-sign"' in before
    assert 'data-testid="form-return"' in before
    assert 'data-testid="form-forward"' not in before
    # when
    signed = client.post(f"/reports/{report.pk}/act/sign/", {"note": "收到"})
    middle = text(client.get(f"/reports/{report.pk}/"))
    forwarded = client.post(f"/reports/{report.pk}/act/forward/", {"note": "镇里已派工作组。"})
    after = text(client.get(f"/reports/{report.pk}/"))
    # then
    assert signed.status_code == 302
    assert forwarded.status_code == 302
    assert 'data-testid="form-forward"' in middle
    assert "上报说明（本单位的核实情况和意见）" in middle
    assert "并入本单位已报送的报告" not in middle  # the township has no open report upward yet
    report.refresh_from_db()
    upward = report.forwarded_to
    assert upward is not None
    assert upward.unit == unit(TOWNSHIP)
    assert upward.to_unit == unit(COUNTY)
    assert "已上报" in after
    assert upward.number in after
    assert "<strong>签收</strong> · 王接访" in after
    assert "<strong>上报</strong> · 王接访" in after
    assert f"并入上报 {upward.number}" in after
    upward_page = text(client.get(f"/reports/{upward.pk}/"))
    assert report.number in upward_page
    assert "并入本报告" in upward_page


def test_a_second_sign_is_merged_into_the_townships_open_report(client):
    # given: the township has reported the first sign upward, the county has not signed yet
    first = sign()
    clerk = user("clerk")
    report_transition(report=first, action="sign", actor=clerk)
    report_transition(report=first, action="forward", actor=clerk, note="首报")
    first.refresh_from_db()
    upward = first.forwarded_to
    assert upward is not None
    second = sign(title="续报")
    report_transition(report=second, action="sign", actor=clerk)
    client.force_login(clerk)
    # when
    body = text(client.get(f"/reports/{second.pk}/"))
    response = client.post(f"/reports/{second.pk}/act/forward/", {"note": "续报", "into": upward.pk})
    # then
    assert "并入本单位已报送的报告" in body
    assert f'<option value="{upward.pk}">{upward.number}' in body
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.forwarded_to_id == upward.pk


def test_a_refused_step_opens_its_form_again(client):
    # given
    report = sign()
    client.force_login(user("clerk"))
    # when: 退回 without a reason
    response = client.post(f"/reports/{report.pk}/act/return/", {"note": ""})
    # then
    body = text(response)
    assert response.status_code == 422
    assert body.count("请填写退回理由（需补充的内容）。") == 1
    assert re.search(r'id="action-return"\s+class="collapse show', body)


def test_return_and_resubmit_on_the_pages(client):
    # given
    report = sign()
    client.force_login(user("clerk"))
    client.post(f"/reports/{report.pk}/act/return/", {"note": "请补充户数"})
    client.force_login(user("village-informant"))
    returned = text(client.get(f"/reports/{report.pk}/"))
    # when
    response = client.post(f"/reports/{report.pk}/act/resubmit/", {"content": "涉及 12 户。"})
    # then
    assert "退回理由：" in returned
    assert "请补充户数" in returned
    assert 'data-testid="form-resubmit"' in returned
    assert SIGN["content"] in returned
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "submitted"
    assert report.content == "涉及 12 户。"


def test_signing_twice_on_the_page_is_a_conflict(client):
    report = sign()
    client.force_login(user("clerk"))
    client.post(f"/reports/{report.pk}/act/sign/", {})
    response = client.post(f"/reports/{report.pk}/act/sign/", {})
    assert response.status_code == 409
    assert "信息报告当前为“已签收”，不能执行“签收”。" in text(response)


def test_an_unknown_step_is_404(client):
    report = sign()
    client.force_login(user("clerk"))
    assert client.post(f"/reports/{report.pk}/act/link/", {}).status_code == 404
    assert client.post(f"/reports/{report.pk}/act/file/", {}).status_code == 404


def test_a_report_of_another_townships_village_is_404(client):
    # given
    made = user_create(
        actor=None,
        username="hexi-informant",
        full_name="河西信息员",
        unit=unit(HEXI_VILLAGE),
        password="Demo@2026",
        must_change_password=False,
    )
    user_set_roles(actor=None, user=made, roles={Role.INFORMANT})
    other = report_file(actor=user("hexi-informant"), **{**SIGN, "headcount": 3})
    # then
    assert page(client, "village-informant", f"/reports/{other.pk}/").status_code == 404
    assert page(client, "clerk", f"/reports/{other.pk}/").status_code == 404
    assert client.post(f"/reports/{other.pk}/act/sign/", {}).status_code == 404
    assert page(client, "county-clerk", f"/reports/{other.pk}/").status_code == 200


def test_a_skip_level_report_names_the_skipped_township(client):
    report = sign(risk="high", skip_to=unit(COUNTY).pk)
    body = text(page(client, "county-clerk", f"/reports/{report.pk}/"))
    assert "越级报告" in body
    assert "城关镇（已同时告知）" in body
    assert "高风险" in body


def test_the_sign_becomes_a_petition_from_its_page(client):
    # given
    report = sign()
    client.force_login(user("clerk"))
    before = text(client.get(f"/reports/{report.pk}/"))
    assert 'data-testid="form-petition"' in before
    assert f'href="/incidents/new/?sign={report.pk}"' in before
    # when: first without a category, then with one
    refused = client.post(f"/reports/{report.pk}/petition/", {"name": "张三", "phone": "13800000001"})
    response = client.post(
        f"/reports/{report.pk}/petition/", {"name": "张三", "phone": "13800000001", "category": "0503"}
    )
    # then
    assert refused.status_code == 422
    assert text(refused).count("请选择问题类别。") == 1
    assert 'value="张三"' in text(refused)
    petition = Petition.objects.get()
    assert response.status_code == 302
    assert response.url == f"/petitions/{petition.pk}/"
    after = text(client.get(f"/reports/{report.pk}/"))
    assert f'href="/petitions/{petition.pk}/"' in after
    assert "转为信访件" in after
    assert 'data-testid="form-petition"' not in after
    assert petition.number in after


def test_the_informant_is_not_offered_the_petition(client):
    report = sign()
    body = text(page(client, "village-informant", f"/reports/{report.pk}/"))
    assert 'data-testid="form-petition"' not in body
    assert (
        client.post(f"/reports/{report.pk}/petition/", {"name": "x", "category": "0503"}).status_code == 403
    )


def test_a_reports_page_takes_pinned_queries(client, django_assert_max_num_queries):
    # given: a forwarded sign with a long history
    report = sign()
    clerk = user("clerk")
    report_transition(report=report, action="return", actor=clerk, note="补充")
    report_transition(report=report, action="resubmit", actor=user("village-informant"), content="补充了")
    report_transition(report=report, action="sign", actor=clerk)
    client.force_login(clerk)
    client.get(f"/reports/{report.pk}/")
    # when
    with django_assert_max_num_queries(DETAIL_QUERIES):
        response = client.get(f"/reports/{report.pk}/")
    # then
    assert response.status_code == 200
    assert text(response).count('data-testid="timeline-event"') == 4


# --- 报送完整率 ---------------------------------------------------------------------------------------


def _week_ago() -> tuple[Any, Any]:
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(weeks=2), monday - timedelta(days=1)


def test_the_completeness_grid_colours_each_period(client):
    # given: 东风村 reported the first of two past weeks on time
    first, last = _week_ago()
    with simulated_now(datetime.combine(first + timedelta(days=1), time(9), tzinfo=LOCAL_TZ)):
        report_file(actor=user("village-informant"), kind="routine", title="周报", content="平稳")
    # when
    response = page(
        client, "clerk", f"/reports/completeness/?unit={unit(TOWNSHIP).pk}&from={first}&to={last}"
    )
    # then
    body = text(response)
    assert response.status_code == 200
    for words in ("报送完整率", "应报", "及时率", "完整率", "被催报", "合计", "东风村", "红星村", "└"):
        assert words in body
    assert 'data-testid="cell-on_time"' in body
    assert 'data-testid="cell-missing"' in body
    row = re.search(r'data-testid="grid-row">\s*<td[^>]*>.*?东风村</td>(.*?)</tr>', body, re.S)
    assert row is not None
    numbers = re.findall(r'<td class="text-end[^"]*">([^<]*)</td>', row.group(1))
    assert numbers[:8] == ["2", "1", "1", "0", "1", "50.0%", "50.0%", "0"]


def test_the_grid_exports_to_a_workbook(client):
    # given
    first, last = _week_ago()
    client.force_login(user("clerk"))
    # when
    response = client.get(
        "/reports/completeness/export.xlsx", {"unit": unit(TOWNSHIP).pk, "from": first, "to": last}
    )
    # then
    from io import BytesIO

    from openpyxl import load_workbook

    from xinfang.audit.models import AuditEntry, AuditEvent

    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == f"城关镇信息报送完整率（{first:%Y-%m-%d}至{last:%Y-%m-%d}）"
    assert rows[1][:3] == ("单位", "应报", "已报")
    assert rows[2][0] == "城关镇"
    assert any(row[0] == "\u3000东风村" and row[1] == 2 and row[5] == 2 for row in rows)
    assert rows[-1][0] == "合计"
    assert AuditEntry.objects.filter(event=AuditEvent.EXPORT).count() == 1


def test_the_completeness_page_defaults_to_the_own_unit(client):
    body = text(page(client, "village-informant", "/reports/completeness/"))
    assert "东风村" in body
    assert 'data-testid="completeness-grid"' in body
    assert body.count('data-testid="grid-row"') == 1


def test_the_completeness_page_refuses_bad_ranges_in_chinese(client):
    client.force_login(user("clerk"))
    backwards = client.get("/reports/completeness/", {"from": "2026-03-02", "to": "2026-03-01"})
    too_long = client.get("/reports/completeness/", {"from": "2024-01-01", "to": "2025-06-30"})
    bad_date = client.get("/reports/completeness/", {"from": "2026-02-30"})
    assert backwards.status_code == too_long.status_code == bad_date.status_code == 422
    assert "结束日期不能早于开始日期。" in text(backwards)
    assert "统计时段不能超过 366 天。" in text(too_long)
    assert "日期格式应为 YYYY-MM-DD。" in text(bad_date)


def test_the_completeness_page_of_a_unit_out_of_scope_is_404(client):
    client.force_login(user("village-informant"))
    assert client.get("/reports/completeness/", {"unit": unit(TOWNSHIP).pk}).status_code == 404
    huge = client.get("/reports/completeness/", {"unit": str(2**70)})
    assert huge.status_code == 422
    assert "请从列表中选择单位。" in text(huge)


def test_the_grid_takes_the_same_queries_however_many_units(client, django_assert_max_num_queries):
    # given
    client.force_login(user("county-leader"))
    first = timezone.localdate() - timedelta(days=91)
    url = f"/reports/completeness/?from={first}&to={timezone.localdate()}"
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries)

    small = count()
    township = unit(TOWNSHIP)
    for i in range(12):
        village = unit_create(
            actor=None, name=f"新村{i}", code=f"T{i:04d}", unit_type=UnitType.VILLAGE, parent=township
        )
        informant = user_create(
            actor=None,
            username=f"new-informant-{i}",
            full_name="新信息员",
            unit=village,
            password="Demo@2026",
            must_change_password=False,
        )
        user_set_roles(actor=None, user=informant, roles={Role.INFORMANT})
        report_file(actor=user(informant.username), kind="zero", title="零报告")
    # when / then
    with django_assert_max_num_queries(GRID_QUERIES):
        body = text(client.get(url))
    assert count() == small
    assert "新村11" in body
    assert "超过 16 个时不逐期显示" in body


# --- 报送周期设置 ---------------------------------------------------------------------------------------


def test_the_administrator_sees_and_changes_the_schedule(client):
    # given
    client.force_login(user("sysadmin"))
    before = text(client.get("/reports/schedule/"))
    assert "报送周期设置" in before
    assert "<strong>村</strong>" in before
    assert before.count('data-testid="schedule-row"') == len(UnitType.choices) * 4
    # when: villages report by Thursday 17:00
    response = client.post(
        "/reports/schedule/",
        {
            "unit_type": UnitType.VILLAGE,
            "cadence": "weekly",
            "active": "on",
            "weekday": "4",
            "due_time": "17:00",
        },
    )
    # then
    assert response.status_code == 302
    row = ReportSchedule.objects.get(unit_type=UnitType.VILLAGE, cadence="weekly")
    assert row.active
    assert row.weekday == 4
    assert f"{row.due_time:%H:%M}" == "17:00"
    after = text(client.get(response.url.split("#")[0]))
    assert "已保存" in after
    assert "已设置" in after


def test_a_refused_schedule_row_is_shown_again(client):
    client.force_login(user("sysadmin"))
    response = client.post(
        "/reports/schedule/",
        {
            "unit_type": UnitType.VILLAGE,
            "cadence": "monthly",
            "active": "on",
            "day": "40",
            "due_time": "25:99",
        },
    )
    body = text(response)
    assert response.status_code == 422
    assert "截止日须为 1 到 31。" in body
    assert "时刻格式应为 HH:MM，如 16:00。" in body
    assert body.count("报送周期未保存，请按提示修改。") == 1
    assert not ReportSchedule.objects.exists()


def test_switching_a_cadence_off(client):
    client.force_login(user("sysadmin"))
    response = client.post(
        "/reports/schedule/", {"unit_type": UnitType.TOWNSHIP, "cadence": "half_monthly", "due_time": "16:00"}
    )
    assert response.status_code == 302
    assert not ReportSchedule.objects.get(unit_type=UnitType.TOWNSHIP).active
