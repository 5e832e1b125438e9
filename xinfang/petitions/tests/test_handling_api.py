"""The handling procedure over the REST API: the refusals and their codes (403, 404, 409, 422),
the detail's allowed actions, a whole walk from acceptance to a final re-review with its notices,
and the per-unit-type deadline rules taking effect."""

from datetime import timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.deadlines.engine import compute_deadline
from xinfang.deadlines.models import Deadline
from xinfang.deadlines.selectors import calendar_load
from xinfang.deadlines.services import rule_setting_save
from xinfang.documents.models import Document
from xinfang.petitions.models import Petition
from xinfang.petitions.workflow import OWNER_TYPE, Action, allowed_actions, petition_transition
from xinfang.petitions.workflow.schemas import REPORT_CHECKS

from .alert_helpers import STATION, station_handler
from .factories import register

ALL_CHECKS = list(REPORT_CHECKS)  # the leader confirms each of the four

EAST_WIND = "341122101201"  # 东风村
TOWNSHIP = "341122101"  # 城关镇
COUNTY = "341122"  # 青山县


@pytest.fixture(autouse=True)
def _notices_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _user(username: str) -> User:
    return User.objects.select_related("unit").get(username=username)


@pytest.fixture
def as_user(api_client):
    """One API client (one token) per demo username."""
    clients = {}

    def get(username: str):
        if username not in clients:
            clients[username] = api_client(_user(username))
        return clients[username]

    return get


def _act(client, petition_id: int, action: str, **fields):
    return client.post(f"/api/v1/petitions/{petition_id}/actions/{action}", fields)


def _ok(response, status: str):
    assert response.status_code == 200, response.content.decode()
    assert response.json()["status"] == status
    return response.json()


@pytest.fixture
def assigned(demo, clerk, unit_by_code, as_user):
    """A petition registered at 城关镇, accepted and assigned to 东风村 (handler: village-handler)."""
    petition = register(clerk)
    _ok(_act(as_user("clerk"), petition.pk, "accept"), "accepted")
    village_handler = _user("village-handler")
    _ok(
        _act(
            as_user("clerk"),
            petition.pk,
            "assign",
            unit=unit_by_code(EAST_WIND).pk,
            handler=village_handler.pk,
            deadline=(timezone.localdate() + timedelta(days=20)).isoformat(),
        ),
        "assigned",
    )
    return Petition.objects.get(pk=petition.pk)


# --- refusals -------------------------------------------------------------------------------


def test_a_late_review_request_answers_409_with_the_deadline_in_chinese(assigned, as_user):
    # given: an answer delivered 60 days ago (the petition was accepted 90 days ago)
    _ok(_act(as_user("village-handler"), assigned.pk, "submit_report", report="已办结"), "report_pending")
    _ok(_act(as_user("leader"), assigned.pk, "approve_report", checks=ALL_CHECKS), "approved")
    Petition.objects.filter(pk=assigned.pk).update(accepted_at=timezone.now() - timedelta(days=90))
    long_ago = timezone.localdate() - timedelta(days=60)
    _ok(
        _act(
            as_user("clerk"),  # the township answers what its village investigated
            assigned.pk,
            "answer",
            outcome="explain",
            text="解释说明",
            delivered_on=long_ago.isoformat(),
        ),
        "answered",
    )
    window_ends = Petition.objects.get(pk=assigned.pk).window_ends
    assert window_ends < timezone.localdate()
    # when
    response = _act(
        as_user("county-clerk"),  # the review lies with the county, above the township
        assigned.pk,
        "request_review",
        requested_on=timezone.localdate().isoformat(),
        reason="不服处理意见",
    )
    # then
    assert response.status_code == 409, response.content.decode()
    message = response.json()["message"]
    assert "申请复查期限已过" in message
    assert window_ends.isoformat() in message
    assert "依法不再受理" in message
    assert Petition.objects.get(pk=assigned.pk).status == "answered"


def test_an_extension_beyond_thirty_days_answers_422_on_days(assigned, as_user):
    response = _act(as_user("village-handler"), assigned.pk, "request_extension", days=31, reason="情况复杂")
    assert response.status_code == 422, response.content.decode()
    body = response.json()
    assert "最多 30 日" in body["message"]
    assert body["errors"]["days"] == "须在 1 至 30 之间。"
    assert Petition.objects.get(pk=assigned.pk).extension_requested_days == 0


@pytest.mark.parametrize("username", ["clerk", "handler"])
def test_only_a_leader_may_approve_a_closure_report(assigned, as_user, username):
    _ok(_act(as_user("village-handler"), assigned.pk, "submit_report", report="已办结"), "report_pending")
    response = _act(as_user(username), assigned.pk, "approve_report")
    assert response.status_code == 403, response.content.decode()
    assert "审核通过" in response.json()["message"]
    assert Petition.objects.get(pk=assigned.pk).status == "report_pending"


def test_a_handler_outside_scope_gets_404_everywhere(assigned, as_user):
    other = as_user("village2-handler")
    document = Document.objects.filter(owner_type="petitions.petition", owner_id=assigned.pk).first()
    assert document is not None
    assert other.get(f"/api/v1/petitions/{assigned.pk}").status_code == 404
    assert other.get(f"/api/v1/petitions/{assigned.pk}/timeline").status_code == 404
    for action, fields in [("submit_report", {"report": "已办理"}), ("object", {"reason": "不属于本村"})]:
        response = _act(other, assigned.pk, action, **fields)
        assert response.status_code == 404, (action, response.content.decode())
        assert response.json()["message"] == "记录不存在或您无权查看。"
    assert other.get(f"/api/v1/petitions/{assigned.pk}/documents").status_code == 404
    assert other.get(f"/api/v1/documents/{document.pk}/download").status_code == 404
    assert Petition.objects.get(pk=assigned.pk).status == "assigned"


def test_an_unknown_action_answers_422(assigned, as_user):
    response = _act(as_user("clerk"), assigned.pk, "dance")
    assert response.status_code == 422, response.content.decode()
    assert "未知的办理操作" in response.json()["message"]
    assert "action" in response.json()["errors"]


# --- the detail -------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["clerk", "leader", "village-handler", "county-leader"])
def test_the_detail_shows_status_deadline_and_the_callers_actions(assigned, as_user, username):
    response = as_user(username).get(f"/api/v1/petitions/{assigned.pk}")
    assert response.status_code == 200, response.content.decode()
    body = response.json()
    assert body["status"] == "assigned"
    assert body["current_deadline"] == assigned.current_deadline.isoformat()
    petition = Petition.objects.select_related("answered_unit__parent", "review_unit").get(pk=assigned.pk)
    assert body["allowed_actions"] == allowed_actions(petition, _user(username))


def test_the_detail_offers_each_role_its_own_steps(assigned, as_user):
    def offered(username):
        return set(as_user(username).get(f"/api/v1/petitions/{assigned.pk}").json()["allowed_actions"])

    assert {"submit_report", "request_extension", "object"} <= offered("village-handler")
    assert not {"approve_report", "take_ownership"} & offered("village-handler")
    assert {"schedule_hearing", "take_ownership", "instruct"} <= offered("leader")
    assert not {"submit_report", "answer"} & offered("clerk")


# --- the whole walk -------------------------------------------------------------------------


def test_the_whole_procedure_over_the_api(demo, clerk, unit_by_code, as_user):
    today = timezone.localdate().isoformat()
    # 城关派出所, an organ under the township: it answers in its own name, the township reviews
    # and the county re-reviews (a village only investigates: test_answering_organ)
    village = unit_by_code(STATION)
    station_handler()
    petition = register(clerk)
    pid = petition.pk

    accepted = _ok(_act(as_user("clerk"), pid, "accept"), "accepted")
    assert accepted["current_deadline"]
    due = (timezone.localdate() + timedelta(days=20)).isoformat()
    assigned = _ok(
        _act(
            as_user("clerk"),
            pid,
            "assign",
            unit=village.pk,
            handler=_user("station-handler").pk,
            deadline=due,
        ),
        "assigned",
    )
    assert assigned["current_deadline"] == due  # the 交办 deadline is earlier than the 60 days
    _ok(
        _act(as_user("station-handler"), pid, "submit_report", report="经核查，已协调解决。"),
        "report_pending",
    )
    returned = _ok(_act(as_user("leader"), pid, "return_report", reason="事实不清，补充调查笔录"), "handling")
    assert "submit_report" not in returned["allowed_actions"]  # the leader cannot report
    _ok(
        _act(as_user("station-handler"), pid, "submit_report", report="补充调查笔录后已解决。"),
        "report_pending",
    )
    _ok(_act(as_user("leader"), pid, "approve_report", checks=ALL_CHECKS), "approved")
    answered = _ok(
        _act(
            as_user("station-handler"),
            pid,
            "answer",
            outcome="support",
            text="支持您的诉求。",
            delivered_on=today,
        ),
        "answered",
    )
    assert answered["current_deadline"] is None
    detail = as_user("clerk").get(f"/api/v1/petitions/{pid}").json()
    window = compute_deadline(
        start=timezone.localdate(), amount=30, unit="calendar_days", calendar=calendar_load()
    )
    assert detail["window_ends"] == window.due_date.isoformat()
    assert "request_review" in detail["allowed_actions"]  # 城关镇 is the organ above 城关派出所

    review = _ok(
        _act(as_user("clerk"), pid, "request_review", requested_on=today, reason="不服处理意见"), "review"
    )
    assert review["current_deadline"]
    assert as_user("clerk").get(f"/api/v1/petitions/{pid}").json()["review_unit_name"] == "城关镇"
    _ok(
        _act(
            as_user("principal"),
            pid,
            "decide_review",
            outcome="explain",
            text="维持原处理意见。",
            delivered_on=today,
        ),
        "answered",
    )
    # the review was decided by 城关镇: the re-review goes to 青山县
    assert (
        "request_rereview" not in as_user("clerk").get(f"/api/v1/petitions/{pid}").json()["allowed_actions"]
    )
    assert (
        _act(as_user("clerk"), pid, "request_rereview", requested_on=today, reason="不服").status_code == 403
    )
    _ok(
        _act(as_user("county-clerk"), pid, "request_rereview", requested_on=today, reason="不服复查意见"),
        "rereview",
    )
    assert as_user("county-clerk").get(f"/api/v1/petitions/{pid}").json()["review_unit_name"] == "青山县"
    assert (
        _act(
            as_user("principal"), pid, "decide_rereview", outcome="explain", text="维持。", delivered_on=today
        ).status_code
        == 403
    )
    final = _ok(
        _act(
            as_user("county-leader"),
            pid,
            "decide_rereview",
            outcome="explain",
            text="维持。",
            delivered_on=today,
        ),
        "closed",
    )
    assert final["current_deadline"] is None
    detail = as_user("county-leader").get(f"/api/v1/petitions/{pid}").json()
    assert detail["is_final"] is True
    assert detail["window_ends"] is None

    # the timeline and the notices
    timeline = as_user("clerk").get(f"/api/v1/petitions/{pid}/timeline").json()
    assert [e["action"] for e in timeline] == [
        "accept",
        "assign",
        "submit_report",
        "return_report",
        "submit_report",
        "approve_report",
        "answer",
        "request_review",
        "decide_review",
        "request_rereview",
        "decide_rereview",
    ]
    documents = as_user("clerk").get(f"/api/v1/petitions/{pid}/documents")
    assert documents.status_code == 200
    kinds = [d["kind"] for d in documents.json()]
    assert kinds == [
        "acceptance_notice",
        "assignment_notice",
        "closure_report",
        "closure_report",
        "handling_opinion",
        "review_opinion",
        "rereview_opinion",
    ]
    opinion = documents.json()[4]
    download = as_user("station-handler").get(opinion["download_url"])
    assert download.status_code == 200
    disposition = download["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert quote(opinion["original_name"]) in disposition
    assert b"".join(download.streaming_content)[:2] == b"PK"  # a .docx is a zip

    # a final matter: every further step is refused (record_visit alone stays open)
    for username in (
        "clerk",
        "handler",
        "leader",
        "principal",
        "county-clerk",
        "county-leader",
        "station-handler",
    ):
        client = as_user(username)
        offered = client.get(f"/api/v1/petitions/{pid}").json()["allowed_actions"]
        assert set(offered) <= {"record_visit"}, (username, offered)
        for action in Action.values:
            if action == "record_visit":
                continue
            response = _act(
                client, pid, action, requested_on=today, reason="再次申请", satisfaction="dissatisfied"
            )
            assert response.status_code in (403, 409), (username, action, response.status_code)
    visit = _ok(_act(as_user("clerk"), pid, "record_visit", satisfaction="dissatisfied"), "closed")
    assert visit["allowed_actions"] == ["record_visit"]
    assert Petition.objects.get(pk=pid).satisfaction == "dissatisfied"


# --- the deadline rules per unit type ---------------------------------------------------------


def test_a_village_rule_setting_sets_the_handling_clock_of_an_assignment(
    demo, clerk, sysadmin, unit_by_code, as_user
):
    rule_setting_save(actor=sysadmin, unit_type="village", rule="handling", amount=7, unit="working_days")
    petition = register(clerk)
    response = _act(
        as_user("clerk"),
        petition.pk,
        "assign",
        unit=unit_by_code(EAST_WIND).pk,
        handler=_user("village-handler").pk,
    )
    body = _ok(response, "assigned")
    handling = Deadline.objects.get(owner_type=OWNER_TYPE, owner_id=petition.pk, is_open=True)
    assert (handling.rule, handling.amount, handling.unit) == ("handling", 7, "working_days")
    expected = compute_deadline(
        start=handling.start_date, amount=7, unit="working_days", calendar=calendar_load()
    ).due_date
    assert handling.due_date == expected
    assert body["current_deadline"] == expected.isoformat()
    assert Petition.objects.get(pk=petition.pk).accepted_at is not None
    # the acceptance clock was closed, and a town-handled matter keeps the law's 60 days
    assert not Deadline.objects.get(owner_type=OWNER_TYPE, owner_id=petition.pk, rule="acceptance").is_open
    other = petition_transition(petition=register(clerk), action="accept", actor=clerk)
    town = Deadline.objects.get(owner_type=OWNER_TYPE, owner_id=other.pk, is_open=True)
    assert (town.amount, town.unit) == (60, "calendar_days")


def test_approving_a_report_confirms_each_check_explicitly(assigned, as_user):
    """Issue 17: `approve_report` without `checks` recorded all four as confirmed."""
    _ok(_act(as_user("village-handler"), assigned.pk, "submit_report", report="已办结"), "report_pending")
    # when: no checks at all
    response = _act(as_user("leader"), assigned.pk, "approve_report")
    # then
    assert response.status_code == 422, response.content.decode()
    assert "checks" in response.json()["errors"]
    assert Petition.objects.get(pk=assigned.pk).status == "report_pending"
