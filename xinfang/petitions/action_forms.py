"""The detail page's forms for the handling actions, declared as data.

Each allowed action becomes one small form; the fields it shows are the fields its effect in
`workflow` reads. The forms only collect input: every rule (windows, limits, roles) is checked by
`workflow.petition_transition`, and its Chinese message is shown when it refuses.
"""

from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict

from xinfang.accounts.models import RoleAssignment
from xinfang.accounts.roles import Role
from xinfang.organisation.models import Unit
from xinfang.organisation.selectors import units_visible_to

from . import workflow
from .choices import Outcome, Satisfaction
from .models import Petition


@dataclass(frozen=True)
class Input:
    name: str
    label: str
    kind: str = "text"  # text, textarea, date, datetime, number, select, checks, options, multiselect
    required: bool = True
    choices: str = ""  # a key of the choices the view computes, for select / checks
    help: str = ""


@dataclass(frozen=True)
class ActionForm:
    title: str
    button: str
    style: str = "btn-primary"
    inputs: tuple[Input, ...] = ()
    hint: str = ""
    groups: tuple[str, ...] = field(default=())


NOTE = Input("note", "说明", "textarea", required=False)
OUTCOME = Input("outcome", "处理结果", "select", choices="outcomes")
ANSWER_INPUTS = (
    OUTCOME,
    Input("text", "答复意见", "textarea"),
    Input("delivered_on", "送达日期", "date"),
)

FORMS: dict[str, ActionForm] = {
    "accept": ActionForm("受理", "受理", "btn-success", (Input("note", "受理说明", required=False),)),
    "reject": ActionForm(
        "不予受理",
        "不予受理",
        "btn-outline-danger",
        (Input("ground", "法定理由", "select", choices="reject"), NOTE),
    ),
    "decline_again": ActionForm(
        "不再受理",
        "不再受理",
        "btn-outline-secondary",
        (
            Input("ground", "理由", "select", choices="decline"),
            Input("original", "原信访事项 ID", "number", required=False, help="以“已经终结”为由时须关联原件"),
            NOTE,
        ),
    ),
    "transfer": ActionForm(
        "转送有权处理的机关",
        "转送",
        "btn-outline-primary",
        (Input("unit", "接收单位", "select", choices="all_units"), NOTE),
        hint="接收单位可在收到之日起 5 个工作日内提出异议退回。",
    ),
    "assign": ActionForm(
        "交办",
        "交办",
        "btn-primary",
        (
            Input("unit", "承办单位", "select", choices="scope_units"),
            Input("handler", "承办人", "select", required=False, choices="handlers"),
            Input("co_units", "协办单位（联合办案）", "multiselect", required=False, choices="scope_units"),
            Input("deadline", "交办期限", "date", required=False, help="不填则为法定办理期限"),
            NOTE,
        ),
    ),
    "object": ActionForm(
        "不属于本单位职权，提出异议退回",
        "提出异议",
        "btn-outline-warning",
        (Input("reason", "异议理由", "textarea"),),
    ),
    "submit_report": ActionForm(
        "提交办结报告", "提交办结报告", "btn-primary", (Input("report", "办结报告", "textarea"), NOTE)
    ),
    "approve_report": ActionForm(
        "审核办结报告",
        "审核通过",
        "btn-success",
        (Input("checks", "审核要点（须全部确认）", "checks", choices="checks"), NOTE),
    ),
    "return_report": ActionForm(
        "退回重办", "退回重办", "btn-outline-danger", (Input("reason", "退回理由", "textarea"),)
    ),
    "answer": ActionForm("书面答复（处理意见书）", "答复", "btn-primary", (*ANSWER_INPUTS, NOTE)),
    "request_extension": ActionForm(
        "申请延期办理",
        "申请延期",
        "btn-outline-primary",
        (
            Input("days", "延期天数", "number", help="累计不超过 30 日"),
            Input("reason", "延期理由", "textarea"),
        ),
    ),
    "approve_extension": ActionForm("批准延期", "批准延期", "btn-success", (NOTE,)),
    "schedule_hearing": ActionForm(
        "安排听证",
        "安排听证",
        "btn-outline-primary",
        (
            Input("held_at", "听证时间", "datetime"),
            Input("place", "听证地点"),
            Input(
                "participants", "参加人员", "textarea", help="有关单位代表 3–5 人、原处理机关、法律工作者等"
            ),
            NOTE,
        ),
        hint="听证期间办理期限暂停计算。",
    ),
    "finish_hearing": ActionForm(
        "听证结束", "听证结束", "btn-outline-success", (Input("record", "听证记录", "textarea"),)
    ),
    "request_review": ActionForm(
        "登记复查申请",
        "登记复查申请",
        "btn-outline-primary",
        (Input("requested_on", "申请日期", "date"), Input("reason", "申请理由", "textarea")),
    ),
    "decide_review": ActionForm("复查意见", "作出复查意见", "btn-primary", (*ANSWER_INPUTS, NOTE)),
    "request_rereview": ActionForm(
        "登记复核申请",
        "登记复核申请",
        "btn-outline-primary",
        (Input("requested_on", "申请日期", "date"), Input("reason", "申请理由", "textarea")),
    ),
    "decide_rereview": ActionForm("复核意见", "作出复核意见", "btn-primary", (*ANSWER_INPUTS, NOTE)),
    "record_visit": ActionForm(
        "回访评价",
        "记录回访",
        "btn-outline-primary",
        (
            Input("satisfaction", "满意度", "select", choices="satisfaction"),
            Input("note", "回访记录", "textarea"),
        ),
    ),
    "close": ActionForm("办结", "办结", "btn-success", (NOTE,)),
    "take_ownership": ActionForm("领导包案", "由我包案", "btn-outline-dark", (NOTE,)),
    "instruct": ActionForm("领导批示", "批示", "btn-outline-dark", (Input("text", "批示内容", "textarea"),)),
}


# Fixed option lists other apps add from their AppConfig.ready (e.g. 督办事由), by key.
STATIC_CHOICES: dict[str, list[tuple[Any, str]]] = {}


def _choices_needed(actions: list[str]) -> set[str]:
    return {i.choices for action in actions for i in FORMS[action].inputs if i.choices}


def choice_lists(actions: list[str], petition: Petition, actor: Any) -> dict[str, list[tuple[Any, str]]]:
    """Only the option lists the shown forms need: one query per list at most."""
    needed = _choices_needed(actions)
    lists: dict[str, list[tuple[Any, str]]] = {
        "reject": list(workflow.RejectGround.choices),
        "decline": list(workflow.DeclineGround.choices),
        "outcomes": list(Outcome.choices),
        "satisfaction": list(Satisfaction.choices),
        "checks": list(workflow.REPORT_CHECKS.items()),
        **STATIC_CHOICES,
    }
    if "scope_units" in needed:
        lists["scope_units"] = [
            (u.pk, f"{'　' * max(u.depth - actor.unit.depth, 0)}{u.name}")
            for u in units_visible_to(actor).filter(is_active=True).only("pk", "name", "depth")
        ]
    if "all_units" in needed:
        lists["all_units"] = [
            (u.pk, f"{'　' * u.depth}{u.name}")
            for u in Unit.objects.filter(is_active=True)
            .exclude(pk=workflow.responsible_unit_id(petition))
            .only("pk", "name", "depth")
        ]
    if "handlers" in needed:
        scope = units_visible_to(actor)
        handlers = (
            RoleAssignment.objects.filter(role=Role.HANDLER, user__is_active=True, user__unit__in=scope)
            .select_related("user__unit")
            .order_by("user__unit__path", "user__username")
        )
        lists["handlers"] = [
            (a.user_id, f"{a.user.unit.name} · {a.user.full_name or a.user.username}") for a in handlers
        ]
    return {key: value for key, value in lists.items() if key in needed}


def action_forms(actions: list[str], petition: Petition, actor: Any) -> list[dict[str, Any]]:
    lists = choice_lists(actions, petition, actor)
    return [
        {
            "action": action,
            "form": FORMS[action],
            "inputs": [{"spec": i, "choices": lists.get(i.choices, [])} for i in FORMS[action].inputs],
        }
        for action in actions
    ]


def fields_from_post(action: str, data: QueryDict) -> dict[str, Any]:
    """The action's fields as the workflow reads them; empty inputs are left out."""
    fields: dict[str, Any] = {}
    for spec in FORMS[action].inputs:
        if spec.name == "note":
            continue
        if spec.kind in ("checks", "options", "multiselect"):
            values = [v for v in data.getlist(spec.name) if v]
            fields[spec.name] = (
                [int(v) for v in values if v.isdigit()] if spec.kind == "multiselect" else values
            )
            continue
        value = data.get(spec.name, "").strip()
        if value:
            fields[spec.name] = value
    return fields
