"""The 信息报送 pages' forms, and what the pages and the API show of a report.

The filing form and the step forms (签收, 退回, 上报, 补充后重新报送) are built from the steps'
input schemas (`procedure.forms`), as the duty and petition pages build theirs; the option lists
the schemas name are computed here: `units_above` (越级报送至: the ancestors of the actor's unit
above its parent) and `own_open_reports` (并入: the receiving office's own reports that wait to
be signed for above). The filters, the completeness range and the schedule's rows are plain
Django forms that only collect input; the services and the machine check every rule.
"""

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.bounds import DATE_MAX, DATE_MIN, ID_MAX
from xinfang.core.exceptions import ValidationFailed
from xinfang.core.forms import BootstrapFormMixin
from xinfang.deadlines.periods import CADENCE_LABELS, Cadence, Period, bounds_of
from xinfang.organisation.models import Unit, UnitType
from xinfang.procedure.forms import Attempt, Choices, form_items
from xinfang.procedure.machine import Form

from .choices import PERIODIC_KINDS, CadenceChoice, ReportKind, ReportStatus, Risk
from .machine import STEPS, chain_ids
from .machine.schemas import FileIn
from .models import InfoReport, InfoReportEvent
from .schedule import schedule_load
from .selectors import reports_visible_to

# the steps a report's page offers as forms (签收, 退回, 上报, 补充后重新报送); 登记转化 is the
# 转为信访件 form's (and the incident page's) own
PAGE_ACTIONS = ("sign", "return", "forward", "resubmit")
MAX_RANGE_DAYS = 366
DEFAULT_WEEKS = 4
OPEN_REPORTS_SHOWN = 50

STATUS_BADGES: dict[str, str] = {
    ReportStatus.SUBMITTED: "text-bg-warning",
    ReportStatus.SIGNED: "text-bg-success",
    ReportStatus.RETURNED: "text-bg-danger",
    ReportStatus.FORWARDED: "text-bg-info",
}
RISK_BADGES: dict[str, str] = {
    Risk.HIGH: "text-bg-danger",
    Risk.MEDIUM: "text-bg-warning",
    Risk.LOW: "text-bg-secondary",
}
KIND_BADGES: dict[str, str] = {
    ReportKind.EARLY_SIGN: "text-bg-warning",
    ReportKind.IMMEDIATE: "text-bg-danger",
    ReportKind.ROUTINE: "text-bg-light border",
    ReportKind.ZERO: "text-bg-light border",
    ReportKind.DAILY: "text-bg-light border",
}


# --- what a report shows ---------------------------------------------------------------------------


def period_label(report: InfoReport) -> str:
    """周报 03月02日—03月08日, 半月报 03月上半月 …; "" for a sign or an immediate report."""
    if not report.cadence or report.period_start is None:
        return ""
    cadence = Cadence(report.cadence)
    end = report.period_end or bounds_of(cadence, report.period_start)[1]
    label = Period(cadence, report.period_start, end, report.due_at or timezone.now()).label
    return f"{CADENCE_LABELS[cadence]} {label}"


def action_label(action: str) -> str:
    step = STEPS.get(action)
    return step.label if step is not None else action


@dataclass
class ReportFacts:
    """What a report's page and the API's detail read beside the report itself: its events with
    their actors, the levels a skip-level report passed over, the reports merged into it that
    the actor may see, and whether the actor may open the report it was forwarded into."""

    events: list[InfoReportEvent]
    skipped: list[Unit]
    merged: list[InfoReport]
    forwarded_visible: bool


def report_facts(actor: User, report: InfoReport) -> ReportFacts:
    """At most four queries, whatever the report's history."""
    events = list(report.events.select_related("actor").order_by("created_at", "pk"))
    skipped: list[Unit] = []
    if report.skipped_units:
        by_id = {
            u.pk: u for u in Unit.objects.filter(pk__in=report.skipped_units).only("pk", "name", "depth")
        }
        skipped = [by_id[pk] for pk in report.skipped_units if pk in by_id]
    visible = reports_visible_to(actor)
    merged = list(visible.filter(forwarded_to_id=report.pk).select_related("unit").order_by("filed_at", "pk"))
    forwarded = report.forwarded_to_id is not None and visible.filter(pk=report.forwarded_to_id).exists()
    return ReportFacts(events=events, skipped=skipped, merged=merged, forwarded_visible=forwarded)


def link_rows(report: InfoReport) -> list[dict[str, Any]]:
    """What a sign became (转化为): a petition, an incident or a dispute, with its page."""
    labels = {"petition": "信访件", "incident": "突发事件", "dispute": "矛盾纠纷"}
    pages = {"petition": "/petitions/{}/", "incident": "/incidents/{}/"}
    rows = []
    for link in report.links:
        kind = str(link.get("kind", ""))
        target = link.get("id")
        url = pages[kind].format(int(target)) if kind in pages and isinstance(target, int) else ""
        rows.append({"label": labels.get(kind, kind), "number": link.get("number", ""), "url": url})
    return rows


def event_text(event: InfoReportEvent, units: dict[int, str]) -> str:
    """What a step did, in words (the event's data as the step left it)."""
    data, action = event.data or {}, event.action
    if action == "file":
        parts = []
        if data.get("period"):
            parts.append(f"所属期间 {data['period']}")
        to_unit = data.get("to_unit")
        if isinstance(to_unit, int) and to_unit in units:
            parts.append(f"报送至{units[to_unit]}")
        skipped = [units.get(pk, "") for pk in data.get("skipped") or [] if isinstance(pk, int)]
        if skipped:
            parts.append(f"越级报送，越过{'、'.join(s for s in skipped if s)}")
        return "；".join(parts)
    if action == "forward":
        return f"并入上报 {data.get('into_number', '')}" if data.get("into_number") else ""
    if action == "link":
        labels = {"petition": "信访件", "incident": "突发事件", "dispute": "矛盾纠纷"}
        return f"转为{labels.get(str(data.get('kind', '')), '')} {data.get('number', '')}"
    return ""


# --- ranges -----------------------------------------------------------------------------------------


def day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def day_range(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """[first 00:00, the day after last 00:00) local time; 422 when `last` comes before `first`."""
    if first is not None and last is not None and last < first:
        raise ValidationFailed("结束日期不能早于开始日期。", {"to": "结束日期不能早于开始日期。"})
    return (
        day_start(first) if first is not None else None,
        day_start(last + timedelta(days=1)) if last is not None else None,
    )


def default_range(today: date) -> tuple[date, date]:
    """The last four weeks: from the Monday three weeks before this week's to today."""
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(weeks=DEFAULT_WEEKS - 1), today


def completeness_range(first: date | None, last: date | None) -> tuple[date, date]:
    """The days of a completeness grid (default: the last four weeks); 422 in Chinese when the
    end comes before the start or the range is longer than a year (366 days)."""
    default_first, default_last = default_range(timezone.localdate())
    if first is None and last is None:
        return default_first, default_last
    if first is None:
        assert last is not None
        first = max(DATE_MIN, last - timedelta(weeks=DEFAULT_WEEKS) + timedelta(days=1))
    if last is None:
        last = min(DATE_MAX, max(first, default_last))
    if last < first:
        raise ValidationFailed("结束日期不能早于开始日期。", {"to": "结束日期不能早于开始日期。"})
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        message = f"统计时段不能超过 {MAX_RANGE_DAYS} 天。"
        raise ValidationFailed(message, {"to": message})
    return first, last


# --- option lists -------------------------------------------------------------------------------


def unit_options(units: list[Unit]) -> list[tuple[int, str]]:
    base = min((u.depth for u in units), default=0)
    return [(u.pk, "\u3000" * (u.depth - base) + u.name) for u in units]


def units_above(actor: User) -> Choices:
    """越级报送至: the ancestors of the actor's unit above its parent, nearest first. One query
    (none for a unit with at most one level above it)."""
    if actor.unit is None:
        return []
    above = chain_ids(actor.unit.path)[:-2]
    if not above:
        return []
    names = dict(Unit.objects.filter(pk__in=above).values_list("pk", "name"))
    return [(pk, names[pk]) for pk in reversed(above) if pk in names]


def own_open_reports(actor: User, report: InfoReport) -> Choices:
    """并入本单位已报送的报告: the receiving office's own reports still waiting above."""
    rows = (
        reports_visible_to(actor)
        .filter(unit_id=report.to_unit_id or 0, status=ReportStatus.SUBMITTED)
        .only("pk", "title", "filed_at", "kind")
        .order_by("-filed_at", "-pk")[:OPEN_REPORTS_SHOWN]
    )
    return [(r.pk, f"{r.number} {r.get_kind_display()}：{r.title}") for r in rows]


def category_options() -> list[tuple[str, list[tuple[str, str]]]]:
    """The petitions' categories as option groups (first level → second level); one query."""
    from xinfang.petitions.selectors import category_tree

    tree = category_tree()
    children: dict[int, list[tuple[str, str]]] = {}
    for category in tree:
        if category.parent_id:
            children.setdefault(category.parent_id, []).append((category.code, category.name))
    return [
        (category.name, children.get(category.pk) or [(category.code, category.name)])
        for category in tree
        if category.parent_id is None
    ]


# --- the filing form ----------------------------------------------------------------------------

FILE_FORM = Form("报送信息", "报送", "btn-primary")
MAIN_FIELDS = ("kind", "title", "content")
PERIOD_FIELDS = ("cadence", "period")
SIGN_FIELDS = ("subjects", "headcount", "expected_at", "place", "demands", "risk")
SKIP_FIELDS = ("skip_to",)
SIGN_REQUIRED = ("subjects", "demands")
ROUTINE_CADENCES = (CadenceChoice.WEEKLY, CadenceChoice.HALF_MONTHLY, CadenceChoice.MONTHLY)


def _cadence_choices(kind: str) -> list[tuple[str, str]]:
    if kind == ReportKind.DAILY:
        return [(CadenceChoice.DAILY.value, CadenceChoice.DAILY.label)]
    if kind == ReportKind.ROUTINE:
        return [(c.value, c.label) for c in ROUTINE_CADENCES]
    return [(c.value, c.label) for c in CadenceChoice]


def _own_cadence(actor: User, kind: str) -> str:
    """The cadence the unit's type owes (its first routine one), preselected for it."""
    if kind == ReportKind.DAILY:
        return CadenceChoice.DAILY.value
    if actor.unit is None:
        return ""
    own = schedule_load().routine.get(actor.unit.unit_type, ())
    return own[0].cadence.value if own else ""


def file_form(actor: User, data: Any, errors: dict[str, str] | None = None) -> dict[str, Any]:
    """The filing form's sections, with what was typed (`data`: the POST, or the GET of a kind
    changed, or a link's ?kind=) and each field's message. Sections that do not apply to the
    chosen kind are left out (the sign's details for 苗头信息, the period for routine, zero and
    daily reports, 越级报送 for an emergency); with no kind chosen every section is shown."""
    attempt = Attempt("file", data, errors or {}) if data is not None else None
    lists: dict[str, Choices] = {"units_above": units_above(actor)}
    item = form_items([("file", FILE_FORM, FileIn)], lists, attempt)[0]
    inputs = {entry["spec"].name: entry for entry in item["inputs"]}
    kind = str(data.get("kind", "")) if data is not None else ""
    kind = kind if kind in ReportKind.values else ""
    risk = str(data.get("risk", "")) if data is not None else ""
    if kind in PERIODIC_KINDS or not kind:
        cadence = inputs["cadence"]
        cadence["choices"] = _cadence_choices(kind)
        if not cadence["value"] and kind:
            own = _own_cadence(actor, kind)
            if own in {c for c, _ in cadence["choices"]}:
                cadence["value"], cadence["values"] = own, [own]
    if kind == ReportKind.EARLY_SIGN:
        for name in SIGN_REQUIRED:
            inputs[name]["spec"] = dataclasses.replace(inputs[name]["spec"], required=True)
    if kind == ReportKind.ZERO:
        inputs["content"]["spec"] = dataclasses.replace(
            inputs["content"]["spec"], help="没有情况可不填，系统记为“本期无情况。”"
        )
    urgent = kind == ReportKind.IMMEDIATE or (kind == ReportKind.EARLY_SIGN and risk == Risk.HIGH)
    sections = [{"key": "main", "title": "", "inputs": [inputs[n] for n in MAIN_FIELDS]}]
    if kind in PERIODIC_KINDS or not kind:
        sections.append(
            {
                "key": "period",
                "title": "报送周期" + ("" if kind else "（定期报告、零报告、日报填写）"),
                "inputs": [inputs[n] for n in PERIOD_FIELDS],
            }
        )
    if kind == ReportKind.EARLY_SIGN or not kind:
        sections.append(
            {
                "key": "sign",
                "title": "苗头信息要素" + ("" if kind else "（苗头信息填写）"),
                "inputs": [inputs[n] for n in SIGN_FIELDS],
            }
        )
    if lists["units_above"] and (urgent or not kind):
        sections.append(
            {
                "key": "skip",
                "title": "越级报告" + ("" if kind else "（仅紧急情况）"),
                "inputs": [inputs[n] for n in SKIP_FIELDS],
            }
        )
    return {
        "kind": kind,
        "sections": sections,
        "urgent": urgent,
        "may_skip": bool(lists["units_above"]),
    }


# --- a report's step forms ------------------------------------------------------------------------


def step_forms(
    actor: User, report: InfoReport, actions: list[str], attempt: Attempt | None = None
) -> list[dict[str, Any]]:
    """The report's step forms the user may take now, in the table's order; 补充后重新报送 filled
    with the report's content, 并入 offered from the office's own open reports."""
    shown = [a for a in PAGE_ACTIONS if a in actions and STEPS[a].form is not None]
    lists: dict[str, Choices] = {}
    if "forward" in shown:
        lists["own_open_reports"] = own_open_reports(actor, report)
    items = form_items([(a, STEPS[a].form, STEPS[a].schema) for a in shown], lists, attempt)
    for item in items:
        if item["action"] == "forward" and not lists.get("own_open_reports"):
            item["inputs"] = [i for i in item["inputs"] if i["spec"].name != "into"]
        if item["action"] == "resubmit" and not item["open"]:
            for entry in item["inputs"]:
                if entry["spec"].name == "content":
                    entry["value"] = report.content
    return items


# --- filters --------------------------------------------------------------------------------------

DATE_WIDGET = {"type": "date", "class": "form-control"}


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
        error_messages={"invalid": "日期格式应为 YYYY-MM-DD。"},
    )


def _in_bounds(form: forms.Form, data: dict[str, Any], *names: str) -> None:
    for name in names:
        value = data.get(name)
        if value is not None and not DATE_MIN <= value <= DATE_MAX:
            form.add_error(name, f"日期须在 {DATE_MIN:%Y-%m-%d} 至 {DATE_MAX:%Y-%m-%d} 之间。")
            data.pop(name, None)


class ReportFilterForm(BootstrapFormMixin, forms.Form):
    """The list's filters, read by GET (a filtered list can be linked to)."""

    kind = forms.ChoiceField(label="信息类别", required=False)
    status = forms.ChoiceField(label="状态", required=False)
    unit = forms.TypedChoiceField(label="报送单位（含下级）", required=False, coerce=int, empty_value=None)
    inbox = forms.BooleanField(label="待签收", required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from"] = _date_field("报送日期从")
        self.fields["to"] = _date_field("至")
        self.fields["kind"].choices = [("", "全部类别"), *ReportKind.choices]  # type: ignore[attr-defined]
        self.fields["status"].choices = [("", "全部状态"), *ReportStatus.choices]  # type: ignore[attr-defined]
        self.fields["unit"].choices = [("", "全部单位"), *unit_options(units)]  # type: ignore[attr-defined]
        for field in self.fields.values():
            css = field.widget.attrs.get("class", "")
            if "form-select" in css:
                field.widget.attrs["class"] = f"{css} form-select-sm"
            elif "form-control" in css:
                field.widget.attrs["class"] = f"{css} form-control-sm"
        for error in ("invalid_choice",):
            for name in ("kind", "status", "unit"):
                self.fields[name].error_messages[error] = "请从列表中选择。"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _in_bounds(self, data, "from", "to")
        start, end = data.get("from"), data.get("to")
        if start and end and end < start:
            self.add_error("to", "结束日期不能早于开始日期。")
            data.pop("to", None)
        return data

    def filters(self) -> dict[str, Any]:
        """The valid filters (an invalid one is shown with its message and not applied)."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        start, end = day_range(data.get("from"), data.get("to"))
        return {
            "kind": data.get("kind") or "",
            "status": data.get("status") or "",
            "unit": data.get("unit"),
            "inbox": bool(data.get("inbox")),
            "start": start,
            "end": end,
        }


class CompletenessForm(BootstrapFormMixin, forms.Form):
    """Which unit (and the units below it in scope) and which days (at most a year)."""

    # an id, not a choice: a unit outside the list is looked up through the scope (404)
    unit = forms.IntegerField(
        label="单位",
        required=False,
        min_value=1,
        max_value=ID_MAX,
        error_messages={
            "invalid": "请从列表中选择单位。",
            "min_value": "请从列表中选择单位。",
            "max_value": "请从列表中选择单位。",
        },
    )

    def __init__(self, *args: Any, units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from"] = _date_field("从")
        self.fields["to"] = _date_field("至")
        self.fields["unit"].widget = forms.Select(choices=unit_options(units), attrs={"class": "form-select"})
        for field in self.fields.values():
            css = field.widget.attrs.get("class", "")
            size = "form-select-sm" if "form-select" in css else "form-control-sm"
            field.widget.attrs["class"] = f"{css} {size}"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _in_bounds(self, data, "from", "to")
        if "from" in self.errors or "to" in self.errors:
            return data
        try:
            data["from"], data["to"] = completeness_range(data.get("from"), data.get("to"))
        except ValidationFailed as exc:
            self.add_error("to", exc.message)
        return data


# --- 报送周期设置 -----------------------------------------------------------------------------------

WEEKDAY_CHOICES = [(i, f"星期{'一二三四五六日'[i - 1]}") for i in range(1, 8)]


class ScheduleRowForm(BootstrapFormMixin, forms.Form):
    """One unit type's cadence: on or off, its cut-off weekday (weekly) or day (monthly), and
    the time of day."""

    unit_type = forms.ChoiceField(choices=UnitType.choices, widget=forms.HiddenInput)
    cadence = forms.ChoiceField(choices=CadenceChoice.choices, widget=forms.HiddenInput)
    active = forms.BooleanField(label="启用", required=False)
    due_time = forms.TimeField(
        label="截止时刻",
        input_formats=["%H:%M"],
        widget=forms.TimeInput(format="%H:%M", attrs={"placeholder": "16:00", "maxlength": 5}),
        error_messages={"invalid": "时刻格式应为 HH:MM，如 16:00。", "required": "请填写截止时刻。"},
    )
    weekday = forms.TypedChoiceField(label="截止星期", choices=WEEKDAY_CHOICES, coerce=int, required=False)
    day = forms.IntegerField(
        label="截止日",
        min_value=1,
        max_value=31,
        required=False,
        error_messages={
            "min_value": "截止日须为 1 到 31。",
            "max_value": "截止日须为 1 到 31。",
            "invalid": "截止日须为 1 到 31。",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("due_time", "weekday", "day"):
            css = self.fields[name].widget.attrs.get("class", "")
            size = "form-select-sm" if "form-select" in css else "form-control-sm"
            self.fields[name].widget.attrs["class"] = f"{css} {size}"
