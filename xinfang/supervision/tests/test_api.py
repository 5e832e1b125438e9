"""The supervision API: open, list in scope, follow-up steps, and the Chinese refusals."""

from datetime import timedelta

import pytest
from django.utils import timezone

from xinfang.documents.models import Document
from xinfang.petitions.models import Petition
from xinfang.petitions.tests.factories import register
from xinfang.supervision.models import Supervision
from xinfang.supervision.services import supervision_propose_overdue

from .conftest import EAST_WIND, TOWNSHIP


@pytest.fixture
def as_user(api_client, user):
    clients = {}

    def get(username):
        if username not in clients:
            clients[username] = api_client(user(username))
        return clients[username]

    return get


def _open(client, petition_id, **fields):
    return client.post(f"/api/v1/petitions/{petition_id}/supervisions", fields)


def test_the_supervisor_opens_a_supervision_and_gets_201(assigned, as_user):
    # when
    response = _open(
        as_user("supervisor"), assigned.pk, trigger="deadline_missed", method="letter", note="请限期报告"
    )
    # then
    assert response.status_code == 201, response.content.decode()
    body = response.json()
    supervision = Supervision.objects.get(petition=assigned)
    assert body["id"] == supervision.pk
    assert body["petition_number"] == assigned.number
    assert (body["kind"], body["status"], body["status_label"]) == ("normal", "open", "督办中")
    assert (body["trigger_label"], body["method_label"]) == ("无正当理由超期未办结", "发函督办")
    assert (body["supervising_unit_name"], body["responsible_unit_name"]) == ("城关镇", "东风村")
    assert body["supervisor"] == "钱督办"
    assert body["level"] == 1
    assert body["note"] == "请限期报告"
    assert (
        Document.objects.filter(
            owner_type="petitions.petition", owner_id=assigned.pk, kind="supervision_notice"
        ).count()
        == 1
    )


def test_bad_fields_answer_422_with_chinese_messages(assigned, as_user):
    response = _open(as_user("supervisor"), assigned.pk, trigger="whatever", method="")
    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "督办信息有误，请按提示修改。"
    assert "督办事由须为以下之一" in body["errors"]["trigger"]
    assert "请选择督办方式" in body["errors"]["method"]
    bad_date = _open(
        as_user("supervisor"), assigned.pk, trigger="other", method="phone", deadline="2026-13-01"
    )
    assert bad_date.status_code == 422
    assert bad_date.json()["errors"]["deadline"] == "日期格式应为 YYYY-MM-DD。"
    assert not Supervision.objects.exists()


def test_refusals_answer_403_404_and_409(assigned, clerk, as_user, user):
    assert _open(as_user("handler"), assigned.pk, trigger="other", method="phone").status_code == 403
    # a handler's role may not supervise at all: 403 comes before the scope
    assert _open(as_user("village2-handler"), assigned.pk, trigger="other", method="phone").status_code == 403
    outsider = as_user("county-clerk")
    registered = register(clerk)
    conflict = _open(outsider, registered.pk, trigger="other", method="phone")
    assert conflict.status_code == 409
    assert "尚未转送或交办" in conflict.json()["message"]
    assert not Supervision.objects.exists()


def test_a_supervision_outside_scope_is_404_for_the_other_village(assigned, as_user):
    # given
    _open(as_user("supervisor"), assigned.pk, trigger="other", method="phone")
    supervision = Supervision.objects.get()
    other = as_user("village2-handler")
    # when / then
    assert other.get(f"/api/v1/petitions/{assigned.pk}/supervisions").status_code == 404
    assert other.get("/api/v1/supervisions").json()["count"] == 0
    act = other.post(
        f"/api/v1/supervisions/{supervision.pk}/actions/answer_supervision", {"report": "已办理"}
    )
    assert act.status_code == 404
    assert act.json()["message"] == "记录不存在或您无权查看。"
    assert as_user("village-handler").get(f"/api/v1/petitions/{assigned.pk}/supervisions").json()[0][
        "id"
    ] == (supervision.pk)


def test_the_list_filters_by_status_and_kind_and_pages(assigned, as_user):
    # given
    client = as_user("supervisor")
    for trigger in ("other", "procedure", "shirking"):  # one 事由 at a time while it runs
        _open(client, assigned.pk, trigger=trigger, method="phone")
    # when
    page = client.get("/api/v1/supervisions", status="open", kind="normal", page=2, page_size=2).json()
    # then
    assert (page["count"], page["page"], page["page_size"]) == (3, 2, 2)
    assert len(page["items"]) == 1
    assert client.get("/api/v1/supervisions", status="closed").json()["count"] == 0
    bad = client.get("/api/v1/supervisions", status="done")
    assert bad.status_code == 422
    assert "状态" in bad.json()["message"]


def test_the_follow_up_steps_run_through_the_transition_function(assigned, as_user):
    # given
    opened = _open(as_user("supervisor"), assigned.pk, trigger="other", method="phone").json()
    url = f"/api/v1/supervisions/{opened['id']}/actions"
    # when
    answered = as_user("village-handler").post(f"{url}/answer_supervision", {"report": "已办理完毕"})
    twice = as_user("village-handler").post(f"{url}/answer_supervision", {"report": "再次报告"})
    closed = as_user("supervisor").post(f"{url}/close_supervision", {"note": "同意"})
    unknown = as_user("supervisor").post(f"{url}/dance", {})
    # then
    assert answered.status_code == 200, answered.content.decode()
    assert (answered.json()["status"], answered.json()["report"]) == ("answered", "已办理完毕")
    assert twice.status_code == 409
    assert closed.status_code == 200
    assert closed.json()["status"] == "closed"
    assert unknown.status_code == 422


def test_a_proposal_is_dismissed_through_the_api_with_its_reason(assigned, as_user):
    # given
    Petition.objects.filter(pk=assigned.pk).update(current_deadline=timezone.localdate() - timedelta(days=1))
    supervision_propose_overdue(actor=None)
    url = f"/api/v1/supervisions/{Supervision.objects.get(petition=assigned).pk}/actions/dismiss_supervision"
    # when
    missing = as_user("clerk").post(url, {})
    dismissed = as_user("clerk").post(url, {"reason": "已批准延期，超期有正当理由"})
    # then
    assert missing.status_code == 422
    assert missing.json()["errors"] == {"reason": "请填写不予督办理由。"}
    assert dismissed.status_code == 200, dismissed.content.decode()
    assert dismissed.json()["status"] == "dismissed"
    assert dismissed.json()["status_label"] == "不予督办"


def test_a_leader_lists_through_the_api_and_the_clerk_may_not(assigned, as_user, user, unit_by_code):
    # given
    fields = {
        "kind": "listed",
        "trigger": "other",
        "case_leader": "leader",
        "responsible_unit": unit_by_code(EAST_WIND).pk,
        "responsible_person": "village-handler",
        "supervising_unit": unit_by_code(TOWNSHIP).pk,
        "supervisor": "supervisor",
        "time_limit": (timezone.localdate() + timedelta(days=10)).isoformat(),
        "packages": ["know_situation"],
    }
    # when
    refused = _open(as_user("clerk"), assigned.pk, **fields)
    missing = _open(as_user("leader"), assigned.pk, kind="listed", trigger="other")
    listed = _open(as_user("leader"), assigned.pk, **fields)
    # then
    assert refused.status_code == 403
    assert missing.status_code == 422
    assert set(missing.json()["errors"]) == {
        "case_leader",
        "responsible_unit",
        "responsible_person",
        "supervising_unit",
        "supervisor",
        "time_limit",
    }
    assert listed.status_code == 201, listed.content.decode()
    body = listed.json()
    assert (body["kind_label"], body["case_leader"], body["responsible_person"]) == (
        "挂牌督办",
        "张分管",
        "陈村干部",
    )
    assert [p["done"] for p in body["five_packages"]] == [True, False, False, False, False]
