"""How the unit tree reads on the audit page: a unit id by the unit's name."""

from collections.abc import Collection, Mapping

from xinfang.audit.details import register_field, register_reference

from .models import Unit, UnitType

REFERENCE = "organisation.unit"


def unit_names(ids: Collection[int]) -> Mapping[int, str]:
    return dict(Unit.objects.filter(pk__in=ids).values_list("pk", "name"))


def register() -> None:
    register_reference(REFERENCE, unit_names)
    register_field("unit", "单位", reference=REFERENCE)
    register_field("parent", "上级单位", reference=REFERENCE)
    register_field("unit_type", "单位类型", values=dict(UnitType.choices))
    register_field("organs", "改为有权处理的机关")
    register_field("not_organs", "改为不作为机关答复")
    register_field("units_changed", "所属机关变化的单位数")
