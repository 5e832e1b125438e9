"""Whom each step of a petition hands work to, and what they are told (消息通知).

A step's `notifies` (the `STEPS` table) returns `Notice`s; the engine sends them after the step's
event, each person once, never to the actor, and only to the petition's `audience`: users whose
scope holds the petition, never the person it complains about (被反映人).

Whom a step hands work to is read from the table itself: `takers` are the users to whom the next
step would now be offered (capability, party, state, guards: `engine.is_offered`), at the nearest
unit from the responsible one upward that has any, so a village's 办结报告 goes to the township's
leaders who approve it, and a county department's to its own. A named handler is told in person;
a unit without one, every handler of the unit.

Messages name the petition by its number only, never its subject or a petitioner, and quote no
free text (a reason or a note may name people): they go to logs and e-mail. The step's timeline
holds the rest.
"""

from collections.abc import Callable, Sequence
from datetime import date

from django.urls import reverse

from xinfang.accounts.models import RoleAssignment, User
from xinfang.accounts.permissions import SUBTREE_ROLES, capabilities_of
from xinfang.accounts.roles import Role
from xinfang.organisation.models import Unit
from xinfang.procedure import engine
from xinfang.procedure.machine import Change, Notice

from ..choices import PetitionStatus as S
from ..models import Petition
from .parties import answering_organ

Notifies = Callable[[Change[Petition]], Sequence[Notice]]
STAFF = "message_staff"  # Change.memo: the users of the units on the chain, loaded once


# --- who may learn of the petition --------------------------------------------------------------


def audience(petition: Petition, user_ids: set[int]) -> set[int]:
    """Those of `user_ids` who see `petition` (the rule of `petitions.selectors.petition_scope_q`,
    decided on their unit and roles read afresh in one query: active users with a unit and a
    role), never its complained-about person."""
    wanted = user_ids - {petition.complained_user_id}
    if not wanted:
        return set()
    rows = RoleAssignment.objects.filter(user_id__in=wanted, user__is_active=True, user__unit__isnull=False)
    roles: dict[int, set[str]] = {}
    units: dict[int, tuple[int, str]] = {}
    for user_id, role, unit_id, path in rows.values_list(
        "user_id", "role", "user__unit_id", "user__unit__path"
    ):
        roles.setdefault(user_id, set()).add(role)
        units[user_id] = (unit_id, path)
    return {pk for pk, (unit_id, path) in units.items() if _sees(petition, unit_id, path, roles[pk])}


def _sees(petition: Petition, unit_id: int, path: str, roles: set[str]) -> bool:
    """A user of the unit (`unit_id`, `path`) holding `roles` sees the petition through the unit
    that registered it or the unit that handles it; with a subtree role, also from above."""
    if roles & SUBTREE_ROLES:
        return petition.unit_path.startswith(path) or (
            bool(petition.handling_path) and petition.handling_path.startswith(path)
        )
    return unit_id in (petition.unit_id, petition.handling_unit_id)


def about(petition: Petition) -> tuple[Petition, str]:
    return petition, reverse("petitions:detail", args=[petition.pk])


# --- who is handed the work -----------------------------------------------------------------------


def _chain(unit: Unit) -> list[int]:
    """The unit and those above it, nearest first (a unit's path is the chain of ids)."""
    return [int(part) for part in reversed(unit.path.strip("/").split("/"))]


def _staff(change: Change[Petition], unit_ids: list[int]) -> dict[int, list[User]]:
    """The active users of each of `unit_ids` with their unit and roles, in one query per change
    (the units on the petition's chains are few)."""
    staff: dict[int, list[User]] = change.memo.setdefault(STAFF, {})
    missing = [pk for pk in unit_ids if pk not in staff]
    if missing:
        users: dict[int, User] = {}
        roles: dict[int, set[str]] = {}
        rows = (
            RoleAssignment.objects.filter(user__unit_id__in=missing, user__is_active=True)
            .select_related("user__unit")
            .order_by("user__username")
        )
        for row in rows:
            users.setdefault(row.user_id, row.user)
            roles.setdefault(row.user_id, set()).add(row.role)
        for pk in missing:
            staff[pk] = []
        for user_id, user in users.items():
            user._role_codes = frozenset(roles[user_id])
            staff[user.unit_id].append(user)  # type: ignore[index]
    return {pk: staff[pk] for pk in unit_ids}


def takers(change: Change[Petition], action: str, start: Unit | None, *, climb: bool = True) -> list[User]:
    """The users to whom `action` is now offered on the petition, at `start` or (`climb`) the
    nearest unit above it that has any; where some of them are the front desk (接访员), only those."""
    if start is None:
        return []
    chain = _chain(start) if climb else [start.pk]
    staff = _staff(change, chain)
    for unit_id in chain:
        found = [
            user
            for user in staff[unit_id]
            if engine.is_offered(change.machine, action, change.case, user, capabilities_of(user))
        ]
        if found:
            desk = [user for user in found if Role.CLERK in user.role_codes]
            return desk or found
    return []


def _responsible(p: Petition) -> Unit:
    return p.handling_unit or p.unit


def handlers(change: Change[Petition]) -> list[User | int]:
    """The named handler (承办人), else every handler of the responsible unit."""
    p = change.case
    if p.handler_id is not None:
        return [p.handler_id]
    unit = _responsible(p)
    return [
        user for user in _staff(change, [unit.pk])[unit.pk] if "petitions.handle" in capabilities_of(user)
    ]


def _with_owner(change: Change[Petition], action: str, people: list[User]) -> list[User]:
    """`people`, and the leader who took the matter (包案领导) if the step is offered to them."""
    p = change.case
    owner = p.owner_leader_id
    if owner is None or any(user.pk == owner for user in people):
        return people
    for staff in _staff(change, _chain(_responsible(p))).values():
        for user in staff:
            if user.pk == owner and engine.is_offered(change.machine, action, p, user, capabilities_of(user)):
                return [*people, user]
    return people


# --- the wording --------------------------------------------------------------------------------


def _day(value: date | str | None) -> str:
    if value is None or value == "":
        return "—"
    return value if isinstance(value, str) else f"{value:%Y-%m-%d}"


def _by(change: Change[Petition]) -> str:
    actor = change.actor
    if actor is None:
        return "系统"
    unit = actor.unit.name if actor.unit_id is not None and actor.unit is not None else ""
    return f"{unit}{actor}" if unit else str(actor)


def assigned(change: Change[Petition]) -> list[Notice]:
    """交办: the named handler, or every handler of the unit when none is named."""
    p = change.case
    unit = _responsible(p)
    who = "" if p.handler_id is not None else "，尚未指定承办人，请本单位承办人办理"
    body = f"{_by(change)}将本件交办{unit.name}{who}；办理期限 {_day(p.current_deadline)}。"
    return [Notice(handlers(change), f"交办：{p.number}", body)]


def transferred(change: Change[Petition]) -> list[Notice]:
    """转送: the receiving unit's front desk (or whoever there may accept it)."""
    p = change.case
    unit = _responsible(p)
    body = (
        f"{_by(change)}将本件转送{unit.name}，请于 {_day(p.current_deadline)} 前作出受理决定；"
        f"不属于本单位职权的，可在 {_day(change.data.get('objection_until'))} 前提出异议退回。"
    )
    return [Notice(takers(change, "accept", unit), f"转送：{p.number}", body)]


def objected(change: Change[Petition]) -> list[Notice]:
    """异议退回: the office the matter returns to, which routes it anew."""
    p = change.case
    returned_by = change.data.get("returned_by") or "接收单位"
    body = f"{returned_by}认为本件不属于其职权，提出异议退回（理由见办理记录），请重新转送或交办。"
    action = "transfer" if p.status == S.REGISTERED else "assign"
    return [Notice(takers(change, action, p.unit), f"异议退回：{p.number}", body)]


def report_submitted(change: Change[Petition]) -> list[Notice]:
    """办结报告: the leaders who approve it."""
    p = change.case
    leaders = _with_owner(change, "approve_report", takers(change, "approve_report", _responsible(p)))
    body = f"{_by(change)}提交了本件的办结报告，请审核；办理期限 {_day(p.current_deadline)}。"
    return [Notice(leaders, f"办结报告待审核：{p.number}", body)]


def report_returned(change: Change[Petition]) -> list[Notice]:
    """退回重办: the handler."""
    p = change.case
    body = f"{_by(change)}退回了本件的办结报告（理由见办理记录），请补充办理后重新提交；办理期限 {_day(p.current_deadline)}。"
    return [Notice(handlers(change), f"退回重办：{p.number}", body)]


def report_approved(change: Change[Petition]) -> list[Notice]:
    """审核通过: who now answers the petitioner: the handler when the responsible unit is the organ
    that accepted the matter, else that organ's staff (a village has reported; its township answers)."""
    p = change.case
    organ = answering_organ(p)
    people = (
        handlers(change) if organ.pk == _responsible(p).pk else takers(change, "answer", organ, climb=False)
    )
    body = f"{_by(change)}已审核通过本件的办结报告，请以{organ.name}名义书面答复信访人；办理期限 {_day(p.current_deadline)}。"
    return [Notice(people, f"办结报告已审核通过：{p.number}", body)]


def extension_requested(change: Change[Petition]) -> list[Notice]:
    """申请延期: the leaders who approve it."""
    p = change.case
    leaders = _with_owner(change, "approve_extension", takers(change, "approve_extension", _responsible(p)))
    body = (
        f"{_by(change)}申请延期办理 {p.extension_requested_days} 日，请审批；"
        f"当前办理期限 {_day(p.current_deadline)}。"
    )
    return [Notice(leaders, f"延期申请待批准：{p.number}", body)]


def extension_approved(change: Change[Petition]) -> list[Notice]:
    """批准延期: the handler."""
    p = change.case
    body = f"{_by(change)}批准延期 {change.data.get('days')} 日，办理期限顺延至 {_day(p.current_deadline)}。"
    return [Notice(handlers(change), f"延期已批准：{p.number}", body)]


def review_requested(label: str, decide: str) -> Notifies:
    """复查 / 复核申请: whoever decides it at the reviewing unit (or the nearest above it)."""

    def notices(change: Change[Petition]) -> list[Notice]:
        p = change.case
        body = (
            f"信访人对本件的答复不服，申请{label}，{_by(change)}已登记；"
            f"请{p.review_unit.name if p.review_unit else ''}于 {_day(p.current_deadline)} 前作出{label}意见。"
        )
        return [Notice(takers(change, decide, p.review_unit), f"{label}申请待处理：{p.number}", body)]

    return notices


def ownership_taken(change: Change[Petition]) -> list[Notice]:
    """领导包案 for another leader: that leader."""
    p = change.case
    body = f"{_by(change)}确定由您包案本件。"
    return [Notice([p.owner_leader_id] if p.owner_leader_id else [], f"领导包案：{p.number}", body)]


def instructed(change: Change[Petition]) -> list[Notice]:
    """领导批示: the handler, who acts on it."""
    p = change.case
    body = f"{_by(change)}对本件作出批示（内容见办理记录），请落实。"
    return [Notice(handlers(change), f"领导批示：{p.number}", body)]
