"""A key person's record as a machine: 在册 → 息访待批准 (a reason) → 已息访稳定 (a leader other
than the one who asked approves; or refuses: 在册 again). Entering, the plan, the owners, the
risk, 24-hour monitoring, visits and alarms are steps too: each writes the person's history and
one audit entry, which names the person by number only (重点人员#12), never by name."""

from typing import Any

from django.urls import reverse

from xinfang.accounts.models import User
from xinfang.accounts.permissions import capabilities_of
from xinfang.accounts.roles import BUSINESS_ROLES, Role
from xinfang.core.exceptions import Conflict, NotFound, ValidationFailed
from xinfang.organisation.models import Unit
from xinfang.organisation.selectors import units_visible_to
from xinfang.petitions.models import Petitioner
from xinfang.petitions.validators import id_number_problem, normalise_id_number, phone_problem
from xinfang.procedure import engine
from xinfang.procedure.machine import Change, Form, Machine, Notice, Party, Step

from .. import clocks
from ..choices import HitSource, PersonStatus
from ..models import OWNER_TYPE, KeyPerson, KeyPersonCategory, KeyPersonEvent, KeyPersonHit, Visit
from ..selectors import persons_visible_to, sees_register
from . import schemas

S = PersonStatus
OPEN = frozenset({S.ACTIVE, S.REMOVAL_REQUESTED})
MANAGE = frozenset({"keypersons.manage"})
APPROVE = frozenset({"keypersons.approve"})
VISIT = frozenset({"keypersons.view"})
LEADER_ROLES = (Role.LEADER, Role.PRINCIPAL)
OFFICE_ROLES = (Role.CLERK, Role.DUTY, Role.LEADER, Role.PRINCIPAL)


def _office(person: KeyPerson, actor: User) -> bool:
    return sees_register(actor) and Unit.covers_path(person.unit_path, actor.unit)


def _owner_or_office(person: KeyPerson, actor: User) -> bool:
    return actor.pk in (person.case_owner_id, person.stability_owner_id, person.monitor_id) or _office(
        person, actor
    )


OFFICE: Party[KeyPerson] = Party("office", _office, "只有责任单位或其上级单位的办公室可以执行此操作。")
OWNER_OR_OFFICE: Party[KeyPerson] = Party(
    "owner_or_office", _owner_or_office, "只有责任人或责任单位的办公室可以登记走访。"
)


def _monitored(person: KeyPerson) -> str | None:
    return None if person.monitored else "不在24小时稳控中。"


def _not_monitored(person: KeyPerson) -> str | None:
    return "已在24小时稳控中。" if person.monitored else None


def office_of(person: KeyPerson) -> list[int]:
    """The office of the responsible unit and of its organ (a village's person: the township's
    front desk, duty room and leaders, who read the register)."""
    units = {person.unit_id, person.unit.organ_id or person.unit_id}
    return list(
        User.objects.filter(is_active=True, unit_id__in=units, role_assignments__role__in=OFFICE_ROLES)
        .values_list("pk", flat=True)
        .distinct()
    )


def _not_requester(person: KeyPerson, actor: User) -> str | None:
    if person.removal_requested_by_id == actor.pk:
        return "息访须由提出人以外的领导批准。"
    return None


# --- effects ------------------------------------------------------------------------------------


def _user_in_scope(
    change: Change[KeyPerson], user_id: int, field: str, label: str, *, leader: bool = False
) -> User:
    actor = change.actor
    units = units_visible_to(actor).values("pk") if actor is not None else Unit.objects.values("pk")
    # a person who works with key persons (a business role), never an administrator
    rows = User.objects.filter(
        pk=user_id, is_active=True, unit_id__in=units, role_assignments__role__in=BUSINESS_ROLES
    )
    if leader:
        rows = rows.filter(role_assignments__role__in=LEADER_ROLES)
    found = rows.distinct().first()
    if found is None:
        message = f"{label}须为本单位或下级单位的{'领导' if leader else '在职人员'}。"
        raise ValidationFailed(message, {field: message})
    return found


def enter(change: Change[KeyPerson]) -> None:
    person, data = change.case, change.input
    errors: dict[str, str] = {}
    id_number = normalise_id_number(data.id_number) if data.id_number else ""
    if id_number and (problem := id_number_problem(id_number)):
        errors["id_number"] = problem
    if data.phone and (problem := phone_problem(data.phone)):
        errors["phone"] = problem
    if not id_number and not data.phone:
        errors["id_number"] = "身份证号和联系电话至少填写一项，以便比对预警。"
    category = KeyPersonCategory.objects.filter(code=data.category, active=True).first()
    if category is None:
        errors["category"] = "请选择重点人员类别。"
    if errors:
        raise ValidationFailed("重点人员信息有误：" + "；".join(errors.values()), errors)
    # only the register the actor reads: a person another area keeps is not revealed (that office
    # may keep its own record; the alarm tells both)
    if (
        id_number
        and change.actor is not None
        and persons_visible_to(change.actor).filter(id_number=id_number).exclude(status=S.REMOVED).exists()
    ):
        raise Conflict("此人已在重点人员名册中（同一身份证号）。")
    assert category is not None
    person.name, person.id_number, person.phone, person.address = (
        data.name,
        id_number,
        data.phone,
        data.address,
    )
    person.category, person.risk, person.matter, person.demands = (
        category,
        data.risk,
        data.matter,
        data.demands,
    )
    person.plan, person.contact_days, person.assistance = data.plan, data.contact_days, data.assistance
    person.location = data.location
    person.case_owner = _user_in_scope(change, data.case_owner, "case_owner", "包案责任人", leader=True)
    person.stability_owner = _user_in_scope(change, data.stability_owner, "stability_owner", "稳控责任人")
    person.unit_path = person.unit.path
    person.created_by, person.created_at = change.actor, change.now  # type: ignore[assignment]
    if id_number:  # the petitioner's record, when this person has petitioned before
        person.petitioner = Petitioner.objects.filter(id_number=id_number).order_by("pk").first()
    change.memo["clock"] = lambda p: clocks.restart(p, since=change.now, now=change.now)
    change.data.update(category=category.code, risk=data.risk, contact_days=data.contact_days)
    change.notices.append(
        Notice(
            [person.case_owner.pk, person.stability_owner.pk],
            f"重点人员列管：{person.number}",
            "您被指定为这名重点人员的责任人，请按一人一策落实稳控化解措施。",
            "task",
        )
    )


def update_plan(change: Change[KeyPerson]) -> None:
    person, data = change.case, change.input
    old = {"plan": person.plan, "contact_days": person.contact_days, "assistance": person.assistance}
    person.plan, person.contact_days, person.assistance = data.plan, data.contact_days, data.assistance
    if data.matter:
        person.matter = data.matter
    if data.demands:
        person.demands = data.demands
    change.memo["fields"] = ["plan", "contact_days", "assistance", "matter", "demands"]
    # the plan's history: the old plan is kept on the timeline
    change.data.update(
        old_plan=old["plan"], old_contact_days=old["contact_days"], contact_days=data.contact_days
    )
    if old["contact_days"] != data.contact_days:
        since = person.last_visit_at or person.created_at
        change.memo["clock"] = lambda p: clocks.restart(p, since=since, now=change.now)


def change_owner(change: Change[KeyPerson]) -> None:
    person, data = change.case, change.input
    if data.case_owner is None and data.stability_owner is None:
        raise ValidationFailed("请选择新的包案责任人或稳控责任人。", {"case_owner": "请选择新的责任人。"})
    told = []
    if data.case_owner is not None:
        person.case_owner = _user_in_scope(change, data.case_owner, "case_owner", "包案责任人", leader=True)
        told.append(person.case_owner.pk)
    if data.stability_owner is not None:
        person.stability_owner = _user_in_scope(change, data.stability_owner, "stability_owner", "稳控责任人")
        told.append(person.stability_owner.pk)
    change.memo["fields"] = ["case_owner", "stability_owner"]
    change.data.update(case_owner=person.case_owner_id, stability_owner=person.stability_owner_id)
    change.notices.append(
        Notice(told, f"重点人员责任人调整：{person.number}", "您被指定为这名重点人员的责任人。", "task")
    )


def change_risk(change: Change[KeyPerson]) -> None:
    person = change.case
    change.data.update(risk_from=person.risk, risk=change.input.risk)
    person.risk = change.input.risk
    change.memo["fields"] = ["risk"]


def start_monitoring(change: Change[KeyPerson]) -> None:
    person = change.case
    if person.monitored:
        raise Conflict("已在24小时稳控中。")
    person.monitored = True
    person.monitor = _user_in_scope(change, change.input.monitor, "monitor", "稳控人员")
    change.memo["fields"] = ["monitored", "monitor"]
    change.data["monitor"] = person.monitor.pk
    since = person.last_visit_at or person.created_at  # a movement report due every day now
    change.memo["clock"] = lambda p: clocks.restart(p, since=since, now=change.now)
    change.notices.append(
        Notice(
            [person.monitor.pk],
            f"24小时稳控：{person.number}",
            "请落实专人24小时稳控，每日报告动态。",
            "urgent",
        )
    )


def stop_monitoring(change: Change[KeyPerson]) -> None:
    person = change.case
    if not person.monitored:
        raise Conflict("不在24小时稳控中。")
    person.monitored, person.monitor = False, None
    change.memo["fields"] = ["monitored", "monitor"]
    since = person.last_visit_at or person.created_at  # back to the plan's frequency
    change.memo["clock"] = lambda p: clocks.restart(p, since=since, now=change.now)


def visit(change: Change[KeyPerson]) -> None:
    person, data = change.case, change.input
    at = data.at or change.now
    if (at - change.now).total_seconds() > 300:
        raise ValidationFailed("走访时间不能晚于现在。", {"at": "走访时间不能晚于现在。"})
    row = Visit(
        person=person,
        by=change.actor,
        at=at,
        location=data.location,
        state=data.state,
        sign=data.sign,
        note=data.note,
    )
    change.after_save.append(row.save)
    latest = person.last_visit_at is None or at >= person.last_visit_at
    if latest:
        person.last_visit_at, person.location = at, data.location
        change.memo["fields"] = ["last_visit_at", "location"]
        change.memo["clock"] = lambda p: clocks.restart(p, since=at, now=change.now)
    change.data.update(at=at.isoformat(), sign=data.sign)
    if data.sign:  # a sign of petitioning: the owners and the office are told at once
        office = office_of(person)
        change.notices.append(
            Notice(
                [person.case_owner_id, person.stability_owner_id, *office],
                f"重点人员有上访苗头：{person.number}",
                "走访发现上访苗头，请立即落实稳控措施。",
                "urgent",
            )
        )


def remove(change: Change[KeyPerson]) -> None:
    person = change.case
    person.removal_reason = change.input.note[:500]
    person.removal_requested_by = change.actor
    change.memo["fields"] = ["removal_reason", "removal_requested_by"]
    leaders = list(
        User.objects.filter(
            is_active=True,
            unit_id__in={person.unit_id, person.unit.organ_id or person.unit_id},
            role_assignments__role__in=LEADER_ROLES,
        )
        .exclude(pk=change.actor.pk if change.actor else 0)
        .values_list("pk", flat=True)
        .distinct()
    )
    change.notices.append(
        Notice(leaders, f"重点人员息访待批准：{person.number}", "请审批息访（稳定）申请。", "task")
    )


def approve_removal(change: Change[KeyPerson]) -> None:
    person = change.case
    person.monitored, person.monitor = False, None  # off the register: nobody minds them any more
    change.memo["fields"] = ["monitored", "monitor"]
    change.memo["clock"] = lambda p: clocks.stop(p, change.now)


def reject_removal(change: Change[KeyPerson]) -> None:
    person = change.case
    person.removal_reason, person.removal_requested_by = "", None
    change.memo["fields"] = ["removal_reason", "removal_requested_by"]


def hit(change: Change[KeyPerson]) -> None:
    """An alarm (预警): the person appeared on a new petition, a duty-log entry or an incident.
    The owners and the responsible unit's office are told at once, with a link to the source."""
    person, data = change.case, change.input
    if KeyPersonHit.objects.filter(person=person, source=data.source, ref_id=data.ref_id).exists():
        return
    row = KeyPersonHit(
        person=person,
        source=data.source,
        ref_id=data.ref_id,
        reference=data.reference,
        matched_by=data.matched_by,
        at=change.now,
    )
    change.after_save.append(row.save)
    change.data.update(source=data.source, reference=data.reference, matched_by=data.matched_by)
    office = office_of(person)
    recipients = [person.case_owner_id, person.stability_owner_id, *office]
    if data.withhold_user is not None:
        recipients = [pk for pk in recipients if pk != data.withhold_user]
    if data.withhold_under:
        recipients = list(
            User.objects.filter(pk__in=recipients)
            .exclude(unit__path__startswith=data.withhold_under)
            .values_list("pk", flat=True)
        )
    label = HitSource(data.source).label
    change.notices.append(
        Notice(
            recipients,
            f"重点人员预警：{person.number}出现在{label}中",
            f"{label} {data.reference}：{person.number}（{person.category.name}）。{data.link}",
            "urgent",
        )
    )


# --- the table ---------------------------------------------------------------------------------

STEPS: dict[str, Step[KeyPerson]] = {
    "enter": Step("列管", frozenset({""}), S.ACTIVE, MANAGE, OFFICE, enter, schemas.EnterIn),
    "update_plan": Step(
        "调整一人一策",
        OPEN,
        None,
        MANAGE,
        OFFICE,
        update_plan,
        schemas.PlanIn,
        form=Form("调整一人一策（原措施保留在历史中）", "保存", "btn-outline-primary"),
    ),
    "change_owner": Step(
        "调整责任人",
        OPEN,
        None,
        MANAGE,
        OFFICE,
        change_owner,
        schemas.OwnerIn,
        form=Form("调整包案责任人、稳控责任人", "调整", "btn-outline-secondary"),
    ),
    "change_risk": Step(
        "调整风险等级",
        OPEN,
        None,
        MANAGE,
        OFFICE,
        change_risk,
        schemas.RiskIn,
        form=Form("调整风险等级", "调整", "btn-outline-secondary"),
    ),
    "start_monitoring": Step(
        "启动24小时稳控",
        OPEN,
        None,
        MANAGE,
        OFFICE,
        start_monitoring,
        schemas.MonitorIn,
        (_not_monitored,),
        form=Form("启动24小时专人稳控", "启动", "btn-outline-danger"),
    ),
    "stop_monitoring": Step(
        "解除24小时稳控",
        OPEN,
        None,
        MANAGE,
        OFFICE,
        stop_monitoring,
        schemas.StopMonitorIn,
        (_monitored,),
        form=Form("解除24小时稳控", "解除", "btn-outline-secondary"),
    ),
    "visit": Step(
        "走访",
        OPEN,
        None,
        VISIT,
        OWNER_OR_OFFICE,
        visit,
        schemas.VisitIn,
        form=Form(
            "登记走访（动态）", "登记", "btn-primary", "发现上访苗头时勾选，责任人和办公室立即收到提醒。"
        ),
    ),
    "remove": Step(
        "申请息访",
        frozenset({S.ACTIVE}),
        S.REMOVAL_REQUESTED,
        MANAGE,
        OFFICE,
        remove,
        schemas.RemoveIn,
        form=Form(
            "申请息访（稳定）销号", "提交", "btn-outline-warning", "须经提出人以外的领导批准，历史记录保留。"
        ),
    ),
    "approve_removal": Step(
        "批准息访",
        frozenset({S.REMOVAL_REQUESTED}),
        S.REMOVED,
        APPROVE,
        OFFICE,
        approve_removal,
        schemas.ApproveIn,
        permits=_not_requester,
        form=Form("批准息访（稳定）", "批准", "btn-success"),
    ),
    "reject_removal": Step(
        "不同意息访",
        frozenset({S.REMOVAL_REQUESTED}),
        S.ACTIVE,
        APPROVE,
        OFFICE,
        reject_removal,
        schemas.RejectIn,
        permits=_not_requester,
        form=Form("不同意息访", "不同意", "btn-outline-danger"),
    ),
    "hit": Step("预警", OPEN, None, frozenset(), None, hit, schemas.HitIn, by_system=True),
}


# --- the machine ---------------------------------------------------------------------------------


def _lock(actor: User | None, person: KeyPerson) -> KeyPerson:
    if person.pk is None:
        return person
    rows = KeyPerson.objects.all() if actor is None else persons_visible_to(actor)
    locked = (
        rows.select_for_update(of=("self",)).select_related("unit", "category").filter(pk=person.pk).first()
    )
    if locked is None:
        raise NotFound(missed=(KeyPerson, person.pk))
    return locked


def _save(change: Change[KeyPerson]) -> None:
    person = change.case
    if person.pk is None:
        person.save()
    else:
        person.save(update_fields=["status", *change.memo.get("fields", [])])
    clock = change.memo.get("clock")
    if clock is not None:
        clock(person)


def _record(change: Change[KeyPerson]) -> KeyPersonEvent:
    return KeyPersonEvent.objects.create(
        person=change.case,
        action=change.action,
        from_status=change.from_state,
        to_status=change.case.status,
        actor=change.actor,
        note=change.note,
        data=change.data,
        created_at=change.now,
    )


def _audience(person: KeyPerson, user_ids: set[int]) -> set[int]:
    """Those who may learn of the person: the owners and minder, and the office of an organ at or
    above the responsible unit (the people who read the register)."""
    owners = {person.case_owner_id, person.stability_owner_id, person.monitor_id}
    chain = [int(p) for p in person.unit_path.strip("/").split("/") if p]
    office = {
        u.pk
        for u in User.objects.filter(pk__in=user_ids, unit_id__in=chain).select_related("unit__organ")
        if sees_register(u)
    }
    return {pk for pk in user_ids if pk in owners} | office


def _about(person: KeyPerson) -> tuple[Any, str]:
    return person, reverse("keypersons:detail", args=[person.pk])


MACHINE: Machine[KeyPerson] = Machine(
    owner_type=OWNER_TYPE,
    label="重点人员",
    steps=STEPS,
    state_labels=dict(S.choices),
    lock=_lock,
    save=_save,
    record=_record,
    describe=lambda p: p.number,
    unknown_action="未知的重点人员操作",
    audience=_audience,
    notice_about=_about,
    audit_omitted=frozenset(
        {
            "reason",
            "withhold_under",
            "withhold_user",
            "link",
            "name",
            "id_number",
            "phone",
            "address",
            "matter",
            "demands",
            "plan",
            "old_plan",
            "state",
            "location",
        }
    ),
)


def register() -> None:
    engine.register_machine(MACHINE)


def person_transition(
    *,
    person: KeyPerson,
    action: str,
    actor: User | None,
    note: str = "",
    request_meta: Any = None,
    **fields: Any,
) -> KeyPerson:
    """The one entry of pages, API, jobs and tests to any key-person step."""
    change = engine.transition(
        MACHINE, case=person, action=action, actor=actor, fields=fields, note=note, request_meta=request_meta
    )
    return change.case


def allowed_actions(person: KeyPerson, actor: User) -> list[str]:
    return engine.allowed_actions(MACHINE, person, actor)


__all__ = ["MACHINE", "STEPS", "capabilities_of", "person_transition"]
