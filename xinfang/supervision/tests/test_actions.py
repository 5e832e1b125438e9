"""The supervision actions through the petition's one transition function: what each writes
(supervision rows, timeline event, audit entry, notice, notifications) and who is refused."""

from datetime import timedelta

import pytest
from django.utils import timezone

from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.core.exceptions import Conflict, PermissionDenied, ValidationFailed
from xinfang.documents.models import Document
from xinfang.notifications.models import Notification
from xinfang.petitions.models import Petition, PetitionEvent
from xinfang.petitions.tests.factories import register
from xinfang.petitions.workflow import allowed_actions
from xinfang.supervision.models import Supervision, SupervisionEvent, SupervisionLog
from xinfang.supervision.services import report_deadline, supervision_propose_overdue

from .conftest import COUNTY, EAST_WIND, RED_STAR, TOWNSHIP, six_fixed


def _state(petition):
    """What a refused action must leave unchanged."""
    return (
        list(Supervision.objects.filter(petition=petition).values_list("pk", "status", "five_packages")),
        PetitionEvent.objects.filter(petition=petition).count(),
        SupervisionEvent.objects.filter(supervision__petition=petition).count(),
        AuditEntry.objects.count(),
        Document.objects.filter(owner_type="petitions.petition", owner_id=petition.pk).count(),
        Notification.objects.count(),
        SupervisionLog.objects.count(),
    )


# --- 督办 ---------------------------------------------------------------------------------------


def test_supervising_opens_a_supervision_with_event_audit_notice_and_notification(
    assigned, act, user, unit_by_code
):
    # given
    due = timezone.localdate() + timedelta(days=7)
    # when
    act(
        assigned,
        "supervise",
        "supervisor",
        trigger="deadline_missed",
        method="letter",
        deadline=due,
        note="限期报告",
    )
    # then
    supervision = Supervision.objects.get(petition=assigned)
    assert supervision.status == "open"
    assert supervision.kind == "normal"
    assert supervision.level == 1
    assert supervision.deadline == due
    assert supervision.supervising_unit == unit_by_code(TOWNSHIP)
    assert supervision.responsible_unit == unit_by_code(EAST_WIND)
    assert supervision.unit_path == unit_by_code(EAST_WIND).path
    assert supervision.supervisor == user("supervisor")
    assert supervision.note == "限期报告"
    event = SupervisionEvent.objects.filter(supervision__petition=assigned).latest("id")
    assert event.action == "supervise"
    assert (event.from_status, event.to_status) == ("", "open")  # the supervision's own history
    assert Petition.objects.get(pk=assigned.pk).status == "assigned"  # the petition's state stays
    assert event.data["supervision"] == supervision.pk
    assert event.data["trigger"] == "deadline_missed"
    assert event.data["ground_label"] == "无正当理由超期未办结"
    assert event.data["unit_name"] == "东风村"
    entry = AuditEntry.objects.filter(event=AuditEvent.STATE_TRANSITION).latest("id")
    assert entry.extra_data["action"] == "supervise"
    assert entry.extra_data["event_id"] == event.pk
    assert entry.extra_data["supervision"] == supervision.pk
    notice = Document.objects.get(
        owner_type="petitions.petition", owner_id=assigned.pk, kind="supervision_notice"
    )
    assert notice.event_id == event.pk
    assert notice.unit == unit_by_code(TOWNSHIP)
    # the responsible unit is told, keyed by the step's event (one notice per person and event)
    notified = Notification.objects.filter(
        kind="supervision", dedupe_key=f"supervision.supervision:{event.pk}"
    )
    assert user("village-handler").pk in set(notified.values_list("recipient_id", flat=True))


def test_one_office_supervising_the_same_matter_for_the_same_reason_again_is_refused(supervised, act, user):
    # given: the township's supervisor supervised the matter (推诿、敷衍、拖延); the village was told once
    before = _state(supervised)
    # when: the supervisor presses 督办 again, and a clerk of the same office does too
    for username in ("supervisor", "clerk"):
        with pytest.raises(Conflict, match="不能重复督办"):
            act(supervised, "supervise", username, trigger="shirking", method="phone", note="请加快办理")
    # then: still one supervision, one notice to the village handler, nothing else written
    assert _state(supervised) == before
    told = Notification.objects.filter(recipient=user("village-handler"), kind="supervision")
    assert list(told.values_list("title", flat=True)) == [f"督办：{supervised.number}"]
    # and another reason is another supervision, told once more
    act(supervised, "supervise", "clerk", trigger="procedure", method="phone")
    assert told.count() == 2


def test_supervising_takes_chinese_labels_and_defaults_the_time_limit(assigned, act):
    # when
    act(assigned, "supervise", "clerk", trigger="推诿、敷衍、拖延", method="约谈")
    # then
    supervision = Supervision.objects.get(petition=assigned)
    assert (supervision.trigger, supervision.method) == ("shirking", "talk")
    assert supervision.deadline == report_deadline(timezone.localdate())


def test_supervising_names_every_bad_field_in_chinese_and_writes_nothing(assigned, act):
    # given
    before = _state(assigned)
    yesterday = timezone.localdate() - timedelta(days=1)
    # when
    with pytest.raises(ValidationFailed) as refused:
        act(assigned, "supervise", "supervisor", trigger="", method="fax", deadline=yesterday)
    # then
    assert set(refused.value.extra) == {"trigger", "method", "deadline"}
    assert "请选择督办事由" in refused.value.extra["trigger"]
    assert "不能早于今天" in refused.value.extra["deadline"]
    assert _state(assigned) == before


def test_the_responsible_unit_must_lie_on_the_petitions_chain(assigned, act, unit_by_code):
    with pytest.raises(ValidationFailed) as refused:
        act(
            assigned,
            "supervise",
            "supervisor",
            trigger="other",
            method="phone",
            responsible_unit=unit_by_code(RED_STAR).pk,
        )
    assert "责任单位" in refused.value.extra["responsible_unit"]


@pytest.mark.parametrize("username", ["handler", "village-handler", "principal"])
def test_roles_the_rules_do_not_name_may_not_supervise(assigned, act, username):
    # given
    before = _state(assigned)
    # when / then
    with pytest.raises(PermissionDenied, match="督办"):
        act(assigned, "supervise", username, trigger="other", method="phone")
    assert _state(assigned) == before


def test_a_matter_not_yet_routed_is_supervised_only_once_overdue(clerk, act, user):
    # given
    petition = register(clerk)
    # then: the township's own matter, still within its acceptance period
    assert "supervise" not in allowed_actions(petition, user("county-clerk"))
    with pytest.raises(Conflict, match="尚未转送或交办"):
        act(petition, "supervise", "county-clerk", trigger="deadline_missed", method="letter")
    # when the acceptance period has passed
    Petition.objects.filter(pk=petition.pk).update(current_deadline=timezone.localdate() - timedelta(days=1))
    act(petition, "supervise", "county-clerk", trigger="deadline_missed", method="letter")
    # then the county supervises the township that registered it
    supervision = Supervision.objects.get(petition=petition)
    assert supervision.supervising_unit.code == COUNTY
    assert supervision.responsible_unit.code == TOWNSHIP


# --- 报告、办结 ----------------------------------------------------------------------------------


def test_the_village_reports_and_the_supervisor_is_notified(supervised, act, user):
    # given
    supervision = Supervision.objects.get(petition=supervised)
    # when
    act(supervised, "answer_supervision", "village-handler", report="已与信访人见面，问题已解决。")
    # then
    supervision.refresh_from_db()
    assert supervision.status == "answered"
    assert supervision.report == "已与信访人见面，问题已解决。"
    assert supervision.answered_by == user("village-handler")
    assert supervision.answered_at is not None
    event = SupervisionEvent.objects.filter(supervision__petition=supervised).latest("id")
    assert (event.action, event.data["supervision"]) == ("answer_supervision", supervision.pk)
    assert event.data["report"] == "已与信访人见面，问题已解决。"
    entry = AuditEntry.objects.filter(event=AuditEvent.STATE_TRANSITION).latest("id")
    assert entry.extra_data["action"] == "answer_supervision"
    assert "report" not in entry.extra_data  # long texts stay on the timeline, not in the audit log
    assert Notification.objects.filter(
        recipient=user("supervisor"), kind="supervision", dedupe_key=f"supervision.supervision:{event.pk}"
    ).exists()


def test_a_report_needs_its_text(supervised, act):
    before = _state(supervised)
    with pytest.raises(ValidationFailed) as refused:
        act(supervised, "answer_supervision", "village-handler", report="  ")
    assert refused.value.extra == {"report": "请填写办结报告。"}
    assert _state(supervised) == before


def test_a_supervision_of_another_petition_is_refused_as_unknown(supervised, clerk, act, unit_by_code, user):
    # given: a second matter assigned to the same village
    other = register(clerk)
    other = act(other, "accept", "clerk")
    other = act(other, "assign", "clerk", unit=unit_by_code(EAST_WIND).pk)
    act(other, "supervise", "supervisor", trigger="other", method="phone")
    foreign = Supervision.objects.get(petition=other)
    before = _state(supervised)
    # when / then
    with pytest.raises(ValidationFailed) as refused:
        act(supervised, "answer_supervision", "village-handler", supervision=foreign.pk, report="已办理")
    assert refused.value.extra == {"supervision": "督办事项不存在或不属于本信访件。"}
    assert _state(supervised) == before


def test_a_second_report_and_a_premature_closure_are_conflicts(supervised, act):
    # given
    supervision = Supervision.objects.get(petition=supervised)
    with pytest.raises(Conflict, match="没有已报告待办结的督办事项"):
        act(supervised, "close_supervision", "supervisor")
    act(supervised, "answer_supervision", "village-handler", report="已办理")
    act(supervised, "supervise", "supervisor", trigger="procedure", method="talk")
    second = Supervision.objects.filter(petition=supervised).latest("pk")
    before = _state(supervised)
    # when / then
    with pytest.raises(Conflict, match="已报告"):
        act(
            supervised, "answer_supervision", "village-handler", supervision=supervision.pk, report="再报一次"
        )
    with pytest.raises(Conflict, match="督办中"):
        act(supervised, "close_supervision", "supervisor", supervision=second.pk)
    assert _state(supervised) == before


def test_with_two_open_supervisions_the_report_must_name_one(supervised, act):
    act(supervised, "supervise", "supervisor", trigger="procedure", method="talk")
    with pytest.raises(ValidationFailed) as refused:
        act(supervised, "answer_supervision", "village-handler", report="已办理")
    assert "督办事项编号" in refused.value.extra["supervision"]


def test_the_supervisor_closes_an_answered_supervision(supervised, act):
    # given
    act(supervised, "answer_supervision", "village-handler", report="已办理")
    # when
    act(supervised, "close_supervision", "supervisor", note="同意办结")
    # then
    supervision = Supervision.objects.get(petition=supervised)
    assert supervision.status == "closed"
    assert supervision.closed_at is not None
    assert (
        SupervisionEvent.objects.filter(supervision__petition=supervised).latest("id").action
        == "close_supervision"
    )


def test_a_handler_may_not_close_a_supervision(supervised, act):
    act(supervised, "answer_supervision", "village-handler", report="已办理")
    before = _state(supervised)
    with pytest.raises(PermissionDenied):
        act(supervised, "close_supervision", "village-handler")
    assert _state(supervised) == before


# --- 挂牌督办、摘牌 -------------------------------------------------------------------------------


def test_listing_needs_all_of_six_fixed_each_with_its_message(assigned, act):
    # given
    before = _state(assigned)
    # when
    with pytest.raises(ValidationFailed, match="六定") as refused:
        act(assigned, "list_supervision", "leader", trigger="other")
    # then
    assert refused.value.extra == {
        "case_leader": "请选择案件领导。",
        "responsible_unit": "请选择责任单位。",
        "responsible_person": "请选择责任人。",
        "supervising_unit": "请选择督办单位。",
        "supervisor": "请选择督办人。",
        "time_limit": "请填写办理时限，格式 YYYY-MM-DD。",
    }
    assert _state(assigned) == before


def test_listing_checks_who_may_fill_each_ofsix_fixed(assigned, act, user, unit_by_code):
    fields = six_fixed(
        user,
        unit_by_code,
        case_leader=user("clerk").pk,  # not a leader
        responsible_person=user("village2-handler").pk,  # another village
        supervisor=user("county-clerk").pk,  # not of the supervising unit
    )
    with pytest.raises(ValidationFailed) as refused:
        act(assigned, "list_supervision", "leader", **fields)
    assert set(refused.value.extra) == {"case_leader", "responsible_person", "supervisor"}


def test_a_leader_lists_the_matter_with_six_fixed_and_five_packages(assigned, act, user, unit_by_code):
    # given
    fields = six_fixed(user, unit_by_code, case_leader="leader", packages="了解情况、稳控管理")
    # when
    act(assigned, "list_supervision", "leader", **fields)
    # then
    listed = Supervision.objects.get(petition=assigned)
    assert (listed.kind, listed.status) == ("listed", "open")
    assert listed.case_leader == user("leader")
    assert listed.responsible_person == user("village-handler")
    assert listed.supervisor == user("supervisor")
    assert listed.supervising_unit == unit_by_code(TOWNSHIP)
    assert listed.deadline == fields["time_limit"]
    done = {code for code, item in listed.five_packages.items() if item["done"]}
    assert done == {"know_situation", "keep_control"}
    assert len(listed.five_packages) == 5
    event = SupervisionEvent.objects.filter(supervision__petition=assigned).latest("id")
    assert event.action == "list_supervision"
    assert event.data["leader_name"] == "张分管"
    assert Document.objects.filter(
        owner_type="petitions.petition", owner_id=assigned.pk, kind="supervision_notice", event_id=event.pk
    ).exists()
    # the case leader and the responsible person are told, the leader who listed it is not
    told = set(Notification.objects.filter(kind="supervision").values_list("recipient__username", flat=True))
    assert "village-handler" in told
    assert "leader" not in told
    # and a second listing of the same matter is refused
    with pytest.raises(Conflict, match="已挂牌督办"):
        act(assigned, "list_supervision", "leader", **fields)


@pytest.mark.parametrize("username", ["clerk", "supervisor", "village-handler"])
def test_only_leaders_list_and_delist(assigned, act, user, unit_by_code, username):
    # given
    act(assigned, "list_supervision", "leader", **six_fixed(user, unit_by_code))
    before = _state(assigned)
    # when / then
    with pytest.raises(PermissionDenied):
        act(assigned, "list_supervision", username, **six_fixed(user, unit_by_code))
    with pytest.raises(PermissionDenied):
        act(assigned, "delist_supervision", username, reason="已化解")
    assert _state(assigned) == before


def test_delisting_ends_the_listed_supervision(assigned, act, user, unit_by_code):
    # given
    act(assigned, "list_supervision", "leader", **six_fixed(user, unit_by_code))
    # when
    act(assigned, "delist_supervision", "principal", reason="矛盾已化解，信访人息诉罢访")
    # then
    listed = Supervision.objects.get(petition=assigned)
    assert listed.status == "closed"
    assert listed.delisted_at is not None
    assert SupervisionLog.objects.get(supervision=listed).text == "摘牌：矛盾已化解，信访人息诉罢访"
    assert (
        SupervisionEvent.objects.filter(supervision__petition=assigned).latest("id").data["reason"]
        == "矛盾已化解，信访人息诉罢访"
    )


def test_a_listed_supervision_is_not_closed_by_the_office(assigned, act, user, unit_by_code):
    act(assigned, "list_supervision", "leader", **six_fixed(user, unit_by_code))
    listed = Supervision.objects.get(petition=assigned)
    act(assigned, "answer_supervision", "village-handler", report="已办理")
    with pytest.raises(Conflict, match="督办办结"):
        act(assigned, "close_supervision", "supervisor", supervision=listed.pk)
    assert Supervision.objects.get(pk=listed.pk).status == "answered"


# --- 进展、确认 ---------------------------------------------------------------------------------


def test_progress_entries_are_logged_and_tick_five_packages(assigned, act, user, unit_by_code):
    # given
    act(assigned, "list_supervision", "leader", **six_fixed(user, unit_by_code))
    # when
    act(
        assigned,
        "log_supervision",
        "village-handler",
        text="已入户走访，落实帮扶措施。",
        packages=["solve_difficulty"],
    )
    # then
    listed = Supervision.objects.get(petition=assigned)
    assert listed.five_packages["solve_difficulty"]["done"] is True
    assert listed.five_packages["solve_difficulty"]["done_on"] == timezone.localdate().isoformat()
    log = SupervisionLog.objects.get(supervision=listed)
    assert (log.actor, log.text) == (user("village-handler"), "已入户走访，落实帮扶措施。")
    event = SupervisionEvent.objects.filter(supervision__petition=assigned).latest("id")
    assert event.data["packages_done"] == ["解决困难"]


def test_five_packages_belong_to_listed_supervisions_only(supervised, act):
    with pytest.raises(ValidationFailed) as refused:
        act(supervised, "log_supervision", "supervisor", text="电话催办", packages="了解情况")
    assert refused.value.extra == {"packages": "只有挂牌督办事项有“五包”。"}


def test_the_office_confirms_a_proposal_and_the_notice_goes_out(assigned, act, user):
    # given: the daily job's proposal
    Petition.objects.filter(pk=assigned.pk).update(current_deadline=timezone.localdate() - timedelta(days=1))
    assert supervision_propose_overdue(actor=None) == 1
    proposal = Supervision.objects.get(petition=assigned)
    assert proposal.status == "proposed"
    assert "confirm_supervision" in allowed_actions(Petition.objects.get(pk=assigned.pk), user("clerk"))
    # when
    act(assigned, "confirm_supervision", "clerk", method="派人督办")
    # then
    proposal.refresh_from_db()
    assert (proposal.status, proposal.method, proposal.supervisor) == ("open", "visit", user("clerk"))
    event = SupervisionEvent.objects.filter(supervision__petition=assigned).latest("id")
    assert event.action == "confirm_supervision"
    assert Document.objects.filter(
        owner_type="petitions.petition", owner_id=assigned.pk, kind="supervision_notice", event_id=event.pk
    ).exists()


def test_the_office_may_dismiss_a_proposal_with_a_reason(assigned, act, user):
    # given: the daily job's proposal
    Petition.objects.filter(pk=assigned.pk).update(current_deadline=timezone.localdate() - timedelta(days=1))
    supervision_propose_overdue(actor=None)
    offered = allowed_actions(Petition.objects.get(pk=assigned.pk), user("clerk"))
    assert {"confirm_supervision", "dismiss_supervision"} <= set(offered)
    # then: the reason is required, the handler may not, nothing was written on a refusal
    with pytest.raises(ValidationFailed) as refused:
        act(assigned, "dismiss_supervision", "clerk", reason=" ")
    assert refused.value.extra == {"reason": "请填写不予督办理由。"}
    with pytest.raises(PermissionDenied):
        act(assigned, "dismiss_supervision", "village-handler", reason="超期有正当理由")
    assert Supervision.objects.get(petition=assigned).status == "proposed"
    # when
    act(assigned, "dismiss_supervision", "clerk", reason="已申请延期，正在审批")
    # then
    proposal = Supervision.objects.get(petition=assigned)
    assert (proposal.status, proposal.supervisor, proposal.closed_at is not None) == (
        "dismissed",
        user("clerk"),
        True,
    )
    event = SupervisionEvent.objects.filter(supervision__petition=assigned).latest("id")
    assert (event.action, event.data["reason"]) == ("dismiss_supervision", "已申请延期，正在审批")
    assert AuditEntry.objects.filter(
        event=AuditEvent.STATE_TRANSITION, extra_data__action="dismiss_supervision"
    )
    assert not Document.objects.filter(
        owner_type="petitions.petition", owner_id=assigned.pk, kind="supervision_notice"
    ).exists()
    with pytest.raises(Conflict, match="没有待确认的督办提议"):
        act(assigned, "dismiss_supervision", "clerk", reason="再次")


def test_steps_are_offered_only_when_a_supervision_allows_them(assigned, act, user):
    def offered(username):
        petition = Petition.objects.select_related("answered_unit__parent", "review_unit").get(pk=assigned.pk)
        return {a for a in allowed_actions(petition, user(username)) if "supervis" in a}

    assert offered("supervisor") == {"supervise"}
    assert offered("village-handler") == set()
    act(assigned, "supervise", "supervisor", trigger="other", method="phone")
    assert offered("supervisor") == {"supervise", "log_supervision"}
    assert offered("village-handler") == {"answer_supervision", "log_supervision"}
    act(assigned, "answer_supervision", "village-handler", report="已办理")
    assert offered("supervisor") == {"supervise", "close_supervision", "log_supervision"}
    # a leader of the township holds the office's steps too, and lists
    assert offered("leader") == {"supervise", "close_supervision", "list_supervision", "log_supervision"}
    assert offered("principal") == {"list_supervision", "log_supervision"}


def test_six_fixed_people_are_picked_from_lists_and_may_be_named(client, assigned, act, user, unit_by_code):
    """Issue 17: 挂牌督办's 六定 took only usernames typed by hand; 张分管 failed with 不存在或已停用."""
    from xinfang.supervision.models import Supervision

    # given: the page offers lists of leaders and of each unit's staff
    client.force_login(user("leader"))
    page = client.get(f"/petitions/{assigned.pk}/").content.decode()
    assert '<select class="form-select form-select-sm" id="list_supervision-case_leader"' in page
    assert 'data-group-by="list_supervision-responsible_unit"' in page
    assert "城关镇 · 张分管" in page
    # when: the people named as they are called, through the API's way of naming them
    act(assigned, "list_supervision", "leader", **six_fixed(user, unit_by_code, case_leader="张分管"))
    # then
    assert Supervision.objects.get(petition=assigned).case_leader == user("leader")
