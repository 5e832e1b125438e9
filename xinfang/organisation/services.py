"""Writes to the unit tree."""

import re
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record
from xinfang.core.exceptions import ValidationFailed
from xinfang.core.requests import RequestMeta

from .models import ANSWERS_BY_DEFAULT, Unit, UnitType, UnitTypeSetting

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
    unit.organ = unit if answering_types().get(unit_type, True) else (parent.organ if parent else None)
    unit.save(update_fields=["path", "organ"])
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
    if old["unit_type"] != unit_type:
        organs_recompute()
        unit.refresh_from_db(fields=["organ"])
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


def answering_types() -> dict[str, bool]:
    """Each unit type: is a unit of it an organ (有权处理的机关)? The setting, else the default."""
    answers = dict(ANSWERS_BY_DEFAULT)
    answers.update(UnitTypeSetting.objects.values_list("unit_type", "answers"))
    return answers


def organs_recompute() -> int:
    """Sets every unit's `organ` (the nearest organ at or above it) from the unit-type setting.
    The tree is read once in path order, so a parent's organ is known before its children's;
    returns how many units changed. Units number in the thousands, not millions."""
    answers = answering_types()
    organ_of: dict[int, int | None] = {}
    changed = []
    for unit in Unit.objects.order_by("depth", "pk").only("pk", "parent_id", "unit_type", "organ_id"):
        if answers.get(unit.unit_type, True):
            organ: int | None = unit.pk
        else:
            organ = organ_of.get(unit.parent_id) if unit.parent_id is not None else None
        organ_of[unit.pk] = organ
        if unit.organ_id != organ:
            unit.organ_id = organ
            changed.append(unit)
    Unit.objects.bulk_update(changed, ["organ"], batch_size=500)
    return len(changed)


@transaction.atomic
def unit_types_save(*, actor: Any, answers: dict[str, bool], request_meta: RequestMeta | None = None) -> int:
    """Saves which unit types are organs (有权处理的机关) and recomputes every unit's organ.
    Matters already answered keep the unit that answered them; the setting applies to the next
    notice. Returns how many units now have another organ."""
    unknown = set(answers) - set(UnitType.values)
    if unknown:
        raise ValidationFailed(
            "单位类型有误。", {"answers": f"没有这样的单位类型：{'、'.join(sorted(unknown))}。"}
        )
    before = answering_types()
    now = timezone.now()
    for unit_type, value in answers.items():
        UnitTypeSetting.objects.update_or_create(
            unit_type=unit_type, defaults={"answers": value, "updated_by": actor, "updated_at": now}
        )
    after = answering_types()
    changed = organs_recompute()
    label = dict(UnitType.choices)
    audit_record(
        actor=actor,
        event=AuditEvent.UNIT_TYPES_CHANGED,
        target_type="organisation.unittypesetting",
        target_label="单位类型设置",
        request_meta=request_meta,
        organs=[label[t] for t, v in after.items() if v and not before[t]],
        not_organs=[label[t] for t, v in after.items() if not v and before[t]],
        units_changed=changed,
    )
    return changed
