"""The key-person API (重点人员 / 重点群体): entering by the township's office, masked lists, the
audited detail, scope (the owner sees their person, a village's handler nobody: 404 and an empty
list), 403 without the capability, visits, removal and its approval by another leader, the
filters, the alarm of a petition with the same ID number, key groups, and Chinese 422s."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.keypersons.models import KeyGroup, KeyPerson
from xinfang.keypersons.services import person_enter
from xinfang.organisation.models import Unit
from xinfang.petitions.services import PetitionerInput
from xinfang.petitions.tests.factories import VALID_IDS, register

pytestmark = pytest.mark.usefixtures("demo")

VILLAGE = "341122101201"  # 东风村 (城关镇)
NAME, PHONE = "张三丰", "13900001111"
ID_NUMBER = VALID_IDS[1]


def user(username: str) -> User:
    return User.objects.select_related("unit").get(username=username)


def body(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": NAME,
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "address": "城关镇东风村5组",
        "category": "veteran",
        "risk": "orange",
        "matter": "要求落实参战退役军人优抚待遇",
        "demands": "补发生活补助",
        "plan": "镇分管领导包案，每月走访一次，协调民政落实补助",
        "contact_days": 30,
        "assistance": "临时救助 2000 元",
        "case_owner": user("leader").pk,
        "stability_owner": user("handler").pk,
        "location": "东风村家中",
    }
    data.update(over)
    return data


def entered(**over: Any) -> KeyPerson:
    fields = body(**over)
    unit = fields.pop("unit", None)
    return person_enter(actor=user("clerk"), unit=unit, **fields)


def viewed(person: KeyPerson) -> int:
    return AuditEntry.objects.filter(
        event=AuditEvent.PERSONAL_DATA_VIEWED, target_type="keypersons.keyperson", target_id=str(person.pk)
    ).count()


# --- entering, the masked list, the audited detail ----------------------------------------------


def test_the_township_clerk_enters_a_person_and_the_list_masks_them(api_client):
    api = api_client(user("clerk"))
    created = api.post("/api/v1/key-persons", body())
    assert created.status_code == 201, created.content
    detail = created.json()
    assert detail["name"] == NAME
    assert detail["id_number"] == ID_NUMBER
    assert detail["phone"] == PHONE
    assert detail["status"] == "active"
    assert detail["risk"] == "orange"
    assert detail["category"] == "veteran"
    assert detail["case_owner_name"] == "张分管"
    assert detail["stability_owner_name"] == "李承办"
    assert detail["unit_name"] == "城关镇"
    assert detail["next_visit_due"] is not None
    assert detail["timeline"][0]["action_label"] == "列管"
    assert {"visit", "update_plan", "remove"} <= set(detail["allowed_actions"])
    assert "enter" not in detail["allowed_actions"]
    assert "hit" not in detail["allowed_actions"]
    # the list: masked name, ID number and phone, nowhere in full
    listed = api.get("/api/v1/key-persons")
    assert listed.status_code == 200
    page = listed.json()
    assert page["count"] == 1
    assert page["page"] == 1
    item = page["items"][0]
    assert item["name"] == "张*丰"
    assert item["id_number"] == "110101********0513"
    assert item["phone"] == "139****1111"
    text = listed.content.decode()
    assert NAME not in text
    assert ID_NUMBER not in text
    assert PHONE not in text


def test_every_view_of_the_detail_is_audited_by_number_never_by_name(api_client):
    person = entered()
    api = api_client(user("clerk"))
    before = viewed(person)
    assert api.get(f"/api/v1/key-persons/{person.pk}").status_code == 200
    assert api.get(f"/api/v1/key-persons/{person.pk}").status_code == 200
    assert viewed(person) == before + 2
    entry = AuditEntry.objects.filter(event=AuditEvent.PERSONAL_DATA_VIEWED).first()
    assert entry is not None
    assert entry.target_label == f"重点人员#{person.pk}"
    assert entry.actor_username == "clerk"
    # no audit entry of the register names the person
    for row in AuditEntry.objects.filter(target_type="keypersons.keyperson"):
        assert NAME not in row.target_label
        assert NAME not in str(row.extra_data)
        assert ID_NUMBER not in str(row.extra_data)


def test_the_list_is_not_audited_as_a_view(api_client):
    person = entered()
    before = viewed(person)
    api_client(user("clerk")).get("/api/v1/key-persons")
    assert viewed(person) == before


# --- scope and capability -------------------------------------------------------------------------


def test_the_owner_sees_their_person_and_a_village_handler_nobody(api_client):
    person = entered()
    owner = api_client(user("handler"))
    assert owner.get("/api/v1/key-persons").json()["count"] == 1
    assert owner.get(f"/api/v1/key-persons/{person.pk}").status_code == 200
    stranger = api_client(user("village-handler"))
    assert stranger.get("/api/v1/key-persons").json() == {"count": 0, "page": 1, "page_size": 50, "items": []}
    denied = AuditEntry.objects.filter(event=AuditEvent.ACCESS_DENIED).count()
    missing = stranger.get(f"/api/v1/key-persons/{person.pk}")
    assert missing.status_code == 404
    assert missing.json()["message"] == "记录不存在或您无权查看。"
    assert AuditEntry.objects.filter(event=AuditEvent.ACCESS_DENIED).count() == denied + 1
    # nor may they act on them: 404, not 403 or 422
    visit = stranger.post(f"/api/v1/key-persons/{person.pk}/visits", {"location": "家中", "state": "平稳"})
    assert visit.status_code == 404
    assert stranger.get("/api/v1/key-persons/999999999").status_code == 404
    assert stranger.get("/api/v1/key-persons/99999999999999999999").status_code in (404, 422)


def test_the_county_leader_reads_the_townships_register(api_client):
    entered()
    assert api_client(user("county-leader")).get("/api/v1/key-persons").json()["count"] == 1


def test_a_role_without_the_capability_gets_403(api_client):
    person = entered()
    admin = api_client(user("sysadmin"))
    assert admin.get("/api/v1/key-persons").status_code == 403
    assert admin.get("/api/v1/key-persons/categories").status_code == 403
    assert admin.get(f"/api/v1/key-persons/{person.pk}").status_code == 403
    assert admin.get("/api/v1/key-groups").status_code == 403
    assert admin.post("/api/v1/key-persons", body(id_number=VALID_IDS[2])).status_code == 403
    # an owner may not enter anyone, nor change the plan
    handler = api_client(user("handler"))
    assert handler.post("/api/v1/key-persons", body(id_number=VALID_IDS[2])).status_code == 403
    plan = handler.post(
        f"/api/v1/key-persons/{person.pk}/actions/update_plan", {"plan": "改", "contact_days": 7}
    )
    assert plan.status_code == 403
    assert "不能执行" in plan.json()["message"]


def test_categories(api_client):
    rows = api_client(user("handler")).get("/api/v1/key-persons/categories").json()
    assert {"code": "veteran", "name": "涉军群体（参战退役军人）"} in rows


# --- visits and steps -----------------------------------------------------------------------------


def test_the_owner_records_a_visit_and_the_next_one_falls_due_from_it(api_client):
    person = entered(contact_days=10)
    api = api_client(user("handler"))
    at = timezone.now() - timedelta(days=20)
    answer = api.post(
        f"/api/v1/key-persons/{person.pk}/visits",
        {"at": at.isoformat(), "location": "县城打工", "state": "情绪平稳", "sign": True, "note": "谈心"},
    )
    assert answer.status_code == 201, answer.content
    detail = answer.json()
    assert len(detail["visits"]) == 1
    visit = detail["visits"][0]
    assert visit["by_name"] == "李承办"
    assert visit["location"] == "县城打工"
    assert visit["sign"] is True
    assert detail["location"] == "县城打工"
    assert detail["last_visit_at"] is not None
    # due 10 days after the visit (20 days ago), moved past a weekend at most: overdue now
    due = timezone.localtime(KeyPerson.objects.get(pk=person.pk).next_visit_due)
    assert (timezone.localtime(at) + timedelta(days=10)).date() <= due.date()
    assert due.date() <= (timezone.localtime(at) + timedelta(days=13)).date()
    assert detail["visit_overdue"] is True
    assert detail["timeline"][-1]["action"] == "visit"


def test_a_visit_in_the_future_or_without_a_place_is_422_in_chinese(api_client):
    person = entered()
    api = api_client(user("handler"))
    later = api.post(
        f"/api/v1/key-persons/{person.pk}/visits",
        {"at": (timezone.now() + timedelta(days=1)).isoformat(), "location": "家中", "state": "平稳"},
    )
    assert later.status_code == 422
    assert later.json()["message"] == "走访时间不能晚于现在。"
    blank = api.post(f"/api/v1/key-persons/{person.pk}/visits", {"state": "平稳"})
    assert blank.status_code == 422
    assert "目前所在地" in blank.json()["errors"]["location"]


def test_the_plan_is_changed_and_the_old_one_kept_in_the_history(api_client):
    person = entered()
    api = api_client(user("clerk"))
    answer = api.post(
        f"/api/v1/key-persons/{person.pk}/actions/update_plan",
        {"plan": "春节前每周走访", "contact_days": 7, "assistance": "", "note": "敏感期加密"},
    )
    assert answer.status_code == 200, answer.content
    detail = answer.json()
    assert detail["plan"] == "春节前每周走访"
    assert detail["contact_days"] == 7
    last = detail["timeline"][-1]
    assert last["action_label"] == "调整一人一策"
    assert last["data"]["old_plan"] == "镇分管领导包案，每月走访一次，协调民政落实补助"
    assert last["note"] == "敏感期加密"


def test_risk_owner_and_monitoring(api_client):
    person = entered()
    api = api_client(user("clerk"))
    risk = api.post(
        f"/api/v1/key-persons/{person.pk}/actions/change_risk", {"risk": "red", "note": "扬言进京"}
    )
    assert risk.status_code == 200
    assert risk.json()["risk_label"] == "红色"
    watch = api.post(
        f"/api/v1/key-persons/{person.pk}/actions/start_monitoring",
        {"monitor": user("village-handler").pk, "note": "村干部专人看护"},
    )
    assert watch.status_code == 200, watch.content
    assert watch.json()["monitored"] is True
    assert watch.json()["monitor_name"] == "陈村干部"
    assert "stop_monitoring" in watch.json()["allowed_actions"]
    assert "start_monitoring" not in watch.json()["allowed_actions"]
    # the minder now sees the person
    assert api_client(user("village-handler")).get(f"/api/v1/key-persons/{person.pk}").status_code == 200
    again = api.post(
        f"/api/v1/key-persons/{person.pk}/actions/start_monitoring",
        {"monitor": user("village-handler").pk, "note": "再次"},
    )
    assert again.status_code == 409
    stop = api.post(f"/api/v1/key-persons/{person.pk}/actions/stop_monitoring", {"reason": "节后情绪平稳"})
    assert stop.status_code == 200, stop.content
    assert stop.json()["monitored"] is False
    owner = api.post(
        f"/api/v1/key-persons/{person.pk}/actions/change_owner",
        {"stability_owner": user("village-handler").pk, "note": "属地稳控"},
    )
    assert owner.status_code == 200
    assert owner.json()["stability_owner_name"] == "陈村干部"
    # a 包案责任人 must be a leader
    bad = api.post(
        f"/api/v1/key-persons/{person.pk}/actions/change_owner",
        {"case_owner": user("handler").pk, "note": "调整"},
    )
    assert bad.status_code == 422
    assert "领导" in bad.json()["errors"]["case_owner"]


def test_removal_is_requested_by_the_clerk_and_approved_by_a_leader(api_client):
    person = entered()
    clerk, leader = api_client(user("clerk")), api_client(user("leader"))
    asked = clerk.post(
        f"/api/v1/key-persons/{person.pk}/actions/remove", {"reason": "诉求已解决，息诉罢访一年"}
    )
    assert asked.status_code == 200, asked.content
    assert asked.json()["status"] == "removal_requested"
    assert asked.json()["removal_reason"] == "诉求已解决，息诉罢访一年"
    # the clerk may not approve (a leader's capability)
    assert (
        clerk.post(f"/api/v1/key-persons/{person.pk}/actions/approve_removal", {"note": "同意"}).status_code
        == 403
    )
    assert "approve_removal" in leader.get(f"/api/v1/key-persons/{person.pk}").json()["allowed_actions"]
    approved = leader.post(f"/api/v1/key-persons/{person.pk}/actions/approve_removal", {"note": "同意"})
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "removed"
    assert approved.json()["next_visit_due"] is None
    # removed persons leave the default list; asked for, they are there
    assert clerk.get("/api/v1/key-persons").json()["count"] == 0
    assert clerk.get("/api/v1/key-persons", include_removed="true").json()["count"] == 1
    assert clerk.get("/api/v1/key-persons", status="removed").json()["count"] == 1
    # nothing more may happen to them
    again = clerk.post(f"/api/v1/key-persons/{person.pk}/actions/remove", {"note": "再次"})
    assert again.status_code == 409


def test_the_leader_who_asked_for_the_removal_cannot_approve_it(api_client):
    person = entered()
    leader = api_client(user("leader"))
    assert (
        leader.post(f"/api/v1/key-persons/{person.pk}/actions/remove", {"note": "已稳定"}).status_code == 200
    )
    assert "approve_removal" not in leader.get(f"/api/v1/key-persons/{person.pk}").json()["allowed_actions"]
    refused = leader.post(f"/api/v1/key-persons/{person.pk}/actions/approve_removal", {"note": "同意"})
    assert refused.status_code == 403
    assert refused.json()["message"] == "息访须由提出人以外的领导批准。"
    rejected = api_client(user("principal")).post(
        f"/api/v1/key-persons/{person.pk}/actions/reject_removal", {"note": "仍有上访苗头"}
    )
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "active"
    assert rejected.json()["removal_reason"] == ""


def test_enter_and_hit_are_no_actions(api_client):
    person = entered()
    api = api_client(user("clerk"))
    for action in ("enter", "hit", "visit", "nonsense"):
        answer = api.post(f"/api/v1/key-persons/{person.pk}/actions/{action}", {"note": "x"})
        assert answer.status_code == 404, action


def test_a_body_naming_the_transitions_own_arguments_is_no_500(api_client):
    person = entered()
    api = api_client(user("clerk"))
    answer = api.post(
        f"/api/v1/key-persons/{person.pk}/actions/change_risk",
        {"risk": "blue", "note": "好转", "person": 1, "action": "remove", "actor": 3, "unit": 2},
    )
    assert answer.status_code == 200
    created = api.post("/api/v1/key-persons", body(id_number=VALID_IDS[2], person=5, action="x"))
    assert created.status_code == 201


# --- 422s in Chinese ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("over", "field", "words"),
    [
        ({"name": ""}, "name", "姓名"),
        ({"risk": "purple"}, "risk", "风险等级"),
        ({"category": "nope"}, "category", "类别"),
        ({"contact_days": 0}, "contact_days", "不能小于 1"),
        ({"id_number": "123", "phone": ""}, "id_number", ""),
        ({"id_number": "", "phone": ""}, "id_number", "至少填写一项"),
        ({"case_owner": 999999}, "case_owner", "包案责任人"),
        ({"plan": ""}, "plan", "稳控化解措施"),
    ],
)
def test_bad_input_is_422_in_chinese(api_client, over, field, words):
    answer = api_client(user("clerk")).post("/api/v1/key-persons", body(**over))
    assert answer.status_code == 422, answer.content
    payload = answer.json()
    assert field in payload["errors"]
    assert words in payload["errors"][field]
    assert not any(c.isascii() and c.isalpha() for c in payload["message"].replace("Y", "")), payload


def test_the_same_id_number_twice_is_409(api_client):
    api = api_client(user("clerk"))
    assert api.post("/api/v1/key-persons", body()).status_code == 201
    again = api.post("/api/v1/key-persons", body(name="张三"))
    assert again.status_code == 409
    assert "已在重点人员名册中" in again.json()["message"]


def test_bodies_that_are_not_objects_and_bad_units_are_422_or_404(api_client, client):
    api = api_client(user("clerk"))
    assert api.post("/api/v1/key-persons", body(unit="东风村")).status_code == 422
    assert api.post("/api/v1/key-persons", body(unit=True)).status_code == 422
    county = Unit.objects.get(code="341122")
    assert api.post("/api/v1/key-persons", body(unit=county.pk)).status_code == 404
    raw = client.post("/api/v1/key-persons", "[1, 2]", content_type="application/json", **api.headers)
    assert raw.status_code == 422
    bad_filter = api.get("/api/v1/key-persons", risk="purple")
    assert bad_filter.status_code == 422
    assert "取值不在允许范围内" in bad_filter.json()["message"]
    assert api.get("/api/v1/key-persons", page=0).status_code == 422


def test_a_person_entered_for_a_village_is_in_its_register(api_client):
    village = Unit.objects.get(code=VILLAGE)
    answer = api_client(user("clerk")).post("/api/v1/key-persons", body(unit=village.pk))
    assert answer.status_code == 201, answer.content
    assert answer.json()["unit_name"] == "东风村"


# --- filters --------------------------------------------------------------------------------------


def test_the_filters(api_client):
    village = Unit.objects.get(code=VILLAGE)
    late = entered(risk="red", category="landless", unit=village.pk)
    entered(id_number=VALID_IDS[2], name="李四", phone="13900002222")
    KeyPerson.objects.filter(pk=late.pk).update(next_visit_due=timezone.now() - timedelta(days=1))
    api = api_client(user("clerk"))

    def ids(**params: Any) -> list[int]:
        return [i["id"] for i in api.get("/api/v1/key-persons", **params).json()["items"]]

    assert len(ids()) == 2
    assert ids(risk="red") == [late.pk]
    assert ids(category="landless") == [late.pk]
    assert ids(unit=village.pk) == [late.pk]
    assert ids(visit_overdue="true") == [late.pk]
    assert api.get("/api/v1/key-persons", visit_overdue="true").json()["items"][0]["visit_overdue"] is True
    assert len(ids(unit=Unit.objects.get(code="341122").pk)) == 0  # outside scope: nothing
    assert len(ids(page_size=1)) == 1


# --- the alarm ------------------------------------------------------------------------------------


def test_a_petition_with_the_same_id_number_raises_the_alarm_on_the_detail(api_client):
    person = entered()
    petition = register(user("clerk"), petitioners=[PetitionerInput(name=NAME, id_number=ID_NUMBER)])
    detail = api_client(user("handler")).get(f"/api/v1/key-persons/{person.pk}").json()
    assert len(detail["hits"]) == 1
    hit = detail["hits"][0]
    assert hit["source"] == "petition"
    assert hit["reference"] == petition.number
    assert hit["url"] == f"/petitions/{petition.pk}/"
    assert hit["matched_by"] == "id_number"
    assert any(row["action"] == "hit" for row in detail["timeline"])
    # the clerk sees the petition: it is linked
    linked = api_client(user("clerk")).get(f"/api/v1/key-persons/{person.pk}").json()["petitions"]
    assert [p["number"] for p in linked] == [petition.number]


# --- key groups -----------------------------------------------------------------------------------


def group_body(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "东风村失地农民群体",
        "category": "landless",
        "size": 40,
        "matter": "征地补偿标准",
        "case_owner": user("leader").pk,
        "stability_owner": user("handler").pk,
        "leaders": "王某、赵某",
    }
    data.update(over)
    return data


def test_key_groups_are_created_and_listed_with_their_members_masked(api_client):
    person = entered()
    api = api_client(user("clerk"))
    created = api.post("/api/v1/key-groups", group_body(members=[person.pk]))
    assert created.status_code == 201, created.content
    group = created.json()
    assert group["members"] == [{"id": person.pk, "number": person.number, "name": "张*丰"}]
    assert group["unit_name"] == "城关镇"
    listed = api.get("/api/v1/key-groups").json()
    assert listed["count"] == 1
    assert NAME not in api.get("/api/v1/key-groups").content.decode()
    # the owner sees it, a village's handler not
    assert api_client(user("handler")).get("/api/v1/key-groups").json()["count"] == 1
    assert api_client(user("village-handler")).get("/api/v1/key-groups").json()["count"] == 0
    # the person's detail names the group
    assert api.get(f"/api/v1/key-persons/{person.pk}").json()["groups"] == [
        {"id": group["id"], "name": "东风村失地农民群体"}
    ]


def test_key_groups_refuse_bad_input_in_chinese_and_owners_cannot_create(api_client):
    api = api_client(user("clerk"))
    small = api.post("/api/v1/key-groups", group_body(size=0))
    assert small.status_code == 422
    assert "size" in small.json()["errors"]
    stranger = api.post("/api/v1/key-groups", group_body(members=[999999]))
    assert stranger.status_code == 422
    assert stranger.json()["errors"]["members"] == "成员须为您可见的重点人员。"
    bad_category = api.post("/api/v1/key-groups", group_body(category="nope"))
    assert bad_category.status_code == 422
    assert bad_category.json()["message"].startswith("重点群体信息有误")
    assert api_client(user("handler")).post("/api/v1/key-groups", group_body()).status_code == 403
    assert KeyGroup.objects.count() == 0


def test_the_openapi_document_lists_the_step_endpoints(client):
    client.force_login(user("clerk"))
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/key-persons" in paths
    assert "/api/v1/key-persons/{person_id}/visits" in paths
    assert "/api/v1/key-persons/{person_id}/actions/remove" in paths
    assert "/api/v1/key-persons/{person_id}/actions/hit" not in paths
    assert "/api/v1/key-persons/{person_id}/actions/enter" not in paths
    assert "/api/v1/key-groups" in paths
    post = paths["/api/v1/key-persons"]["post"]
    assert "unit" in post["requestBody"]["content"]["application/json"]["schema"]["properties"]
