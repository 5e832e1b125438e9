"""The supervision actions as steps of the petition's procedure, and their forms on its page.

`register()` runs from `SupervisionConfig.ready()`: each action joins `workflow.TRANSITIONS` (so
scope, capability, unit, guard, timeline, notices and audit come from `petition_transition`) and
`action_forms.FORMS` (so the petition page shows its form when the action is allowed).

The guards read the petition's supervisions through one cached query
(`selectors.petition_supervision_rows`), which the page's supervision card reuses.
"""

from collections.abc import Callable, Iterable
from typing import Any

from django.utils import timezone

from xinfang.petitions import action_forms
from xinfang.petitions.action_forms import ActionForm, Input
from xinfang.petitions.choices import OPEN_STATUSES
from xinfang.petitions.models import Petition
from xinfang.petitions.workflow import Change, Party, Step, register_action

from . import services
from .choices import RUNNING_STATUSES, FivePackage, Method, SupervisionKind, SupervisionStatus, Trigger
from .selectors import petition_supervision_rows

ST = SupervisionStatus
# A closed matter (办结, 不予受理, 不再受理) takes no further step, supervision included; the daily
# job ends its running supervisions.
OPEN_STATES = frozenset(OPEN_STATUSES)
OFFICE_CAPS = frozenset({"supervision.manage", "petitions.accept"})
HANDLING_CAPS = frozenset({"petitions.handle", "petitions.accept"})
LEADER_CAPS = frozenset({"petitions.approve"})
LOG_CAPS = OFFICE_CAPS | HANDLING_CAPS | LEADER_CAPS


def _routed_or_overdue(p: Petition) -> str | None:
    """There is a unit to supervise: the matter was routed to one, or its deadline has passed."""
    if p.handling_unit_id is not None:
        return None
    if p.current_deadline is not None and p.current_deadline < timezone.localdate():
        return None
    return "本件尚未转送或交办，也未超过期限，没有需要督办的单位。"


def _having(
    statuses: Iterable[str], message: str, *, kinds: Iterable[str] = tuple(SupervisionKind)
) -> Callable[[Petition], str | None]:
    statuses, kinds = frozenset(statuses), frozenset(kinds)

    def guard(p: Petition) -> str | None:
        rows = petition_supervision_rows(p)
        return None if any(s.status in statuses and s.kind in kinds for s in rows) else message

    return guard


def _acting_unit(
    statuses: Iterable[str], message: str, *, issuer: bool, kinds: Iterable[str] = tuple(SupervisionKind)
) -> Callable[[Petition, Any], str | None]:
    """The actor's unit must be at or above the supervising unit (`issuer`) or the responsible
    unit of at least one of the petition's supervisions in `statuses`; the effect checks the one
    it picks again."""
    statuses, kinds = frozenset(statuses), frozenset(kinds)

    def permits(p: Petition, actor: Any) -> str | None:
        unit = getattr(actor, "unit", None)
        rows = [s for s in petition_supervision_rows(p) if s.status in statuses and s.kind in kinds]
        if not rows:
            return None  # the guard answers (409): there is nothing to act on
        paths = [s.supervising_unit.path if issuer else s.unit_path for s in rows]
        return None if unit is not None and any(path.startswith(unit.path) for path in paths) else message

    return permits


def _not_listed(p: Petition) -> str | None:
    rows = petition_supervision_rows(p)
    if any(s.kind == SupervisionKind.LISTED and s.status in RUNNING_STATUSES for s in rows):
        return "本件已挂牌督办。"
    return None


ACTIONS: tuple[tuple[str, str, Step, Callable[[Change], None]], ...] = (
    (
        "supervise",
        "督办",
        Step(OPEN_STATES, None, OFFICE_CAPS, Party.OFFICE, _routed_or_overdue),
        services.supervise,
    ),
    (
        "confirm_supervision",
        "确认督办",
        Step(
            OPEN_STATES,
            None,
            OFFICE_CAPS,
            Party.OFFICE,
            _having({ST.PROPOSED}, "没有待确认的督办提议。"),
            _acting_unit({ST.PROPOSED}, "只有督办单位或其上级单位可以确认督办。", issuer=True),
        ),
        services.confirm_supervision,
    ),
    (
        "dismiss_supervision",
        "不予督办",
        Step(
            OPEN_STATES,
            None,
            OFFICE_CAPS,
            Party.OFFICE,
            _having({ST.PROPOSED}, "没有待确认的督办提议。"),
            _acting_unit({ST.PROPOSED}, "只有督办单位或其上级单位可以决定不予督办。", issuer=True),
        ),
        services.dismiss_supervision,
    ),
    (
        "answer_supervision",
        "报告督办办理情况",
        Step(
            OPEN_STATES,
            None,
            HANDLING_CAPS,
            Party.CHAIN,
            _having({ST.OPEN}, "没有督办中的事项。"),
            _acting_unit({ST.OPEN}, "只有责任单位或其上级单位可以报告督办事项的办理情况。", issuer=False),
        ),
        services.answer_supervision,
    ),
    (
        "close_supervision",
        "督办办结",
        Step(
            OPEN_STATES,
            None,
            OFFICE_CAPS,
            Party.OFFICE,
            _having({ST.ANSWERED}, "没有已报告待办结的督办事项。", kinds={SupervisionKind.NORMAL}),
            _acting_unit(
                {ST.ANSWERED},
                "只有督办单位或其上级单位可以办结督办事项。",
                issuer=True,
                kinds={SupervisionKind.NORMAL},
            ),
        ),
        services.close_supervision,
    ),
    (
        "list_supervision",
        "挂牌督办",
        Step(OPEN_STATES, None, LEADER_CAPS, Party.OFFICE, _not_listed),
        services.list_supervision,
    ),
    (
        "delist_supervision",
        "摘牌",
        Step(
            OPEN_STATES,
            None,
            LEADER_CAPS,
            Party.OFFICE,
            _having(RUNNING_STATUSES, "本件没有挂牌督办事项。", kinds={SupervisionKind.LISTED}),
        ),
        services.delist_supervision,
    ),
    (
        "log_supervision",
        "督办进展",
        Step(OPEN_STATES, None, LOG_CAPS, Party.CHAIN, _having(RUNNING_STATUSES, "没有进行中的督办事项。")),
        services.log_supervision,
    ),
)

# --- the forms on the petition page (selects only where action_forms.choice_lists has a list) ----

NOTE = Input("note", "督办要求", "textarea", required=False)
SUPERVISION = Input(
    "supervision", "督办事项编号", "number", required=False, help="本件只有一项可操作的督办事项时可不填"
)
TRIGGER = Input("trigger", "督办事由", "select", choices="supervision_triggers")
METHOD = Input("method", "督办方式", "select", choices="supervision_methods")
PACKAGES = Input("packages", "已落实的“五包”事项", "options", required=False, choices="five_packages")
USER_HELP = "填写用户名或用户编号"

FORMS: dict[str, ActionForm] = {
    "supervise": ActionForm(
        "督办（督查督办通知单）",
        "督办",
        "btn-outline-danger",
        (
            TRIGGER,
            METHOD,
            Input("deadline", "办理时限", "date", required=False, help="不填则为 5 个工作日后"),
            Input(
                "responsible_unit",
                "责任单位",
                "select",
                required=False,
                choices="scope_units",
                help="不填则为本件的承办单位",
            ),
            NOTE,
        ),
        hint="生成督查督办通知单，并通知责任单位。",
    ),
    "confirm_supervision": ActionForm(
        "确认督办提议",
        "确认督办",
        "btn-outline-danger",
        (
            SUPERVISION,
            Input(
                "method",
                "督办方式",
                "select",
                required=False,
                choices="supervision_methods",
                help="不填则为发函督办",
            ),
            Input("deadline", "办理时限", "date", required=False, help="不填则为 5 个工作日后"),
            NOTE,
        ),
    ),
    "dismiss_supervision": ActionForm(
        "不予督办",
        "不予督办",
        "btn-outline-secondary",
        (SUPERVISION, Input("reason", "不予督办理由", "textarea", help="如超期有正当理由，请写明")),
        hint="本次逾期不再提议督办；本件以后的期限再逾期时，系统仍会提议。",
    ),
    "answer_supervision": ActionForm(
        "报告督办事项办理情况",
        "报告办理情况",
        "btn-primary",
        (SUPERVISION, Input("report", "办结报告", "textarea")),
    ),
    "close_supervision": ActionForm(
        "督办事项办结",
        "督办办结",
        "btn-outline-success",
        (SUPERVISION, Input("note", "办结意见", "textarea", required=False)),
    ),
    "list_supervision": ActionForm(
        "挂牌督办（六定、五包）",
        "挂牌督办",
        "btn-danger",
        (
            TRIGGER,
            Input(
                "method",
                "督办方式",
                "select",
                required=False,
                choices="supervision_methods",
                help="不填则为发函督办",
            ),
            Input("case_leader", "案件领导", help=USER_HELP),
            Input("responsible_unit", "责任单位", "select", choices="scope_units"),
            Input("responsible_person", "责任人", help=USER_HELP + "，须为责任单位的工作人员"),
            Input("supervising_unit", "督办单位", "select", choices="scope_units"),
            Input("supervisor", "督办人", help=USER_HELP + "，须为督办单位的工作人员"),
            Input("time_limit", "办理时限", "date"),
            PACKAGES,
            NOTE,
        ),
        hint="六定：定案件领导、定责任单位、定责任人、定督办单位、定督办人、定办理时限，缺一不可。",
    ),
    "delist_supervision": ActionForm(
        "摘牌", "摘牌", "btn-outline-dark", (SUPERVISION, Input("reason", "摘牌理由", "textarea"))
    ),
    "log_supervision": ActionForm(
        "记录督办进展",
        "记录进展",
        "btn-outline-secondary",
        (SUPERVISION, Input("text", "进展情况", "textarea"), PACKAGES),
    ),
}


def register() -> None:
    action_forms.STATIC_CHOICES.update(
        supervision_triggers=list(Trigger.choices),
        supervision_methods=list(Method.choices),
        five_packages=list(FivePackage.choices),
    )
    for code, label, step, effect in ACTIONS:
        register_action(code, label, step, effect)
        action_forms.FORMS[code] = FORMS[code]
