"""The daily jobs: escalation of overdue supervisions and proposals for overdue petitions. Both
are idempotent and write one audit entry per run."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.core.exceptions import PermissionDenied
from xinfang.documents.models import Document
from xinfang.documents.tests.helpers import text_of
from xinfang.notifications.models import Notification
from xinfang.petitions.models import Petition
from xinfang.petitions.tests.factories import register
from xinfang.petitions.workflow import allowed_actions
from xinfang.supervision.models import Supervision, SupervisionLog
from xinfang.supervision.services import (
    report_deadline,
    supervision_escalate_overdue,
    supervision_propose_overdue,
)
from xinfang.supervision.tasks import supervision_escalate_task, supervision_propose_task

from .conftest import COUNTY, EAST_WIND, TOWNSHIP, six_fixed


def _runs(action):
    return AuditEntry.objects.filter(extra_data__action=action).order_by("id")


# --- escalation -----------------------------------------------------------------------------------


def test_an_overdue_supervision_goes_one_level_up_and_the_leaders_there_are_notified(supervised, user):
    # given
    old = Supervision.objects.get(petition=supervised)
    today = old.deadline + timedelta(days=1)
    # when
    report = supervision_escalate_overdue(actor=None, today=today)
    # then
    assert (report.escalated, report.at_top) == (1, 0)
    old.refresh_from_db()
    assert old.status == "escalated"
    new = old.escalation
    assert (new.status, new.level, new.kind) == ("open", 2, "normal")
    assert new.supervising_unit.code == COUNTY
    assert new.responsible_unit.code == EAST_WIND
    assert new.trigger == "not_reported"
    assert new.deadline == report_deadline(today)
    assert new.created_by is None
    assert SupervisionLog.objects.filter(supervision=old, text__contains="青山县").exists()
    assert Notification.objects.filter(
        recipient=user("county-leader"), kind="escalation", dedupe_key=f"supervision-{new.pk}-escalated"
    ).exists()
    (run,) = _runs("supervision_escalate")
    assert run.event == AuditEvent.RECORD_CHANGED
    assert run.actor is None
    assert (run.extra_data["escalated"], run.extra_data["at_top"]) == (1, 0)
    # the county's own 督查督办通知单, written by the job (no user)
    notice = Document.objects.filter(
        owner_type="petitions.petition", owner_id=supervised.pk, kind="supervision_notice"
    ).latest("id")
    assert (notice.unit.code, notice.created_by) == (COUNTY, None)
    assert notice.number.startswith("青山县")
    text = text_of(notice)
    assert "东风村" in text, text
    assert "办理结果未按期报告" in text, text


def test_escalation_is_idempotent(supervised):
    # given
    today = Supervision.objects.get(petition=supervised).deadline + timedelta(days=1)
    supervision_escalate_overdue(actor=None, today=today)
    rows = list(Supervision.objects.order_by("pk").values_list("pk", "status", "level"))
    notifications = Notification.objects.count()
    # when
    report = supervision_escalate_overdue(actor=None, today=today)
    # then
    assert (report.escalated, report.at_top) == (0, 0)
    assert list(Supervision.objects.order_by("pk").values_list("pk", "status", "level")) == rows
    assert Notification.objects.count() == notifications
    assert _runs("supervision_escalate").count() == 2


def test_answered_and_current_supervisions_stay_and_the_top_stays_open(supervised, act):
    # given: one answered, then a second escalated to the county, whose own time passes too
    act(supervised, "answer_supervision", "village-handler", report="已办理")
    act(supervised, "supervise", "supervisor", trigger="other", method="phone")
    second = Supervision.objects.get(petition=supervised, status="open")
    assert supervision_escalate_overdue(actor=None, today=second.deadline).escalated == 0
    supervision_escalate_overdue(actor=None, today=second.deadline + timedelta(days=1))
    county = Supervision.objects.get(petition=supervised, level=2)
    # when
    report = supervision_escalate_overdue(actor=None, today=county.deadline + timedelta(days=1))
    # then
    assert (report.escalated, report.at_top) == (0, 1)
    county.refresh_from_db()
    assert county.status == "open"
    assert Supervision.objects.filter(petition=supervised, status="answered").count() == 1


def test_a_listed_supervision_escalates_with_its_six_fixed(assigned, act, user, unit_by_code):
    # given
    fields = six_fixed(
        user, unit_by_code, trigger="other", time_limit=timezone.localdate() + timedelta(days=3)
    )
    act(assigned, "list_supervision", "leader", **fields)
    # when
    supervision_escalate_overdue(actor=None, today=timezone.localdate() + timedelta(days=4))
    # then
    new = Supervision.objects.get(petition=assigned, level=2)
    assert (new.kind, new.case_leader, new.responsible_person) == (
        "listed",
        user("leader"),
        user("village-handler"),
    )
    assert new.supervisor is None  # the county names its own supervisor
    assert len(new.five_packages) == 5


def test_the_escalation_command_and_task_run_the_same_job(supervised):
    today = Supervision.objects.get(petition=supervised).deadline + timedelta(days=1)
    out = StringIO()
    call_command("supervision_escalate", "--today", today.isoformat(), stdout=out)
    assert "升级 1 件" in out.getvalue()
    assert supervision_escalate_task.call_local() == 0


# --- proposals ------------------------------------------------------------------------------------


@pytest.fixture
def matters(assigned, clerk, act):
    """An assigned matter, one only registered, one rejected (no deadline) and one supervised."""
    registered = register(clerk, subject="反映道路损坏问题")
    rejected = act(register(clerk, subject="反映邻里纠纷"), "reject", "clerk", ground="legal_channel")
    supervised = register(clerk, subject="反映噪音扰民问题")
    supervised = act(supervised, "accept", "clerk")
    supervised = act(supervised, "assign", "clerk", unit=assigned.handling_unit_id)
    act(supervised, "supervise", "supervisor", trigger="other", method="phone")
    return {"assigned": assigned, "registered": registered, "rejected": rejected, "supervised": supervised}


def _later_than_every_deadline():
    last = max(Petition.objects.exclude(current_deadline=None).values_list("current_deadline", flat=True))
    return last + timedelta(days=1)


def test_overdue_petitions_without_supervision_get_a_proposal(matters):
    # given
    today = _later_than_every_deadline()
    # when
    count = supervision_propose_overdue(actor=None, today=today)
    # then
    assert count == 2
    proposals = {s.petition_id: s for s in Supervision.objects.filter(status="proposed").select_related()}
    assert set(proposals) == {matters["assigned"].pk, matters["registered"].pk}
    routed = proposals[matters["assigned"].pk]
    assert (routed.supervising_unit.code, routed.responsible_unit.code) == (TOWNSHIP, EAST_WIND)
    assert routed.unit_path == routed.responsible_unit.path
    assert (routed.trigger, routed.kind, routed.level, routed.created_by) == (
        "deadline_missed",
        "normal",
        1,
        None,
    )
    assert routed.deadline == report_deadline(today)
    unrouted = proposals[matters["registered"].pk]
    assert (unrouted.supervising_unit.code, unrouted.responsible_unit.code) == (COUNTY, TOWNSHIP)
    (run,) = _runs("supervision_propose")
    assert run.event == AuditEvent.RECORD_CREATED
    assert (run.extra_data["overdue"], run.extra_data["proposed"]) == (3, 2)


def test_proposing_is_idempotent_and_batches_by_key(matters):
    # given
    today = _later_than_every_deadline()
    assert supervision_propose_overdue(actor=None, today=today, batch_size=1) == 2
    rows = list(Supervision.objects.order_by("pk").values_list("pk", "petition_id", "status"))
    # when
    count = supervision_propose_overdue(actor=None, today=today, batch_size=1)
    # then
    assert count == 0
    assert list(Supervision.objects.order_by("pk").values_list("pk", "petition_id", "status")) == rows
    assert [r.extra_data["proposed"] for r in _runs("supervision_propose")] == [2, 0]


def test_nothing_is_proposed_before_a_deadline_passes(matters):
    assert supervision_propose_overdue(actor=None) == 0
    assert not Supervision.objects.filter(status="proposed").exists()
    assert _runs("supervision_propose").count() == 1


def test_a_proposal_is_confirmed_by_the_unit_above(matters, act, user):
    # given: the township's own unrouted matter is proposed for the county
    supervision_propose_overdue(actor=None, today=_later_than_every_deadline())
    petition = matters["registered"]

    def offered(username):
        fresh = Petition.objects.select_related("answered_unit__parent", "review_unit").get(pk=petition.pk)
        return {a for a in allowed_actions(fresh, user(username)) if a.endswith("_supervision")}

    # then: only the county is offered the decision on its proposal
    assert offered("clerk") == set()
    assert offered("county-clerk") == {"confirm_supervision", "dismiss_supervision"}
    # when / then: the township may not confirm or dismiss its own supervision; the county may
    with pytest.raises(PermissionDenied, match="督办单位"):
        act(petition, "confirm_supervision", "clerk")
    with pytest.raises(PermissionDenied, match="督办单位"):
        act(petition, "dismiss_supervision", "clerk", reason="不予督办")
    act(petition, "confirm_supervision", "county-clerk")
    assert Supervision.objects.get(petition=petition).status == "open"


def test_the_proposal_command_and_task_run_the_same_job(matters):
    out = StringIO()
    call_command("supervision_propose", "--today", _later_than_every_deadline().isoformat(), stdout=out)
    assert "新增督办提议 2 件" in out.getvalue()
    assert supervision_propose_task.call_local() == 0


def test_supervisions_of_a_closed_matter_end_with_the_daily_job(clerk, act, user):
    # given: an overdue matter supervised by the county, then not accepted by the township
    petition = register(clerk)
    Petition.objects.filter(pk=petition.pk).update(current_deadline=timezone.localdate() - timedelta(days=1))
    act(petition, "supervise", "county-clerk", trigger="deadline_missed", method="letter")
    petition = act(petition, "reject", "clerk", ground="legal_channel")
    fresh = Petition.objects.select_related("answered_unit__parent", "review_unit").get(pk=petition.pk)
    assert not [a for a in allowed_actions(fresh, user("county-clerk")) if "supervis" in a]
    # when
    report = supervision_escalate_overdue(actor=None)
    # then
    supervision = Supervision.objects.get(petition=petition)
    assert supervision.status == "closed"
    assert SupervisionLog.objects.filter(supervision=supervision, text__contains="终结").exists()
    assert report.closed_with_petition == 1
    assert _runs("supervision_escalate").last().extra_data["closed_with_petition"] == 1
    assert supervision_escalate_overdue(actor=None).closed_with_petition == 0


def test_the_office_is_told_once_how_many_proposals_wait(matters, user):
    # given
    today = _later_than_every_deadline()
    # when: two runs on the same day
    supervision_propose_overdue(actor=None, today=today)
    supervision_propose_overdue(actor=None, today=today)
    # then: the township's supervisor and clerk about the routed one, the county's clerk about
    # the unrouted one; each once, with a link to the 待确认 tab
    notices = Notification.objects.filter(dedupe_key__startswith="supervision-proposals:")
    by_user = {n.recipient.username: n for n in notices.select_related("recipient")}
    assert set(by_user) == {"supervisor", "clerk", "county-clerk"}
    assert by_user["supervisor"].title == "逾期督办提议：1 件待确认"
    assert by_user["supervisor"].link == "/supervision/?tab=proposed"
    assert (by_user["county-clerk"].owner_type, by_user["county-clerk"].owner_id) == ("", None)
    assert "village-handler" not in by_user


def test_a_dismissed_proposal_is_not_proposed_again_until_a_new_deadline_passes(matters, act):
    # given: the county dismisses the proposal on the township's unrouted matter
    today = _later_than_every_deadline()
    supervision_propose_overdue(actor=None, today=today)
    petition = matters["registered"]
    act(petition, "dismiss_supervision", "county-clerk", reason="信访人住院，待出院后约谈，超期有正当理由")
    dismissed = Supervision.objects.get(petition=petition)
    assert (dismissed.status, dismissed.supervisor.username) == ("dismissed", "county-clerk")
    assert SupervisionLog.objects.filter(supervision=dismissed, text__contains="正当理由").exists()
    # when: the job runs again with the same deadline passed
    assert supervision_propose_overdue(actor=None, today=today + timedelta(days=1)) == 0
    # then: a later deadline that passes again is new lateness
    later = petition.current_deadline + timedelta(days=10)
    Petition.objects.filter(pk=petition.pk).update(current_deadline=later)
    assert supervision_propose_overdue(actor=None, today=later + timedelta(days=1)) == 1
    assert Supervision.objects.get(petition=petition, status="proposed").overdue_since == later
