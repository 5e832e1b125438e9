"""The incident pages' forms and the reads they show.

A step's form is built from its input schema (`procedure.forms`), as the duty and petition pages
build theirs: the option lists the schemas name (scope_units, unsigned_reports, plans, open_tasks,
gathered_leaders, my_instructions) are computed here for the incident shown, from what the page
already read where it can. The register form is built the same way from `RegisterIn`, with the
responsible unit chosen beside it. The plan and level-rule forms only collect input for the
services, which check every rule and answer in Chinese.

`incident_record` reads what an incident's page and the API's detail show (a fixed number of
queries, whatever the number of reports, tasks or events)."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django import forms
from django.db.models import Prefetch
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.permissions import capabilities_of
from xinfang.accounts.roles import BUSINESS_ROLES, Role
from xinfang.core.forms import BootstrapFormMixin
from xinfang.documents.models import Document
from xinfang.organisation.models import Unit
from xinfang.organisation.selectors import units_visible_to
from xinfang.procedure.forms import Attempt, Choices, choice_keys, form_items
from xinfang.procedure.machine import Form

from . import selectors
from .choices import IncidentKind, IncidentStatus, Level, ReportKind, Sanction
from .machine import STEPS
from .machine.schemas import RegisterIn
from .models import (
    Accountability,
    ContingencyPlan,
    Evidence,
    Incident,
    IncidentEvent,
    IncidentReport,
    IncidentTask,
    Instruction,
    InstructionTarget,
)
from .notices import REPORT_OWNER

# the steps that have no form of their own on the incident page
NO_FORM = frozenset({"register", "add_evidence"})
PHASES = (
    IncidentStatus.RECEIVED,
    IncidentStatus.ACTIVATED,
    IncidentStatus.ON_SITE,
    IncidentStatus.AFTERMATH,
    IncidentStatus.ACCOUNTABILITY,
    IncidentStatus.CLOSED,
)
# Ⅰ red, Ⅱ orange, Ⅲ yellow, Ⅳ blue (the colours of the warning levels)
LEVEL_BADGES: dict[int, str] = {
    Level.I: "text-bg-danger",
    Level.II: "incident-level-2",
    Level.III: "text-bg-warning",
    Level.IV: "text-bg-primary",
}
LEVEL_SHORT: dict[int, str] = {Level.I: "Ⅰ级", Level.II: "Ⅱ级", Level.III: "Ⅲ级", Level.IV: "Ⅳ级"}
STATUS_BADGES: dict[str, str] = {
    IncidentStatus.RECEIVED: "text-bg-danger",
    IncidentStatus.ACTIVATED: "text-bg-warning",
    IncidentStatus.ON_SITE: "text-bg-warning",
    IncidentStatus.AFTERMATH: "text-bg-info",
    IncidentStatus.ACCOUNTABILITY: "text-bg-secondary",
    IncidentStatus.CLOSED: "text-bg-success",
}
# the buttons that open each step's form (the forms' own buttons say what submitting does)
TOGGLES: dict[str, str] = {
    "report": "书面报告",
    "sign_report": "签收报告",
    "phone_report": "电话报告",
    "activate_plan": "启动预案",
    "complete_task": "完成任务",
    "on_site": "现场处置",
    "arrive": "登记到场",
    "instruct": "批示",
    "acknowledge": "确认批示",
    "set_line": "答复口径",
    "media_consent": "媒体采访",
    "aftermath": "转入善后",
    "account": "责任追究",
    "close": "结束事件",
}
TIME_FORMAT = "%Y-%m-%dT%H:%M"  # what an <input type="datetime-local"> takes


def local_input(value: datetime | None) -> str:
    return f"{timezone.localtime(value):{TIME_FORMAT}}" if value is not None else ""


def unit_options(units: list[Unit]) -> Choices:
    base = min((u.depth for u in units), default=0)
    return [(u.pk, "\u3000" * (u.depth - base) + u.name) for u in units]


def scope_units(actor: User) -> list[Unit]:
    return list(
        units_visible_to(actor).filter(is_active=True).only("pk", "name", "depth", "path").order_by("path")
    )


# --- clocks as a row shows them -------------------------------------------------------------------


@dataclass(frozen=True)
class Clock:
    """The next report due and the principal leader's arrival, as the board and the page show them."""

    report_label: str  # 首报 / 续报, "" when none is due
    report_due: datetime | None
    minutes_left: int | None  # whole minutes to the due time; None when none is due
    overdue_minutes: int  # whole minutes past it (0: not overdue)
    arrival: str  # arrived | arrived_late | waiting | late | none
    arrival_minutes: int  # minutes left to arrive (waiting) or minutes late (late, arrived_late)

    @property
    def overdue(self) -> bool:
        return self.overdue_minutes > 0


def _minutes(seconds: float) -> int:
    return int(seconds // 60)


def clock_of(incident: Incident, now: datetime) -> Clock:
    """From the incident's own fields (the machine keeps them): no query."""
    due = incident.next_report_due if incident.status != IncidentStatus.CLOSED else None
    label = ReportKind(incident.next_report_kind).label if due and incident.next_report_kind else ""
    left = overdue = 0
    if due is not None:
        seconds = (due - now).total_seconds()
        left = _minutes(seconds) if seconds >= 0 else 0
        overdue = max(1, _minutes(-seconds)) if seconds < 0 else 0
    arrival, arrival_minutes = "none", 0
    if incident.arrived_at is not None:
        late = incident.arrival_due is not None and incident.arrived_at > incident.arrival_due
        arrival = "arrived_late" if late else "arrived"
        if late and incident.arrival_due is not None:
            arrival_minutes = max(1, _minutes((incident.arrived_at - incident.arrival_due).total_seconds()))
    elif incident.arrival_due is not None and incident.status != IncidentStatus.CLOSED:
        seconds = (incident.arrival_due - now).total_seconds()
        arrival = "waiting" if seconds >= 0 else "late"
        arrival_minutes = _minutes(seconds) if seconds >= 0 else max(1, _minutes(-seconds))
    return Clock(label, due, left if due is not None else None, overdue, arrival, arrival_minutes)


@dataclass(frozen=True)
class BoardRow:
    """One incident of the board with its texts prepared (the board is read every 30 s by every
    office in scope: the template only prints)."""

    incident: Incident
    clock: Clock
    url: str
    level_badge: str
    level_short: str
    status_badge: str
    status_label: str
    kind_label: str
    unit_name: str
    gathered_name: str  # "" when the people gathered at the unit itself
    learned: str
    report: str  # 首报 12-04 09:10, "" when none is due
    arrival_css: str
    arrival_text: str


def _arrival(incident: Incident, clock: Clock) -> tuple[str, str]:
    local = timezone.localtime
    if clock.arrival == "arrived" and incident.arrived_at is not None:
        return "text-success", f"到场 {local(incident.arrived_at):%H:%M}"
    if clock.arrival == "arrived_late" and incident.arrived_at is not None:
        return "text-danger", f"到场 {local(incident.arrived_at):%H:%M}（迟到 {clock.arrival_minutes} 分钟）"
    if clock.arrival == "late":
        return "text-danger fw-bold", f"未到场 · 迟到 {clock.arrival_minutes} 分钟"
    if clock.arrival == "waiting" and incident.arrival_due is not None:
        due = local(incident.arrival_due)
        return "text-warning-emphasis", f"未到场 · 时限 {due:%H:%M}（剩 {clock.arrival_minutes} 分钟）"
    return "text-muted", "—"


def board_rows(incidents: list[Incident], now: datetime) -> list[BoardRow]:
    """The rows of the board (or of the closed list): no query besides the incidents' own, whose
    unit and gathered unit the caller joined."""
    url = reverse("incidents:detail", args=[999999999]).replace("999999999", "{}")
    kinds, statuses = dict(IncidentKind.choices), dict(IncidentStatus.choices)
    rows = []
    for i in incidents:
        clock = clock_of(i, now)
        css, text = _arrival(i, clock)
        due = clock.report_due
        rows.append(
            BoardRow(
                incident=i,
                clock=clock,
                url=url.format(i.pk),
                level_badge=LEVEL_BADGES.get(i.level, "text-bg-secondary"),
                level_short=LEVEL_SHORT.get(i.level, ""),
                status_badge=STATUS_BADGES.get(i.status, "text-bg-secondary"),
                status_label=statuses.get(i.status, i.status),
                kind_label=kinds.get(i.kind, i.kind),
                unit_name=i.unit.name,
                gathered_name="" if i.gathered_unit_id == i.unit_id else i.gathered_unit.name,
                learned=f"{timezone.localtime(i.learned_at):%m-%d %H:%M}",
                report=f"{clock.report_label} {timezone.localtime(due):%m-%d %H:%M}" if due else "",
                arrival_css=css,
                arrival_text=text,
            )
        )
    return rows


def phases(status: str) -> list[dict[str, Any]]:
    """接报 → 启动预案 → 现场处置 → 善后 → 责任追究 → 已结束, each done, current or to come."""
    reached = PHASES.index(IncidentStatus(status)) if status in IncidentStatus.values else -1
    return [
        {
            "code": code,
            "label": IncidentStatus(code).label,
            "state": "done" if i < reached else ("current" if i == reached else "todo"),
        }
        for i, code in enumerate(PHASES)
    ]


# --- what an incident's page shows ----------------------------------------------------------------


@dataclass
class Record:
    reports: list[IncidentReport]
    documents: dict[int, Document]  # report pk → its document
    tasks: list[IncidentTask]
    instructions: list[Instruction]
    evidence: list[Evidence]
    accountability: list[Accountability]
    events: list[IncidentEvent]
    involved: list[Unit]


def incident_record(incident: Incident) -> Record:
    """Everything of one incident besides the incident itself, in nine queries."""
    reports = list(incident.reports.select_related("written_by", "signed_by", "to_unit"))
    documents: dict[int, Document] = {}
    if reports:
        for document in Document.objects.filter(
            owner_type=REPORT_OWNER, owner_id__in=[r.pk for r in reports]
        ).order_by("created_at", "pk"):
            if document.owner_id is not None:
                documents[int(document.owner_id)] = document
    return Record(
        reports=reports,
        documents=documents,
        tasks=list(incident.tasks.select_related("owner", "done_by")),
        instructions=list(
            incident.instructions.select_related("by").prefetch_related(
                Prefetch(
                    "targets",
                    queryset=InstructionTarget.objects.select_related("unit", "acknowledged_by").order_by(
                        "unit__path"
                    ),
                )
            )
        ),
        evidence=list(incident.evidence.select_related("uploaded_by")),
        accountability=list(incident.accountability.select_related("unit", "decided_by")),
        events=list(incident.events.select_related("actor")),
        involved=list(incident.involved_units.only("pk", "name").order_by("path")),
    )


def event_text(event: IncidentEvent, record: Record) -> str:
    """What a step did, in words (the event's data as the step left it)."""
    data, action = event.data or {}, event.action
    if action == "register":
        level = data.get("level")
        label = Level(level).label if level in Level.values else ""
        return f"{label}，{data.get('headcount', '')}人"
    if action == "report":
        kind = data.get("kind")
        label = ReportKind(kind).label if kind in ReportKind.values else "报告"
        return f"{label}（第{data.get('seq', '')}次）" + ("" if data.get("on_time", True) else "，逾期报告")
    if action == "sign_report":
        return f"第{data.get('seq', '')}次报告已签收"
    if action == "phone_report":
        at = _parsed(data.get("at"))
        return f"电话报告时间 {at:%m-%d %H:%M}" if at else ""
    if action == "activate_plan":
        if not data.get("plan_name"):
            return "未选用预案，应急响应措施见说明"
        return f"{data.get('plan_name', '')}，生成任务 {data.get('tasks', 0)} 项"
    if action == "complete_task":
        return str(data.get("title", ""))
    if action == "arrive":
        at = _parsed(data.get("at"))
        text = f"到场时间 {at:%m-%d %H:%M}" if at else ""
        return text + ("（迟到）" if data.get("late") else "")
    if action == "instruct":
        units = {u.pk: u.name for i in record.instructions for u in (t.unit for t in i.targets.all())}
        names = [units.get(pk, f"#{pk}") for pk in data.get("units", [])]
        return "批转：" + "、".join(names) if names else ""
    if action == "add_evidence":
        return str(data.get("name", ""))
    if action == "account":
        sanction = data.get("sanction")
        return Sanction(sanction).label if sanction in Sanction.values else ""
    return ""


def _parsed(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return timezone.localtime(datetime.fromisoformat(value))
    except ValueError:
        return None


def timeline(record: Record) -> list[dict[str, Any]]:
    rows = []
    for event in record.events:
        step = STEPS.get(event.action)
        rows.append(
            {
                "event": event,
                "label": step.label if step is not None else event.action,
                "actor": str(event.actor) if event.actor is not None else "系统",
                "text": event_text(event, record),
                "status_changed": event.from_status != event.to_status,
                "to_label": IncidentStatus(event.to_status).label
                if event.to_status in IncidentStatus.values
                else "",
            }
        )
    return rows


# --- the step forms -------------------------------------------------------------------------------


def _person(user: User) -> str:
    return f"{user}（{user.phone}）" if user.phone else str(user)


def choice_lists(needed: set[str], incident: Incident, actor: User, record: Record) -> dict[str, Choices]:
    """Only the lists the shown forms need; those of the incident's own rows from `record`."""
    lists: dict[str, Choices] = {}
    if "scope_units" in needed:
        lists["scope_units"] = unit_options(scope_units(actor))
    if "unsigned_reports" in needed:
        lists["unsigned_reports"] = [
            (r.pk, f"{r.get_kind_display()}（第{r.seq}次，{timezone.localtime(r.written_at):%m-%d %H:%M}）")
            for r in record.reports
            if r.signed_at is None and r.to_unit_id == actor.unit_id  # the unit it was sent to signs
        ]
    if "plans" in needed:
        lists["plans"] = [
            (p.pk, f"{p.name}（{p.unit.name}）")
            for p in selectors.plans_for(incident.unit_path).select_related("unit")
        ]
    if "open_tasks" in needed:
        office = "incidents.manage" in capabilities_of(actor)
        lists["open_tasks"] = [
            (t.pk, f"{t.title}（{t.owner or _role_label(t.role)}）")
            for t in record.tasks
            if t.done_at is None and (office or t.owner_id == actor.pk)
        ]
    if "gathered_leaders" in needed:
        lists["gathered_leaders"] = [
            (u.pk, _person(u))
            for u in User.objects.filter(
                is_active=True, unit_id=incident.gathered_unit_id, role_assignments__role=Role.PRINCIPAL
            )
            .distinct()
            .order_by("pk")
        ]
    if "my_instructions" in needed:
        lists["my_instructions"] = [
            (i.pk, f"{timezone.localtime(i.at):%m-%d %H:%M} {i.by}：{i.text[:40]}")
            for i in record.instructions
            if any(t.unit_id == actor.unit_id and t.acknowledged_at is None for t in i.targets.all())
        ]
    return lists


def _role_label(role: str) -> str:
    return Role(role).label if role in Role.values else role


def needed_lists(actions: list[str]) -> set[str]:
    return choice_keys([STEPS[a].schema for a in actions if a in STEPS and a not in NO_FORM])


FINAL_STATES = frozenset({IncidentStatus.AFTERMATH, IncidentStatus.ACCOUNTABILITY})


def _report_kinds(incident: Incident, record: Record) -> list[tuple[str, str]]:
    """首报 first; then 续报, and 终报 once the incident is in 善后 or 责任追究."""
    if not any(r.kind == ReportKind.FIRST for r in record.reports):
        return [(ReportKind.FIRST.value, ReportKind.FIRST.label)]
    kinds = [ReportKind.FOLLOW_UP, *([ReportKind.FINAL] if incident.status in FINAL_STATES else [])]
    return [(k.value, k.label) for k in kinds]


def _situation(incident: Incident) -> str:
    when = timezone.localtime(incident.occurred_at)
    return f"{when:%m月%d日%H时%M分}，{incident.place}，约{incident.headcount}人，{incident.demands}"


def step_forms(
    actions: list[str],
    lists: dict[str, Choices],
    incident: Incident,
    record: Record,
    attempt: Attempt | None = None,
) -> list[dict[str, Any]]:
    """The incident's forms in the table's order; a form whose required list is empty (nothing to
    sign, no task open) is not shown, nor one the machine would refuse as done already (a second
    arrival, a report after 终报); 报告 offers 首报 first, then 续报, and 终报 in 善后."""
    done = {
        "arrive": incident.arrived_at is not None,  # recorded once
        "report": any(r.kind == ReportKind.FINAL for r in record.reports),  # nothing after 终报
    }
    shown = [a for a in actions if a not in NO_FORM and STEPS[a].form is not None and not done.get(a)]
    items = form_items([(a, STEPS[a].form, STEPS[a].schema) for a in shown], lists, attempt)
    kept = []
    for item in items:
        item["toggle"] = TOGGLES.get(item["action"], STEPS[item["action"]].label)
        if item["action"] == "report":
            for entry in item["inputs"]:
                if entry["spec"].name == "kind":
                    entry["choices"] = _report_kinds(incident, record)
                    if not entry["value"] and len(entry["choices"]) == 1:
                        entry["value"], entry["values"] = entry["choices"][0][0], [entry["choices"][0][0]]
                elif entry["spec"].name == "situation" and not item["open"] and not record.reports:
                    entry["value"] = _situation(incident)
        empty = [
            e
            for e in item["inputs"]
            if e["spec"].required
            and e["spec"].choices
            and not e["choices"]
            and item["action"] != "activate_plan"
        ]
        if not empty:
            kept.append(item)
    return kept


# --- the register form ----------------------------------------------------------------------------

REGISTER_FORM = Form("登记突发事件", "登记", "btn-danger")


def register_items(
    actor: User, units: list[Unit], data: QueryDict | None, errors: dict[str, str] | None = None
) -> dict[str, Any]:
    """The register form: `RegisterIn`'s inputs (what was typed or prefilled in `data`) and the
    unit select. `data` None: a blank form with 获知时间 now and the actor's unit."""
    lists = {"scope_units": unit_options(units)}
    if data is None:
        data = QueryDict(mutable=True)
        data["learned_at"] = local_input(timezone.now())
        if actor.unit_id:
            data["unit"] = str(actor.unit_id)
    attempt = Attempt(action="register", data=data, errors=errors or {})
    item = form_items([("register", REGISTER_FORM, RegisterIn)], lists, attempt)[0]
    chosen = data.get("unit", "") or (str(actor.unit_id) if actor.unit_id else "")
    return {
        "item": item,
        "units": lists["scope_units"],
        "unit": chosen,
        "unit_error": (errors or {}).get("unit", ""),
        "sign": data.get("sign", ""),
    }


def sign_initial(report: Any, actor: User) -> QueryDict:
    """The register form prefilled from an information report (苗头信息)."""
    data = QueryDict(mutable=True)
    data["title"] = (report.title or "")[:100]
    if report.headcount:
        data["headcount"] = str(report.headcount)
    data["place"] = report.place or ""
    data["demands"] = report.demands or ""
    if report.expected_at:
        data["occurred_at"] = local_input(report.expected_at)
    data["learned_at"] = local_input(timezone.now())
    data["unit"] = str(actor.unit_id or "")
    data["sign"] = str(report.pk)
    return data


# --- contingency plans ----------------------------------------------------------------------------

ROLE_CHOICES: list[tuple[str, str]] = [(r.value, r.label) for r in Role if r in BUSINESS_ROLES]
PLAN_BLANK_ROWS = 2


class PlanForm(BootstrapFormMixin, forms.Form):
    """A plan's name, unit (a new plan only), kinds and whether it is in force; its tasks are the
    rows `task_title` / `task_role` of the POST (see `plan_tasks`)."""

    name = forms.CharField(label="预案名称", max_length=100)
    unit = forms.TypedChoiceField(label="制定单位", coerce=int, required=False)
    kinds = forms.MultipleChoiceField(
        label="适用事件类别",
        required=False,
        choices=IncidentKind.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args: Any, units: list[Unit] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if units is None:
            del self.fields["unit"]
        else:
            self.fields["unit"].choices = unit_options(units)  # type: ignore[attr-defined]


def plan_tasks(data: QueryDict) -> list[dict[str, str]]:
    """The task rows of the POST, in order: blank rows and those ticked 删除 left out."""
    titles = data.getlist("task_title")
    roles = data.getlist("task_role")
    removed = set(data.getlist("task_remove"))
    rows = []
    for i, title in enumerate(titles):
        role = roles[i] if i < len(roles) else ""
        if str(i) in removed or not title.strip():
            continue
        rows.append({"title": title.strip(), "role": role})
    return rows


def plan_rows(tasks: list[dict[str, str]], blank: int = PLAN_BLANK_ROWS) -> list[dict[str, str]]:
    return [*tasks, *({"title": "", "role": ""} for _ in range(blank))]


def plan_initial_tasks(plan: ContingencyPlan | None) -> list[dict[str, str]]:
    return [] if plan is None else [{"title": t.title, "role": t.role} for t in plan.tasks.all()]


# --- level rules ----------------------------------------------------------------------------------


class LevelRuleForm(BootstrapFormMixin, forms.Form):
    """One level's rules (分级标准 and reporting limits)."""

    level = forms.TypedChoiceField(choices=Level.choices, coerce=int, widget=forms.HiddenInput)
    min_headcount = forms.IntegerField(label="人数下限", min_value=0, max_value=100000)
    kinds = forms.MultipleChoiceField(
        label="直接定为本级的事件类别",
        required=False,
        choices=IncidentKind.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )
    first_report_minutes = forms.IntegerField(label="首报时限（分钟）", min_value=1, max_value=1440)
    phone_report_minutes = forms.IntegerField(
        label="电话报告时限（分钟，0 为不要求）", min_value=0, max_value=1440
    )
    follow_up_minutes = forms.IntegerField(label="续报间隔（分钟）", min_value=10, max_value=1440)
    arrival_minutes = forms.IntegerField(label="主要领导到场时限（分钟）", min_value=1, max_value=240)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        level = kwargs.pop("level", None)
        if level is not None:
            kwargs.setdefault("auto_id", f"level{level}-%s")
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if name not in ("kinds", "level"):
                field.widget.attrs["class"] = "form-control form-control-sm"

    @classmethod
    def initial_of(cls, limits: Any) -> dict[str, Any]:
        return {
            "level": limits.level,
            "min_headcount": limits.min_headcount,
            "kinds": list(limits.kinds),
            "first_report_minutes": limits.first_report_minutes,
            "phone_report_minutes": limits.phone_report_minutes,
            "follow_up_minutes": limits.follow_up_minutes,
            "arrival_minutes": limits.arrival_minutes,
        }
