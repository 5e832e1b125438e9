"""The incident pages (突发事件): the board (red when a report is overdue, refreshed by htmx), the
register form (from an information report; refusals keep what was typed), an incident's page with
its steps, reports and documents, evidence with an audited download, the plans, the levels' rules,
and the pages' pinned query counts."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.incidents.machine import incident_transition
from xinfang.incidents.models import ContingencyPlan, Evidence, Incident, LevelRule
from xinfang.incidents.services import incident_register, plan_save
from xinfang.inforeports.services import report_file
from xinfang.organisation.models import Unit

pytestmark = pytest.mark.usefixtures("demo")

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
VILLAGE, VILLAGE2 = "341122101201", "341122101202"  # 东风村, 红星村 (城关镇)
REPORT = {"situation": "约40人聚集", "measures": "镇领导现场劝返", "impact": "秩序平稳"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "files"


def user(username: str) -> User:
    return User.objects.select_related("unit").get(username=username)


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


def registered(username: str = "clerk", minutes_ago: int = 10, **over: Any) -> Incident:
    now = timezone.now()
    fields: dict[str, Any] = {
        "title": "东风村村民聚集",
        "kind": "gathering",
        "learned_at": now - timedelta(minutes=minutes_ago),
        "occurred_at": now - timedelta(minutes=minutes_ago + 10),
        "place": "镇政府门口",
        "headcount": 40,
        "demands": "征地补偿款发放",
        "gathered_unit": unit(VILLAGE).pk,
    }
    fields.update(over)
    return incident_register(actor=user(username), **fields)


def act(incident: Incident, action: str, username: str, **fields: Any) -> Incident:
    return incident_transition(incident=incident, action=action, actor=user(username), **fields)


def page(client, username: str, url: str):  # type: ignore[no-untyped-def]
    client.force_login(user(username))
    return client.get(url)


def local(minutes_ago: int) -> str:
    return f"{timezone.localtime(timezone.now() - timedelta(minutes=minutes_ago)):%Y-%m-%dT%H:%M}"


# --- the board ------------------------------------------------------------------------------------


def test_the_board_shows_an_overdue_first_report_in_red(client):
    # given: one learned 70 minutes ago (首报 overdue), one just now
    late = registered(minutes_ago=70, title="东风村村民聚集")
    registered(minutes_ago=5, title="红星村讨薪", kind="wages", headcount=12)
    # when
    html = page(client, "clerk", "/incidents/").content.decode()
    # then: the overdue one on top, red, with the minutes past
    rows = html.split('data-testid="board-row"')[1:]
    assert len(rows) == 2
    assert "东风村村民聚集" in rows[0]
    assert "红星村讨薪" in rows[1]
    assert rows[0].startswith(' class="table-danger"')
    assert not rows[1].startswith(' class="table-danger"')
    assert re.search(r"已逾期 (9|10|11) 分钟", rows[0])
    assert "剩余" in rows[1]
    assert "已逾期" not in rows[1]
    assert "首报" in rows[0]
    assert "Ⅲ级" in rows[0]
    assert "Ⅳ级" in rows[1]
    assert "未到场" in rows[0]
    assert "登记突发事件" in html
    assert "已结束事件" in html
    assert "应急预案" in html
    assert 'hx-trigger="every 30s"' in html
    assert late.number in html


def test_the_board_refreshes_as_a_fragment_and_shows_the_arrival(client):
    incident = registered()
    act(incident, "arrive", "village-principal")
    fragment = page(client, "leader", "/incidents/board/").content.decode()
    assert 'id="incident-board"' in fragment
    assert "<html" not in fragment
    assert "到场 " in fragment


def test_the_board_takes_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for i in range(8):
        registered(minutes_ago=10 + i, title=f"事件{i}")
    client.force_login(user("clerk"))
    # the session, the user, the security policy, the roles, the unit, the inbox count and the
    # session's save: one query for the board itself, whatever the number of incidents
    with django_assert_max_num_queries(10):
        response = client.get("/incidents/")
    assert response.content.decode().count('data-testid="board-row"') == 8
    with django_assert_max_num_queries(9):
        client.get("/incidents/board/")


def test_an_informant_sees_the_register_button_and_a_handler_does_not(client):
    assert "登记突发事件" in page(client, "village-informant", "/incidents/").content.decode()
    client.logout()
    handler = page(client, "handler", "/incidents/").content.decode()
    assert 'data-testid="register"' not in handler
    assert client.get("/incidents/new/").status_code == 403


def test_the_closed_list_pages(client):
    incident = registered()
    Incident.objects.filter(pk=incident.pk).update(status="closed", closed_at=timezone.now())
    html = page(client, "clerk", "/incidents/closed/").content.decode()
    assert html.count('data-testid="closed-row"') == 1
    assert 'data-testid="board-row"' not in page(client, "clerk", "/incidents/").content.decode()


# --- registering ----------------------------------------------------------------------------------


def test_registering_from_the_form_goes_to_the_incident(client):
    client.force_login(user("clerk"))
    form = client.get("/incidents/new/").content.decode()
    assert 'name="learned_at"' in form
    assert 'name="unit"' in form
    assert 'name="involved_units"' in form
    response = client.post(
        "/incidents/new/",
        {
            "unit": unit("341122101").pk,
            "title": "东风村村民聚集",
            "kind": "gathering",
            "learned_at": local(15),
            "occurred_at": local(30),
            "place": "镇政府门口",
            "headcount": "120",
            "demands": "征地补偿",
            "gathered_unit": unit(VILLAGE).pk,
            "involved_units": [str(unit(VILLAGE).pk), str(unit(VILLAGE2).pk)],
        },
    )
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/incidents/{incident.pk}/"
    assert incident.level == 2  # 120 people: Ⅱ级
    assert set(incident.involved_units.values_list("name", flat=True)) == {"东风村", "红星村"}


def test_a_refused_registration_keeps_what_was_typed_and_says_why_once(client):
    client.force_login(user("clerk"))
    response = client.post(
        "/incidents/new/",
        {
            "unit": unit("341122101").pk,
            "title": "东风村村民聚集",
            "kind": "gathering",
            "learned_at": local(30),
            "occurred_at": local(5),  # after it was learned
            "place": "镇政府门口",
            "headcount": "40",
            "demands": "征地补偿",
        },
    )
    html = response.content.decode()
    assert response.status_code == 422
    assert html.count("发生时间不能晚于获知时间。") == 2  # the message above, the field's under it
    assert 'data-testid="error-register-occurred_at"' in html
    assert 'value="东风村村民聚集"' in html
    assert "征地补偿" in html
    assert not Incident.objects.exists()
    zero = client.post("/incidents/new/", {"title": "x", "kind": "gathering", "headcount": "0"})
    assert zero.status_code == 422
    assert "不能小于 1" in zero.content.decode()


def test_an_information_report_prefills_the_form_and_is_linked(client):
    informant = user("village-informant")
    sign = report_file(
        actor=informant,
        kind="early_sign",
        title="东风村村民拟集体上访",
        content="约30人拟到镇政府上访",
        subjects="村民",
        demands="征地补偿款发放",
        headcount=30,
        place="镇政府",
        expected_at=timezone.now() - timedelta(minutes=20),
        risk="high",
    )
    client.force_login(user("clerk"))
    html = client.get(f"/incidents/new/?sign={sign.pk}").content.decode()
    assert 'value="东风村村民拟集体上访"' in html
    assert 'value="30"' in html
    assert 'value="镇政府"' in html
    assert f'name="sign" value="{sign.pk}"' in html
    response = client.post(
        "/incidents/new/",
        {
            "sign": sign.pk,
            "unit": unit("341122101").pk,
            "title": "东风村村民拟集体上访",
            "kind": "gathering",
            "learned_at": local(10),
            "occurred_at": local(20),
            "place": "镇政府",
            "headcount": "30",
            "demands": "征地补偿款发放",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Incident.objects.get().sign_id == sign.pk
    # a report that does not exist or lies outside scope: 404; a role that does not register: 403
    assert client.get("/incidents/new/?sign=999999").status_code == 404
    client.force_login(user("village2-handler"))
    assert client.get(f"/incidents/new/?sign={sign.pk}").status_code == 403


# --- an incident's page ---------------------------------------------------------------------------


def test_the_incident_page_shows_the_line_the_clock_and_the_steps(client):
    incident = registered(minutes_ago=70)
    act(incident, "set_line", "leader", text="政府高度重视，已成立工作组，依法依规处理。")
    html = page(client, "clerk", f"/incidents/{incident.pk}/").content.decode()
    assert "统一答复口径" in html
    assert "政府高度重视" in html
    assert re.search(r"已逾期 (9|10|11) 分钟", html)
    for text in (
        "接报",
        "启动预案",
        "现场处置",
        "善后",
        "责任追究",
        "已结束",
        "镇政府门口",
        "征地补偿款发放",
    ):
        assert text in html
    assert 'data-testid="form-report"' in html
    assert 'data-testid="form-instruct"' not in html  # a clerk does not instruct
    assert 'data-testid="evidence-form"' in html
    # anyone who sees it reads the line, a village user without steps too
    client.logout()
    village = page(client, "village-handler", f"/incidents/{incident.pk}/").content.decode()
    assert "政府高度重视" in village
    assert 'data-testid="form-report"' not in village


def test_the_incident_page_takes_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    incident = registered()
    plan = plan_save(
        actor=user("leader"),
        unit=None,
        name="聚集处置",
        kinds=[],
        tasks=[{"title": "劝返", "role": "leader"}],
    )
    act(incident, "report", "clerk", kind="first", **REPORT)
    act(incident, "activate_plan", "leader", plan=plan.pk)
    act(incident, "instruct", "leader", text="立即劝返", units=[unit(VILLAGE).pk])
    act(incident, "report", "clerk", kind="follow_up", **REPORT)
    client.force_login(user("leader"))
    # 7 for the session, the user and the bar; 9 for the incident's rows; the rest for the steps
    # the leader may take (the guards of 报告 and 完成预案任务 read the reports and tasks) and their
    # option lists: the same for 1 report or 20
    with django_assert_max_num_queries(26):
        response = client.get(f"/incidents/{incident.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="report-row"') == 2
    assert html.count('data-testid="task-row"') == 1


def test_a_follow_up_before_the_first_report_is_refused_on_the_page(client):
    incident = registered()
    client.force_login(user("clerk"))
    response = client.post(f"/incidents/{incident.pk}/act/report/", {"kind": "follow_up", **REPORT})
    assert response.status_code == 409
    html = response.content.decode()
    assert html.count("尚未首报，请先报送首报。") == 1
    assert 'id="action-report"' in html
    assert "collapse show" in html


def _report_kinds(html: str) -> list[str]:
    form = html.split('data-testid="form-report"')[1].split("</form>")[0]
    select = form.split('name="kind"')[1].split("</select>")[0]
    return re.findall(r'<option value="(\w+)"', select)


def test_the_report_form_offers_the_first_report_then_follow_ups(client):
    incident = registered()
    client.force_login(user("clerk"))
    assert _report_kinds(client.get(f"/incidents/{incident.pk}/").content.decode()) == ["first"]
    act(incident, "report", "clerk", kind="first", **REPORT)
    assert _report_kinds(client.get(f"/incidents/{incident.pk}/").content.decode()) == ["follow_up"]
    Incident.objects.filter(pk=incident.pk).update(status="aftermath")
    html = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert _report_kinds(html) == ["follow_up", "final"]


def test_only_the_unit_a_report_was_sent_to_is_offered_to_sign_it(client):
    # a village's incident reports to the township: the county sees it but does not sign
    incident = registered(unit=unit(VILLAGE).pk)
    act(incident, "report", "clerk", kind="first", **REPORT)
    county = page(client, "county-clerk", f"/incidents/{incident.pk}/").content.decode()
    assert 'data-testid="form-sign_report"' not in county
    township = page(client, "leader", f"/incidents/{incident.pk}/").content.decode()
    assert 'data-testid="form-sign_report"' in township
    assert "待城关镇签收" in township


def test_the_first_report_from_the_page_lists_its_document(client):
    incident = registered()
    client.force_login(user("clerk"))
    response = client.post(f"/incidents/{incident.pk}/act/report/", {"kind": "first", **REPORT})
    assert response.status_code == 302
    html = client.get(f"/incidents/{incident.pk}/").content.decode()
    link = re.search(r'href="(/documents/[^"]+)"[^>]*data-testid="report-document"', html)
    assert link is not None
    assert "续报" in html
    assert "按时" in html
    download = client.get(link.group(1))
    assert download.status_code == 200
    # the county signs it
    client.force_login(user("county-clerk"))
    county = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'data-testid="form-sign_report"' in county
    report = incident.reports.get()
    assert client.post(f"/incidents/{incident.pk}/act/sign_report/", {"report": report.pk}).status_code == 302
    after = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'data-testid="form-sign_report"' not in after  # nothing left to sign
    signed = after.split('data-testid="reports"')[1]
    assert str(user("county-clerk")) in signed
    assert "待青山县签收" not in signed


def test_arrival_instruction_and_acknowledgement_on_the_page(client):
    incident = registered()
    client.force_login(user("village-principal"))
    assert client.post(f"/incidents/{incident.pk}/act/arrive/", {}).status_code == 302
    client.force_login(user("leader"))
    instructed = client.post(
        f"/incidents/{incident.pk}/act/instruct/", {"text": "做好解释工作", "units": [str(unit(VILLAGE).pk)]}
    )
    assert instructed.status_code == 302
    client.force_login(user("village-principal"))
    html = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'data-testid="form-arrive"' not in html  # recorded once
    assert "到场" in html
    assert 'data-testid="form-acknowledge"' in html
    instruction = incident.instructions.get()
    done = client.post(f"/incidents/{incident.pk}/act/acknowledge/", {"instruction": instruction.pk})
    assert done.status_code == 302
    html = client.get(f"/incidents/{incident.pk}/").content.decode()
    assert 'data-testid="acknowledged"' in html
    assert "已确认" in html
    assert "领导批示" in html
    assert "确认批示" in html


def test_evidence_uploads_from_the_page_and_downloads_audited(client):
    incident = registered()
    client.force_login(user("clerk"))
    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    response = client.post(f"/incidents/{incident.pk}/evidence/", {"file": photo, "description": "门口"})
    assert response.status_code == 302
    row = Evidence.objects.get()
    before = AuditEntry.objects.filter(event=AuditEvent.DOWNLOAD).count()
    download = client.get(f"/incidents/{incident.pk}/evidence/{row.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG
    assert AuditEntry.objects.filter(event=AuditEvent.DOWNLOAD).count() == before + 1
    # reading the page is not audited
    reads = AuditEntry.objects.count()
    client.get(f"/incidents/{incident.pk}/")
    assert AuditEntry.objects.count() == reads
    # a refused file shows the page again with the reason and the typed description
    bad = SimpleUploadedFile("脚本.exe", b"MZ" + b"0" * 20)
    refused = client.post(f"/incidents/{incident.pk}/evidence/", {"file": bad, "description": "说明文字"})
    assert refused.status_code == 422
    assert "类型不允许" in refused.content.decode()
    assert 'value="说明文字"' in refused.content.decode()


def test_a_village_user_gets_404_for_another_villages_incident(client):
    other = registered(unit=unit(VILLAGE2).pk, gathered_unit=unit(VILLAGE2).pk, title="红星村讨薪")
    client.force_login(user("village-informant"))
    assert client.get(f"/incidents/{other.pk}/").status_code == 404
    assert client.post(f"/incidents/{other.pk}/act/arrive/", {}).status_code == 404
    assert "红星村讨薪" not in client.get("/incidents/").content.decode()


# --- plans and levels -----------------------------------------------------------------------------


def test_the_office_writes_a_plan_with_rows(client):
    client.force_login(user("clerk"))
    form = client.get("/incidents/plans/new/").content.decode()
    assert form.count('name="task_title"') == 2
    more = client.post(
        "/incidents/plans/new/",
        {
            "name": "聚集处置",
            "task_title": ["疏导劝返", ""],
            "task_role": ["leader", "clerk"],
            "add_row": "1",
        },
    )
    assert more.status_code == 200
    assert more.content.decode().count('name="task_title"') == 3
    assert 'value="疏导劝返"' in more.content.decode()
    saved = client.post(
        "/incidents/plans/new/",
        {
            "name": "群体性事件处置预案",
            "unit": unit("341122101").pk,
            "kinds": ["gathering"],
            "active": "on",
            "task_title": ["疏导劝返", "信息报送", ""],
            "task_role": ["leader", "clerk", "clerk"],
        },
    )
    assert saved.status_code == 302
    plan = ContingencyPlan.objects.get()
    assert [(t.title, t.role) for t in plan.tasks.all()] == [("疏导劝返", "leader"), ("信息报送", "clerk")]
    listing = client.get("/incidents/plans/").content.decode()
    assert "群体性事件处置预案" in listing
    assert "集体上访、聚集" in listing
    assert "分管领导" in listing
    # removing a row; no task at all is refused
    edited = client.post(
        f"/incidents/plans/{plan.pk}/",
        {
            "name": "群体性事件处置预案",
            "active": "on",
            "task_title": ["疏导劝返", "信息报送"],
            "task_role": ["leader", "clerk"],
            "task_remove": ["1"],
        },
    )
    assert edited.status_code == 302
    assert plan.tasks.count() == 1
    empty = client.post(
        f"/incidents/plans/{plan.pk}/", {"name": "x", "task_title": [""], "task_role": ["clerk"]}
    )
    assert empty.status_code == 422
    assert "至少要有一项任务" in empty.content.decode()
    # a handler reads the plans, does not write them
    client.force_login(user("handler"))
    assert 'data-testid="plan-edit"' not in client.get("/incidents/plans/").content.decode()
    assert client.get("/incidents/plans/new/").status_code == 403


def test_the_levels_rules_are_read_by_all_and_kept_by_the_rules_keeper(client):
    html = page(client, "clerk", "/incidents/levels/").content.decode()
    assert html.count('data-testid="level-row"') == 4
    assert "level-form-4" not in html
    assert client.post("/incidents/levels/", {"level": "4"}).status_code == 403
    client.force_login(user("sysadmin"))
    changes = AuditEntry.objects.filter(event=AuditEvent.DEADLINE_RULE_CHANGED).count()
    rules = {
        "level": "4",
        "min_headcount": "0",
        "first_report_minutes": "45",
        "phone_report_minutes": "0",
        "follow_up_minutes": "180",
        "arrival_minutes": "20",
    }
    assert client.post("/incidents/levels/", rules).status_code == 302
    assert LevelRule.objects.get(level=4).first_report_minutes == 45
    assert AuditEntry.objects.filter(event=AuditEvent.DEADLINE_RULE_CHANGED).count() == changes + 1
    # a lesser level may not ask for more people than a graver one
    wrong = client.post("/incidents/levels/", {**rules, "level": "3", "min_headcount": "500"})
    assert wrong.status_code == 422
    assert "人数下限须介于相邻级别之间" in wrong.content.decode()
