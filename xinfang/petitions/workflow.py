"""The procedure of a petition as data (信访工作条例 arts. 17–36), and the one function that moves
a petition from one state to the next.

Each action names the states it may start from, the state it leads to and the capability its
actor needs. `petition_transition` locks the row, checks the table, applies the action's own
effects (deadlines, fields), writes the timeline event and the audit entry in one transaction.
This first part covers the acceptance decision (受理 / 不予受理 / 不再受理); the handling issue
adds the remaining actions to the same table.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from xinfang.accounts.permissions import has_capability
from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record
from xinfang.core.exceptions import Conflict, PermissionDenied, ValidationFailed
from xinfang.core.requests import RequestMeta
from xinfang.deadlines.models import Deadline
from xinfang.deadlines.services import deadline_close, deadline_create

from .choices import PetitionStatus
from .models import Petition, PetitionEvent

OWNER_TYPE = "petitions.petition"
HANDLING_RULE = ("handling", 60, "calendar_days")  # 信访工作条例 art. 32: within 60 days of acceptance


class Action(models.TextChoices):
    ACCEPT = "accept", "受理"
    REJECT = "reject", "不予受理"
    DECLINE_AGAIN = "decline_again", "不再受理"


class RejectGround(models.TextChoices):
    """Legal grounds for 不予受理 (domain.md §3.2)."""

    OTHER_AUTHORITY = "other_authority", "属于人大、法院、检察院职权范围"
    LEGAL_CHANNEL = "legal_channel", "应当通过诉讼、仲裁、行政复议等法定途径解决"
    ALREADY_HANDLED = "already_handled", "已经受理或者正在办理"
    WRONG_LEVEL = "wrong_level", "未向依法有权处理的本级或者上一级机关提出"


class DeclineGround(models.TextChoices):
    """Grounds for 不再受理 (domain.md §3.3)."""

    WINDOW_PASSED = "window_passed", "未在规定期限内申请复查或者复核"
    FINALISED = "finalised", "已经复核终结，以同一事实和理由再次提出"


@dataclass(frozen=True)
class Step:
    sources: frozenset[str]
    target: str
    capability: str


TRANSITIONS: dict[str, Step] = {
    Action.ACCEPT: Step(frozenset({PetitionStatus.REGISTERED}), PetitionStatus.ACCEPTED, "petitions.accept"),
    Action.REJECT: Step(
        frozenset({PetitionStatus.REGISTERED}), PetitionStatus.NOT_ACCEPTED, "petitions.accept"
    ),
    Action.DECLINE_AGAIN: Step(
        frozenset({PetitionStatus.REGISTERED}), PetitionStatus.DECLINED_AGAIN, "petitions.accept"
    ),
}


def allowed_actions(petition: Petition, actor: Any) -> list[str]:
    """The actions `actor` may take on `petition` now: the buttons to show and the API's list."""
    return [
        action
        for action, step in TRANSITIONS.items()
        if petition.status in step.sources and has_capability(actor, step.capability)
    ]


def _open_deadline(petition: Petition) -> Deadline | None:
    return Deadline.objects.filter(owner_type=OWNER_TYPE, owner_id=petition.pk, is_open=True).first()


def _close_clock(petition: Petition, actor: Any) -> None:
    deadline = _open_deadline(petition)
    if deadline is not None:
        deadline_close(deadline=deadline, actor=actor)
    petition.current_deadline = None


def _accept(petition: Petition, actor: Any, fields: dict[str, Any]) -> dict[str, Any]:
    _close_clock(petition, actor)
    rule, amount, unit = HANDLING_RULE
    deadline = deadline_create(
        owner_type=OWNER_TYPE,
        owner_id=petition.pk,
        rule=rule,
        start=timezone.now(),
        amount=amount,
        unit=unit,
        actor=actor,
    )
    petition.current_deadline = deadline.due_date
    return {"handling_deadline": deadline.due_date.isoformat()}


def _grounded(choices: type[models.TextChoices]) -> Callable[[Petition, Any, dict[str, Any]], dict[str, Any]]:
    def apply(petition: Petition, actor: Any, fields: dict[str, Any]) -> dict[str, Any]:
        ground = fields.get("ground", "")
        if ground not in choices.values:
            options = "；".join(f"{value}（{label}）" for value, label in choices.choices)
            raise ValidationFailed("请选择法定理由。", {"ground": f"理由须为以下之一：{options}"})
        _close_clock(petition, actor)
        return {"ground": ground, "ground_label": choices(ground).label}

    return apply


EFFECTS: dict[str, Callable[[Petition, Any, dict[str, Any]], dict[str, Any]]] = {
    Action.ACCEPT: _accept,
    Action.REJECT: _grounded(RejectGround),
    Action.DECLINE_AGAIN: _grounded(DeclineGround),
}


@transaction.atomic
def petition_transition(
    *,
    petition: Petition,
    action: str,
    actor: Any,
    note: str = "",
    request_meta: RequestMeta | None = None,
    **fields: Any,
) -> Petition:
    """Performs `action`: 403 for a role the rules do not name, 409 for a step out of order."""
    if action not in TRANSITIONS:
        raise ValidationFailed(f"未知的办理操作：{action}。")
    step = TRANSITIONS[action]
    if not has_capability(actor, step.capability):
        raise PermissionDenied(f"您的角色不能执行“{Action(action).label}”。")
    petition = Petition.objects.select_for_update().get(pk=petition.pk)
    if petition.status not in step.sources:
        raise Conflict(
            f"信访件当前为“{petition.get_status_display()}”，不能执行“{Action(action).label}”。",
            {"status": petition.status},
        )
    old_status = petition.status
    data = EFFECTS[action](petition, actor, fields)
    petition.status = step.target
    petition.save(update_fields=["status", "current_deadline"])
    event = PetitionEvent.objects.create(
        petition=petition,
        action=action,
        from_status=old_status,
        to_status=step.target,
        actor=actor,
        note=note.strip(),
        data=data,
        created_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        event=AuditEvent.STATE_TRANSITION,
        target=petition,
        target_label=petition.number,
        request_meta=request_meta,
        action=action,
        old=old_status,
        new=step.target,
        event_id=event.pk,
        **data,
    )
    return petition
