"""敏感时期: the periods in force at a unit, the cover they require, who may set them, the API
and the page."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from xinfang.audit.details import readable_entries
from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.core.exceptions import NotFound, PermissionDenied, ValidationFailed
from xinfang.deadlines.models import SensitivePeriod
from xinfang.deadlines.sensitive import (
    LEVEL_DEFAULTS,
    NORMAL_RULE,
    CoverSegment,
    LevelRule,
    access_period_by_id,
    cover_segments,
    level_rule,
    level_rule_save,
    period_delete,
    period_save,
    periods_for,
    periods_visible_to,
)

from .conftest import local

pytestmark = pytest.mark.django_db

COUNTY, TOWNSHIP, VILLAGE, OTHER_TOWNSHIP = "341122", "341122101", "341122101201", "341122102"
URL = "/api/v1/sensitive-periods"
PAGE_URL = reverse("deadlines:sensitive")


@pytest.fixture(autouse=True)
def _no_periods(demo):
    """The demo may set periods of its own: these tests start from none."""
    SensitivePeriod.objects.all().delete()


def _period(actor, unit, name, starts_on, ends_on, level, reason="依据上级通知"):  # type: ignore[no-untyped-def]
    return period_save(
        actor=actor, unit=unit, name=name, starts_on=starts_on, ends_on=ends_on, level=level, reason=reason
    )


@pytest.fixture
def two_sessions(county_clerk_user, clerk, unit_by_code):
    """全国两会 set by the county (二级), 本地重大活动 by the township (一级), overlapping 10–12 March."""
    lianghui = _period(
        county_clerk_user, unit_by_code(COUNTY), "全国两会", date(2027, 3, 3), date(2027, 3, 12), 2
    )
    local_event = _period(
        clerk, unit_by_code(TOWNSHIP), "本地重大活动", date(2027, 3, 10), date(2027, 3, 15), 1
    )
    return lianghui, local_event


@pytest.fixture
def sibling_period(county_clerk_user, unit_by_code):
    """Set by 河西乡 for itself: a sibling of 城关镇, not above 东风村."""
    return _period(
        county_clerk_user, unit_by_code(OTHER_TOWNSHIP), "河西乡庙会", date(2027, 3, 1), date(2027, 3, 20), 1
    )


# --- cover_segments ---------------------------------------------------------------------------


def test_cover_segments_across_two_overlapping_periods(two_sessions, unit_by_code):
    # when
    segments = cover_segments(unit_by_code(VILLAGE), local(2027, 3, 2, 8), local(2027, 3, 16, 8))

    # then: cut at each period's midnights; the overlap takes the stricter of both
    assert segments == [
        CoverSegment(local(2027, 3, 2, 8), local(2027, 3, 3), 1, False, ()),
        CoverSegment(local(2027, 3, 3), local(2027, 3, 10), 2, False, ("全国两会",)),
        CoverSegment(local(2027, 3, 10), local(2027, 3, 13), 2, True, ("全国两会", "本地重大活动")),
        CoverSegment(local(2027, 3, 13), local(2027, 3, 16), 2, True, ("本地重大活动",)),
        CoverSegment(local(2027, 3, 16), local(2027, 3, 16, 8), 1, False, ()),
    ]


def test_cover_segments_at_the_midnight_edges(two_sessions, unit_by_code):
    village = unit_by_code(VILLAGE)

    # then: the day before ends at 00:00 of the first day, which is not in force yet
    assert cover_segments(village, local(2027, 3, 2), local(2027, 3, 3)) == [
        CoverSegment(local(2027, 3, 2), local(2027, 3, 3), 1, False, ())
    ]
    # the first minute of the first day is in force
    assert cover_segments(village, local(2027, 3, 3), local(2027, 3, 3, 0, 1)) == [
        CoverSegment(local(2027, 3, 3), local(2027, 3, 3, 0, 1), 2, False, ("全国两会",))
    ]
    # the last day runs to 00:00 after it: 23:59 of 12 March is in force, 00:00 of the 13th not
    assert [
        (s.start, s.end, s.period_names)
        for s in cover_segments(village, local(2027, 3, 12, 23, 59), local(2027, 3, 13, 0, 1))
    ] == [
        (local(2027, 3, 12, 23, 59), local(2027, 3, 13), ("全国两会", "本地重大活动")),
        (local(2027, 3, 13), local(2027, 3, 13, 0, 1), ("本地重大活动",)),
    ]
    assert cover_segments(village, local(2027, 3, 16), local(2027, 3, 17)) == [
        CoverSegment(local(2027, 3, 16), local(2027, 3, 17), 1, False, ())
    ]


def test_cover_segments_read_utc_as_shanghai_midnight(two_sessions, unit_by_code):
    # when: 2 March 16:00 UTC is 3 March 00:00 in Shanghai
    start = datetime(2027, 3, 2, 15, tzinfo=UTC)
    segments = cover_segments(unit_by_code(VILLAGE), start, start + timedelta(hours=2))

    # then
    assert [(s.start, s.end, s.staff) for s in segments] == [
        (local(2027, 3, 2, 23), local(2027, 3, 3), 1),
        (local(2027, 3, 3), local(2027, 3, 3, 1), 2),
    ]


def test_cover_segments_follow_the_level_rules_as_saved(two_sessions, unit_by_code, sysadmin):
    # given: 二级 now wants three on each shift and a leader around the clock
    level_rule_save(actor=sysadmin, level=2, staff_per_shift=3, leader_all_day=True, daily_report=False)

    # when
    segments = cover_segments(unit_by_code(VILLAGE), local(2027, 3, 4), local(2027, 3, 11))

    # then: the overlap takes 3 from 二级 though 一级 is the higher level
    assert [(s.staff, s.leader_all_day, s.period_names) for s in segments] == [
        (3, True, ("全国两会",)),
        (3, True, ("全国两会", "本地重大活动")),
    ]


def test_cover_segments_of_an_empty_or_naive_window(two_sessions, unit_by_code):
    village = unit_by_code(VILLAGE)
    assert cover_segments(village, local(2027, 3, 5), local(2027, 3, 5)) == []
    with pytest.raises(ValueError, match="aware"):
        cover_segments(village, datetime(2027, 3, 5), datetime(2027, 3, 6))


def test_cover_segments_take_at_most_two_queries_for_a_year(
    county_clerk_user, clerk, unit_by_code, django_assert_max_num_queries
):
    # given: a period every fortnight, at the county and the township
    county, township = unit_by_code(COUNTY), unit_by_code(TOWNSHIP)
    for week in range(0, 52, 2):
        first = date(2027, 1, 1) + timedelta(weeks=week)
        _period(county_clerk_user, county, f"县{week}", first, first + timedelta(days=3), 1 + week % 3)
        _period(clerk, township, f"镇{week}", first + timedelta(days=2), first + timedelta(days=8), 3)
    village = unit_by_code(VILLAGE)

    # when
    with django_assert_max_num_queries(2):
        segments = cover_segments(village, local(2027, 1, 1), local(2028, 1, 1))

    # then: consecutive, covering the whole year
    assert segments[0].start == local(2027, 1, 1)
    assert segments[-1].end == local(2028, 1, 1)
    assert all(a.end == b.start for a, b in zip(segments, segments[1:], strict=False))
    with django_assert_max_num_queries(1):  # no period: no rules read
        assert cover_segments(village, local(2029, 1, 1), local(2029, 2, 1)) == [
            CoverSegment(local(2029, 1, 1), local(2029, 2, 1), 1, False, ())
        ]


# --- periods_for, level_rule, scope ------------------------------------------------------------


def test_a_village_sees_its_countys_period_not_a_sibling_townships(
    two_sessions, sibling_period, unit_by_code, django_assert_num_queries
):
    village = unit_by_code(VILLAGE)

    # when
    with django_assert_num_queries(1):
        periods = periods_for(village, date(2027, 3, 1), date(2027, 3, 31))
        names = [period.name for period in periods]

    # then
    assert names == ["全国两会", "本地重大活动"]
    assert [
        p.name for p in periods_for(unit_by_code(OTHER_TOWNSHIP), date(2027, 3, 1), date(2027, 3, 2))
    ] == ["河西乡庙会"]
    assert periods_for(village, date(2027, 3, 16), date(2027, 3, 31)) == []
    assert [p.name for p in periods_for(village, date(2027, 3, 15), date(2027, 3, 15))] == ["本地重大活动"]


def test_level_rules_default_and_saved(sysadmin):
    assert level_rule(1) == LevelRule(level=1, staff_per_shift=2, leader_all_day=True, daily_report=True)
    assert level_rule(2) == LevelRule(level=2, staff_per_shift=2, leader_all_day=False, daily_report=True)
    assert level_rule(3) == LevelRule(level=3, staff_per_shift=1, leader_all_day=False, daily_report=True)
    assert level_rule(0) == NORMAL_RULE == LevelRule(0, 1, False, False)
    with pytest.raises(ValueError, match="unknown"):
        level_rule(4)

    # when
    saved = level_rule_save(
        actor=sysadmin, level=3, staff_per_shift=4, leader_all_day=False, daily_report=False
    )

    # then
    assert saved == level_rule(3) == LevelRule(3, 4, False, False)
    assert level_rule(1) == LEVEL_DEFAULTS[1]


def test_visible_periods_are_in_scope_or_above(
    two_sessions, sibling_period, village_handler, clerk, county_leader
):
    assert {p.name for p in periods_visible_to(village_handler)} == {"全国两会", "本地重大活动"}
    assert {p.name for p in periods_visible_to(clerk)} == {"全国两会", "本地重大活动"}
    assert {p.name for p in periods_visible_to(county_leader)} == {"全国两会", "本地重大活动", "河西乡庙会"}
    with pytest.raises(NotFound):
        access_period_by_id(clerk, sibling_period.pk)
    with pytest.raises(NotFound):
        access_period_by_id(clerk, 999_999)


def test_a_clerk_cannot_change_what_the_county_set(two_sessions, clerk, unit_by_code):
    lianghui, _ = two_sessions
    with pytest.raises(PermissionDenied, match="青山县设定"):
        period_delete(actor=clerk, period=lianghui)
    with pytest.raises(PermissionDenied):
        period_save(
            actor=clerk, unit=unit_by_code(TOWNSHIP), name="全国两会", starts_on=lianghui.starts_on,
            ends_on=lianghui.ends_on, level=1, reason="改为一级", period=lianghui,
        )  # fmt: skip


def test_the_service_refuses_each_field_in_chinese(clerk, unit_by_code):
    with pytest.raises(ValidationFailed) as refused:
        period_save(
            actor=clerk, unit=unit_by_code(TOWNSHIP), name=" ", starts_on=date(2027, 3, 5),
            ends_on=date(2027, 3, 4), level=0, reason="",
        )  # fmt: skip
    assert refused.value.message == "敏感时期填写有误，请修改后再提交。"
    assert refused.value.extra == {
        "name": "请填写敏感时期名称。",
        "ends_on": "结束日期不能早于开始日期。",
        "level": "等级须为一级、二级或三级。",
        "reason": "请填写事由（至少 2 个字），例如依据的上级通知。",
    }


# --- audit ------------------------------------------------------------------------------------


def test_changes_are_audited_and_read_in_chinese(clerk, sysadmin, unit_by_code):
    mark = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0

    # when
    period = _period(clerk, unit_by_code(TOWNSHIP), "国庆节", date(2027, 10, 1), date(2027, 10, 7), 2)
    period_save(
        actor=clerk, unit=unit_by_code(TOWNSHIP), name="国庆节", starts_on=date(2027, 9, 30),
        ends_on=date(2027, 10, 7), level=1, reason="依据上级通知", period=period,
    )  # fmt: skip
    period_save(  # the same values again: nothing written
        actor=clerk, unit=unit_by_code(TOWNSHIP), name="国庆节", starts_on=date(2027, 9, 30),
        ends_on=date(2027, 10, 7), level=1, reason="依据上级通知", period=period,
    )  # fmt: skip
    period_delete(actor=clerk, period=period)
    level_rule_save(actor=sysadmin, level=1, staff_per_shift=3, leader_all_day=True, daily_report=True)

    # then
    entries = list(AuditEntry.objects.filter(event=AuditEvent.CALENDAR_CHANGED, id__gt=mark).order_by("id"))
    assert [e.extra_data["action"] for e in entries] == [
        "create_period",
        "change_period",
        "delete_period",
        "save_level_rule",
    ]
    texts = [entry.text for entry in readable_entries(entries)]
    assert texts[0].startswith("操作：新增敏感时期；")
    assert "名称：国庆节" in texts[0]
    assert "等级：二级" in texts[0]
    assert "设定单位：城关镇" in texts[0]
    assert "开始日期：2027-10-01 → 2027-09-30" in texts[1]
    assert "等级：二级 → 一级（最高）" in texts[1]
    assert texts[2].startswith("操作：删除敏感时期；")
    assert "名称：国庆节 → （删除）" in texts[2]
    assert texts[3] == "操作：修改敏感时期值守要求；每班在岗人数：2 → 3；等级：一级（最高）"
    assert readable_entries(entries)[0].target == "敏感时期 城关镇 国庆节 2027-10-01至2027-10-07"


# --- API --------------------------------------------------------------------------------------


def _body(**overrides):  # type: ignore[no-untyped-def]
    body = {
        "name": "全国两会",
        "starts_on": "2027-03-03",
        "ends_on": "2027-03-12",
        "level": 2,
        "reason": "依据县委通知",
    }
    return {**body, **overrides}


def test_api_creates_reads_updates_and_deletes(api_client, clerk, unit_by_code):
    client = api_client(clerk)

    # when
    created = client.post(URL, _body())

    # then: the clerk's own unit by default
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["unit_name"] == "城关镇"
    assert body["level_label"] == "二级"
    assert body["days"] == 10
    assert body["can_change"] is True
    period_id = body["id"]
    assert client.get(f"{URL}/{period_id}").json()["name"] == "全国两会"

    # when: moved to a village and raised
    updated = client.put(f"{URL}/{period_id}", _body(level=1, unit=unit_by_code(VILLAGE).pk))
    assert updated.status_code == 200, updated.json()
    assert updated.json()["unit_name"] == "东风村"
    assert updated.json()["level"] == 1

    # when
    deleted = client.delete(f"{URL}/{period_id}")
    assert deleted.status_code == 204
    assert client.get(f"{URL}/{period_id}").status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": ""}, "name", "请填写敏感时期名称。"),
        ({"name": "两" * 61}, "name", "名称不能超过 60 个字。"),
        ({"ends_on": "2027-03-02"}, "ends_on", "结束日期不能早于开始日期。"),
        ({"ends_on": "2028-03-03"}, "ends_on", "一个敏感时期最长 366 天，更长的请分段设置。"),
        ({"level": 4}, "level", "等级须为一级、二级或三级。"),
        ({"reason": "无"}, "reason", "请填写事由（至少 2 个字），例如依据的上级通知。"),
        ({"reason": "由" * 501}, "reason", "事由不能超过 500 个字。"),
        ({"starts_on": "三月三日"}, "starts_on", "日期格式应为 YYYY-MM-DD。"),
    ],
)
def test_api_refuses_bad_fields_with_422_in_chinese(api_client, clerk, overrides, field, message):
    # when
    response = api_client(clerk).post(URL, _body(**overrides))

    # then
    assert response.status_code == 422
    assert response.json()["errors"][field] == message
    assert not SensitivePeriod.objects.exists()


def test_a_leap_year_period_of_366_days_is_allowed(api_client, clerk):
    response = api_client(clerk).post(URL, _body(starts_on="2028-01-01", ends_on="2028-12-31"))
    assert response.status_code == 201
    assert response.json()["days"] == 366


def test_api_refuses_without_the_capability_and_out_of_scope(
    api_client, village_handler, sysadmin, clerk, unit_by_code, sibling_period
):
    # a handler reads but may not set; the system administrator sets levels, not periods
    assert api_client(village_handler).post(URL, _body()).status_code == 403
    assert api_client(sysadmin).post(URL, _body()).status_code == 403

    # a unit outside the clerk's township is as good as missing
    response = api_client(clerk).post(URL, _body(unit=unit_by_code(OTHER_TOWNSHIP).pk))
    assert response.status_code == 404
    assert response.json()["message"] == "单位不存在或不在您的管辖范围内。"
    assert api_client(clerk).post(URL, _body(unit=999_999)).status_code == 404
    assert api_client(clerk).get(f"{URL}/{sibling_period.pk}").status_code == 404
    assert api_client(clerk).put(f"{URL}/{sibling_period.pk}", _body()).status_code == 404
    assert api_client(clerk).delete(f"{URL}/{sibling_period.pk}").status_code == 404
    assert api_client(clerk).get(URL, unit=unit_by_code(OTHER_TOWNSHIP).pk).status_code == 404
    denied = AuditEntry.objects.filter(
        event=AuditEvent.ACCESS_DENIED, target_type="deadlines.sensitiveperiod"
    )
    assert denied.count() == 3


def test_api_refuses_a_change_to_a_period_set_above(api_client, clerk, two_sessions):
    lianghui, _ = two_sessions
    assert api_client(clerk).get(f"{URL}/{lianghui.pk}").json()["can_change"] is False
    response = api_client(clerk).put(f"{URL}/{lianghui.pk}", _body(level=1))
    assert response.status_code == 403
    assert response.json()["message"] == "该敏感时期由青山县设定，只能由该单位或其上级修改。"
    assert api_client(clerk).delete(f"{URL}/{lianghui.pk}").status_code == 403


def test_api_lists_in_scope_by_dates_and_unit_paginated(
    api_client, village_handler, county_leader, two_sessions, sibling_period, unit_by_code, clerk
):
    # everyone signed in reads what is in force for them
    body = api_client(village_handler).get(URL).json()
    assert body["count"] == 2
    assert [i["name"] for i in body["items"]] == ["全国两会", "本地重大活动"]

    # from / to: periods touching the window
    body = api_client(county_leader).get(URL, **{"from": "2027-03-13", "to": "2027-03-31"}).json()
    assert [i["name"] for i in body["items"]] == ["河西乡庙会", "本地重大活动"]

    # unit: periods in force at that unit (set by it or above it)
    body = api_client(county_leader).get(URL, unit=unit_by_code(OTHER_TOWNSHIP).pk).json()
    assert [i["name"] for i in body["items"]] == ["河西乡庙会", "全国两会"]

    # pages
    body = api_client(county_leader).get(URL, page=2, page_size=2).json()
    assert (body["count"], body["page"], body["page_size"], len(body["items"])) == (3, 2, 2, 1)

    response = api_client(clerk).get(URL, **{"from": "2027-03-13", "to": "2027-03-01"})
    assert response.status_code == 422
    assert response.json()["errors"] == {"to": "结束日期不能早于开始日期。"}


def test_api_levels_read_by_all_and_changed_by_the_system_administrator(api_client, clerk, sysadmin):
    levels = api_client(clerk).get(f"{URL}/levels").json()
    assert [
        (lv["level"], lv["staff_per_shift"], lv["leader_all_day"], lv["daily_report"]) for lv in levels
    ] == [
        (1, 2, True, True),
        (2, 2, False, True),
        (3, 1, False, True),
    ]
    assert all(lv["is_default"] for lv in levels)

    change = {"staff_per_shift": 3, "leader_all_day": True, "daily_report": True}
    assert api_client(clerk).put(f"{URL}/levels/2", change).status_code == 403
    response = api_client(sysadmin).put(f"{URL}/levels/2", change)
    assert response.status_code == 200
    assert response.json()["staff_per_shift"] == 3
    assert response.json()["is_default"] is False
    assert response.json()["updated_by"] == "系统管理员"

    refused = api_client(sysadmin).put(f"{URL}/levels/2", {**change, "staff_per_shift": 21})
    assert refused.status_code == 422
    assert refused.json()["errors"] == {"staff_per_shift": "每班在岗人数须为 1 至 20 之间的整数。"}
    assert api_client(sysadmin).put(f"{URL}/levels/5", change).status_code == 422


# --- the page ---------------------------------------------------------------------------------


def test_page_lists_and_saves_for_a_clerk(client, clerk, two_sessions, unit_by_code):
    client.force_login(clerk)

    # when
    page = client.get(PAGE_URL, {"year": 2027})

    # then
    assert page.status_code == 200
    text = page.content.decode()
    assert "全国两会" in text
    assert "本地重大活动" in text
    assert "新增敏感时期" in text
    assert "一级（最高）" in text
    assert "上级设定" in text
    assert 'for="id_name"' in text
    assert "<script" not in text.split("</main>")[0].split("<main")[-1]

    # when: a period to come
    next_year = timezone.localdate().year + 1
    response = client.post(
        reverse("deadlines:sensitive_save"),
        {
            "year": "",
            "unit": unit_by_code(VILLAGE).pk,
            "name": "七一",
            "starts_on": f"{next_year}-06-28",
            "ends_on": f"{next_year}-07-02",
            "level": 3,
            "reason": "建党纪念日前后",
        },
    )

    # then: back to the periods in force or to come, which list it
    assert response.status_code == 302
    assert response["Location"] == PAGE_URL
    saved = SensitivePeriod.objects.get(name="七一")
    assert (saved.unit.name, saved.level, saved.created_by) == ("东风村", 3, clerk)
    upcoming = client.get(PAGE_URL).content.decode()
    assert "进行中及将要开始的敏感时期" in upcoming
    assert "七一" in upcoming

    # when: a past one goes back to its year
    past = client.post(
        reverse("deadlines:sensitive_save"),
        {
            "unit": unit_by_code(TOWNSHIP).pk,
            "name": "国庆节",
            "starts_on": "2020-10-01",
            "ends_on": "2020-10-08",
            "level": 2,
            "reason": "补录往年记录",
        },
    )
    assert past["Location"] == f"{PAGE_URL}?year=2020"
    assert "补录往年记录" not in client.get(PAGE_URL).content.decode()

    # when: the edit link fills the form, the delete button removes it
    edit = client.get(PAGE_URL, {"year": 2027, "edit": saved.pk})
    assert "修改敏感时期" in edit.content.decode()
    assert "建党纪念日前后" in edit.content.decode()
    deleted = client.post(reverse("deadlines:sensitive_delete"), {"year": 2027, "period": saved.pk})
    assert deleted.status_code == 302
    assert not SensitivePeriod.objects.filter(pk=saved.pk).exists()


def test_page_shows_the_services_refusal_on_the_field(client, clerk, unit_by_code):
    client.force_login(clerk)

    # when
    response = client.post(
        reverse("deadlines:sensitive_save"),
        {
            "unit": unit_by_code(TOWNSHIP).pk,
            "name": "春节长假",
            "starts_on": "2027-02-10",
            "ends_on": "2027-02-01",
            "level": 1,
            "reason": "春节前后",
        },
    )

    # then
    assert response.status_code == 200
    assert "结束日期不能早于开始日期。" in response.content.decode()
    assert not SensitivePeriod.objects.exists()


def test_page_is_read_only_without_the_capability(client, village_handler, two_sessions):
    client.force_login(village_handler)
    assert f'href="{PAGE_URL}">敏感时期</a>' in client.get(reverse("deadlines:calculator")).content.decode()
    text = client.get(PAGE_URL, {"year": 2027}).content.decode()
    assert "全国两会" in text
    assert "新增敏感时期" not in text
    saved = client.post(reverse("deadlines:sensitive_save"), {"name": "x"})
    assert saved.status_code == 403


def test_page_saves_a_level_rule_for_the_system_administrator(client, sysadmin):
    client.force_login(sysadmin)
    # reached from the calendar pages' own links
    assert f'href="{PAGE_URL}">敏感时期</a>' in client.get(reverse("deadlines:rules")).content.decode()

    # when
    response = client.post(
        reverse("deadlines:sensitive_level_save"),
        {"level": 3, "level3-level": 3, "level3-staff_per_shift": 2, "level3-daily_report": "on"},
    )

    # then
    assert response.status_code == 302
    assert level_rule(3) == LevelRule(3, 2, False, True)

    # and a bad number stays on the page
    refused = client.post(
        reverse("deadlines:sensitive_level_save"),
        {"level": 1, "level1-level": 1, "level1-staff_per_shift": 0},
    )
    assert refused.status_code == 200
    assert "每班在岗人数须为 1 至 20 之间的整数。" in refused.content.decode()
