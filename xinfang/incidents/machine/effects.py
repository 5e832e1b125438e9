"""What each incident step does (the table is in `__init__`)."""

from collections.abc import Callable
from typing import Any

from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.core.exceptions import Conflict, ValidationFailed
from xinfang.organisation.models import Unit
from xinfang.organisation.selectors import units_visible_to
from xinfang.procedure.machine import Change, DocumentRequest, Notice

from .. import clocks
from ..choices import IncidentStatus, Level, ReportKind, Sanction
from ..levels import level_for, limits_all
from ..models import (
    Accountability,
    ContingencyPlan,
    Evidence,
    Incident,
    IncidentReport,
    IncidentTask,
    Instruction,
    InstructionTarget,
)
from ..notices import KIND as REPORT_DOCUMENT

MAX_FUTURE_MINUTES = 5  # a clock a little ahead of the server's is not an error


def _fields(change: Change[Incident], *names: str) -> None:
    change.memo.setdefault("fields", []).extend(names)


def _clock(change: Change[Incident], op: Callable[[Incident], Any]) -> None:
    change.memo.setdefault("clocks", []).append(op)


def _people(unit_ids: list[int], roles: tuple[str, ...]) -> list[int]:
    return list(
        User.objects.filter(is_active=True, unit_id__in=unit_ids, role_assignments__role__in=roles)
        .values_list("pk", flat=True)
        .distinct()
    )


def _not_future(change: Change[Incident], name: str, label: str) -> None:
    value = getattr(change.input, name)
    if value is not None and (value - change.now).total_seconds() > MAX_FUTURE_MINUTES * 60:
        raise ValidationFailed(f"{label}不能晚于现在。", {name: f"{label}不能晚于现在。"})


def _scoped_units(change: Change[Incident], ids: list[int], field: str) -> list[Unit]:
    if not ids:
        return []
    actor = change.actor
    found = (
        list(units_visible_to(actor).filter(pk__in=ids))
        if actor is not None
        else list(Unit.objects.filter(pk__in=ids))
    )
    if len(found) != len(set(ids)):
        raise ValidationFailed(
            "所选单位不存在或不在您的权限范围内。", {field: "所选单位不存在或不在您的权限范围内。"}
        )
    return found


def _gathering_place(change: Change[Incident], unit_id: int) -> Unit:
    """Where the people gathered: a unit in the actor's scope, or one above the responsible unit
    (villagers of 东风村 at the town government's gate: the village's officer names the township)."""
    chain = [int(p) for p in change.case.unit.path.strip("/").split("/") if p]
    if unit_id in chain:
        return Unit.objects.get(pk=unit_id)
    return _scoped_units(change, [unit_id], "gathered_unit")[0]


def register(change: Change[Incident]) -> None:
    incident, data = change.case, change.input
    _not_future(change, "learned_at", "获知时间")
    _not_future(change, "occurred_at", "发生时间")
    if data.occurred_at > data.learned_at:
        raise ValidationFailed("发生时间不能晚于获知时间。", {"occurred_at": "发生时间不能晚于获知时间。"})
    incident.title, incident.kind, incident.place = data.title, data.kind, data.place
    incident.learned_at, incident.occurred_at = data.learned_at, data.occurred_at
    incident.headcount, incident.demands, incident.key_persons = (
        data.headcount,
        data.demands,
        data.key_persons,
    )
    incident.unit_path = incident.unit.path
    incident.gathered_unit = (
        _gathering_place(change, data.gathered_unit) if data.gathered_unit else incident.unit
    )
    involved = _scoped_units(change, list(data.involved_units), "involved_units")
    limits = level_for(data.kind, data.headcount, limits_all())
    incident.level = limits.level
    incident.registered_by, incident.registered_at = change.actor, change.now  # type: ignore[assignment]
    if data.sign is not None:
        from xinfang.inforeports.selectors import reports_visible_to

        sign = reports_visible_to(change.actor).filter(pk=data.sign).first() if change.actor else None
        if sign is None:
            raise ValidationFailed("来源苗头信息不存在或不在您的权限范围内。", {"sign": "苗头信息不存在。"})
        incident.sign = sign
        change.memo["sign"] = sign

    _clock(change, lambda i: clocks.start(i, clocks.FIRST, i.learned_at, limits))
    if limits.phone_report_minutes:
        _clock(change, lambda i: clocks.start(i, clocks.PHONE, i.learned_at, limits))
    _clock(change, lambda i: clocks.start(i, clocks.ARRIVAL, change.now, limits))
    if involved:
        change.after_save.append(lambda: incident.involved_units.set(involved))
    change.data.update(
        level=limits.level, kind=data.kind, headcount=data.headcount, learned_at=data.learned_at.isoformat()
    )
    principals = _people([incident.gathered_unit.pk], (Role.PRINCIPAL,))
    change.notices.append(
        Notice(
            principals,
            f"【立即到场】{incident.title}",
            f"{incident.place}发生{incident.get_kind_display()}（{incident.headcount}人），请主要领导20分钟内赶到现场并登记到场。",
            "urgent",
        )
    )
    change.notices.append(
        Notice(
            clocks.heads_and_above(incident),
            f"突发事件：{incident.unit.name}{incident.title}",
            f"{Level(incident.level).label}，{incident.headcount}人，{incident.place}。",
            "urgent",
        )
    )


def revise(change: Change[Incident]) -> None:
    """修正事件信息: the facts as verified now (40 people became 300). The level follows the rule
    again; a new level's limits restart the clocks still running (the first report from 获知时间,
    the next follow-up from the last report), and a graver level tells the level above at once."""
    incident, data = change.case, change.input
    if data.headcount is None and data.kind is None and not data.place and not data.demands:
        raise ValidationFailed(
            "请填写要修正的人数、类别、地点或诉求。", {"headcount": "请填写要修正的内容。"}
        )
    before: dict[str, int] = {"headcount": incident.headcount, "level": incident.level}
    if data.headcount is not None:
        incident.headcount = data.headcount
    if data.kind is not None:
        incident.kind = data.kind
    if data.place:
        incident.place = data.place
    if data.demands:
        incident.demands = data.demands
    _fields(change, "headcount", "kind", "place", "demands")
    limits = level_for(incident.kind, incident.headcount, limits_all())
    change.data.update(
        headcount_from=before["headcount"],
        headcount=incident.headcount,
        level_from=before["level"],
        level=limits.level,
    )
    if limits.level == before["level"]:
        return
    incident.level = limits.level
    _fields(change, "level")

    def restart(i: Incident) -> None:
        running = clocks.open_clocks(i)
        if clocks.FIRST in running:
            clocks.stop(i, [clocks.FIRST], change.now)
            clocks.start(i, clocks.FIRST, i.learned_at, limits)
        if clocks.FOLLOW_UP in running:
            last = i.reports.order_by("-written_at").values_list("written_at", flat=True).first()
            clocks.stop(i, [clocks.FOLLOW_UP], change.now)
            clocks.start(i, clocks.FOLLOW_UP, last or change.now, limits)

    _clock(change, restart)
    if limits.level < before["level"]:  # Ⅰ is the gravest
        change.notices.append(
            Notice(
                clocks.heads_and_above(incident),
                f"突发事件升级为{Level(limits.level).label}：{incident.title}",
                f"{incident.number}：现有{incident.headcount}人，由{Level(before['level']).label}升为{Level(limits.level).label}。",
                "urgent",
            )
        )


def report(change: Change[Incident]) -> None:
    incident, data = change.case, change.input
    kinds = set(incident.reports.values_list("kind", flat=True))
    if data.kind == ReportKind.FIRST and kinds:
        raise Conflict("首报已报送，请报送续报或终报。")
    if data.kind != ReportKind.FIRST and ReportKind.FIRST not in kinds:
        raise Conflict("尚未首报，请先报送首报。")
    if ReportKind.FINAL in kinds:
        raise Conflict("终报已报送，不能再报告。")
    if data.kind == ReportKind.FINAL and incident.status not in (
        IncidentStatus.AFTERMATH,
        IncidentStatus.ACCOUNTABILITY,
    ):
        raise Conflict("终报须在善后或责任追究阶段报送；处置期间请报送续报。")
    open_clocks = clocks.open_clocks(incident)
    rule = clocks.FIRST if data.kind == ReportKind.FIRST else clocks.FOLLOW_UP
    clock = open_clocks.get(rule)
    due = clock.due_at if clock is not None else None
    row = IncidentReport(
        incident=incident,
        kind=data.kind,
        seq=incident.reports_filed + 1,
        situation=data.situation,
        measures=data.measures,
        impact=data.impact,
        other=data.other,
        written_by=change.actor,
        written_at=change.now,
        due_at=due,
        on_time=due is None or change.now <= due,
        to_unit_id=incident.unit.parent_id,
    )
    change.after_save.append(row.save)
    incident.reports_filed += 1
    _fields(change, "reports_filed")
    limits = limits_all()[incident.level]
    _clock(change, lambda i: clocks.stop(i, [clocks.FIRST, clocks.FOLLOW_UP], change.now))
    if data.kind != ReportKind.FINAL:
        _clock(change, lambda i: clocks.start(i, clocks.FOLLOW_UP, change.now, limits))
    label = ReportKind(data.kind).label
    change.data.update(kind=data.kind, seq=row.seq, on_time=row.on_time)
    parent = incident.unit.parent
    local = timezone.localtime
    change.documents.append(
        DocumentRequest(
            REPORT_DOCUMENT,
            incident.unit,
            {
                "to_unit": parent.name if parent else "",
                "report_kind_label": label,
                "seq": row.seq,
                "situation": data.situation,
                "measures": data.measures,
                "impact": data.impact,
                "other": data.other or "无。",
                "written_at_cn": f"{local(change.now):%Y年%m月%d日 %H时%M分}",
                "writer": str(change.actor) if change.actor else "系统",
            },
            owner=row,
        )
    )
    if parent is not None:
        change.notices.append(
            Notice(
                _people([parent.pk], (Role.CLERK, Role.DUTY, Role.LEADER, Role.PRINCIPAL)),
                f"突发事件{label}待签收：{incident.title}",
                f"{incident.unit.name}报送了{incident.number}的{label}（第{row.seq}次报告）。",
                "urgent",
            )
        )


def _report_row(change: Change[Incident]) -> IncidentReport:
    row = change.case.reports.filter(pk=change.input.report).first()
    if row is None:
        raise ValidationFailed("请选择本事件的报告。", {"report": "请选择本事件的报告。"})
    return row


def sign_report(change: Change[Incident]) -> None:
    row = _report_row(change)
    if row.signed_at is not None:
        raise Conflict("这份报告已签收。")
    if change.actor is not None and change.actor.unit_id != row.to_unit_id:
        raise Conflict("这份报告不是报送本单位的，只有接收单位可以签收。")
    row.signed_by, row.signed_at = change.actor, change.now  # type: ignore[assignment]
    change.after_save.append(lambda: row.save(update_fields=["signed_by", "signed_at"]))
    change.data.update(report=row.pk, seq=row.seq)


def phone_report(change: Change[Incident]) -> None:
    _not_future(change, "at", "电话报告时间")
    at = change.input.at or change.now
    if at < change.case.learned_at:
        raise ValidationFailed("电话报告时间不能早于获知时间。", {"at": "电话报告时间不能早于获知时间。"})
    _clock(change, lambda i: clocks.stop(i, [clocks.PHONE], at))
    change.data["at"] = at.isoformat()


def _owner_of(unit_id: int, role: str, people: dict[tuple[int, str], int]) -> int | None:
    return people.get((unit_id, role))


def activate_plan(change: Change[Incident]) -> None:
    incident = change.case
    if change.input.plan is None:
        if not change.input.note:
            raise ValidationFailed(
                "没有选择应急预案时，请在启动说明中写明应急响应措施。", {"note": "请写明应急响应措施。"}
            )
        change.data.update(plan=None, tasks=0)
        return
    plan = ContingencyPlan.objects.filter(pk=change.input.plan, active=True).prefetch_related("tasks").first()
    if plan is None or not Unit.covers_path(incident.unit_path, Unit(path=plan.unit_path)):
        raise ValidationFailed(
            "请选择本单位或上级单位的应急预案。", {"plan": "请选择本单位或上级单位的应急预案。"}
        )
    incident.plan = plan
    _fields(change, "plan")
    roles = {t.role for t in plan.tasks.all()}
    owners: dict[str, int] = {}
    for pk, role in (
        User.objects.filter(is_active=True, unit_id=incident.unit_id, role_assignments__role__in=roles)
        .order_by("pk")
        .values_list("pk", "role_assignments__role")
    ):
        owners.setdefault(role, pk)
    tasks = [
        IncidentTask(
            incident=incident, order=t.order, title=t.title, role=t.role, owner_id=owners.get(t.role)
        )
        for t in plan.tasks.all()
    ]
    change.after_save.append(lambda: None if IncidentTask.objects.bulk_create(tasks) else None)
    change.data.update(plan=plan.pk, plan_name=plan.name, tasks=len(tasks))
    assigned = sorted({t.owner_id for t in tasks if t.owner_id})
    if assigned:
        change.notices.append(
            Notice(
                assigned,
                f"应急预案已启动：{incident.title}",
                f"“{plan.name}”已启动，请落实分配给您的任务。",
                "task",
            )
        )


def complete_task(change: Change[Incident]) -> None:
    task = change.case.tasks.filter(pk=change.input.task).first()
    if task is None:
        raise ValidationFailed("请选择本事件的预案任务。", {"task": "请选择本事件的预案任务。"})
    if task.done_at is not None:
        raise Conflict("这项任务已完成。")
    actor = change.actor
    office = actor is not None and "incidents.manage" in _caps(actor)
    if actor is not None and task.owner_id not in (None, actor.pk) and not office:
        raise Conflict("这项任务由他人负责。")
    task.done_at, task.done_by, task.result = change.now, actor, change.input.result  # type: ignore[assignment]
    change.after_save.append(lambda: task.save(update_fields=["done_at", "done_by", "result"]))
    change.data.update(task=task.pk, title=task.title)


def _caps(actor: User) -> frozenset[str]:
    from xinfang.accounts.permissions import capabilities_of

    return capabilities_of(actor)


def arrive(change: Change[Incident]) -> None:
    incident, data = change.case, change.input
    if incident.arrived_at is not None:
        raise Conflict("主要领导到场已登记。")
    at = data.at or change.now
    if (at - change.now).total_seconds() > MAX_FUTURE_MINUTES * 60:
        raise ValidationFailed("到场时间不能晚于现在。", {"at": "到场时间不能晚于现在。"})
    if at < incident.registered_at and at < incident.learned_at:
        raise ValidationFailed("到场时间不能早于获知时间。", {"at": "到场时间不能早于获知时间。"})
    principals = User.objects.filter(
        is_active=True, unit_id=incident.gathered_unit_id, role_assignments__role=Role.PRINCIPAL
    )
    wanted = data.leader if data.leader is not None else (change.actor.pk if change.actor else None)
    leader = principals.filter(pk=wanted).first() if wanted is not None else None
    if leader is None:
        message = f"到场领导须为{incident.gathered_unit.name}的主要领导。"
        raise ValidationFailed(message, {"leader": message})
    incident.arrived_at, incident.arrived_by = at, leader  # type: ignore[assignment]
    _fields(change, "arrived_at", "arrived_by")
    _clock(change, lambda i: clocks.stop(i, [clocks.ARRIVAL], at))
    late = incident.arrival_due is not None and at > incident.arrival_due
    change.data.update(at=at.isoformat(), leader=leader.pk if leader else None, late=late)
    if late:
        parent = incident.unit.parent_id
        change.notices.append(
            Notice(
                _people([parent] if parent else [], (Role.PRINCIPAL, Role.LEADER, Role.CLERK, Role.DUTY)),
                f"主要领导迟到现场：{incident.title}",
                f"{incident.number}：到场时限 {timezone.localtime(incident.arrival_due):%H:%M}，实际到场 {timezone.localtime(at):%H:%M}。",
                "urgent",
            )
        )


def instruct(change: Change[Incident]) -> None:
    incident, data = change.case, change.input
    units = _scoped_units(change, list(data.units), "units")
    row = Instruction(incident=incident, by=change.actor, text=data.text, at=change.now)

    def write() -> None:
        row.save()
        InstructionTarget.objects.bulk_create([InstructionTarget(instruction=row, unit=u) for u in units])

    change.after_save.append(write)
    change.data.update(units=[u.pk for u in units])
    change.notices.append(
        Notice(
            _people([u.pk for u in units], (Role.PRINCIPAL, Role.LEADER, Role.CLERK, Role.DUTY)),
            f"领导批示待落实：{incident.title}",
            "请阅知批示并确认落实。",
            "task",
        )
    )


def acknowledge(change: Change[Incident]) -> None:
    actor = change.actor
    target = (
        InstructionTarget.objects.filter(
            instruction_id=change.input.instruction,
            instruction__incident=change.case,
            unit_id=(actor.unit_id if actor else None) or 0,
        )
        .select_related("instruction")
        .first()
    )
    if target is None:
        raise ValidationFailed("请选择批转给本单位的批示。", {"instruction": "请选择批转给本单位的批示。"})
    if target.acknowledged_at is not None:
        raise Conflict("本单位已确认这条批示。")
    target.acknowledged_by, target.acknowledged_at = actor, change.now  # type: ignore[assignment]
    change.after_save.append(lambda: target.save(update_fields=["acknowledged_by", "acknowledged_at"]))
    change.data.update(instruction=target.instruction_id, unit=target.unit_id)


def set_line(change: Change[Incident]) -> None:
    change.case.agreed_line = change.input.text
    _fields(change, "agreed_line")


def media_consent(change: Change[Incident]) -> None:
    change.case.media_consent = f"{timezone.localtime(change.now):%m-%d %H:%M} {change.input.note}"[:500]
    _fields(change, "media_consent")


def add_evidence(change: Change[Incident]) -> None:
    row = Evidence.objects.filter(pk=change.input.evidence, incident=change.case).first()
    if row is None:
        raise ValidationFailed("证据文件不存在。", {"evidence": "证据文件不存在。"})
    change.data.update(evidence=row.pk, name=row.original_name, size=row.size, sha256=row.sha256)


def phase(change: Change[Incident]) -> None:
    change.data["phase"] = change.target


def account(change: Change[Incident]) -> None:
    data = change.input
    if data.sanction != Sanction.NONE and not (data.person or data.unit):
        raise ValidationFailed("请填写责任人或责任单位。", {"person": "请填写责任人或责任单位。"})
    units = _scoped_units(change, [data.unit], "unit") if data.unit else []
    row = Accountability(
        incident=change.case,
        person=data.person,
        unit=units[0] if units else None,
        finding=data.finding,
        sanction=data.sanction,
        decided_by=change.actor,
        decided_at=change.now,
    )
    change.after_save.append(row.save)
    change.data.update(sanction=data.sanction)


def close(change: Change[Incident]) -> None:
    change.case.closed_at = change.now
    _fields(change, "closed_at")
    _clock(
        change,
        lambda i: clocks.stop(i, [clocks.FIRST, clocks.PHONE, clocks.FOLLOW_UP, clocks.ARRIVAL], change.now),
    )


# --- guards ----------------------------------------------------------------------------------------


def final_filed(incident: Incident) -> str | None:
    return None if incident.reports.filter(kind=ReportKind.FINAL).exists() else "尚未报送终报。"


def tasks_done(incident: Incident) -> str | None:
    left = incident.tasks.filter(done_at__isnull=True).count()
    return f"应急预案尚有 {left} 项任务未完成。" if left else None


def accounted(incident: Incident) -> str | None:
    return None if incident.accountability.exists() else "尚未作出责任追究记录（无需追究的也须记录）。"


__all__ = ["IncidentStatus"]
