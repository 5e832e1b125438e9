"""The 矛盾排查 pages: the unit's rounds owed and the list in scope (paginated in the database),
filing a round with a dispute row (and adding a row without JavaScript), a refused row shown at
its place, a round's page with its found and carried disputes, amending it, the completeness grid
and its workbook (audited), special screenings, the schedule settings (audited), and 404
outside the scope."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.utils import timezone

from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.screenings.models import ScreeningRound, ScreeningSchedule, SpecialScreening

from .helpers import (
    DONGFENG,
    FOUND,
    HEXI_VILLAGE,
    HONGXING,
    TOWNSHIP,
    a_past_monday,
    at,
    file_at,
    person,
    unit,
    user,
)

pytestmark = pytest.mark.usefixtures("demo")


def _login(client, who):  # type: ignore[no-untyped-def]
    client.force_login(who)
    return client


def test_the_home_page_lists_what_the_unit_owes_and_the_rounds_in_scope(client) -> None:
    monday = a_past_monday()
    officer = person(DONGFENG)
    filed = file_at(at(monday + timedelta(days=3), 10), officer, period=monday)
    other = file_at(at(monday + timedelta(days=3), 11), person(HONGXING), period=monday)
    # the village officer: its weeks (one filed, the others missing or due), its own round only
    page = _login(client, officer).get("/screenings/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="owed"' in html
    assert "已报送" in html
    assert "未报送（已过截止时间）" in html
    assert f"/screenings/{filed.pk}/" in html
    assert f"/screenings/{other.pk}/" not in html
    assert "/screenings/new/?kind=regular&amp;period=" in html
    # the township's office sees both villages' rounds
    html = _login(client, user("clerk")).get("/screenings/").content.decode()
    assert f"/screenings/{filed.pk}/" in html
    assert f"/screenings/{other.pk}/" in html


def test_the_list_is_paginated_in_the_database(client, django_assert_max_num_queries) -> None:
    monday = a_past_monday(weeks=30)
    officer = person(DONGFENG)
    for week in range(25):
        day = monday + timedelta(weeks=week)
        file_at(at(day + timedelta(days=1), 10), officer, period=day)
    clerk = _login(client, user("clerk"))
    first = clerk.get("/screenings/").content.decode()
    assert first.count('data-testid="round-row"') == 20
    assert "第 1 / 2 页，共 25 条" in first
    second = clerk.get("/screenings/?page=2").content.decode()
    assert second.count('data-testid="round-row"') == 5


def test_filing_a_round_with_a_dispute_through_the_page_and_adding_a_row(client) -> None:
    from xinfang.disputes.models import Dispute

    officer = person(DONGFENG)
    browser = _login(client, officer)
    today = timezone.localdate()
    form = browser.get(f"/screenings/new/?kind=regular&period={today.isoformat()}")
    assert form.status_code == 200
    assert 'data-testid="found-row"' in form.content.decode()
    base = {
        "kind": "regular",
        "period": today.isoformat(),
        "rows": "1",
        "screened_by": "网格员李某",
        "screened_at": f"{timezone.localtime():%Y-%m-%dT%H:%M}",
        "found-0-kind": FOUND["kind"],
        "found-0-place": FOUND["place"],
        "found-0-facts": FOUND["facts"],
        "found-0-demands": FOUND["demands"],
        "found-0-party_name": "张三",
        "found-0-people": "2",
        "found-0-procedure": "simple",
    }
    # 增加一行: the form again with what was typed and a second row, nothing filed
    more = browser.post("/screenings/new/", {**base, "more": "1"})
    assert more.status_code == 200
    assert more.content.decode().count('data-testid="found-row"') == 2
    assert FOUND["facts"] in more.content.decode()
    assert not ScreeningRound.objects.exists()
    # a second row typed without facts: refused at its row, nothing written
    bad = {
        **base,
        "rows": "2",
        "found-1-kind": "neighbour",
        "found-1-place": "红星组",
        "found-1-party_name": "王五",
    }
    refused = browser.post("/screenings/new/", bad)
    assert refused.status_code == 422
    html = refused.content.decode()
    assert 'data-testid="error-found-1-facts"' in html
    assert FOUND["facts"] in html  # what was typed stays
    assert not ScreeningRound.objects.exists()
    # filed
    done = browser.post("/screenings/new/", base)
    round_ = ScreeningRound.objects.get()
    assert done.status_code == 302
    assert done["Location"] == f"/screenings/{round_.pk}/"
    dispute = Dispute.objects.get(source_id=round_.pk)
    assert dispute.procedure == "simple"
    page = browser.get(f"/screenings/{round_.pk}/").content.decode()
    assert f"/disputes/{dispute.pk}/" in page
    assert 'data-testid="item-found"' in page
    # the form of a round already filed goes to it
    again = browser.get(f"/screenings/new/?kind=regular&period={today.isoformat()}")
    assert again.status_code == 302
    assert again["Location"] == f"/screenings/{round_.pk}/"


def test_a_round_page_shows_the_carried_disputes_and_amends(client) -> None:
    monday = a_past_monday(weeks=2)
    officer = person(DONGFENG)
    file_at(at(monday + timedelta(days=3), 10), officer, period=monday, found=[FOUND])
    second = file_at(at(monday + timedelta(days=10), 10), officer, period=monday + timedelta(days=7))
    browser = _login(client, officer)
    html = browser.get(f"/screenings/{second.pk}/").content.decode()
    assert 'data-testid="item-carried"' in html
    assert "待调解" in html
    assert 'data-testid="amend-form"' in html
    refused = browser.post(f"/screenings/{second.pk}/amend/", {"summary": "补充"})
    assert refused.status_code == 422
    assert 'data-testid="error-amend-note"' in refused.content.decode()
    done = browser.post(
        f"/screenings/{second.pk}/amend/", {"summary": "补充：已走访全部村民小组。", "note": "补充排查情况"}
    )
    assert done.status_code == 302
    second.refresh_from_db()
    assert second.summary == "补充：已走访全部村民小组。"
    # the township's office reads it, without the amend form
    html = _login(client, user("clerk")).get(f"/screenings/{second.pk}/").content.decode()
    assert 'data-testid="amend-form"' not in html


def test_a_round_outside_the_scope_is_404(client) -> None:
    round_ = file_at(timezone.now(), person(DONGFENG))
    assert _login(client, person(HONGXING)).get(f"/screenings/{round_.pk}/").status_code == 404
    assert _login(client, person(HEXI_VILLAGE)).get(f"/screenings/{round_.pk}/").status_code == 404


def test_the_completeness_grid_and_its_workbook(client) -> None:
    from openpyxl import load_workbook

    monday = a_past_monday()
    file_at(at(monday + timedelta(days=3), 10), person(DONGFENG), period=monday)
    browser = _login(client, user("clerk"))
    query = (
        f"unit={unit(TOWNSHIP).pk}&from={monday.isoformat()}&to={(monday + timedelta(days=6)).isoformat()}"
    )
    page = browser.get(f"/screenings/completeness/?{query}")
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('data-testid="grid-row"') == 7  # the township and the six units below it
    assert 'data-testid="cell-on_time"' in html
    assert 'data-testid="cell-missing"' in html
    export = browser.get(f"/screenings/completeness/export.xlsx?{query}")
    assert export.status_code == 200
    sheet = load_workbook(BytesIO(export.content)).active
    assert sheet["A2"].value == "单位"
    names = [sheet.cell(row=r, column=1).value for r in range(3, sheet.max_row + 1)]
    assert names[-1] == "合计"
    assert any(str(n).strip("\u3000") == "东风村" for n in names)
    entry = AuditEntry.objects.get(event=AuditEvent.EXPORT)
    assert entry.extra_data["kind"] == "screenings_completeness_xlsx"
    # a bad range is refused in Chinese
    bad = browser.get(f"/screenings/completeness/?unit={unit(TOWNSHIP).pk}&from=2026-05-01&to=2026-04-01")
    assert bad.status_code == 422
    assert "结束日期不能早于开始日期。" in bad.content.decode()
    # a unit outside the scope is 404
    outside = _login(client, person(DONGFENG)).get(f"/screenings/completeness/?unit={unit(HONGXING).pk}")
    assert outside.status_code == 404


def test_the_office_opens_a_special_screening_on_its_page(client) -> None:
    clerk = _login(client, user("clerk"))
    today = timezone.localdate()
    assert 'data-testid="special-form"' in clerk.get("/screenings/special/").content.decode()
    refused = clerk.post(
        "/screenings/special/", {"field": "land", "title": "", "starts_on": today.isoformat(), "ends_on": ""}
    )
    assert refused.status_code == 422
    assert "请填写名称。" in refused.content.decode()
    done = clerk.post(
        "/screenings/special/",
        {
            "field": "labour",
            "title": "工业园区欠薪矛盾专项排查",
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=5)).isoformat(),
            "all_below": "0",
            "units": [str(unit(DONGFENG).pk)],
        },
    )
    special = SpecialScreening.objects.get()
    assert done.status_code == 302
    assert special.target_count == 1
    html = _login(client, person(DONGFENG)).get(f"/screenings/special/{special.pk}/").content.decode()
    assert 'data-testid="file-link"' in html
    assert "待报送" in html
    # the village officer reads the list and may not open one
    officer = _login(client, person(DONGFENG))
    assert 'data-testid="special-form"' not in officer.get("/screenings/special/").content.decode()
    assert officer.post("/screenings/special/", {"field": "land"}).status_code == 403
    # a village of another township does not see it
    assert _login(client, person(HEXI_VILLAGE)).get(f"/screenings/special/{special.pk}/").status_code == 404


def test_the_schedule_page_saves_a_row_and_audits_it(client, sysadmin) -> None:
    admin = _login(client, sysadmin)
    page = admin.get("/screenings/schedule/")
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="schedule-row"') == 13 * 3
    saved = admin.post(
        "/screenings/schedule/",
        {
            "unit_type": "village",
            "kind": "regular",
            "active": "on",
            "cadence": "monthly",
            "day": "20",
            "weekday": "5",
            "due_time": "17:00",
        },
    )
    assert saved.status_code == 302
    row = ScreeningSchedule.objects.get()
    assert (row.cadence, row.day, f"{row.due_time:%H:%M}") == ("monthly", 20, "17:00")
    changed = AuditEntry.objects.filter(
        event=AuditEvent.DEADLINE_RULE_CHANGED, target_type="screenings.screeningschedule"
    )
    assert changed.count() == 1
    refused = admin.post(
        "/screenings/schedule/", {"unit_type": "village", "kind": "key", "due_time": "25:00"}
    )
    assert refused.status_code == 422
    assert "时刻格式应为 HH:MM" in refused.content.decode()
    # a clerk may not
    assert _login(client, user("clerk")).get("/screenings/schedule/").status_code == 403


def test_the_filing_form_of_a_quarterly_and_of_a_key_round(client) -> None:
    from xinfang.deadlines.sensitive import period_save

    today = timezone.localdate()
    mediator = _login(client, user("mediator"))
    quarterly = mediator.get(f"/screenings/new/?kind=quarterly&period={today.isoformat()}")
    html = quarterly.content.decode()
    assert quarterly.status_code == 200
    assert 'name="disorder"' in html
    assert 'name="hazards"' in html
    assert "季度" in html
    period = period_save(
        actor=user("clerk"),
        unit=user("clerk").unit,
        name="本地重大活动",
        starts_on=today,
        ends_on=today + timedelta(days=2),
        level=2,
        reason="依据县委通知",
    )
    officer = _login(client, person(DONGFENG))
    key = officer.get(f"/screenings/new/?kind=key&sensitive={period.pk}")
    assert key.status_code == 200
    assert "本地重大活动" in key.content.decode()
    assert 'name="disorder"' not in key.content.decode()
    # the home page offers it
    assert f"sensitive={period.pk}" in officer.get("/screenings/").content.decode()
    # a kind the unit does not owe goes back to the list with the reason
    refused = officer.get("/screenings/new/?kind=quarterly", follow=True)
    assert "本单位类型没有季度三个排查" in refused.content.decode()
