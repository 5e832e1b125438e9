"""The 信息报送 API: a village's information officer files a sign (苗头信息), the township's office
signs for it and forwards it upward (a report of 城关镇 to 青山县 appears), returns one and sees
it filed again; who may not file (403), who may not see (404), a step taken twice (409), input
refused in Chinese (422, never 500), and the completeness numbers per unit."""

from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.accounts.services import user_create, user_set_roles
from xinfang.deadlines.engine import LOCAL_TZ
from xinfang.demo.clock import simulated_now
from xinfang.inforeports.clocks import chase
from xinfang.inforeports.models import InfoReport
from xinfang.inforeports.services import report_file
from xinfang.organisation.models import Unit
from xinfang.petitions.models import Petition

pytestmark = pytest.mark.usefixtures("demo")

URL = "/api/v1/info-reports"
TOWNSHIP, COUNTY, DONGFENG, HEXI_VILLAGE = "341122101", "341122", "341122101201", "341122102201"

SIGN = {
    "kind": "early_sign",
    "title": "东风村拆迁户拟集体上访",
    "content": "十余户拆迁户对补偿标准不满，拟于下周一到县政府集体上访。",
    "subjects": "东风村三组拆迁户",
    "headcount": 15,
    "expected_at": "2026-12-07T09:00",
    "place": "青山县人民政府",
    "demands": "提高拆迁补偿标准",
    "risk": "medium",
}


def user(username: str) -> User:
    return User.objects.select_related("unit").get(username=username)


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


def hexi_informant() -> User:
    """An information officer of 河西村 (a village of another township, 河西乡)."""
    made = user_create(
        actor=None,
        username="hexi-informant",
        full_name="河西信息员",
        unit=unit(HEXI_VILLAGE),
        password="Demo@2026",
        must_change_password=False,
    )
    user_set_roles(actor=None, user=made, roles={Role.INFORMANT})
    return user("hexi-informant")


def file_sign(api_client: Any, **overrides: Any) -> dict[str, Any]:
    response = api_client(user("village-informant")).post(URL, {**SIGN, **overrides})
    assert response.status_code == 201, response.json()
    return response.json()


def act(api_client: Any, username: str, report_id: int, action: str, **body: Any) -> Any:
    return api_client(user(username)).post(f"{URL}/{report_id}/actions/{action}", body)


# --- filing, signing, forwarding ---------------------------------------------------------------


def test_the_village_informant_files_a_sign_to_the_township(api_client):
    # when
    report = file_sign(api_client)
    # then
    assert report["unit"] == unit(DONGFENG).pk
    assert report["to_unit"] == unit(TOWNSHIP).pk
    assert report["to_unit_name"] == "城关镇"
    assert report["kind_label"] == "苗头信息"
    assert report["status"] == "submitted"
    assert report["status_label"] == "待签收"
    assert report["subjects"] == SIGN["subjects"]
    assert report["headcount"] == 15
    assert report["risk"] == "medium"
    assert report["demands"] == "提高拆迁补偿标准"
    assert report["skipped_units"] == []
    assert report["allowed_actions"] == ["link"]  # the filer waits; the township signs
    assert [(e["action"], e["label"], e["actor"]) for e in report["timeline"]] == [("file", "报送", "刘信息")]
    assert report["number"].startswith("信息")


def test_the_township_clerk_signs_and_forwards_and_the_township_reports_to_the_county(api_client):
    # given: the sign waits in the township's inbox
    report = file_sign(api_client)
    clerk = api_client(user("clerk"))
    inbox = clerk.get(URL, inbox="true").json()
    assert [r["id"] for r in inbox["items"]] == [report["id"]]
    assert inbox["count"] == 1
    detail = clerk.get(f"{URL}/{report['id']}").json()
    assert set(detail["allowed_actions"]) >= {"sign", "return"}
    # when: signed for, then forwarded with the township's view
    signed = act(api_client, "clerk", report["id"], "sign", note="已核实")
    forwarded = act(api_client, "clerk", report["id"], "forward", note="镇里已派工作组入户做工作。")
    # then
    assert signed.status_code == 200, signed.json()
    assert signed.json()["status"] == "signed"
    assert signed.json()["signed_by"] == "王接访"
    assert forwarded.status_code == 200, forwarded.json()
    body = forwarded.json()
    assert body["status"] == "forwarded"
    upward = InfoReport.objects.get(pk=body["forwarded_to"]["id"])
    assert upward.unit == unit(TOWNSHIP)
    assert upward.to_unit == unit(COUNTY)
    assert upward.status == "submitted"
    assert upward.kind == "early_sign"
    assert "镇里已派工作组入户做工作。" in upward.content
    assert [e["action"] for e in body["timeline"]] == ["file", "sign", "forward"]
    # the county's office finds it in its inbox, with the village's report merged into it
    county = api_client(user("county-clerk"))
    county_inbox = county.get(URL, inbox="true").json()
    assert [r["id"] for r in county_inbox["items"]] == [upward.pk]
    upward_detail = county.get(f"{URL}/{upward.pk}").json()
    assert [m["id"] for m in upward_detail["merged"]] == [report["id"]]
    assert upward_detail["unit_name"] == "城关镇"
    assert upward_detail["to_unit_name"] == "青山县"


def test_forwarding_into_the_townships_own_open_report(api_client):
    # given: the township has already reported upward and still waits for the county
    first = file_sign(api_client)
    act(api_client, "clerk", first["id"], "sign")
    upward = act(api_client, "clerk", first["id"], "forward", note="首报").json()["forwarded_to"]["id"]
    second = file_sign(api_client, title="东风村拆迁户续报")
    act(api_client, "clerk", second["id"], "sign")
    # when
    merged = act(api_client, "clerk", second["id"], "forward", note="续报", into=upward)
    # then
    assert merged.status_code == 200, merged.json()
    assert merged.json()["forwarded_to"]["id"] == upward
    assert InfoReport.objects.filter(unit=unit(TOWNSHIP)).count() == 1


def test_return_and_resubmit(api_client):
    # given
    report = file_sign(api_client)
    # when: returned for more detail, then filed again
    returned = act(api_client, "clerk", report["id"], "return", note="请补充涉及户数和具体诉求")
    informant_view = api_client(user("village-informant")).get(f"{URL}/{report['id']}").json()
    again = act(
        api_client,
        "village-informant",
        report["id"],
        "resubmit",
        content="涉及三组 12 户，要求按新标准补偿。",
        note="已补充",
    )
    # then
    assert returned.status_code == 200, returned.json()
    assert returned.json()["status"] == "returned"
    assert returned.json()["returned_reason"] == "请补充涉及户数和具体诉求"
    assert informant_view["allowed_actions"] == ["resubmit", "link"]
    assert again.status_code == 200, again.json()
    assert again.json()["status"] == "submitted"
    assert again.json()["returned_reason"] == ""
    assert again.json()["content"] == "涉及三组 12 户，要求按新标准补偿。"
    assert [e["label"] for e in again.json()["timeline"]] == ["报送", "退回补充", "补充后重新报送"]


def test_a_high_risk_sign_may_skip_the_township(api_client):
    # when
    report = file_sign(api_client, risk="high", skip_to=unit(COUNTY).pk)
    # then
    assert report["to_unit"] == unit(COUNTY).pk
    assert report["skipped_units"] == [{"id": unit(TOWNSHIP).pk, "name": "城关镇"}]
    # the township still sees it (its own village's), the county signs for it
    assert api_client(user("clerk")).get(f"{URL}/{report['id']}").status_code == 200
    assert act(api_client, "county-clerk", report["id"], "sign").status_code == 200


def test_a_routine_report_gets_its_period(api_client):
    # when: a zero report of last week
    day = timezone.localdate() - timedelta(days=7)
    response = api_client(user("village-informant")).post(
        URL, {"kind": "zero", "title": "零报告", "period": day.isoformat()}
    )
    # then
    assert response.status_code == 201, response.json()
    body = response.json()
    monday = day - timedelta(days=day.weekday())
    assert body["cadence"] == "weekly"
    assert body["period_start"] == monday.isoformat()
    assert body["period_end"] == (monday + timedelta(days=6)).isoformat()
    assert body["period_label"].startswith("周报 ")
    assert body["content"] == "本期无情况。"
    listed = api_client(user("village-informant")).get(URL, kind="zero").json()
    assert [r["id"] for r in listed["items"]] == [body["id"]]


# --- refusals ----------------------------------------------------------------------------------


def test_a_handler_may_not_file(api_client):
    response = api_client(user("handler")).post(URL, SIGN)
    assert response.status_code == 403
    assert response.json()["message"] == "您没有执行此操作的权限。"
    assert not InfoReport.objects.exists()


def test_a_village_user_does_not_see_another_townships_village(api_client):
    # given: 河西村 (河西乡) files a sign
    other = report_file(actor=hexi_informant(), **SIGN)
    # when
    seen = api_client(user("village-informant")).get(f"{URL}/{other.pk}")
    listed = api_client(user("village-informant")).get(URL).json()
    township = api_client(user("clerk")).get(f"{URL}/{other.pk}")
    # then
    assert seen.status_code == 404
    assert seen.json()["message"] == "记录不存在或您无权查看。"
    assert listed["count"] == 0
    assert township.status_code == 404  # 城关镇's office: not its village either


def test_signing_twice_is_a_conflict(api_client):
    # given
    report = file_sign(api_client)
    assert act(api_client, "clerk", report["id"], "sign").status_code == 200
    # when
    again = act(api_client, "leader", report["id"], "sign")
    # then
    assert again.status_code == 409
    assert again.json()["message"] == "信息报告当前为“已签收”，不能执行“签收”。"


def test_only_the_receiving_office_signs(api_client):
    report = file_sign(api_client)
    response = act(api_client, "county-clerk", report["id"], "sign")
    assert response.status_code == 403
    assert "只有接收单位可以签收" in response.json()["message"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({**SIGN, "kind": "rumour"}, "请选择信息类别。"),
        ({**SIGN, "subjects": "", "demands": ""}, "苗头信息须写明涉及人员和主要诉求。"),
        ({**SIGN, "title": ""}, "请填写标题。"),
        ({**SIGN, "headcount": -1}, "人数不能小于 0。"),
        ({**SIGN, "expected_at": "明天上午"}, "可能发生时间格式有误。"),
        ({**SIGN, "skip_to": 999999}, "越级报送只能报给本单位的上级单位。"),
        (
            {"kind": "routine", "title": "周报", "content": "平稳", "cadence": "daily"},
            "定期报告须为周报、半月报或月报。",
        ),
        ({"kind": "zero", "title": "零报告", "period": "2026-02-30"}, "所属期间（其中任一天）格式有误。"),
        (
            {"kind": "immediate", "title": "x", "content": "y", "cadence": "weekly"},
            "苗头信息和即时报告不属于报送周期。",
        ),
    ],
)
def test_bad_input_is_refused_in_chinese(api_client, body, message):
    response = api_client(user("village-informant")).post(URL, body)
    assert response.status_code == 422, response.json()
    assert response.json()["message"] == message


def test_a_skip_without_an_emergency_is_a_conflict(api_client):
    response = api_client(user("village-informant")).post(URL, {**SIGN, "skip_to": unit(COUNTY).pk})
    assert response.status_code == 409
    assert response.json()["message"] == "只有紧急情况（即时报告，或高风险的苗头信息）可以越级报送。"


def test_a_body_naming_the_transitions_own_arguments_is_not_a_500(api_client):
    body = {**SIGN, "report": 1, "actor": 2, "action": "sign", "request_meta": "x", "unit": 1}
    response = api_client(user("village-informant")).post(URL, body)
    assert response.status_code == 201, response.json()
    assert response.json()["unit"] == unit(DONGFENG).pk  # the caller's own unit, whatever was sent
    report_id = response.json()["id"]
    signed = api_client(user("clerk")).post(
        f"{URL}/{report_id}/actions/sign", {"report": 5, "actor": 1, "action": "return", "note": "收到"}
    )
    assert signed.status_code == 200
    assert signed.json()["status"] == "signed"


def test_a_caller_may_not_mark_its_report_as_forwarded(api_client):
    # a routine report claiming to be a forwarding (转报) still gets its period
    response = api_client(user("village-informant")).post(
        URL, {"kind": "routine", "title": "周报", "content": "平稳", "forwarded": True}
    )
    assert response.status_code == 201, response.json()
    assert response.json()["cadence"] == "weekly"
    assert response.json()["period_start"] is not None


def test_a_body_that_is_not_an_object_is_refused(api_client, client):
    from xinfang.accounts.services import token_issue

    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user('village-informant'))}"}
    response = client.post(URL, "[1, 2]", content_type="application/json", **headers)
    assert response.status_code == 422
    assert response.json()["message"] == "请求体须为 JSON 对象。"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2026-03-01", "to": "2026-02-01"}, "to"),
        ({"from": "2026-13-01"}, "from"),
        ({"kind": "gossip"}, "kind"),
        ({"status": "lost"}, "status"),
        ({"page": "0"}, "page"),
        ({"page_size": "1000"}, "page_size"),
        ({"unit": "abc"}, "unit"),
    ],
)
def test_bad_list_filters_are_refused_in_chinese(api_client, params, field):
    response = api_client(user("clerk")).get(URL, **params)
    assert response.status_code == 422, response.json()
    assert field in response.json()["errors"]
    assert response.json()["message"].isascii() is False


def test_an_unknown_report_is_404_and_an_unknown_step_is_not_routed(api_client):
    clerk = api_client(user("clerk"))
    assert clerk.get(f"{URL}/999999").status_code == 404
    assert clerk.post(f"{URL}/999999/actions/sign", {}).status_code == 404
    assert clerk.post(f"{URL}/1/actions/link", {}).status_code in (404, 405)


# --- a sign becomes a petition ------------------------------------------------------------------


def test_the_township_clerk_registers_a_sign_as_a_petition(api_client):
    # given
    report = file_sign(api_client)
    # when
    response = api_client(user("clerk")).post(
        f"{URL}/{report['id']}/petition", {"name": "张三", "phone": "13800000001", "category": "0503"}
    )
    # then
    assert response.status_code == 201, response.json()
    petition = Petition.objects.get(pk=response.json()["id"])
    assert petition.subject == SIGN["title"]
    assert "提高拆迁补偿标准" in petition.content
    assert petition.problem_unit == unit(DONGFENG)
    detail = api_client(user("clerk")).get(f"{URL}/{report['id']}").json()
    assert detail["links"] == [{"kind": "petition", "id": petition.pk, "number": petition.number}]
    # twice is a conflict
    again = api_client(user("clerk")).post(
        f"{URL}/{report['id']}/petition", {"name": "张三", "phone": "13800000001", "category": "0503"}
    )
    assert again.status_code == 409


# --- completeness --------------------------------------------------------------------------------


def _past_weeks() -> tuple[date, date]:
    """The two whole weeks before this one (Monday to Sunday): both cut-offs have passed."""
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(weeks=2), monday - timedelta(days=1)


def test_completeness_counts_each_units_reports(api_client):
    # given: 东风村 filed the first week's report on time, the second not at all (and was chased)
    first, last = _past_weeks()
    with simulated_now(datetime.combine(first + timedelta(days=2), time(10), tzinfo=LOCAL_TZ)):
        report_file(actor=user("village-informant"), kind="routine", title="周报", content="平稳")
    second_due = datetime.combine(first + timedelta(days=11), time(16), tzinfo=LOCAL_TZ)
    chase(now=second_due + timedelta(minutes=1))
    # when
    village = api_client(user("village-informant")).get(
        f"{URL}/completeness", **{"from": first.isoformat(), "to": last.isoformat()}
    )
    township = api_client(user("clerk")).get(
        f"{URL}/completeness", unit=unit(TOWNSHIP).pk, **{"from": first.isoformat(), "to": last.isoformat()}
    )
    # then
    assert village.status_code == 200, village.json()
    body = village.json()
    assert body["unit_name"] == "东风村"
    assert body["from"] == first.isoformat()
    assert [r["unit_name"] for r in body["items"]] == ["东风村"]
    row = body["items"][0]
    assert (row["expected"], row["received"], row["on_time"], row["late"], row["missing"]) == (2, 1, 1, 0, 1)
    assert row["chased"] == 1
    assert body["totals"]["expected"] == 2
    assert body["totals"]["chased"] == 1
    rows = {r["unit_name"]: r for r in township.json()["items"]}
    assert rows["东风村"]["on_time"] == 1
    assert rows["红星村"]["missing"] == 2
    assert rows["红星村"]["chased"] == 1
    assert township.json()["items"][0]["unit_name"] == "城关镇"
    totals = township.json()["totals"]
    for key in ("expected", "received", "on_time", "late", "missing", "chased"):
        assert totals[key] == sum(r[key] for r in township.json()["items"])


def test_a_late_report_counts_as_late(api_client):
    first, last = _past_weeks()
    report_file(actor=user("village-informant"), kind="zero", title="零报告", period=first.isoformat())
    body = (
        api_client(user("village-informant"))
        .get(f"{URL}/completeness", **{"from": first.isoformat(), "to": last.isoformat()})
        .json()
    )
    row = body["items"][0]
    assert (row["expected"], row["received"], row["on_time"], row["late"], row["missing"]) == (2, 1, 0, 1, 1)


def test_completeness_defaults_to_the_own_unit_and_the_last_four_weeks(api_client):
    body = api_client(user("village-informant")).get(f"{URL}/completeness").json()
    today = timezone.localdate()
    assert body["unit_name"] == "东风村"
    assert body["to"] == today.isoformat()
    assert date.fromisoformat(body["from"]).weekday() == 0
    assert (today - date.fromisoformat(body["from"])).days < 28


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"from": "2026-03-01", "to": "2026-02-01"}, 422, "结束日期不能早于开始日期。"),
        ({"from": "2024-01-01", "to": "2025-06-30"}, 422, "统计时段不能超过 366 天。"),
        ({"from": "2026-02-30"}, 422, None),
        ({"from": "1800-01-01", "to": "1800-02-01"}, 422, None),
        ({"unit": "0"}, 422, None),
    ],
)
def test_completeness_refuses_bad_ranges_in_chinese(api_client, params, status, message):
    response = api_client(user("clerk")).get(f"{URL}/completeness", **params)
    assert response.status_code == status, response.json()
    if message:
        assert response.json()["message"] == message
    assert not response.json()["message"].isascii()


def test_completeness_of_a_unit_out_of_scope_is_404(api_client):
    response = api_client(user("village-informant")).get(f"{URL}/completeness", unit=unit(TOWNSHIP).pk)
    assert response.status_code == 404
