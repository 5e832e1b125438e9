"""Writes to the unit tree."""

import re
from typing import Any

from django.db import transaction

from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record
from xinfang.core.exceptions import ValidationFailed
from xinfang.core.requests import RequestMeta

from .models import Unit, UnitType

CODE_PATTERN = re.compile(r"^[A-Za-z0-9]{2,30}$")


def _validate(*, name: str, code: str, unit_type: str, instance: Unit | None = None) -> None:
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "请填写单位名称。"
    if not CODE_PATTERN.match(code or ""):
        errors["code"] = "单位代码须为 2 到 30 位字母或数字。"
    elif Unit.objects.filter(code=code).exclude(pk__in=[instance.pk] if instance else []).exists():
        errors["code"] = f"单位代码 {code} 已被使用。"
    if unit_type not in UnitType.values:
        errors["unit_type"] = "请选择单位类型。"
    if errors:
        raise ValidationFailed("单位信息有误，请修改后再提交。", errors)


@transaction.atomic
def unit_create(
    *,
    actor: Any,
    name: str,
    code: str,
    unit_type: str,
    parent: Unit | None,
    is_active: bool = True,
    request_meta: RequestMeta | None = None,
) -> Unit:
    _validate(name=name, code=code, unit_type=unit_type)
    unit = Unit.objects.create(
        name=name.strip(),
        code=code,
        unit_type=unit_type,
        parent=parent,
        is_active=is_active,
        path="",
        depth=parent.depth + 1 if parent else 0,
    )
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.save(update_fields=["path"])
    audit_record(
        actor=actor,
        event=AuditEvent.UNIT_CREATED,
        target=unit,
        request_meta=request_meta,
        code=code,
        unit_type=unit_type,
        parent=parent.pk if parent else None,
    )
    return unit


@transaction.atomic
def unit_update(
    *,
    actor: Any,
    unit: Unit,
    name: str,
    code: str,
    unit_type: str,
    is_active: bool,
    request_meta: RequestMeta | None = None,
) -> Unit:
    """Changes a unit's own fields. Moving a unit in the tree is not offered: records keep the
    scope they were created under, and a move would silently change who sees them."""
    _validate(name=name, code=code, unit_type=unit_type, instance=unit)
    old = {"name": unit.name, "code": unit.code, "unit_type": unit.unit_type, "is_active": unit.is_active}
    unit.name, unit.code, unit.unit_type, unit.is_active = name.strip(), code, unit_type, is_active
    unit.save(update_fields=["name", "code", "unit_type", "is_active"])
    new = {"name": unit.name, "code": unit.code, "unit_type": unit.unit_type, "is_active": unit.is_active}
    audit_record(
        actor=actor,
        event=AuditEvent.UNIT_CHANGED,
        target=unit,
        request_meta=request_meta,
        old={k: v for k, v in old.items() if new[k] != v},
        new={k: v for k, v in new.items() if old[k] != v},
    )
    return unit
