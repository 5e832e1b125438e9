"""An incident's procedure (突发事件, domain.md §7) as a machine: 接报 → 启动预案 → 现场处置 →
善后 → 责任追究 → 已结束. Reports (首报, 续报, 终报), the principal leader's arrival, leaders'
instructions and their acknowledgement, the agreed line for answers, media consent, evidence and
the plan's tasks are steps too: each writes the incident's timeline and one audit entry. A step
out of order answers 409."""

from typing import Any

from django.db.models import Q
from django.urls import reverse

from xinfang.accounts.models import User
from xinfang.core.exceptions import NotFound
from xinfang.organisation.models import Unit
from xinfang.procedure import engine
from xinfang.procedure.machine import Change, Form, Machine, Party, Step

from .. import clocks
from ..choices import OPEN_STATES, IncidentStatus
from ..models import OWNER_TYPE, Incident, IncidentEvent, InstructionTarget
from ..selectors import incidents_visible_to
from . import effects, schemas

S = IncidentStatus
OPEN = frozenset(OPEN_STATES)
EVER = OPEN | {S.CLOSED}
MANAGE = frozenset({"incidents.manage"})
REGISTER = frozenset({"incidents.manage", "incidents.report"})
VIEW = frozenset({"incidents.view"})
INSTRUCT = frozenset({"incidents.instruct"})
LEAD = frozenset({"incidents.instruct", "incidents.manage"})


def _unit(incident: Incident, actor: User) -> bool:
    return Unit.covers_path(incident.unit_path, actor.unit)


def _above(incident: Incident, actor: User) -> bool:
    return _unit(incident, actor) and actor.unit_id != incident.unit_id


def _gathered(incident: Incident, actor: User) -> bool:
    gathered = incident.gathered_unit
    return actor.unit_id == gathered.pk or Unit.covers_path(gathered.path, actor.unit)


def _instructed(incident: Incident, actor: User) -> bool:
    return InstructionTarget.objects.filter(
        instruction__incident=incident, unit_id=actor.unit_id or 0, acknowledged_at__isnull=True
    ).exists()


def _task_owner_or_unit(incident: Incident, actor: User) -> bool:
    return incident.tasks.filter(owner_id=actor.pk, done_at__isnull=True).exists() or (
        _unit(incident, actor) and "incidents.manage" in effects._caps(actor)
    )


def not_arrived(incident: Incident) -> str | None:
    return "主要领导到场已登记。" if incident.arrived_at is not None else None


def not_final(incident: Incident) -> str | None:
    return "终报已报送，事件不再报告。" if incident.reports.filter(kind="final").exists() else None


def open_task(incident: Incident) -> str | None:
    return None if incident.tasks.filter(done_at__isnull=True).exists() else "没有未完成的预案任务。"


def _report_to_sign(incident: Incident, actor: User) -> str | None:
    waiting = incident.reports.filter(to_unit_id=actor.unit_id or 0, signed_at__isnull=True).exists()
    return None if waiting else "没有报送本单位、待签收的报告。"


def _unit_or_gathered(incident: Incident, actor: User) -> bool:
    return _unit(incident, actor) or _gathered(incident, actor)


UNIT_OR_GATHERED: Party[Incident] = Party(
    "unit_or_gathered", _unit_or_gathered, "只有事发单位、聚集地单位或其上级单位可以上传现场证据。"
)
UNIT: Party[Incident] = Party("unit", _unit, "只有事发单位或其上级单位可以执行此操作。")
ABOVE: Party[Incident] = Party("above", _above, "只有上级单位可以签收事件报告。")
GATHERED: Party[Incident] = Party("gathered", _gathered, "只有聚集地单位（或其上级）可以登记领导到场。")
INSTRUCTED: Party[Incident] = Party("instructed", _instructed, "只有批示批转的单位可以确认批示。")
TASKED: Party[Incident] = Party("tasked", _task_owner_or_unit, "只有任务责任人或事发单位可以完成预案任务。")


def _phase(label: str, source: str, target: str, button: str) -> Step[Incident]:
    return Step(
        label,
        frozenset({source}),
        target,
        LEAD,
        UNIT,
        effects.phase,
        schemas.PhaseIn,
        form=Form(f"进入{label}阶段", button, "btn-outline-primary"),
    )


STEPS: dict[str, Step[Incident]] = {
    "register": Step(
        "接报登记", frozenset({""}), S.RECEIVED, REGISTER, UNIT, effects.register, schemas.RegisterIn
    ),
    "revise": Step(
        "修正事件信息",
        OPEN,
        None,
        LEAD,
        UNIT,
        effects.revise,
        schemas.ReviseIn,
        form=Form(
            "修正事件信息（人数、类别、地点、诉求）",
            "修正",
            "btn-outline-warning",
            "级别随人数和类别重新确定，报告时限随之调整。",
        ),
    ),
    "report": Step(
        "报告",
        OPEN,
        None,
        MANAGE,
        UNIT,
        effects.report,
        schemas.ReportIn,
        (not_final,),
        form=Form("书面报告上级（首报 / 续报 / 终报）", "报送", "btn-danger", "报告生成公文并报上一级签收。"),
    ),
    "sign_report": Step(
        "签收报告",
        EVER,
        None,
        MANAGE,
        ABOVE,
        effects.sign_report,
        schemas.ReportRefIn,
        permits=_report_to_sign,
        form=Form("签收下级报告", "签收", "btn-success"),
    ),
    "phone_report": Step(
        "电话报告",
        OPEN,
        None,
        MANAGE,
        UNIT,
        effects.phone_report,
        schemas.PhoneIn,
        form=Form("登记电话报告", "登记", "btn-outline-danger"),
    ),
    "activate_plan": Step(
        "启动预案",
        frozenset({S.RECEIVED}),
        S.ACTIVATED,
        LEAD,
        UNIT,
        effects.activate_plan,
        schemas.PlanIn,
        form=Form("启动应急预案（生成任务并分派）", "启动", "btn-warning"),
    ),
    "complete_task": Step(
        "完成预案任务",
        OPEN,
        None,
        VIEW,
        TASKED,
        effects.complete_task,
        schemas.TaskIn,
        (open_task,),
        form=Form("完成预案任务", "完成", "btn-outline-success"),
    ),
    "on_site": _phase("现场处置", S.ACTIVATED, S.ON_SITE, "开始现场处置"),
    "arrive": Step(
        "领导到场",
        OPEN,
        None,
        VIEW,
        GATHERED,
        effects.arrive,
        schemas.ArriveIn,
        (not_arrived,),
        form=Form("登记主要领导到场", "登记到场", "btn-success", "主要领导须在接到通知后20分钟内到场。"),
    ),
    "instruct": Step(
        "领导批示",
        OPEN,
        None,
        INSTRUCT,
        UNIT,
        effects.instruct,
        schemas.InstructIn,
        form=Form("领导批示（批转有关单位落实）", "批示", "btn-outline-primary"),
    ),
    "acknowledge": Step(
        "确认批示",
        EVER,
        None,
        VIEW,
        INSTRUCTED,
        effects.acknowledge,
        schemas.AcknowledgeIn,
        form=Form("确认领导批示", "确认", "btn-outline-success"),
    ),
    "set_line": Step(
        "统一答复口径",
        OPEN,
        None,
        LEAD,
        UNIT,
        effects.set_line,
        schemas.LineIn,
        form=Form("统一答复口径（所有处置人员可见）", "保存", "btn-outline-secondary"),
    ),
    "media_consent": Step(
        "同意媒体采访",
        OPEN,
        None,
        INSTRUCT,
        UNIT,
        effects.media_consent,
        schemas.MediaIn,
        form=Form("媒体采访（须经领导小组同意）", "记录", "btn-outline-secondary"),
    ),
    "add_evidence": Step(
        "上传现场证据", EVER, None, REGISTER, UNIT_OR_GATHERED, effects.add_evidence, schemas.EvidenceIn
    ),
    "aftermath": _phase("善后", S.ON_SITE, S.AFTERMATH, "转入善后"),
    "account": Step(
        "责任追究",
        frozenset({S.AFTERMATH, S.ACCOUNTABILITY}),
        S.ACCOUNTABILITY,
        LEAD,
        UNIT,
        effects.account,
        schemas.AccountIn,
        form=Form("责任追究记录", "记录", "btn-outline-danger", "经查无需追究的，也须记录。"),
    ),
    "close": Step(
        "结束",
        frozenset({S.ACCOUNTABILITY}),
        S.CLOSED,
        LEAD,
        UNIT,
        effects.close,
        schemas.CloseIn,
        (effects.final_filed, effects.tasks_done, effects.accounted),
        form=Form("结束事件", "结束", "btn-success"),
    ),
}


def _lock(actor: User | None, incident: Incident) -> Incident:
    if incident.pk is None:
        return incident
    rows = Incident.objects.all() if actor is None else incidents_visible_to(actor)
    locked = (
        rows.select_for_update(of=("self",))
        .select_related("unit", "unit__parent", "gathered_unit")
        .filter(pk=incident.pk)
        .first()
    )
    if locked is None:
        raise NotFound(missed=(Incident, incident.pk))
    return locked


def _save(change: Change[Incident]) -> None:
    incident = change.case
    if incident.pk is None:
        incident.save()
    else:
        incident.save(update_fields=["status", *change.memo.get("fields", [])])
    ops = change.memo.get("clocks", [])
    for op in ops:
        op(incident)
    if ops:
        found = clocks.open_clocks(incident)
        report = found.get(clocks.FIRST) or found.get(clocks.FOLLOW_UP)
        incident.next_report_kind = (
            "" if report is None else ("first" if report.rule == clocks.FIRST else "follow_up")
        )
        incident.next_report_due = None if report is None else report.due_at
        if clocks.ARRIVAL in found:
            incident.arrival_due = found[clocks.ARRIVAL].due_at
        Incident.objects.filter(pk=incident.pk).update(
            next_report_kind=incident.next_report_kind,
            next_report_due=incident.next_report_due,
            arrival_due=incident.arrival_due,
        )
    sign = change.memo.get("sign")
    if sign is not None:
        from xinfang.inforeports.machine import report_transition

        def link() -> None:
            report_transition(
                report=sign,
                action="link",
                actor=change.actor,
                kind="incident",
                target=incident.pk,
                number=incident.number,
            )

        change.after_save.append(link)


def _record(change: Change[Incident]) -> IncidentEvent:
    return IncidentEvent.objects.create(
        incident=change.case,
        action=change.action,
        from_status=change.from_state,
        to_status=change.case.status,
        actor=change.actor,
        note=change.note,
        data=change.data,
        created_at=change.now,
    )


def _audience(incident: Incident, user_ids: set[int]) -> set[int]:
    """Those who may learn of the incident: the people of its unit and the units above, of the
    place where people gathered, of the units involved or instructed, and the task owners."""
    units = {int(p) for p in incident.unit_path.strip("/").split("/") if p} | {incident.gathered_unit_id}
    units |= set(incident.involved_units.values_list("pk", flat=True))
    units |= set(
        InstructionTarget.objects.filter(instruction__incident=incident).values_list("unit_id", flat=True)
    )
    return set(
        User.objects.filter(pk__in=user_ids)
        .filter(Q(unit_id__in=units) | Q(pk__in=incident.tasks.values("owner_id")))
        .values_list("pk", flat=True)
    )


def _about(incident: Incident) -> tuple[Any, str]:
    return incident, reverse("incidents:detail", args=[incident.pk])


MACHINE: Machine[Incident] = Machine(
    owner_type=OWNER_TYPE,
    label="突发事件",
    steps=STEPS,
    state_labels=dict(S.choices),
    lock=_lock,
    save=_save,
    record=_record,
    describe=lambda i: i.number,
    unknown_action="未知的突发事件操作",
    audience=_audience,
    notice_about=_about,
    audit_omitted=frozenset(
        {"situation", "measures", "impact", "other", "text", "finding", "person", "demands"}
    ),
)


def register() -> None:
    engine.register_machine(MACHINE)


def incident_transition(
    *,
    incident: Incident,
    action: str,
    actor: User | None,
    note: str = "",
    request_meta: Any = None,
    **fields: Any,
) -> Incident:
    """The one entry of pages, API, jobs and tests to any incident step."""
    change = engine.transition(
        MACHINE,
        case=incident,
        action=action,
        actor=actor,
        fields=fields,
        note=note,
        request_meta=request_meta,
    )
    return change.case


def allowed_actions(incident: Incident, actor: User) -> list[str]:
    return engine.allowed_actions(MACHINE, incident, actor)
