"""The users' supervision actions: effects of the petition's one transition function.

`petition_transition` has already checked scope, capability, unit, state and guard and has locked
the petition; each effect validates its fields, writes the supervision rows, notifies, and
leaves what happened in `change.data` (timeline and audit) and the 督查督办通知单 in
`change.documents`.
"""

from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from xinfang.accounts.permissions import has_capability
from xinfang.core.exceptions import Conflict, PermissionDenied, ValidationFailed
from xinfang.organisation.models import Unit
from xinfang.organisation.selectors import units_visible_to
from xinfang.petitions.models import Petition
from xinfang.petitions.workflow import Change

from ..choices import RUNNING_STATUSES, FivePackage, Method, SupervisionKind, Trigger
from ..models import Supervision, SupervisionLog, five_packages_initial
from ..selectors import ROW_RELATED, petition_supervisions_forget, unit_staff
from .common import (
    RESPONSIBLE_ROLES,
    ST,
    SUPERVISOR_CAPABILITIES,
    notice_context,
    notify_users,
    person_name,
    report_deadline,
)
from .fields import ActionFields


def _on_chain(petition: Petition, unit: Unit) -> bool:
    """Whether the unit's users see the petition: it registered or handles it, or lies above."""
    return any(path and path.startswith(unit.path) for path in (petition.unit_path, petition.handling_path))


def _responsible_unit(form: ActionFields, change: Change, *, required: bool) -> Unit | None:
    p = change.petition
    if form.raw("responsible_unit") in (None, "") and not required:
        return p.handling_unit or p.unit
    unit = form.record("responsible_unit", "责任单位", units_visible_to(change.actor).filter(is_active=True))
    if unit is not None and not _on_chain(p, unit):
        form.fail("responsible_unit", "责任单位须为本件的登记单位、承办单位或其上级单位。")
        return None
    return unit


def _ensure_at_or_above(actor: Any, path: str, message: str) -> None:
    unit = getattr(actor, "unit", None)
    if unit is None or not path.startswith(unit.path):
        raise PermissionDenied(message)


# --- picking the supervision an action is about ------------------------------------------------


def _pick(
    change: Change, statuses: Iterable[str], label: str, *, kinds: Iterable[str] = tuple(SupervisionKind)
) -> Supervision:
    """The supervision named by the `supervision` field, locked; without it, the petition's only
    one in `statuses`. 422 when it is not the petition's, 409 when its status does not allow."""
    statuses, kinds = set(statuses), set(kinds)
    rows = (
        Supervision.objects.select_for_update(of=("self",))
        .select_related(*ROW_RELATED)
        .filter(petition_id=change.petition.pk)
    )
    raw = change.fields.get("supervision")
    if raw in (None, ""):
        candidates = list(rows.filter(status__in=statuses, kind__in=kinds)[:2])
        if not candidates:
            raise Conflict(f"本件没有可以{label}的督办事项。")
        if len(candidates) > 1:
            raise ValidationFailed(
                "请指明督办事项。", {"supervision": "本件有多个督办事项，请填写督办事项编号。"}
            )
        return candidates[0]
    try:
        supervision = rows.get(pk=int(raw))
    except (Supervision.DoesNotExist, TypeError, ValueError):
        raise ValidationFailed(
            "督办事项不存在。", {"supervision": "督办事项不存在或不属于本信访件。"}
        ) from None
    if supervision.kind not in kinds:
        raise Conflict(f"{supervision.get_kind_display()}事项不能{label}。", {"status": supervision.status})
    if supervision.status not in statuses:
        raise Conflict(
            f"督办事项当前为“{supervision.get_status_display()}”，不能{label}。",
            {"status": supervision.status},
        )
    return supervision


# --- notifications ------------------------------------------------------------------------------


def _notify_opened(supervision: Supervision, petition: Petition, actor: Any) -> None:
    recipients = unit_staff(supervision.responsible_unit_id, RESPONSIBLE_ROLES)
    recipients += [supervision.case_leader, supervision.responsible_person]
    notify_users(
        recipients=recipients,
        kind="supervision",
        title=f"{supervision.get_kind_display()}：{petition.number}",
        body=(
            f"{supervision.supervising_unit.name}对“{petition.subject}”{supervision.get_kind_display()}"
            f"（{supervision.get_trigger_display()}），请于 {supervision.deadline:%Y-%m-%d} 前报告办理情况。"
        ),
        petition=petition,
        dedupe_key=f"supervision-{supervision.pk}-opened",
        actor=actor,
    )


# --- the actions ---------------------------------------------------------------------------------


def _opened(change: Change, supervision: Supervision) -> None:
    """What every opening shares: the notice, the timeline data and the notification."""
    p = change.petition
    change.data.update(
        supervision=supervision.pk,
        supervision_kind=supervision.kind,
        trigger=supervision.trigger,
        ground_label=supervision.get_trigger_display(),
        method=supervision.method,
        method_label=supervision.get_method_display(),
        supervision_deadline=supervision.deadline.isoformat(),
        supervising_unit=supervision.supervising_unit.name,
        unit_name=supervision.responsible_unit.name,
        level=supervision.level,
        text=(
            f"{supervision.get_method_display()}，督办单位{supervision.supervising_unit.name}"
            f"（第 {supervision.level} 级），请于 {supervision.deadline:%Y-%m-%d} 前报告。"
        ),
    )
    change.documents.append(("supervision_notice", supervision.supervising_unit, notice_context(supervision)))
    _notify_opened(supervision, p, change.actor)
    petition_supervisions_forget(p)
    p._supervision_opened = supervision  # type: ignore[attr-defined]  # read by the API


def supervise(change: Change) -> None:
    """督办: opens a supervision of the responsible unit, issued by the actor's unit."""
    form = ActionFields(change.fields)
    trigger = form.coded("trigger", Trigger, "督办事由")
    method = form.coded("method", Method, "督办方式")
    deadline = form.day("deadline", "办理时限", required=False)
    responsible = _responsible_unit(form, change, required=False)
    form.check("督办信息有误，请按提示修改。")
    assert responsible is not None
    supervision = Supervision.objects.create(
        petition=change.petition,
        kind=SupervisionKind.NORMAL,
        status=ST.OPEN,
        trigger=trigger,
        method=method,
        deadline=deadline or report_deadline(timezone.localdate()),
        supervising_unit=change.actor.unit,
        responsible_unit=responsible,
        unit_path=responsible.path,
        supervisor=change.actor,
        note=change.note,
        created_by=change.actor,
        created_at=change.now,
    )
    _opened(change, supervision)


def confirm_supervision(change: Change) -> None:
    """确认督办: a supervision the daily job proposed is issued (the notice goes out now)."""
    supervision = _pick(change, {ST.PROPOSED}, "确认")
    _ensure_at_or_above(
        change.actor, supervision.supervising_unit.path, "只有督办单位或其上级单位可以确认督办。"
    )
    form = ActionFields(change.fields)
    method = form.coded("method", Method, "督办方式", default=supervision.method)
    deadline = form.day("deadline", "办理时限", required=False)
    form.check("督办信息有误，请按提示修改。")
    supervision.status = ST.OPEN
    supervision.method = method
    supervision.deadline = deadline or report_deadline(timezone.localdate())
    supervision.supervisor = change.actor
    if change.note:
        supervision.note = change.note
    supervision.save(update_fields=["status", "method", "deadline", "supervisor", "note"])
    _opened(change, supervision)


def dismiss_supervision(change: Change) -> None:
    """不予督办: the office declines a proposal, stating why (e.g. the delay has a 正当理由). The
    daily job does not propose the same lateness again; a later deadline passing is proposed anew."""
    supervision = _pick(change, {ST.PROPOSED}, "不予督办")
    _ensure_at_or_above(
        change.actor, supervision.supervising_unit.path, "只有督办单位或其上级单位可以决定不予督办。"
    )
    _end_for_reason(change, supervision, "不予督办", status=ST.DISMISSED, supervisor=change.actor)


def _end_for_reason(change: Change, supervision: Supervision, label: str, **values: Any) -> None:
    """Ends a supervision for a stated reason (不予督办, 摘牌): the reason is required, logged and
    shown in the timeline; `values` are the fields the ending sets besides `closed_at`."""
    form = ActionFields(change.fields)
    reason = form.text("reason", f"{label}理由")
    form.check(f"请填写{label}理由。")
    values["closed_at"] = change.now
    for name, value in values.items():
        setattr(supervision, name, value)
    supervision.save(update_fields=list(values))
    SupervisionLog.objects.create(
        supervision=supervision, actor=change.actor, at=change.now, text=f"{label}：{reason}"
    )
    change.data.update(supervision=supervision.pk, unit_name=supervision.responsible_unit.name, reason=reason)
    petition_supervisions_forget(change.petition)


def answer_supervision(change: Change) -> None:
    """报告办理情况: the supervised unit (or one above it) sends its 办结报告."""
    supervision = _pick(change, {ST.OPEN}, "报告办理情况")
    _ensure_at_or_above(
        change.actor, supervision.unit_path, "只有责任单位或其上级单位可以报告督办事项的办理情况。"
    )
    form = ActionFields(change.fields)
    report = form.text("report", "办结报告")
    form.check("请填写办结报告。")
    supervision.status = ST.ANSWERED
    supervision.report = report
    supervision.answered_at = change.now
    supervision.answered_by = change.actor
    supervision.save(update_fields=["status", "report", "answered_at", "answered_by"])
    change.data.update(supervision=supervision.pk, unit_name=supervision.responsible_unit.name, report=report)
    notify_users(
        recipients=[supervision.supervisor, supervision.case_leader],
        kind="supervision",
        title=f"督办事项已报告：{change.petition.number}",
        body=f"{supervision.responsible_unit.name}已报告办理情况，请审核办结。",
        petition=change.petition,
        dedupe_key=f"supervision-{supervision.pk}-answered",
        actor=change.actor,
    )
    petition_supervisions_forget(change.petition)


def close_supervision(change: Change) -> None:
    """督办办结: the supervising office accepts the report. A listed matter is delisted instead."""
    supervision = _pick(change, {ST.ANSWERED}, "办结", kinds={SupervisionKind.NORMAL})
    _ensure_at_or_above(
        change.actor, supervision.supervising_unit.path, "只有督办单位或其上级单位可以办结督办事项。"
    )
    supervision.status = ST.CLOSED
    supervision.closed_at = change.now
    supervision.save(update_fields=["status", "closed_at"])
    change.data.update(supervision=supervision.pk, unit_name=supervision.responsible_unit.name)
    petition_supervisions_forget(change.petition)


def _six_fixed(form: ActionFields, change: Change) -> dict[str, Any]:
    """六定: case leader, responsible unit and person, supervising unit, supervisor, time limit."""
    values: dict[str, Any] = {
        "case_leader": form.person("case_leader", "案件领导"),
        "responsible_unit": _responsible_unit(form, change, required=True),
        "responsible_person": form.person("responsible_person", "责任人"),
        "supervising_unit": form.record(
            "supervising_unit", "督办单位", units_visible_to(change.actor).filter(is_active=True)
        ),
        "supervisor": form.person("supervisor", "督办人"),
        "time_limit": form.day("time_limit", "办理时限", required=True),
    }
    responsible, leader = values["responsible_unit"], values["case_leader"]
    if leader is not None and not has_capability(leader, "petitions.approve"):
        form.fail("case_leader", f"{leader} 不是领导，不能担任案件领导。")
    if (
        leader is not None
        and responsible is not None
        and (leader.unit is None or not responsible.path.startswith(leader.unit.path))
    ):
        form.fail("case_leader", "案件领导须为责任单位或其上级单位的领导。")
    person = values["responsible_person"]
    if person is not None and responsible is not None and person.unit_id != responsible.pk:
        form.fail("responsible_person", f"责任人须为{responsible.name}的工作人员。")
    supervising, supervisor = values["supervising_unit"], values["supervisor"]
    if (
        supervising is not None
        and responsible is not None
        and not responsible.path.startswith(supervising.path)
    ):
        form.fail("supervising_unit", "督办单位须为责任单位本身或其上级单位。")
    if supervisor is not None and supervising is not None and supervisor.unit_id != supervising.pk:
        form.fail("supervisor", f"督办人须为{supervising.name}的工作人员。")
    if supervisor is not None and not any(has_capability(supervisor, c) for c in SUPERVISOR_CAPABILITIES):
        form.fail("supervisor", f"{supervisor} 没有督办职责（督办员、接访员或领导）。")
    return values


def list_supervision(change: Change) -> None:
    """挂牌督办: a leader lists the matter with all of 六定 and the 五包 checklist."""
    form = ActionFields(change.fields)
    trigger = form.coded("trigger", Trigger, "督办事由")
    method = form.coded("method", Method, "督办方式", default=Method.LETTER)
    six = _six_fixed(form, change)
    done = form.packages("packages")
    form.check("挂牌督办须落实“六定”，请按提示补全。")
    today = timezone.localdate().isoformat()
    packages = five_packages_initial()
    for code in done:
        packages[code] = {"done": True, "done_on": today}
    supervision = Supervision.objects.create(
        petition=change.petition,
        kind=SupervisionKind.LISTED,
        status=ST.OPEN,
        trigger=trigger,
        method=method,
        deadline=six["time_limit"],
        supervising_unit=six["supervising_unit"],
        responsible_unit=six["responsible_unit"],
        unit_path=six["responsible_unit"].path,
        supervisor=six["supervisor"],
        case_leader=six["case_leader"],
        responsible_person=six["responsible_person"],
        five_packages=packages,
        note=change.note,
        created_by=change.actor,
        created_at=change.now,
    )
    _opened(change, supervision)
    change.data.update(
        leader_name=person_name(supervision.case_leader),
        responsible_person=person_name(supervision.responsible_person),
        supervisor=person_name(supervision.supervisor),
    )


def delist_supervision(change: Change) -> None:
    """摘牌: a leader takes a listed matter off the board, which ends its supervision."""
    supervision = _pick(change, RUNNING_STATUSES, "摘牌", kinds={SupervisionKind.LISTED})
    _end_for_reason(change, supervision, "摘牌", status=ST.CLOSED, delisted_at=change.now)


def log_supervision(change: Change) -> None:
    """督办进展: one progress entry; for a listed matter it may tick 五包 items done."""
    supervision = _pick(change, RUNNING_STATUSES, "记录进展")
    form = ActionFields(change.fields)
    text = form.text("text", "进展情况")
    done = form.packages("packages")
    if done and supervision.kind != SupervisionKind.LISTED:
        form.fail("packages", "只有挂牌督办事项有“五包”。")
    form.check("请按提示填写督办进展。")
    if done:
        packages = {**five_packages_initial(), **(supervision.five_packages or {})}
        today = timezone.localdate().isoformat()
        for code in done:
            if not packages[code].get("done"):
                packages[code] = {"done": True, "done_on": today}
        supervision.five_packages = packages
        supervision.save(update_fields=["five_packages"])
    SupervisionLog.objects.create(supervision=supervision, actor=change.actor, at=change.now, text=text)
    change.data.update(
        supervision=supervision.pk,
        text=text,
        packages_done=[FivePackage(code).label for code in done],
    )
    petition_supervisions_forget(change.petition)
