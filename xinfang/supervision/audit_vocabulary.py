"""How the supervisions' audit entries read on the audit page: a supervision by its petition's
number, its steps and states by their labels."""

from collections.abc import Collection, Mapping

from xinfang.audit.details import register_field, register_reference, register_values

from .choices import FivePackage, Method, SupervisionKind, SupervisionStatus, Trigger
from .models import OWNER_TYPE, Supervision


def supervision_references(ids: Collection[int]) -> Mapping[int, str]:
    rows = Supervision.objects.filter(pk__in=ids).values_list("pk", "petition__number", "kind")
    kinds = dict(SupervisionKind.choices)
    return {pk: f"{number} {kinds.get(kind, kind)}" for pk, number, kind in rows}


def register() -> None:
    from .machine import STEPS

    register_reference(OWNER_TYPE, supervision_references)
    states = dict(SupervisionStatus.choices)
    register_field("old", "督办状态", values=states, target_type=OWNER_TYPE)
    register_field("new", "督办状态", values=states, target_type=OWNER_TYPE)
    register_values("action", {code: step.label for code, step in STEPS.items()})
    register_values("action", {"supervision_escalate": "督办逾期升级", "supervision_propose": "逾期督办提议"})
    register_field("supervision_kind", "督办类型", values=dict(SupervisionKind.choices))
    register_field("trigger", "督办事由", values=dict(Trigger.choices))
    register_field("method", "督办方式", values=dict(Method.choices))
    register_field("ground_label", "督办事由", target_type=OWNER_TYPE)
    register_field("supervision_deadline", "督办期限")
    register_field("supervising_unit", "督办单位")
    register_field("unit_name", "责任单位", target_type=OWNER_TYPE)
    register_field("to_unit", "升级至")
    register_field("overdue_since", "逾期起始")
    register_field("responsible_person", "责任人")
    register_field("supervisor", "督办人")
    register_field("packages_done", "完成五包", values=dict(FivePackage.choices))
    register_field("escalated", "升级件数")
    register_field("at_top", "已至最高级")
    register_field("closed_with_petition", "随信访件办结")
    register_field("overdue", "逾期件数", target_type=OWNER_TYPE)
    register_field("proposed", "提议件数")
