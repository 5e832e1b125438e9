"""The disputes API (矛盾纠纷调处): the kinds, registering (201, and 422 in Chinese), the masked list
and its filters, the audited detail, scope (a village's handler sees nothing of another village's
dispute: 404), the whole walk by API (a mediator, a session, escalation one level at a time, the
written agreement taking effect only with every signature, the clocks, performance, the return
visit, closing), unknown actions, 访调对接 both ways, the dispute's notices, the figures against a
recount, and the OpenAPI document."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.disputes.choices import Outcome
from xinfang.disputes.models import Dispute, DisputeSetting
from xinfang.petitions.tests.factories import register as register_petition

from .helpers import DONGFENG, HONGXING, PARTY_A, PARTY_B, TOWNSHIP, register, step, unit, user

pytestmark = pytest.mark.usefixtures("demo")

BASE = "/api/v1/disputes"


def body(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "neighbour",
        "place": "东风村一组",
        "facts": "李乙修建院墙占用张甲宅基地约2平方米，双方多次争吵。",
        "demands": "拆除院墙，恢复原状",
        "people": 2,
        "amount": 3000,
        "risk": "low",
        "sudden": False,
        "procedure": "full",
        "source": "walk_in",
        "parties": [dict(PARTY_A, kind="person"), dict(PARTY_B, kind="person")],
    }
    data.update(over)
    return {k: v for k, v in data.items() if v is not ...}


def viewed(dispute_id: int) -> int:
    return AuditEntry.objects.filter(
        event=AuditEvent.PERSONAL_DATA_VIEWED, target_type="disputes.dispute", target_id=str(dispute_id)
    ).count()


def chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# --- kinds, registering ---------------------------------------------------------------------------


def test_the_kinds_are_the_active_ones_by_code_and_name(api_client):
    answer = api_client(user("village-handler")).get(f"{BASE}/kinds")
    assert answer.status_code == 200
    kinds = answer.json()
    assert {"code": "neighbour", "name": "邻里纠纷"} in kinds
    assert all(set(k) == {"code", "name"} for k in kinds)


def test_a_village_handler_registers_a_dispute_and_gets_its_detail(api_client):
    api = api_client(user("village-handler"))
    created = api.post(BASE, body(**{"class": 3}))
    assert created.status_code == 201, created.content
    detail = created.json()
    assert detail["number"].startswith("纠纷")
    assert detail["status"] == "registered"
    assert detail["status_label"] == "待调解"
    assert detail["unit_name"] == "东风村"
    assert detail["class"] == 3
    assert detail["class_label"] == "三类"
    assert "dispute_class" not in detail
    assert detail["route"] == "village"
    assert detail["route_label"] == "村（社区）调委会"
    assert detail["level_in_chain"] == {"number": 1, "label": DisputeSetting.load().levels[0]}
    assert detail["handling_unit"]["name"] == "东风村"
    assert detail["kind"] == "neighbour"
    # the parties in full, with their ids
    names = [p["name"] for p in detail["parties"]]
    assert names == ["张甲", "李乙"]
    assert detail["parties"][0]["id_number"] == PARTY_A["id_number"]
    assert detail["parties"][0]["phone"] == PARTY_A["phone"]
    assert all(isinstance(p["id"], int) for p in detail["parties"])
    assert "assign_mediator" in detail["allowed_actions"]
    assert "register" not in detail["allowed_actions"]
    assert "link" not in detail["allowed_actions"]
    assert detail["timeline"][0]["action_label"] == "登记"
    # the answer carries the parties: audited
    assert viewed(detail["id"]) == 1


def test_the_class_follows_the_amount_when_not_given_and_a_larger_one_goes_to_the_township(api_client):
    api = api_client(user("clerk"))
    created = api.post(BASE, body(unit=unit(DONGFENG).pk, amount=50000))
    assert created.status_code == 201, created.content
    detail = created.json()
    assert detail["class"] == 2
    assert detail["route"] == "township"
    assert detail["handling_unit"]["name"] == "城关镇"
    setting = DisputeSetting.load()
    assert detail["level_in_chain"]["number"] == setting.centre_level


@pytest.mark.parametrize(
    ("over", "field"),
    [
        ({"parties": [dict(PARTY_A, id_number="110101199003070514")]}, "parties[0].id_number"),
        ({"kind": "no-such-kind"}, "kind"),
        ({"class": 4}, "class"),
        ({"parties": ...}, "parties"),
        ({"parties": []}, "parties"),
    ],
    ids=["bad-id-number", "unknown-kind", "class-4", "no-parties", "empty-parties"],
)
def test_registering_refuses_bad_input_in_chinese(api_client, over, field):
    api = api_client(user("village-handler"))
    before = Dispute.objects.count()
    answer = api.post(BASE, body(**over))
    assert answer.status_code == 422, answer.content
    payload = answer.json()
    assert chinese(payload["message"])
    assert field in payload["errors"], payload
    assert chinese(payload["errors"][field])
    assert Dispute.objects.count() == before


def test_registering_needs_the_capability_and_a_unit_in_scope(api_client):
    assert api_client(user("auditor")).post(BASE, body()).status_code == 403
    # a village handler may not register at another village
    answer = api_client(user("village-handler")).post(BASE, body(unit=unit(HONGXING).pk))
    assert answer.status_code == 404
    answer = api_client(user("village-handler")).post(BASE, body(unit="东风村"))
    assert answer.status_code == 422
    assert "unit" in answer.json()["errors"]


# --- the list, the detail, scope ----------------------------------------------------------------


def test_the_list_masks_the_parties_and_filters(api_client):
    dispute = register()
    register(amount=50000)  # 二类
    api = api_client(user("village-handler"))
    listed = api.get(BASE)
    assert listed.status_code == 200
    page = listed.json()
    assert page["count"] == 2
    assert page["page"] == 1
    item = next(i for i in page["items"] if i["id"] == dispute.pk)
    assert item["class"] == 3
    assert item["status_label"] == "待调解"
    assert item["parties"][0] == {
        "kind": "person",
        "name": "张*",
        "id_number": PARTY_A["id_number"][:6] + "********" + PARTY_A["id_number"][-4:],
        "phone": "139****0011",
    }
    text = listed.content.decode()
    for secret in ("张甲", "李乙", PARTY_A["id_number"], PARTY_A["phone"], PARTY_B["phone"]):
        assert secret not in text
    # the list is not a view of a case file
    assert viewed(dispute.pk) == 0
    # filters
    assert [i["id"] for i in api.get(BASE, **{"class": 3}).json()["items"]] == [dispute.pk]
    assert api.get(BASE, **{"class": 2}).json()["count"] == 1
    assert api.get(BASE, kind="neighbour").json()["count"] == 2
    assert api.get(BASE, kind="land").json()["count"] == 0
    assert api.get(BASE, status="registered").json()["count"] == 2
    assert api.get(BASE, status="closed").json()["count"] == 0
    assert api.get(BASE, unit=unit(DONGFENG).pk).json()["count"] == 2
    assert api.get(BASE, unit=unit(HONGXING).pk).json()["count"] == 0
    assert api.get(BASE, visit_overdue="true").json()["count"] == 0
    assert api.get(BASE, page_size=1, page=2).json()["items"][0]["id"] == dispute.pk
    bad = api.get(BASE, **{"class": 4})
    assert bad.status_code == 422
    assert "class" in bad.json()["errors"]
    assert api.get(BASE, status="nonsense").status_code == 422


def test_the_detail_is_audited_on_every_view_by_number_never_by_name(api_client):
    dispute = register()
    api = api_client(user("village-handler"))
    first = api.get(f"{BASE}/{dispute.pk}")
    assert first.status_code == 200
    assert api.get(f"{BASE}/{dispute.pk}").status_code == 200
    assert viewed(dispute.pk) == 2
    detail = first.json()
    for key in (
        "status",
        "status_label",
        "parties",
        "level_in_chain",
        "class",
        "route",
        "handling_unit",
        "mediator",
        "sessions",
        "agreement",
        "visits",
        "confirmation_ends",
        "next_visit_due",
        "links",
        "allowed_actions",
    ):
        assert key in detail, key
    assert detail["agreement"] is None
    assert detail["sessions"] == []
    assert detail["visits"] == []
    assert detail["links"] == []
    entry = AuditEntry.objects.filter(event=AuditEvent.PERSONAL_DATA_VIEWED).first()
    assert entry is not None
    assert entry.target_label == dispute.number
    for row in AuditEntry.objects.filter(target_type="disputes.dispute"):
        assert "张甲" not in row.target_label + str(row.extra_data)
        assert PARTY_A["id_number"] not in str(row.extra_data)


def test_another_village_sees_nothing_of_the_dispute(api_client):
    dispute = register()  # 东风村, by village-handler
    stranger = api_client(user("village2-handler"))  # 红星村
    assert stranger.get(f"{BASE}/{dispute.pk}").status_code == 404
    assert stranger.get(f"{BASE}/{dispute.pk}/documents").status_code == 404
    answer = stranger.post(
        f"{BASE}/{dispute.pk}/actions/assign_mediator", {"mediator": user("village2-handler").pk}
    )
    assert answer.status_code == 404
    assert chinese(answer.json()["message"])
    # and no 422 tells the stranger anything about the body either
    assert stranger.post(f"{BASE}/{dispute.pk}/actions/escalate", {}).status_code == 404
    assert stranger.get(BASE).json()["count"] == 0
    assert viewed(dispute.pk) == 0
    # a missing one and an id beyond the database's range read the same
    assert stranger.get(f"{BASE}/999999").status_code == 404
    assert stranger.get(f"{BASE}/{2**63}").status_code == 404
    assert AuditEntry.objects.filter(
        event=AuditEvent.ACCESS_DENIED, actor_username="village2-handler", target_id=str(dispute.pk)
    ).exists()


def test_unknown_actions_register_and_link_are_no_operations(api_client):
    dispute = register()
    api = api_client(user("village-handler"))
    for action in ("no_such_step", "register", "link"):
        answer = api.post(f"{BASE}/{dispute.pk}/actions/{action}", {})
        assert answer.status_code == 404, action
        assert answer.json()["message"] == "没有此矛盾纠纷操作。"
    assert api_client(user("auditor")).post(f"{BASE}/{dispute.pk}/actions/close", {}).status_code == 403


# --- the walk ----------------------------------------------------------------------------------------


def test_the_whole_walk_by_api(api_client):
    api = api_client(user("village-handler"))
    created = api.post(BASE, body())
    assert created.status_code == 201, created.content
    dispute_id = created.json()["id"]
    url = f"{BASE}/{dispute_id}/actions"
    parties = [p["id"] for p in created.json()["parties"]]

    # a mediator: the village's own cadre
    me = user("village-handler")
    answer = api.post(f"{url}/assign_mediator", {"mediator": me.pk})
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "mediating"
    assert answer.json()["mediator"] == me.pk
    assert answer.json()["mediator_name"] == "陈村干部"

    # an outcome before any session of the full procedure: refused
    answer = api.post(f"{url}/record_outcome", {"outcome": "agreed", "agreement_form": "written"})
    assert answer.status_code == 409
    assert "调解会" in answer.json()["message"]

    # a session
    at = (timezone.now() - timedelta(hours=1)).isoformat()
    answer = api.post(
        f"{url}/record_session",
        {"at": at, "place": "东风村村委会", "attendees": "张甲、李乙、陈村干部", "record": "双方同意协商。"},
    )
    assert answer.status_code == 200, answer.content
    assert len(answer.json()["sessions"]) == 1
    assert answer.json()["sessions"][0]["place"] == "东风村村委会"

    # escalation skips no level
    answer = api.post(f"{url}/escalate", {"to_level": 3, "note": "村综治主任调解未果"})
    assert answer.status_code == 409
    assert "越级" in answer.json()["message"]
    answer = api.post(f"{url}/escalate", {"note": "村综治主任调解未果"})
    assert answer.status_code == 200, answer.content
    chain = DisputeSetting.load().levels
    assert answer.json()["level_in_chain"] == {"number": 2, "label": chain[1]}
    assert answer.json()["status"] == "mediating"

    # a written agreement
    answer = api.post(f"{url}/record_outcome", {"outcome": "agreed", "agreement_form": "written"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "drafting"
    assert answer.json()["outcome"] == Outcome.AGREED
    by = (timezone.localdate() + timedelta(days=10)).isoformat()
    answer = api.post(
        f"{url}/draft_agreement",
        {
            "facts": "李乙修建院墙占用张甲宅基地约2平方米。",
            "disputed_items": "院墙的拆除。",
            "responsibility": "李乙未经测量擅自施工，负主要责任。",
            "terms": "李乙将院墙后移2米\n张甲不再追究其他责任",
            "performance_how": "李乙自行拆除重建",
            "performance_where": "东风村一组",
            "performance_by": by,
        },
    )
    assert answer.status_code == 200, answer.content
    agreement = answer.json()["agreement"]
    assert agreement["version"] == 1
    assert agreement["effective"] is False
    assert [t["text"] for t in agreement["terms"]] == ["李乙将院墙后移2米", "张甲不再追究其他责任"]
    assert all(t["performed_at"] is None for t in agreement["terms"])
    documents = api.get(f"{BASE}/{dispute_id}/documents")
    assert documents.status_code == 200
    assert [d["kind"] for d in documents.json()] == ["mediation_agreement"]
    assert documents.json()[0]["download_url"].endswith("/download")

    # one party has not signed: not yet in effect
    answer = api.post(
        f"{url}/make_effective", {"signed_parties": parties[:1], "mediator_signed": True, "seal": True}
    )
    assert answer.status_code == 409
    assert "李乙" in answer.json()["message"]
    answer = api.post(
        f"{url}/make_effective", {"signed_parties": parties, "mediator_signed": True, "seal": True}
    )
    assert answer.status_code == 200, answer.content
    detail = answer.json()
    assert detail["status"] == "performing"
    assert detail["agreement"]["effective"] is True
    assert sorted(detail["agreement"]["signed_parties"]) == sorted(parties)
    assert detail["confirmation_ends"] is not None
    assert detail["next_visit_due"] is not None
    assert detail["confirmation_ends"] > timezone.localdate().isoformat()
    assert detail["next_visit_due"] > detail["confirmation_ends"]  # 三类: half a year
    assert detail["visit_overdue"] is False

    # each term performed, the return visit, closing
    today = timezone.localdate().isoformat()
    for term in detail["agreement"]["terms"]:
        answer = api.post(
            f"{url}/mark_performed", {"term": term["id"], "performed_on": today, "evidence": "现场照片"}
        )
        assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "performed"
    assert all(t["performed_at"] == today for t in answer.json()["agreement"]["terms"])
    assert api.post(f"{url}/close", {}).status_code == 409  # not visited yet
    answer = api.post(f"{url}/record_visit", {"satisfaction": "satisfied", "note": "双方满意，院墙已后移。"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["visits"][0]["satisfaction_label"] == "满意"
    answer = api.post(f"{url}/close", {"note": "协议履行完毕"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "closed"
    assert answer.json()["allowed_actions"] == []
    labels = [e["action_label"] for e in answer.json()["timeline"]]
    assert labels[:3] == ["登记", "指定调解员", "调解会"]
    assert labels[-1] == "结案"


def test_a_step_with_a_bad_body_answers_422_in_chinese(api_client):
    dispute = register()
    api = api_client(user("village-handler"))
    answer = api.post(f"{BASE}/{dispute.pk}/actions/assign_mediator", {"mediator": "孙调解"})
    assert answer.status_code == 422
    assert "mediator" in answer.json()["errors"]
    assert chinese(answer.json()["message"])
    # a mediator from outside the township (the county's front desk)
    answer = api.post(f"{BASE}/{dispute.pk}/actions/assign_mediator", {"mediator": user("county-clerk").pk})
    assert answer.status_code == 422
    assert chinese(answer.json()["errors"]["mediator"])
    # a body that names the dispute itself is no step input (never a 500)
    answer = api.post(f"{BASE}/{dispute.pk}/actions/investigate", {"dispute": 1, "findings": "走访邻居"})
    assert answer.status_code == 409  # 待调解: no investigation before a mediator


# --- 访调对接 -------------------------------------------------------------------------------------


def test_a_failed_dispute_goes_into_the_petition_procedure(api_client):
    dispute = register(procedure="simple")
    step(dispute, "assign_mediator", mediator=user("village-handler").pk)
    step(dispute, "record_outcome", outcome="failed")
    # the village's handler may not register petitions
    path = f"{BASE}/{dispute.pk}/to-petition"
    assert api_client(user("village-handler")).post(path, {"category": "0201"}).status_code == 403
    assert api_client(user("village2-handler")).post(path, {"category": "0201"}).status_code == 404
    api = api_client(user("clerk"))
    assert api.post(path, {}).status_code == 422
    answer = api.post(path, {"category": "0201", "not_repeat": True})
    assert answer.status_code == 201, answer.content
    petition = answer.json()
    assert set(petition) == {"petition", "number"}
    detail = api.get(f"{BASE}/{dispute.pk}").json()
    assert detail["status"] == "referred"
    assert detail["went_to"] == "petition"
    assert detail["links"] == [{"kind": "petition", "id": petition["petition"], "number": petition["number"]}]
    # once only (refused: the service asks whether 导出 is offered before it looks at the state)
    assert api.post(path, {"category": "0201", "not_repeat": True}).status_code in (403, 409)
    assert len(api.get(f"{BASE}/{dispute.pk}").json()["links"]) == 1


def test_a_petition_becomes_a_dispute_once(api_client):
    clerk = user("clerk")
    petition = register_petition(clerk, problem_unit=unit(DONGFENG))
    api = api_client(clerk)
    answer = api.post(f"{BASE}/from-petition", {"petition": petition.pk, "kind": "neighbour", "class": 3})
    assert answer.status_code == 201, answer.content
    detail = answer.json()
    assert detail["source"] == "petition"
    assert detail["source_id"] == petition.pk
    assert detail["source_number"] == petition.number
    assert detail["unit_name"] == "东风村"
    assert detail["parties"][0]["name"] == "张三"
    assert detail["class"] == 3
    again = api.post(f"{BASE}/from-petition", {"petition": petition.pk, "kind": "neighbour"})
    assert again.status_code == 409
    assert chinese(again.json()["message"])
    assert api.post(f"{BASE}/from-petition", {"kind": "neighbour"}).status_code == 422
    assert api.post(f"{BASE}/from-petition", {"petition": petition.pk}).status_code == 422
    # a body that tries to set the source itself is ignored, never a 500
    other = register_petition(clerk, problem_unit=unit(DONGFENG))
    answer = api.post(
        f"{BASE}/from-petition",
        {"petition": other.pk, "kind": "neighbour", "source": "walk_in", "source_id": 5, "unit": 1},
    )
    assert answer.status_code == 201, answer.content
    assert answer.json()["source_id"] == other.pk
    # a petition outside scope
    stranger = api_client(user("village2-handler"))
    assert (
        stranger.post(f"{BASE}/from-petition", {"petition": petition.pk, "kind": "neighbour"}).status_code
        == 404
    )


# --- the figures ---------------------------------------------------------------------------------


def test_the_figures_equal_a_recount(api_client):
    a = register()  # 东风村, mediated and agreed orally
    step(a, "assign_mediator", mediator=user("village-handler").pk)
    step(a, "escalate", note="上交")
    register(procedure="simple")  # 东风村, found only
    c = register(actor="village2-handler", unit_code=HONGXING, procedure="simple")
    step(c, "assign_mediator", actor="village2-handler", mediator=user("village2-handler").pk)
    step(c, "record_outcome", actor="village2-handler", outcome="agreed", oral_terms="赔偿500元")
    register(actor="clerk", unit_code=TOWNSHIP)  # the township's own

    api = api_client(user("clerk"))
    answer = api.get(f"{BASE}/stats")
    assert answer.status_code == 200, answer.content
    stats = answer.json()
    township = unit(TOWNSHIP)
    assert stats["unit"] == township.pk
    assert stats["from"] == f"{timezone.localdate().year}-01-01"
    assert stats["to"] == f"{timezone.localdate().year}-12-31"
    rows = Dispute.objects.filter(unit_path__startswith=township.path)
    total = stats["total"]
    assert total["found"] == rows.count() == 4
    assert total["mediated"] == rows.filter(mediated_at__isnull=False).count() == 2
    assert total["succeeded"] == rows.filter(outcome=Outcome.AGREED).count() == 1
    assert total["passed_up"] == rows.filter(passed_up=True).count()
    assert total["participation"] == 50.0
    # 成功率 over the mediations that ended (agreed or failed): the one in mediation waits
    concluded = rows.filter(outcome__in=[Outcome.AGREED, Outcome.FAILED]).count()
    assert total["success"] == 100.0 * total["succeeded"] / concluded == 100.0
    assert total["satisfaction"] is None
    by_name = {r["name"]: r for r in stats["rows"]}
    assert by_name["东风村"]["found"] == rows.filter(unit__code=DONGFENG).count() == 2
    assert by_name["红星村"]["succeeded"] == 1
    assert by_name["城关镇"]["own"] is True
    assert sum(r["found"] for r in stats["rows"]) == total["found"]
    setting = DisputeSetting.load()
    assert stats["targets"]["participation"] == float(setting.target_participation)
    assert stats["below"]["participation"] is True
    assert stats["chain"] == setting.levels

    # one village, a period with nothing in it
    village = api.get(f"{BASE}/stats", unit=unit(DONGFENG).pk).json()
    assert village["total"]["found"] == 2
    empty = api.get(f"{BASE}/stats", **{"from": "2020-01-01", "to": "2020-12-31"}).json()
    assert empty["total"]["found"] == 0
    assert empty["total"]["participation"] is None


def test_the_figures_refuse_bad_dates_in_chinese_and_a_unit_outside_scope(api_client):
    api = api_client(user("clerk"))
    bad = api.get(f"{BASE}/stats", **{"from": "2026-13-01"})
    assert bad.status_code == 422
    assert "from" in bad.json()["errors"]
    assert chinese(bad.json()["errors"]["from"])
    reversed_ = api.get(f"{BASE}/stats", **{"from": "2026-06-01", "to": "2026-01-01"})
    assert reversed_.status_code == 422
    assert chinese(reversed_.json()["message"])
    assert "to" in reversed_.json()["errors"]
    assert api.get(f"{BASE}/stats", unit=unit("341122103").pk).status_code == 404  # 石桥镇
    # a village's handler reads their own village's figures, not the township's
    village = api_client(user("village-handler"))
    assert village.get(f"{BASE}/stats").json()["unit_name"] == "东风村"
    assert village.get(f"{BASE}/stats", unit=unit(TOWNSHIP).pk).status_code == 404
    assert api_client(user("auditor")).get(f"{BASE}/stats").status_code == 403


# --- the document ---------------------------------------------------------------------------------


def test_the_openapi_document_builds_with_each_actions_own_body(api_client):
    answer = api_client(user("clerk")).get("/api/v1/openapi.json")
    assert answer.status_code == 200
    paths = answer.json()["paths"]
    escalate = paths["/api/v1/disputes/{dispute_id}/actions/escalate"]["post"]
    fields = escalate["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert {"to_level", "party_request", "committee_opinion", "why_unsolvable"} <= set(fields)
    effective = paths["/api/v1/disputes/{dispute_id}/actions/make_effective"]["post"]
    assert "signed_parties" in effective["requestBody"]["content"]["application/json"]["schema"]["properties"]
    create = paths["/api/v1/disputes"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "class" in create["properties"]
    assert "dispute_class" not in create["properties"]
    assert "/api/v1/disputes/{dispute_id}/actions/register" not in paths
    assert "/api/v1/disputes/{dispute_id}/actions/link" not in paths
    for action in ("assign_mediator", "record_visit", "refer", "close"):
        assert f"/api/v1/disputes/{{dispute_id}}/actions/{action}" in paths
    schemas = answer.json()["components"]["schemas"]
    assert "class" in schemas["DisputeDetail"]["properties"]


def test_a_registration_says_its_source_but_never_a_conversion(api_client):
    api = api_client(user("village-handler"))
    body = {
        "unit": unit(DONGFENG).pk,
        "kind": "neighbour",
        "place": "东风村一组",
        "facts": "相邻通行纠纷",
        "demands": "恢复通行",
        "parties": [PARTY_A, PARTY_B],
    }
    made = api.post(BASE, {**body, "source": "duty"})
    assert made.status_code == 201, made.content
    assert Dispute.objects.get(pk=made.json()["id"]).source == "duty"
    forged = api.post(BASE, {**body, "source": "petition", "source_id": 1})
    assert forged.status_code == 422
    assert "source" in forged.json()["errors"]


def test_no_caller_records_a_link_the_services_did_not_make(api_client):
    dispute = register()
    api = api_client(user("village-handler"))
    forged = api.post(
        f"{BASE}/{dispute.pk}/actions/refer_linked",
        {"to": "petition", "link_kind": "petition", "link_id": 1, "link_number": "伪造", "note": "x"},
    )
    assert forged.status_code == 404
    assert Dispute.objects.get(pk=dispute.pk).links == []
