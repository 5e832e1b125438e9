"""Writes of the key-person register besides the machine's steps: entering a person of a unit in
scope (the `enter` step on a new record), key groups, and the categories list."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.permissions import ensure_capability
from xinfang.accounts.roles import BUSINESS_ROLES, Role
from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record
from xinfang.core.exceptions import PermissionDenied, ValidationFailed
from xinfang.core.requests import RequestMeta
from xinfang.organisation.selectors import access_unit_by_id, units_visible_to

from .machine import person_transition
from .models import KeyGroup, KeyPerson, KeyPersonCategory
from .selectors import persons_visible_to, sees_register


def person_enter(
    *, actor: User, unit: int | None = None, request_meta: RequestMeta | None = None, **fields: Any
) -> KeyPerson:
    """Enters a person in the register of `unit` (default: the actor's own), a unit in scope."""
    target = access_unit_by_id(actor, unit or actor.unit_id or 0, request_meta)
    return person_transition(
        person=KeyPerson(unit=target, unit_path=target.path),
        action="enter",
        actor=actor,
        request_meta=request_meta,
        **fields,
    )


def group_save(
    *,
    actor: User,
    name: str,
    category: str,
    size: int,
    matter: str,
    case_owner: int,
    stability_owner: int,
    unit: int | None = None,
    leaders: str = "",
    history: str = "",
    members: list[int] | None = None,
    request_meta: RequestMeta | None = None,
) -> KeyGroup:
    ensure_capability(actor, "keypersons.manage")
    if not sees_register(actor):
        raise PermissionDenied("只有有权处理的机关的办公室可以建立重点群体档案。")
    errors: dict[str, str] = {}
    if not 1 <= len(name.strip()) <= 100:
        errors["name"] = "群体名称须为 1 到 100 字。"
    found = KeyPersonCategory.objects.filter(code=category, active=True).first()
    if found is None:
        errors["category"] = "请选择类别。"
    if not 1 <= int(size) <= 100000:
        errors["size"] = "人数须在 1 至 100000 之间。"
    if not matter.strip():
        errors["matter"] = "请填写反映事项。"
    units = units_visible_to(actor).values("pk")
    owners = {
        u.pk: u
        for u in User.objects.filter(
            pk__in=[case_owner, stability_owner],
            is_active=True,
            unit_id__in=units,
            role_assignments__role__in=BUSINESS_ROLES,
        ).distinct()
    }
    leader_ids = set(
        User.objects.filter(
            pk=case_owner, role_assignments__role__in=(Role.LEADER, Role.PRINCIPAL)
        ).values_list("pk", flat=True)
    )
    if case_owner not in owners or case_owner not in leader_ids:
        errors["case_owner"] = "包案责任人须为本单位或下级单位的领导。"
    if stability_owner not in owners:
        errors["stability_owner"] = "稳控责任人须为本单位或下级单位的人员。"
    people = list(persons_visible_to(actor).filter(pk__in=members or []))
    if len(people) != len(set(members or [])):
        errors["members"] = "成员须为您可见的重点人员。"
    if errors:
        raise ValidationFailed("重点群体信息有误：" + "；".join(errors.values()), errors)
    target = access_unit_by_id(actor, unit or actor.unit_id or 0, request_meta)
    assert found is not None  # refused above otherwise
    with transaction.atomic():
        group = KeyGroup.objects.create(
            unit=target,
            unit_path=target.path,
            name=name.strip(),
            category=found,
            size=size,
            leaders=leaders.strip()[:200],
            matter=matter.strip(),
            history=history.strip(),
            case_owner=owners[case_owner],
            stability_owner=owners[stability_owner],
            created_by=actor,
            created_at=timezone.now(),
        )
        group.members.set(people)
        audit_record(
            actor=actor,
            event=AuditEvent.RECORD_CREATED,
            target=group,
            target_label=f"重点群体#{group.pk}",
            request_meta=request_meta,
            members=len(people),
        )
    return group


def person_viewed(
    *, actor: Any, person: KeyPerson, request_meta: RequestMeta | None = None, part: str = ""
) -> None:
    """Every view of a person's page (or of their record through the API) is audited."""
    audit_record(
        actor=actor,
        event=AuditEvent.PERSONAL_DATA_VIEWED,
        target=person,
        target_label=person.number,
        request_meta=request_meta,
        **({"part": part} if part else {}),
    )
