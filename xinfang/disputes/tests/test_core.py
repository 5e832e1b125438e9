"""Disputes (矛盾纠纷调处): routing by rule, the chain climbed one level at a time and the three
conditions of a village's escalation, recusal, simple and full procedure, the agreement refused
until complete and signed, every clock against the calendar engine, performance failing
(reopening mediation or referral to court), return visits, the figures equal to a recount, scope,
and the audit log naming a dispute by number only."""

import json
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.core.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from xinfang.deadlines.engine import compute_deadline
from xinfang.deadlines.models import Deadline
from xinfang.deadlines.services import calendar_load
from xinfang.deadlines.sweep import deadlines_sweep
from xinfang.demo.clock import simulated_now
from xinfang.disputes import figures, selectors, services
from xinfang.disputes.choices import DisputeStatus, Route
from xinfang.disputes.clocks import CONFIRMATION, VISIT
from xinfang.disputes.models import OWNER_TYPE, Dispute, DisputeSetting
from xinfang.documents.models import Document
from xinfang.notifications.models import Notification
from xinfang.petitions.tests.factories import register as register_petition

from .helpers import DONGFENG, HONGXING, PARTY_A, PARTY_B, TOWNSHIP, at, register, step, unit, user

pytestmark = pytest.mark.usefixtures("demo")
S = DisputeStatus


def mediate(dispute: Dispute, actor: str = "village-handler") -> Dispute:
    dispute = step(dispute, "assign_mediator", actor, mediator=user(actor).pk)
    return step(
        dispute,
        "record_session",
        actor,
        at=timezone.now(),
        place="东风村村委会",
        attendees="张甲、李乙、村调委会",
        record="双方陈述，调解员释法说理",
    )


def agree_in_writing(
    dispute: Dispute, actor: str = "village-handler", terms: str = "李乙将院墙后移2米\n张甲不再追究"
) -> Dispute:
    dispute = step(dispute, "record_outcome", actor, outcome="agreed", agreement_form="written")
    return step(
        dispute,
        "draft_agreement",
        actor,
        facts="李乙修建院墙占用张甲宅基地",
        disputed_items="院墙的拆除",
        responsibility="李乙负主要责任",
        terms=terms,
        performance_how="李乙自行拆除",
        performance_where="东风村一组",
        performance_by=timezone.localdate() + timedelta(days=20),
    )


def party_ids(dispute: Dispute) -> list[int]:
    return list(dispute.parties.values_list("pk", flat=True))


# --- routing --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "unit_code", "route", "level", "handler_code", "dispute_class"),
    [
        ({}, DONGFENG, Route.VILLAGE, 1, DONGFENG, 3),
        ({"amount": 50000}, DONGFENG, Route.TOWNSHIP, 5, TOWNSHIP, 2),
        ({"people": 40}, DONGFENG, Route.PRINCIPAL, 7, TOWNSHIP, 1),
        ({"sudden": True}, DONGFENG, Route.PRINCIPAL, 7, TOWNSHIP, 3),
        ({"kind": "public_order"}, DONGFENG, Route.POLICE, 6, TOWNSHIP, 3),
        ({}, TOWNSHIP, Route.TOWNSHIP, 5, TOWNSHIP, 3),
    ],
)
def test_a_dispute_is_routed_by_kind_class_and_place(
    overrides, unit_code, route, level, handler_code, dispute_class
):
    actor = "village-handler" if unit_code == DONGFENG else "clerk"
    dispute = register(actor, unit_code, **overrides)

    assert (dispute.route, dispute.level, dispute.handling_unit.code) == (route, level, handler_code)
    assert dispute.dispute_class == dispute_class
    assert dispute.status == S.REGISTERED
    assert dispute.parties.count() == 2


def test_the_class_follows_the_settings_thresholds(sysadmin):
    services.setting_save(actor=sysadmin, class2_amount=2000)

    assert register(amount=3000).dispute_class == 2
    assert AuditEntry.objects.filter(
        event=AuditEvent.DEADLINE_RULE_CHANGED, target_label="矛盾纠纷调处设置"
    ).exists()
    with pytest.raises(ValidationFailed) as refused:
        services.setting_save(actor=sysadmin, class1_amount=1000)
    assert "不能低于二类" in refused.value.message


def test_registration_refuses_a_bad_id_number_and_an_unknown_kind():
    with pytest.raises(ValidationFailed) as bad_id:
        register(parties=[{**PARTY_A, "id_number": "110101199003070000"}, PARTY_B])
    assert "parties[0].id_number" in bad_id.value.extra
    assert "第1位当事人" in bad_id.value.message
    with pytest.raises(ValidationFailed):
        register(kind="nonsense")
    with pytest.raises(ValidationFailed):
        register(parties=[])


# --- the chain ------------------------------------------------------------------------------------


def test_the_chain_is_climbed_one_level_at_a_time():
    dispute = mediate(register())

    with pytest.raises(Conflict) as skipped:
        step(dispute, "escalate", to_level=3, note="村里调不了")
    assert "不得越级上交" in skipped.value.message
    dispute = step(dispute, "escalate", note="提请村主要领导调处")
    assert dispute.level == 2
    dispute = step(dispute, "escalate", to_level=3, note="驻村干部")
    dispute = step(dispute, "escalate", note="驻村第一书记")
    assert (dispute.level, dispute.handling_unit.code, dispute.passed_up) == (4, DONGFENG, False)


def test_rising_from_the_village_to_the_centre_needs_the_three_conditions():
    dispute = mediate(register())
    for _ in range(3):
        dispute = step(dispute, "escalate", note="逐级上交")

    with pytest.raises(ValidationFailed) as refused:
        step(dispute, "escalate", note="上交镇中心", party_request="双方请求镇里调解")
    assert set(refused.value.extra) == {"committee_opinion", "why_unsolvable"}
    dispute = step(
        dispute,
        "escalate",
        note="上交镇中心",
        party_request="双方请求镇里调解",
        committee_opinion="经调查，院墙确有越界，建议后移",
        why_unsolvable="李乙不接受村调委会意见",
    )

    assert (dispute.level, dispute.handling_unit.code, dispute.passed_up) == (5, TOWNSHIP, True)
    assert dispute.status == S.REGISTERED
    assert dispute.mediator is None
    # the village no longer handles it; the township's mediator does
    with pytest.raises(PermissionDenied):
        step(dispute, "assign_mediator", mediator=user("village-handler").pk)
    dispute = step(dispute, "assign_mediator", "clerk", mediator=user("mediator").pk)
    assert dispute.mediator.username == "mediator"
    dispute = step(dispute, "escalate", "mediator", note="相关单位")
    dispute = step(dispute, "escalate", "mediator", note="镇主要领导")
    with pytest.raises(Conflict) as top:
        step(dispute, "escalate", "mediator", note="再上交")
    assert "最高层级" in top.value.message


# --- mediation ------------------------------------------------------------------------------------


def test_a_recused_mediator_cannot_be_assigned_again():
    dispute = step(register(), "assign_mediator", mediator=user("village-handler").pk)

    dispute = step(dispute, "recuse", note="调解员系张甲的表兄")
    assert dispute.status == S.REGISTERED
    assert dispute.mediator is None
    with pytest.raises(Conflict) as refused:
        step(dispute, "assign_mediator", "clerk", mediator=user("village-handler").pk)
    assert "已回避" in refused.value.message
    dispute = step(dispute, "assign_mediator", "clerk", mediator=user("mediator").pk)
    assert dispute.status == S.MEDIATING


def test_full_procedure_needs_a_session_and_simple_procedure_records_an_oral_agreement():
    full = step(register(), "assign_mediator", mediator=user("village-handler").pk)
    with pytest.raises(Conflict) as no_session:
        step(full, "record_outcome", outcome="agreed", agreement_form="written")
    assert "调解会" in no_session.value.message

    simple = step(register(procedure="simple"), "assign_mediator", mediator=user("village-handler").pk)
    with pytest.raises(ValidationFailed):
        step(simple, "record_outcome", outcome="agreed", agreement_form="written")
    with pytest.raises(ValidationFailed):
        step(simple, "record_outcome", outcome="agreed")  # what was agreed must be recorded
    simple = step(simple, "record_outcome", outcome="agreed", oral_terms="李乙当场道歉，赔偿200元")
    assert simple.status == S.PERFORMING
    assert simple.oral_terms
    assert simple.next_visit_due is not None
    assert simple.confirmation_ends is None


def test_the_agreement_takes_effect_only_when_complete_and_signed(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        dispute = agree_in_writing(mediate(register()))
    document = Document.objects.get(owner_type=OWNER_TYPE, owner_id=dispute.pk)
    assert document.number == f"东风村调〔{timezone.localdate().year}〕1号"
    assert document.context["copies"] == 3  # one per party plus one kept

    ids = party_ids(dispute)
    with pytest.raises(Conflict) as unsigned:
        step(dispute, "make_effective", signed_parties=ids[:1], mediator_signed=True, seal=True)
    assert "尚未签名的当事人：李乙" in unsigned.value.message
    with pytest.raises(Conflict) as no_seal:
        step(dispute, "make_effective", signed_parties=ids, mediator_signed=False, seal=False)
    assert "人民调解员尚未签名" in no_seal.value.message
    assert "印章" in no_seal.value.message
    with pytest.raises(ValidationFailed):
        step(dispute, "make_effective", signed_parties=[*ids, 999999], mediator_signed=True, seal=True)
    dispute = step(dispute, "make_effective", signed_parties=ids, mediator_signed=True, seal=True)

    assert dispute.status == S.PERFORMING
    agreement = dispute.agreements.get()
    assert agreement.effective
    assert agreement.sealed
    assert sorted(agreement.signed_parties) == sorted(ids)


# --- clocks ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("effective", "dispute_class", "confirmation_ends", "visit_due"),
    [
        # 30 days from 09-01 end on 10-01 (国庆节): moved to 10-08; class 1: one month, the same
        (date(2026, 9, 1), 1, date(2026, 10, 8), date(2026, 10, 8)),
        # class 2: a quarter after 03-10 is 06-10 (a Wednesday); 30 days end 04-09 (a Thursday)
        (date(2026, 3, 10), 2, date(2026, 4, 9), date(2026, 6, 10)),
        # class 3: half a year after 08-31 is 02-28 (the month's end; 2027-02-28 is a Sunday → 03-01)
        (date(2026, 8, 31), 3, date(2026, 9, 30), date(2027, 3, 1)),
    ],
)
def test_the_confirmation_window_and_the_return_visit_follow_the_engine(
    effective, dispute_class, confirmation_ends, visit_due
):
    # 一类、二类 go to the township's centre (its mediator), 三类 to the village committee
    who = "mediator" if dispute_class < 3 else "village-handler"
    with simulated_now(at(effective, 10)):
        dispute = agree_in_writing(mediate(register(dispute_class=dispute_class), who), who)
        dispute = step(
            dispute,
            "make_effective",
            who,
            signed_parties=party_ids(dispute),
            mediator_signed=True,
            seal=True,
        )
    dispute.refresh_from_db()
    calendar = calendar_load()
    months = DisputeSetting.load().visit_months(dispute_class)

    assert dispute.confirmation_ends == confirmation_ends
    assert dispute.next_visit_due == visit_due
    assert (
        compute_deadline(start=effective, amount=30, unit="calendar_days", calendar=calendar).due
        == confirmation_ends
    )
    assert compute_deadline(start=effective, amount=months, unit="months", calendar=calendar).due == visit_due
    rules = set(
        Deadline.objects.filter(owner_type=OWNER_TYPE, owner_id=dispute.pk, is_open=True).values_list(
            "rule", flat=True
        )
    )
    assert rules == {CONFIRMATION, VISIT}


def test_an_overdue_return_visit_tells_the_mediator_and_the_office_once():
    start = date(2026, 3, 10)
    with simulated_now(at(start, 10)):
        dispute = agree_in_writing(mediate(register(dispute_class=1), "mediator"), "mediator")
        dispute = step(
            dispute,
            "make_effective",
            "mediator",
            signed_parties=party_ids(dispute),
            mediator_signed=True,
            seal=True,
        )
    with simulated_now(at(date(2026, 4, 11), 9)):
        deadlines_sweep(now=timezone.now())
        deadlines_sweep(now=timezone.now())
    told = Notification.objects.filter(title__startswith="调解回访逾期")
    assert told.count() == len({n.recipient_id for n in told})  # each told once
    # the mediator and the township centre's office (接访员, 分管领导, 主要领导)
    assert {n.recipient.username for n in told} >= {"mediator", "clerk"}
    assert Notification.objects.filter(title__startswith="司法确认申请期届满").count() == 1


def test_recording_the_visit_and_the_confirmation_closes_their_clocks():
    dispute = agree_in_writing(mediate(register()))
    dispute = step(
        dispute, "make_effective", signed_parties=party_ids(dispute), mediator_signed=True, seal=True
    )

    with pytest.raises(ValidationFailed):
        step(dispute, "record_confirmation", result="applied")  # which court
    dispute = step(dispute, "record_confirmation", result="applied", court="青山县人民法院")
    dispute = step(dispute, "record_visit", satisfaction="satisfied", note="双方表示满意")

    assert not Deadline.objects.filter(owner_type=OWNER_TYPE, owner_id=dispute.pk, is_open=True).exists()
    assert dispute.satisfaction == "satisfied"


# --- performance ----------------------------------------------------------------------------------


def test_terms_performed_one_by_one_then_the_visit_then_closing():
    dispute = agree_in_writing(mediate(register()))
    dispute = step(
        dispute, "make_effective", signed_parties=party_ids(dispute), mediator_signed=True, seal=True
    )
    first, second = dispute.agreements.get().terms.all()

    dispute = step(
        dispute, "mark_performed", term=first.pk, performed_on=timezone.localdate(), evidence="现场照片"
    )
    assert dispute.status == S.PERFORMING
    with pytest.raises(Conflict):
        step(dispute, "mark_performed", term=first.pk, performed_on=timezone.localdate(), evidence="再次")
    dispute = step(
        dispute, "mark_performed", term=second.pk, performed_on=timezone.localdate(), evidence="张甲签收"
    )
    assert dispute.status == S.PERFORMED
    with pytest.raises(Conflict) as unvisited:
        step(dispute, "close", note="结案")
    assert "回访" in unvisited.value.message
    dispute = step(dispute, "record_visit", satisfaction="basic", note="基本满意")
    dispute = step(dispute, "close", note="履行完毕")
    assert dispute.status == S.CLOSED


def test_a_failure_to_perform_reopens_mediation_or_goes_to_court():
    dispute = agree_in_writing(mediate(register()))
    dispute = step(
        dispute, "make_effective", signed_parties=party_ids(dispute), mediator_signed=True, seal=True
    )

    reopened = step(dispute, "performance_failed", note="李乙拒不拆除院墙")
    assert reopened.status == S.MEDIATING
    assert reopened.outcome == ""
    assert not Deadline.objects.filter(owner_type=OWNER_TYPE, owner_id=dispute.pk, is_open=True).exists()
    # mediated again: a new agreement, version 2
    reopened = step(
        reopened, "record_session", at=timezone.now(), place="村委会", attendees="双方", record="再次调解"
    )
    reopened = agree_in_writing(reopened, terms="李乙于月底前拆除院墙")
    assert reopened.agreements.order_by("-version").first().version == 2
    reopened = step(
        reopened, "make_effective", signed_parties=party_ids(reopened), mediator_signed=True, seal=True
    )

    referred = step(reopened, "performance_failed", then="litigation", note="仍不履行，告知向法院起诉")
    assert (referred.status, referred.went_to) == (S.REFERRED, "litigation")


def test_a_failed_mediation_goes_into_the_petition_procedure_with_the_link_kept():
    dispute = step(mediate(register()), "record_outcome", outcome="failed", note="双方分歧较大")
    assert dispute.status == S.FAILED

    petition = services.dispute_to_petition(
        actor=user("clerk"), dispute=dispute, category="0201", not_repeat=True
    )
    dispute.refresh_from_db()
    assert dispute.status == S.REFERRED
    assert dispute.went_to == "petition"
    assert dispute.links == [{"kind": "petition", "id": petition.pk, "number": petition.number}]


def test_a_petition_suitable_for_mediation_opens_a_linked_dispute(clerk):
    petition = register_petition(clerk, subject="邻里宅基地纠纷")

    dispute = services.dispute_from_petition(
        actor=clerk, petition_id=petition.pk, kind="neighbour", place="东风村"
    )
    assert (dispute.source, dispute.source_id, dispute.source_number) == (
        "petition",
        petition.pk,
        petition.number,
    )
    assert dispute.parties.exists()
    with pytest.raises(Conflict):
        services.dispute_from_petition(actor=clerk, petition_id=petition.pk, kind="neighbour")


# --- scope and audit --------------------------------------------------------------------------------


def test_another_village_never_sees_the_dispute():
    dispute = register()

    with pytest.raises(NotFound):
        selectors.access_dispute_by_id(user("village2-handler"), dispute.pk)
    with pytest.raises(NotFound):
        step(dispute, "assign_mediator", "village2-handler", mediator=user("village2-handler").pk)
    assert not selectors.disputes_visible_to(user("village2-handler")).exists()
    assert selectors.disputes_visible_to(user("clerk")).filter(pk=dispute.pk).exists()  # the township


def test_the_audit_log_names_the_dispute_by_number_and_no_party():
    dispute = agree_in_writing(mediate(register()))

    entries = AuditEntry.objects.filter(target_label=dispute.number)
    assert entries.count() >= 4
    dumped = json.dumps(list(entries.values_list("extra_data", flat=True)), ensure_ascii=False)
    for secret in ("张甲", "李乙", PARTY_A["phone"], PARTY_A["id_number"], "院墙"):
        assert secret not in dumped
    for notice in Notification.objects.all():
        assert "张甲" not in notice.title + notice.body


# --- figures --------------------------------------------------------------------------------------


def test_the_figures_equal_a_recount():
    agreed = agree_in_writing(mediate(register()))
    agreed = step(agreed, "make_effective", signed_parties=party_ids(agreed), mediator_signed=True, seal=True)
    step(agreed, "record_visit", satisfaction="unsatisfied", note="不满意")
    step(mediate(register()), "record_outcome", outcome="failed")
    register()  # found, not mediated yet
    up = mediate(register())
    for _ in range(3):
        up = step(up, "escalate", note="逐级")
    step(up, "escalate", note="上交", party_request="请求", committee_opinion="意见", why_unsolvable="原因")
    register("village2-handler", HONGXING, parties=[PARTY_B])
    today = timezone.localdate()
    township = unit(TOWNSHIP)

    with CaptureQueriesContext(connection) as queries:
        result = figures.figures(
            actor=user("clerk"), unit=township, first=today.replace(month=1, day=1), last=today
        )

    assert len(queries) <= 6  # the actor's roles, the settings, the units, the aggregate, overdue visits
    rows = {line.name: line for line in result.rows}
    dongfeng = rows["东风村"]
    everyone = Dispute.objects.filter(unit_path__startswith=unit(DONGFENG).path)
    assert dongfeng.found == everyone.count() == 4
    assert dongfeng.mediated == everyone.filter(mediated_at__isnull=False).count() == 3
    assert dongfeng.succeeded == everyone.filter(outcome="agreed").count() == 1
    assert dongfeng.passed_up == 1
    assert dongfeng.levels == {5: 1}
    assert (dongfeng.visits, dongfeng.satisfied, dongfeng.satisfaction) == (1, 0, 0.0)
    assert dongfeng.participation == 75.0
    assert dongfeng.success == 50.0  # one agreed, one failed; the one in mediation waits
    assert rows["红星村"].found == 1
    assert result.total.found == Dispute.objects.count() == 5
    assert result.below("participation")
    assert result.below("success")
    # a village's clerk reads only its own
    mine = figures.figures(actor=user("village2-handler"), unit=unit(HONGXING), first=today, last=today)
    assert mine.total.found == 1


def test_a_petition_about_the_unit_itself_never_gives_it_the_petitioners(county_clerk_user, county_leader):
    from xinfang.petitions.selectors import identity_hidden
    from xinfang.petitions.workflow import petition_transition

    township = unit(TOWNSHIP)
    petition = register_petition(
        county_clerk_user,
        problem_unit=township,
        complained_unit=township.pk,
        complained_user=user("leader").pk,
        content="镇里分管领导多次威胁我不准上访，要求依法查处。",
    )
    petition = petition_transition(
        petition=petition,
        action="transfer",
        actor=county_leader,
        unit=township.pk,
        complained_reason="该镇为有权处理机关，县局跟踪督办",
    )
    assert identity_hidden(user("clerk"), petition)

    with pytest.raises(PermissionDenied):
        services.dispute_from_petition(actor=user("clerk"), petition_id=petition.pk, kind="other")
    assert not Dispute.objects.exists()


def test_a_sign_that_is_a_dispute_becomes_one_with_the_link_on_the_sign():
    from xinfang.inforeports.services import report_file

    sign = report_file(
        actor=user("village-informant"),
        kind="early_sign",
        title="两户因宅基地边界争执",
        content="两户因宅基地边界多次争吵，有激化苗头",
        subjects="张甲、李乙",
        demands="重新测量边界",
        risk="medium",
        place="东风村一组",
        headcount=2,
    )

    # the township's office, which receives the sign, opens the dispute
    dispute = services.dispute_from_sign(
        actor=user("clerk"), report_id=sign.pk, kind="neighbour", parties=[PARTY_A, PARTY_B]
    )
    sign.refresh_from_db()
    assert (dispute.source, dispute.source_id, dispute.unit.code) == ("sign", sign.pk, DONGFENG)
    assert dispute.place == "东风村一组"
    assert sign.links == [{"kind": "dispute", "id": dispute.pk, "number": dispute.number}]
    with pytest.raises(Conflict):
        services.dispute_from_sign(
            actor=user("village-handler"), report_id=sign.pk, kind="neighbour", parties=[PARTY_A]
        )


def test_a_dispute_that_turned_into_a_gathering_becomes_an_incident_with_the_link_kept():
    dispute = step(
        mediate(register(people=30, kind="labour"), "mediator"),
        "record_outcome",
        "mediator",
        outcome="failed",
    )
    now = timezone.now()

    incident = services.dispute_to_incident(
        actor=user("clerk"),
        dispute=dispute,
        title="东风村务工人员聚集讨薪",
        kind="wages",
        learned_at=now,
        occurred_at=now,
        headcount=30,
    )
    dispute.refresh_from_db()
    assert (dispute.status, dispute.went_to) == (S.REFERRED, "incident")
    assert dispute.links == [{"kind": "incident", "id": incident.pk, "number": incident.number}]
    assert incident.unit.code == DONGFENG


# --- the review's findings ------------------------------------------------------------------------


def test_one_who_recused_takes_no_further_part():
    dispute = step(register(), "assign_mediator", mediator=user("village-handler").pk)
    dispute = step(dispute, "recuse", note="调解员系张甲的表兄")
    dispute = step(dispute, "assign_mediator", "clerk", mediator=user("mediator").pk)

    from xinfang.disputes.machine import allowed_actions

    assert allowed_actions(dispute, user("village-handler")) == []
    with pytest.raises(PermissionDenied):
        step(dispute, "record_session", at=timezone.now(), place="村委会", attendees="双方", record="记录")
    # the mediator recuses themself, or the office decides it
    assert "recuse" in allowed_actions(dispute, user("mediator"))
    assert "recuse" in allowed_actions(dispute, user("clerk"))


def test_the_three_conditions_are_kept_in_the_history():
    dispute = mediate(register())
    for _ in range(3):
        dispute = step(dispute, "escalate", note="逐级上交")
    step(
        dispute,
        "escalate",
        note="上交镇中心",
        party_request="双方请求镇里调解",
        committee_opinion="院墙确有越界",
        why_unsolvable="李乙不接受",
    )
    event = dispute.events.filter(action="escalate").order_by("-pk").first()
    assert event is not None
    assert (event.data["party_request"], event.data["why_unsolvable"]) == ("双方请求镇里调解", "李乙不接受")
    audited = json.dumps(list(AuditEntry.objects.values_list("extra_data", flat=True)), ensure_ascii=False)
    assert "李乙不接受" not in audited


def test_a_failed_mediation_escalated_is_mediated_again_above():
    dispute = step(mediate(register()), "record_outcome", outcome="failed")

    dispute = step(dispute, "escalate", note="提请村主要领导调处")
    assert (dispute.status, dispute.level, dispute.outcome) == (S.MEDIATING, 2, "")
    with pytest.raises(Conflict):  # a failed one is never closed without saying where it went
        step(step(dispute, "record_outcome", outcome="failed"), "close", note="结案")


def test_reopened_mediation_owes_a_new_return_visit():
    dispute = agree_in_writing(mediate(register()))
    dispute = step(
        dispute, "make_effective", signed_parties=party_ids(dispute), mediator_signed=True, seal=True
    )
    dispute = step(dispute, "record_visit", satisfaction="unsatisfied", performed=False, note="未履行")
    dispute = step(dispute, "performance_failed", note="李乙拒不拆除")
    dispute = step(
        dispute, "record_session", at=timezone.now(), place="村委会", attendees="双方", record="再调"
    )
    dispute = agree_in_writing(dispute, terms="月底前拆除")
    dispute = step(
        dispute, "make_effective", signed_parties=party_ids(dispute), mediator_signed=True, seal=True
    )
    dispute.refresh_from_db()

    assert dispute.visited_at is None
    assert dispute.satisfaction == ""
    assert dispute.visits.count() == 1  # the old visit stays in the history


def test_referral_to_the_petition_procedure_only_through_its_service():
    dispute = step(mediate(register()), "record_outcome", outcome="failed")

    with pytest.raises(Conflict):
        step(dispute, "refer", to="petition", note="伪造")
    dispute = step(dispute, "refer", to="arbitration", note="申请劳动仲裁")
    assert (dispute.status, dispute.went_to, dispute.links) == (S.REFERRED, "arbitration", [])


@pytest.mark.parametrize("admin", ["sysadmin", "secadmin", "auditor"])
def test_no_administrator_sees_a_dispute_or_its_agreement(admin, django_capture_on_commit_callbacks):
    from xinfang.documents.selectors import access_document_by_id

    with django_capture_on_commit_callbacks(execute=True):
        dispute = agree_in_writing(mediate(register()))
    document = Document.objects.get(owner_type=OWNER_TYPE, owner_id=dispute.pk)

    assert not selectors.disputes_visible_to(user(admin)).exists()
    with pytest.raises(NotFound):
        access_document_by_id(user(admin), document.pk)


def test_a_unit_of_joint_mediation_and_the_police_station_see_the_case():
    dispute = step(register(), "assign_mediator", mediator=user("village-handler").pk)
    station = unit("341122101P")
    assert not selectors.disputes_visible_to(user("station-handler")).filter(pk=dispute.pk).exists()

    step(dispute, "join", joint="police", unit=station.pk)
    assert selectors.disputes_visible_to(user("station-handler")).filter(pk=dispute.pk).exists()
    police = register(kind="public_order")
    assert police.route == Route.POLICE
    assert selectors.disputes_visible_to(user("station-handler")).filter(pk=police.pk).exists()
    assert Notification.objects.filter(
        recipient__username="station-handler", title__contains=police.number
    ).exists()


def test_the_confirmation_is_recorded_within_its_window():
    start = date(2026, 3, 10)
    with simulated_now(at(start, 10)):
        dispute = agree_in_writing(mediate(register()))
        dispute = step(
            dispute, "make_effective", signed_parties=party_ids(dispute), mediator_signed=True, seal=True
        )
        with pytest.raises(Conflict):  # the parties still have 30 days
            step(dispute, "record_confirmation", result="not_applied")
    with simulated_now(at(date(2026, 5, 20), 10)):
        with pytest.raises(Conflict) as late:
            step(dispute, "record_confirmation", result="applied", court="青山县人民法院")
        assert "已于 2026年04月09日 届满" in late.value.message
        dispute = step(dispute, "record_confirmation", result="not_applied")
    assert dispute.confirmation == "not_applied"


def test_an_agreement_needs_the_parties_particulars():
    dispute = agree_in_writing(mediate(register(parties=[PARTY_A, {"name": "李乙"}])))

    with pytest.raises(Conflict) as refused:
        step(dispute, "make_effective", signed_parties=party_ids(dispute), mediator_signed=True, seal=True)
    assert "当事人基本情况不全" in refused.value.message
    assert "李乙" in refused.value.message


def test_a_petition_about_a_village_is_mediated_above_it(county_clerk_user):
    dongfeng = unit(DONGFENG)
    petition = register_petition(
        county_clerk_user, problem_unit=dongfeng, complained_unit=dongfeng.pk, content="村干部侵占土地补偿款"
    )

    dispute = services.dispute_from_petition(
        actor=county_clerk_user, petition_id=petition.pk, kind="land_contract"
    )
    assert dispute.unit.code == TOWNSHIP  # not the village complained about
    assert not selectors.disputes_visible_to(user("village-handler")).filter(pk=dispute.pk).exists()


def test_a_party_learnt_of_later_is_added_checked_and_never_audited():
    dispute = register(parties=[PARTY_A])

    with pytest.raises(ValidationFailed) as refused:
        step(dispute, "add_party", name="李乙", id_number="110101199003070000")
    assert "id_number" in refused.value.extra
    step(dispute, "add_party", name="李乙", phone="13900000012", address="东风村二组")

    assert list(dispute.parties.values_list("name", flat=True)) == ["张甲", "李乙"]
    audited = json.dumps(list(AuditEntry.objects.values_list("extra_data", flat=True)), ensure_ascii=False)
    assert "李乙" not in audited
    assert "13900000012" not in audited
