"""The incidents API (突发事件): registering with the clocks running, the overdue filter, reports
with their documents, steps out of order (409), the leader's arrival, instructions and their
acknowledgement, evidence with an audited download, scope (404), Chinese 422s, the plans."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.services import token_issue
from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.documents.models import Document
from xinfang.incidents.machine import incident_transition
from xinfang.incidents.models import ContingencyPlan, Evidence, Incident
from xinfang.incidents.notices import REPORT_OWNER
from xinfang.incidents.services import incident_register, plan_save
from xinfang.organisation.models import Unit

pytestmark = pytest.mark.usefixtures("demo")

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
VILLAGE, VILLAGE2 = "341122101201", "341122101202"  # 东风村, 红星村 (城关镇)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "files"


def user(username: str) -> User:
    return User.objects.select_related("unit").get(username=username)


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


def body(minutes_ago: int = 10, **over: Any) -> dict[str, Any]:
    now = timezone.now()
    data: dict[str, Any] = {
        "title": "东风村村民聚集",
        "kind": "gathering",
        "learned_at": (now - timedelta(minutes=minutes_ago)).isoformat(),
        "occurred_at": (now - timedelta(minutes=minutes_ago + 10)).isoformat(),
        "place": "镇政府门口",
        "headcount": 40,
        "demands": "征地补偿款发放",
        "gathered_unit": unit(VILLAGE).pk,
    }
    data.update(over)
    return data


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


REPORT = {"situation": "约40人聚集", "measures": "镇领导现场劝返", "impact": "秩序平稳"}


def report(incident: Incident, kind: str, username: str = "clerk") -> Incident:
    return incident_transition(incident=incident, action="report", actor=user(username), kind=kind, **REPORT)


# --- registering and the overdue list -------------------------------------------------------------


def test_an_incident_learned_70_minutes_ago_is_listed_as_overdue(api_client):
    # given
    api = api_client(user("clerk"))
    # when: 获知时间 70 minutes ago (Ⅲ级, 40 people: the first report within 60 minutes)
    created = api.post("/api/v1/incidents", body(minutes_ago=70))
    fresh = api.post("/api/v1/incidents", body(minutes_ago=5, title="红星村讨薪"))
    # then
    assert created.status_code == 201, created.content
    detail = created.json()
    assert detail["status"] == "received"
    assert detail["level"] == 3
    assert detail["next_report_kind"] == "first"
    assert detail["overdue"] is True
    assert detail["arrival_due"] is not None
    assert detail["arrived_at"] is None
    assert "report" in detail["allowed_actions"]
    assert detail["timeline"][0]["action_label"] == "接报登记"
    overdue = api.get("/api/v1/incidents", overdue="true").json()
    assert [i["id"] for i in overdue["items"]] == [detail["id"]]
    assert overdue["count"] == 1
    assert overdue["page"] == 1
    everything = api.get("/api/v1/incidents", open="true").json()
    assert {i["id"] for i in everything["items"]} == {detail["id"], fresh.json()["id"]}
    assert api.get("/api/v1/incidents", level=3).json()["count"] == 2
    assert api.get("/api/v1/incidents", status="closed").json()["count"] == 0
    later = (timezone.now() - timedelta(minutes=30)).isoformat()
    assert [i["id"] for i in api.get("/api/v1/incidents", **{"from": later}).json()["items"]] == [
        fresh.json()["id"]
    ]
    assert api.get("/api/v1/incidents", **{"to": later}).json()["count"] == 1
    assert api.get("/api/v1/incidents", status="bogus").status_code == 422


def test_registering_refuses_bad_input_in_chinese(api_client):
    api = api_client(user("clerk"))
    future = (timezone.now() + timedelta(hours=2)).isoformat()
    # headcount 0
    none = api.post("/api/v1/incidents", body(headcount=0))
    assert none.status_code == 422
    assert none.json()["message"] == "人数不能小于 1。"
    assert none.json()["errors"]["headcount"] == "不能小于 1。"
    # learned in the future
    ahead = api.post("/api/v1/incidents", body(learned_at=future, occurred_at=timezone.now().isoformat()))
    assert ahead.status_code == 422
    assert ahead.json()["errors"]["learned_at"] == "获知时间不能晚于现在。"
    # occurred after it was learned
    later = body(minutes_ago=30)
    later["occurred_at"] = (timezone.now() - timedelta(minutes=5)).isoformat()
    after = api.post("/api/v1/incidents", later)
    assert after.status_code == 422
    assert after.json()["message"] == "发生时间不能晚于获知时间。"
    # a kind that does not exist, a unit that is not a number
    assert "事件类别" in api.post("/api/v1/incidents", body(kind="riot")).json()["message"]
    assert api.post("/api/v1/incidents", body(unit="城关镇")).status_code == 422
    assert not Incident.objects.exists()


def test_a_body_naming_the_transition_arguments_does_not_break_it(api_client):
    api = api_client(user("clerk"))
    created = api.post("/api/v1/incidents", body(incident=5, actor=3, action="close", note="x"))
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    acted = api.post(f"/api/v1/incidents/{pk}/actions/report", {"kind": "first", "incident": 9, **REPORT})
    assert acted.status_code == 200, acted.content


def test_an_informant_registers_in_their_own_village_only(api_client):
    api = api_client(user("village-informant"))
    own = api.post("/api/v1/incidents", body())
    assert own.status_code == 201, own.content
    assert own.json()["unit"] == unit(VILLAGE).pk
    assert "report" not in own.json()["allowed_actions"]  # reporting is the office's
    other = api.post("/api/v1/incidents", body(unit=unit(VILLAGE2).pk))
    assert other.status_code == 404


# --- reports and documents ------------------------------------------------------------------------


def test_the_first_report_files_a_document_that_downloads(api_client, client):
    # given
    api = api_client(user("clerk"))
    incident = registered()
    # when
    response = api.post(f"/api/v1/incidents/{incident.pk}/actions/report", {"kind": "first", **REPORT})
    # then
    assert response.status_code == 200, response.content
    detail = response.json()
    assert detail["next_report_kind"] == "follow_up"
    [filed] = detail["reports"]
    assert (filed["kind"], filed["kind_label"], filed["seq"], filed["on_time"]) == ("first", "首报", 1, True)
    assert filed["document"] is not None
    document = Document.objects.get(owner_type=REPORT_OWNER, owner_id=filed["id"])
    assert document.pk == filed["document"]
    documents = api.get(f"/api/v1/incidents/{incident.pk}/documents").json()
    assert [(d["id"], d["kind_label"], d["seq"]) for d in documents] == [(document.pk, "首报", 1)]
    download = client.get(documents[0]["download_url"], HTTP_AUTHORIZATION=api.headers["HTTP_AUTHORIZATION"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:2] == b"PK"  # a .docx


def test_a_follow_up_before_the_first_report_is_refused(api_client):
    api = api_client(user("clerk"))
    incident = registered()
    response = api.post(f"/api/v1/incidents/{incident.pk}/actions/report", {"kind": "follow_up", **REPORT})
    assert response.status_code == 409
    assert "尚未首报" in response.json()["message"]


def test_closing_before_the_final_report_is_refused(api_client):
    # given: reported, on site, aftermath, accountability recorded, but no 终报
    leader = api_client(user("leader"))
    incident = registered()
    report(incident, "first")
    plan = plan_save(
        actor=user("leader"),
        unit=None,
        name="聚集处置",
        kinds=[],
        tasks=[{"title": "劝返", "role": "leader"}],
    )
    for action, fields in (
        ("activate_plan", {"plan": plan.pk}),
        ("on_site", {"note": "到场"}),
        ("aftermath", {"note": "人员已劝返"}),
        ("account", {"sanction": "none", "finding": "处置及时"}),
    ):
        assert leader.post(f"/api/v1/incidents/{incident.pk}/actions/{action}", fields).status_code == 200
    # when
    response = leader.post(f"/api/v1/incidents/{incident.pk}/actions/close", {})
    # then
    assert response.status_code == 409
    assert "尚未报送终报" in response.json()["message"]


def test_the_county_signs_the_townships_report(api_client):
    incident = registered()
    report(incident, "first")
    filed = incident.reports.get()
    county = api_client(user("county-clerk"))
    assert "sign_report" in county.get(f"/api/v1/incidents/{incident.pk}").json()["allowed_actions"]
    signed = county.post(f"/api/v1/incidents/{incident.pk}/actions/sign_report", {"report": filed.pk})
    assert signed.status_code == 200, signed.content
    assert signed.json()["reports"][0]["signed_by"] == str(user("county-clerk"))
    # the township does not sign its own report
    own = api_client(user("clerk")).post(
        f"/api/v1/incidents/{incident.pk}/actions/sign_report", {"report": filed.pk}
    )
    assert own.status_code == 403


# --- arrival, instructions ------------------------------------------------------------------------


def test_the_village_principal_records_arrival(api_client):
    incident = registered()
    api = api_client(user("village-principal"))
    response = api.post(f"/api/v1/incidents/{incident.pk}/actions/arrive", {})
    assert response.status_code == 200, response.content
    detail = response.json()
    assert detail["arrived_at"] is not None
    assert detail["arrived_by"] == str(user("village-principal"))
    assert detail["arrival_late"] is False
    again = api.post(f"/api/v1/incidents/{incident.pk}/actions/arrive", {})
    assert again.status_code == 409


def test_a_leader_instructs_and_the_village_acknowledges(api_client):
    incident = registered()
    village = unit(VILLAGE)
    instructed = api_client(user("leader")).post(
        f"/api/v1/incidents/{incident.pk}/actions/instruct",
        {"text": "立即组织劝返，做好解释工作", "units": [village.pk]},
    )
    assert instructed.status_code == 200, instructed.content
    [instruction] = instructed.json()["instructions"]
    assert instruction["targets"] == [
        {"unit": village.pk, "unit_name": "东风村", "acknowledged_by": None, "acknowledged_at": None}
    ]
    # a clerk holds no incidents.instruct
    clerk = api_client(user("clerk")).post(
        f"/api/v1/incidents/{incident.pk}/actions/instruct", {"text": "x", "units": [village.pk]}
    )
    assert clerk.status_code == 403
    # the village acknowledges
    principal = api_client(user("village-principal"))
    assert "acknowledge" in principal.get(f"/api/v1/incidents/{incident.pk}").json()["allowed_actions"]
    done = principal.post(
        f"/api/v1/incidents/{incident.pk}/actions/acknowledge",
        {"instruction": instruction["id"], "note": "已落实"},
    )
    assert done.status_code == 200, done.content
    target = done.json()["instructions"][0]["targets"][0]
    assert target["acknowledged_by"] == str(user("village-principal"))
    assert target["acknowledged_at"] is not None
    assert [e["action"] for e in done.json()["timeline"]][-2:] == ["instruct", "acknowledge"]


# --- evidence -------------------------------------------------------------------------------------


def test_evidence_uploads_and_its_download_is_audited(client, tmp_path):
    incident = registered()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user('clerk'))}"}
    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    uploaded = client.post(
        f"/api/v1/incidents/{incident.pk}/evidence", {"file": photo, "description": "门口人群"}, **headers
    )
    assert uploaded.status_code == 201, uploaded.content
    row = uploaded.json()
    assert (row["name"], row["size"], row["description"]) == ("现场.png", len(PNG), "门口人群")
    detail = client.get(f"/api/v1/incidents/{incident.pk}", **headers).json()
    assert [e["id"] for e in detail["evidence"]] == [row["id"]]
    assert detail["timeline"][-1]["action"] == "add_evidence"
    before = AuditEntry.objects.filter(event=AuditEvent.DOWNLOAD).count()
    download = client.get(row["download_url"], **headers)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG
    assert AuditEntry.objects.filter(event=AuditEvent.DOWNLOAD).count() == before + 1
    # a role that does not register incidents uploads nothing (and no file stays behind)
    handler = {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user('handler'))}"}
    photo = SimpleUploadedFile("现场2.png", PNG, content_type="image/png")
    assert (
        client.post(f"/api/v1/incidents/{incident.pk}/evidence", {"file": photo}, **handler).status_code
        == 403
    )
    assert Evidence.objects.count() == 1
    assert len([p for p in (tmp_path / "files").rglob("*") if p.is_file()]) == 1
    # a file of a type not allowed
    bad = SimpleUploadedFile("脚本.exe", b"MZ" + b"0" * 20)
    refused = client.post(f"/api/v1/incidents/{incident.pk}/evidence", {"file": bad}, **headers)
    assert refused.status_code == 422
    assert "类型不允许" in refused.json()["message"]


# --- scope ----------------------------------------------------------------------------------------


def test_a_village_user_gets_404_for_another_villages_incident(api_client):
    other = registered(unit=unit(VILLAGE2).pk, gathered_unit=unit(VILLAGE2).pk, title="红星村讨薪")
    api = api_client(user("village-informant"))
    denied = AuditEntry.objects.filter(event=AuditEvent.ACCESS_DENIED).count()
    assert api.get(f"/api/v1/incidents/{other.pk}").status_code == 404
    assert api.get(f"/api/v1/incidents/{other.pk}/documents").status_code == 404
    assert api.get("/api/v1/incidents").json()["count"] == 0
    assert (
        api_client(user("village-principal"))
        .post(f"/api/v1/incidents/{other.pk}/actions/arrive", {})
        .status_code
        == 404
    )
    assert AuditEntry.objects.filter(event=AuditEvent.ACCESS_DENIED).count() > denied
    # the township sees it
    assert api_client(user("clerk")).get(f"/api/v1/incidents/{other.pk}").status_code == 200


# --- contingency plans ----------------------------------------------------------------------------


def test_the_office_keeps_contingency_plans(api_client):
    api = api_client(user("clerk"))
    created = api.post(
        "/api/v1/contingency-plans",
        {
            "name": "群体性事件处置预案",
            "kinds": ["gathering", "blocking"],
            "tasks": [{"title": "疏导劝返", "role": "leader"}, {"title": "信息报送", "role": "clerk"}],
        },
    )
    assert created.status_code == 201, created.content
    plan = created.json()
    assert plan["unit_name"] == "城关镇"
    assert [(t["title"], t["role_label"]) for t in plan["tasks"]] == [
        ("疏导劝返", "分管领导"),
        ("信息报送", "接访员"),
    ]
    listed = api.get("/api/v1/contingency-plans").json()
    assert listed["count"] == 1
    assert listed["items"][0]["id"] == plan["id"]
    # a task without a role that exists, no tasks: Chinese 422
    bad = api.post("/api/v1/contingency-plans", {"name": "x", "tasks": [{"title": "y", "role": "boss"}]})
    assert bad.status_code == 422
    assert "责任角色不存在" in bad.json()["message"]
    empty = api.post("/api/v1/contingency-plans", {"name": "x", "tasks": []})
    assert empty.status_code == 422
    assert "至少要有一项任务" in empty.json()["message"]
    # a handler may read but not write
    handler = api_client(user("handler"))
    assert handler.get("/api/v1/contingency-plans").json()["count"] == 1
    assert handler.post("/api/v1/contingency-plans", {"name": "x", "tasks": []}).status_code == 403
    # changed
    changed = api.put(
        f"/api/v1/contingency-plans/{plan['id']}",
        {
            "name": "群体性事件处置预案（修订）",
            "tasks": [{"title": "疏导劝返", "role": "principal"}],
            "active": False,
        },
    )
    assert changed.status_code == 200, changed.content
    assert ContingencyPlan.objects.get().name == "群体性事件处置预案（修订）"
    assert api.get("/api/v1/contingency-plans", active="true").json()["count"] == 0


def test_an_incident_runs_from_registration_to_its_close(api_client):
    # given
    leader = api_client(user("leader"))
    clerk = api_client(user("clerk"))
    plan = plan_save(
        actor=user("leader"),
        unit=None,
        name="聚集处置",
        kinds=["gathering"],
        tasks=[{"title": "疏导劝返", "role": "leader"}, {"title": "信息报送", "role": "clerk"}],
    )
    pk = clerk.post("/api/v1/incidents", body()).json()["id"]
    url = f"/api/v1/incidents/{pk}/actions"
    # when
    assert clerk.post(f"{url}/report", {"kind": "first", **REPORT}).status_code == 200
    detail = leader.post(f"{url}/activate_plan", {"plan": plan.pk, "note": "启动"}).json()
    owners = {t["title"]: t["owner_name"] for t in detail["tasks"]}
    assert owners == {"疏导劝返": str(user("leader")), "信息报送": str(user("clerk"))}
    for task in detail["tasks"]:
        done = api_client(user("leader" if task["title"] == "疏导劝返" else "clerk")).post(
            f"{url}/complete_task", {"task": task["id"], "result": "已完成"}
        )
        assert done.status_code == 200, done.content
    assert leader.post(f"{url}/set_line", {"text": "依法依规处理"}).status_code == 200
    assert leader.post(f"{url}/media_consent", {"note": "领导小组同意县融媒体中心采访"}).status_code == 200
    assert leader.post(f"{url}/on_site", {"note": "现场劝返"}).status_code == 200
    assert clerk.post(f"{url}/report", {"kind": "follow_up", **REPORT}).status_code == 200
    assert leader.post(f"{url}/aftermath", {"note": "人员已劝返"}).status_code == 200
    assert clerk.post(f"{url}/report", {"kind": "final", **REPORT}).status_code == 200
    assert leader.post(f"{url}/account", {"sanction": "none", "finding": "处置及时"}).status_code == 200
    closed = leader.post(f"{url}/close", {"note": "事件平息"})
    # then
    assert closed.status_code == 200, closed.content
    detail = closed.json()
    assert detail["status"] == "closed"
    assert detail["closed_at"] is not None
    assert detail["next_report_due"] is None
    assert [r["kind"] for r in detail["reports"]] == ["first", "follow_up", "final"]
    assert detail["agreed_line"] == "依法依规处理"
    assert "县融媒体中心" in detail["media_consent"]
    assert detail["accountability"][0]["sanction_label"] == "经查无需追究责任"
    assert [e["to_status"] for e in detail["timeline"] if e["from_status"] != e["to_status"]] == [
        "received",
        "activated",
        "on_site",
        "aftermath",
        "accountability",
        "closed",
    ]
    assert clerk.get("/api/v1/incidents", open="true").json()["count"] == 0
    assert clerk.get("/api/v1/incidents", status="closed").json()["count"] == 1
    assert len(clerk.get(f"/api/v1/incidents/{pk}/documents").json()) == 3
