"""Effects of the supervision steps. The engine has checked scope, capability, party, state and
guards, has locked the supervision (or, for a new one, its petition) and validated the input;
each effect checks what spans records (六定, the units), writes the supervision's fields and its
progress log, and leaves the timeline data in `change.data`, the 督查督办通知单 in
`change.documents` and the messages to the people it concerns in `change.notices`."""

from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.permissions import has_capability
from xinfang.core.exceptions import Conflict, ValidationFailed
from xinfang.notifications.choices import NotificationKind
from xinfang.organisation.models import Unit
from xinfang.organisation.selectors import units_visible_to
from xinfang.petitions.notices import protected_context
from xinfang.procedure.machine import Change, DocumentRequest, Notice

from ..choices import FivePackage, Method, SupervisionKind, SupervisionStatus, Trigger
from ..models import Supervision, SupervisionLog, five_packages_initial
from ..selectors import petition_supervision_rows, unit_staff
from ..services.common import (
    RESPONSIBLE_ROLES,
    SUPERVISOR_CAPABILITIES,
    notice_context,
    person_name,
    report_deadline,
)
from . import schemas

ST = SupervisionStatus


class Problems:
    """Every field's problem at once, so that a form shows all of them (六定 has six fields)."""

    def __init__(self) -> None:
        self.errors: dict[str, str] = {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def check(self, summary: str) -> None:
        if self.errors:
            raise ValidationFailed(summary, dict(self.errors))


def _on_chain(supervision: Supervision, unit: Unit) -> bool:
    """Whether the unit's users see the petition: it registered or handles it, or lies above."""
    p = supervision.petition
    return any(path and unit.covers(path) for path in (p.unit_path, p.handling_path))


def _unit(
    problems: Problems, name: str, label: str, wanted: int | None, units: QuerySet[Unit]
) -> Unit | None:
    unit = units.filter(is_active=True, pk=wanted).first() if wanted is not None else None
    if unit is None:
        problems.fail(name, f"{label}不存在或不在可选范围内。")
    return unit


def _person(problems: Problems, name: str, label: str, wanted: int | str) -> User | None:
    """An active user by id, username or full name (张分管): the page picks from a list, the API
    may give any of the three; a name two people share must be picked from the list."""
    users = User.objects.filter(is_active=True).select_related("unit")
    text = str(wanted).strip()
    if text.isdigit():
        found = users.filter(pk=int(text)).first()
    else:
        matches = list(users.filter(Q(username=text) | Q(full_name=text))[:2])
        if len(matches) > 1:
            problems.fail(name, f"有多名工作人员名为“{text}”，请从列表中选择{label}。")
            return None
        found = matches[0] if matches else None
    if found is None:
        problems.fail(name, f"{label}不存在或已停用。")
    return found


def _responsible(problems: Problems, change: Change[Supervision], wanted: int | None) -> Unit | None:
    unit = _unit(problems, "responsible_unit", "责任单位", wanted, units_visible_to(change.actor))
    if unit is not None and not _on_chain(change.case, unit):
        problems.fail("responsible_unit", "责任单位须为本件的登记单位、承办单位或其上级单位。")
        return None
    return unit


def _opened(change: Change[Supervision], *, notify: bool = True) -> None:
    """What every opening shares: the notice, the timeline data and the notification."""
    s = change.case
    change.data.update(
        supervision_kind=s.kind,
        trigger=s.trigger,
        ground_label=s.get_trigger_display(),
        method=s.method,
        method_label=s.get_method_display(),
        supervision_deadline=s.deadline.isoformat(),
        supervising_unit=s.supervising_unit.name,
        unit_name=s.responsible_unit.name,
        level=s.level,
        text=(
            f"{s.get_method_display()}，督办单位{s.supervising_unit.name}"
            f"（第 {s.level} 级），请于 {s.deadline:%Y-%m-%d} 前报告。"
        ),
    )
    change.documents.append(
        DocumentRequest(
            "supervision_notice",
            s.supervising_unit,
            notice_context(s) | protected_context(s.petition, s.responsible_unit),
            owner=s.petition,
        )
    )
    if notify:
        _tell_opened(change)


def _tell_opened(change: Change[Supervision]) -> None:
    """The responsible unit's handlers and leaders, the case leader and the responsible person:
    one list, each person once (the engine sends one notice per person and event)."""
    s = change.case
    recipients = [*unit_staff(s.responsible_unit_id, RESPONSIBLE_ROLES), s.case_leader, s.responsible_person]
    change.notices.append(
        Notice(
            [user for user in recipients if user is not None],
            f"{s.get_kind_display()}：{s.petition.number}",
            (
                f"{s.supervising_unit.name}对本件{s.get_kind_display()}（{s.get_trigger_display()}），"
                f"请于 {s.deadline:%Y-%m-%d} 前报告办理情况。"
            ),
            NotificationKind.SUPERVISION,
        )
    )


def _not_twice(s: Supervision, unit: Unit, trigger: str) -> None:
    """A unit supervises a matter for one reason once at a time: a second 督办 with the same
    事由 while the first still waits for its report (two staff of one office, or a double
    submission) would be the same supervision again, and tell its people the same thing twice."""
    for row in petition_supervision_rows(s.petition):
        if (
            row.kind == SupervisionKind.NORMAL
            and row.status == ST.OPEN
            and row.supervising_unit_id == unit.pk
            and row.trigger == trigger
        ):
            raise Conflict(
                f"{unit.name}已以“{row.get_trigger_display()}”督办本件（督办中，"
                f"请于 {row.deadline:%Y-%m-%d} 前报告），不能重复督办；可记录督办进展。"
            )


def supervise(change: Change[Supervision]) -> None:
    """督办: opens a supervision of the responsible unit, issued by the actor's unit."""
    data: schemas.SuperviseIn = change.input
    s = change.case
    problems = Problems()
    responsible = (
        s.petition.handling_unit or s.petition.unit
        if data.responsible_unit is None
        else _responsible(problems, change, data.responsible_unit)
    )
    problems.check(data.invalid_message)
    assert responsible is not None
    assert change.actor is not None
    assert change.actor.unit is not None
    _not_twice(s, change.actor.unit, str(data.trigger))
    s.kind = SupervisionKind.NORMAL
    s.trigger = data.trigger
    s.method = data.method
    s.deadline = data.deadline or report_deadline(timezone.localdate())
    change.memo["computed_deadline"] = data.deadline is None
    s.supervising_unit = change.actor.unit
    s.responsible_unit = responsible
    s.unit_path = responsible.path
    s.supervisor = change.actor
    s.note = change.note
    s.created_by = change.actor
    s.created_at = change.now
    _opened(change)


def confirm(change: Change[Supervision]) -> None:
    """确认督办: a supervision the daily job proposed is issued (the notice goes out now)."""
    data: schemas.ConfirmIn = change.input
    s = change.case
    s.method = data.method or s.method
    s.deadline = data.deadline or report_deadline(timezone.localdate())
    change.memo["computed_deadline"] = data.deadline is None
    s.supervisor = change.actor
    if change.note:
        s.note = change.note
    change.memo["fields"] = ["method", "deadline", "supervisor", "note"]
    _opened(change)


def _end_for_reason(change: Change[Supervision], label: str) -> None:
    """Ends a supervision for a stated reason (不予督办, 摘牌): logged and shown in the timeline."""
    s = change.case
    reason = change.input.reason
    s.closed_at = change.now
    change.memo["fields"] = ["closed_at"]
    _log(change, f"{label}：{reason}")
    change.data.update(unit_name=s.responsible_unit.name, reason=reason)


def dismiss(change: Change[Supervision]) -> None:
    """不予督办: the office declines a proposal, stating why (e.g. the delay has a 正当理由). The
    daily job does not propose the same lateness again; a later deadline passing is proposed anew."""
    _end_for_reason(change, "不予督办")
    change.case.supervisor = change.actor
    change.memo["fields"].append("supervisor")


def delist(change: Change[Supervision]) -> None:
    """摘牌: a leader takes a listed matter off the board, which ends its supervision."""
    _end_for_reason(change, "摘牌")
    change.case.delisted_at = change.now
    change.memo["fields"].append("delisted_at")


def _log(change: Change[Supervision], text: str) -> None:
    s = change.case

    def write() -> None:
        SupervisionLog.objects.create(supervision=s, actor=change.actor, at=change.now, text=text)

    change.after_save.append(write)


def answer(change: Change[Supervision]) -> None:
    """报告办理情况: the supervised unit (or one above it) sends its 办结报告."""
    s = change.case
    report = change.input.report
    s.report = report
    s.answered_at = change.now
    s.answered_by = change.actor
    change.memo["fields"] = ["report", "answered_at", "answered_by"]
    change.data.update(unit_name=s.responsible_unit.name, report=report)
    change.notices.append(
        Notice(
            [user for user in (s.supervisor, s.case_leader) if user is not None],
            f"督办事项已报告：{s.petition.number}",
            f"{s.responsible_unit.name}已报告办理情况，请审核办结。",
            NotificationKind.SUPERVISION,
        )
    )


def close(change: Change[Supervision]) -> None:
    """督办办结: the supervising office accepts the report."""
    s = change.case
    s.closed_at = change.now
    change.memo["fields"] = ["closed_at"]
    change.data.update(unit_name=s.responsible_unit.name)


def _six_fixed(change: Change[Supervision], data: schemas.ListIn) -> dict[str, Any]:
    """六定: case leader, responsible unit and person, supervising unit, supervisor, time limit."""
    problems = Problems()
    leader = _person(problems, "case_leader", "案件领导", data.case_leader)
    responsible = _responsible(problems, change, data.responsible_unit)
    person = _person(problems, "responsible_person", "责任人", data.responsible_person)
    supervising = _unit(
        problems, "supervising_unit", "督办单位", data.supervising_unit, units_visible_to(change.actor)
    )
    supervisor = _person(problems, "supervisor", "督办人", data.supervisor)
    if leader is not None and not has_capability(leader, "petitions.approve"):
        problems.fail("case_leader", f"{leader} 不是领导，不能担任案件领导。")
    if leader is not None and responsible is not None and not Unit.covers_path(responsible.path, leader.unit):
        problems.fail("case_leader", "案件领导须为责任单位或其上级单位的领导。")
    if person is not None and responsible is not None and person.unit_id != responsible.pk:
        problems.fail("responsible_person", f"责任人须为{responsible.name}的工作人员。")
    if supervising is not None and responsible is not None and not responsible.is_descendant_of(supervising):
        problems.fail("supervising_unit", "督办单位须为责任单位本身或其上级单位。")
    if supervisor is not None and supervising is not None and supervisor.unit_id != supervising.pk:
        problems.fail("supervisor", f"督办人须为{supervising.name}的工作人员。")
    if supervisor is not None and not any(has_capability(supervisor, c) for c in SUPERVISOR_CAPABILITIES):
        problems.fail("supervisor", f"{supervisor} 没有督办职责（督办员、接访员或领导）。")
    problems.check(data.invalid_message)
    return {
        "case_leader": leader,
        "responsible_unit": responsible,
        "responsible_person": person,
        "supervising_unit": supervising,
        "supervisor": supervisor,
    }


def list_(change: Change[Supervision]) -> None:
    """挂牌督办: a leader lists the matter with all of 六定 and the 五包 checklist."""
    data: schemas.ListIn = change.input
    s = change.case
    six = _six_fixed(change, data)
    today = timezone.localdate().isoformat()
    packages = five_packages_initial()
    for code in data.packages:
        packages[code] = {"done": True, "done_on": today}
    for name, value in six.items():
        setattr(s, name, value)
    s.kind = SupervisionKind.LISTED
    s.trigger = data.trigger
    s.method = data.method or Method.LETTER
    s.deadline = data.time_limit
    s.unit_path = six["responsible_unit"].path
    s.five_packages = packages
    s.note = change.note
    s.created_by = change.actor
    s.created_at = change.now
    _opened(change)
    change.data.update(
        leader_name=person_name(s.case_leader),
        responsible_person=person_name(s.responsible_person),
        supervisor=person_name(s.supervisor),
    )


def log(change: Change[Supervision]) -> None:
    """督办进展: one progress entry; for a listed matter it may tick 五包 items done."""
    data: schemas.LogIn = change.input
    s = change.case
    done = [str(code) for code in data.packages]
    if done and s.kind != SupervisionKind.LISTED:
        raise ValidationFailed(data.invalid_message, {"packages": "只有挂牌督办事项有“五包”。"})
    if done:
        packages = {**five_packages_initial(), **(s.five_packages or {})}
        today = timezone.localdate().isoformat()
        for code in done:
            if not packages[code].get("done"):
                packages[code] = {"done": True, "done_on": today}
        s.five_packages = packages
        change.memo["fields"] = ["five_packages"]
    _log(change, data.text)
    change.data.update(text=data.text, packages_done=[FivePackage(code).label for code in done])


# --- the daily jobs' steps (actor None: 系统) ------------------------------------------------------


def propose(change: Change[Supervision]) -> None:
    """逾期提议: the job filled the proposal's facts in before (`supervision_propose_overdue`)."""
    s = change.case
    change.data.update(
        trigger=Trigger.DEADLINE_MISSED,
        ground_label=Trigger.DEADLINE_MISSED.label,
        overdue_since=s.overdue_since.isoformat() if s.overdue_since else None,
        unit_name=s.responsible_unit.name if s.responsible_unit_id else "",
    )


def escalate(change: Change[Supervision]) -> None:
    """逾期升级: the old supervision stops; the job opens the higher level's (`open_escalated`)."""
    s = change.case
    parent = s.supervising_unit.parent
    change.data.update(to_unit=parent.name if parent else "", level=s.level + 1)
    _log(change, f"逾期未报告，已升级由{parent.name if parent else ''}督办（第 {s.level + 1} 级）。")


def open_escalated(change: Change[Supervision]) -> None:
    """The higher level's supervision, with its own 督查督办通知单 to the responsible unit."""
    s = change.case
    old = s.escalated_from
    assert old is not None
    change.memo["computed_deadline"] = True  # the job gave it 5 working days from today
    _log(change, f"由{old.supervising_unit.name}督办逾期未报告升级而来。")
    _opened(change, notify=False)  # the job tells the higher level's leaders, once per unit


def end_with_petition(change: Change[Supervision]) -> None:
    """A closed matter takes no further step: its running supervisions end with it."""
    change.case.closed_at = change.now
    change.memo["fields"] = ["closed_at"]
    _log(change, "信访事项已终结办理，督办随之结束。")
