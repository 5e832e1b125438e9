"""The 矛盾排查 pages' forms and what the pages and the API show of a round.

The filing form is the `file` step's input laid out for one expected round (its kind and period
are fixed by the link that opened it), with up to `ROWS_MAX` dispute rows; a row left blank is no
dispute, and a row's refusal by the disputes' machine (`found[<n>].<field>`) is shown at that
row. The filters, the completeness range, the special screening and the schedule's rows are
plain Django forms that only collect input; the services and the machine check every rule.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone

from xinfang.core.bounds import DATE_MAX, DATE_MIN, ID_MAX
from xinfang.core.exceptions import ValidationFailed
from xinfang.core.forms import BootstrapFormMixin
from xinfang.organisation.models import Unit, UnitType

from .choices import RegularCadence, ScreeningKind, SpecialField
from .machine import AMEND_FIELDS, STEPS
from .models import ScreeningRound, ScreeningRoundEvent

MAX_RANGE_DAYS = 366
DEFAULT_WEEKS = 4
ROWS_DEFAULT = 1  # dispute rows a fresh form shows ("增加一行" adds one, up to ROWS_MAX)
ROWS_MAX = 20
# the fields of one dispute row on the page (the party's particulars are one party's; the API
# takes a list of parties)
ROW_TEXT = (
    "kind",
    "place",
    "facts",
    "demands",
    "party_name",
    "party_id_number",
    "party_phone",
    "party_address",
)
ROW_NUMBERS = ("people", "amount", "dispute_class")
ROW_FIELDS = (*ROW_TEXT, *ROW_NUMBERS, "procedure")
PARTY_FIELDS = {
    "party_name": "name",
    "party_id_number": "id_number",
    "party_phone": "phone",
    "party_address": "address",
}
HEADER_FIELDS = ("screened_by", "screened_at", "summary", "disorder", "hazards")

KIND_BADGES: dict[str, str] = {
    ScreeningKind.REGULAR: "text-bg-light border",
    ScreeningKind.QUARTERLY: "text-bg-info",
    ScreeningKind.KEY: "text-bg-warning",
    ScreeningKind.SPECIAL: "text-bg-primary",
}


def action_label(action: str) -> str:
    step = STEPS.get(action)
    return step.label if step is not None else action


def event_text(event: ScreeningRoundEvent) -> str:
    """What a step did, in words (the event's data as the step left it)."""
    data = event.data or {}
    if event.action == "file":
        parts = [f"所属期间 {data['period']}"] if data.get("period") else []
        parts.append(f"本轮发现 {data.get('found', 0)} 起，往期结转 {data.get('carried', 0)} 起")
        if data.get("disputes"):
            parts.append(f"登记矛盾纠纷 {data['disputes']}")
        if data.get("on_time") is False:
            parts.append("迟报")
        return "；".join(parts)
    if event.action == "amend" and data.get("fields"):
        return f"修改了{data['fields']}"
    return ""


# --- ranges -----------------------------------------------------------------------------------------


def default_range(today: date) -> tuple[date, date]:
    """The last four weeks: from the Monday three weeks before this week's to today."""
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(weeks=DEFAULT_WEEKS - 1), today


def completeness_range(first: date | None, last: date | None) -> tuple[date, date]:
    """The days of a grid (default: the last four weeks); 422 in Chinese when the end comes
    before the start or the range is longer than a year (366 days)."""
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


def unit_options(units: list[Unit]) -> list[tuple[int, str]]:
    base = min((u.depth for u in units), default=0)
    return [(u.pk, "\u3000" * (u.depth - base) + u.name) for u in units]


# --- the filing form ----------------------------------------------------------------------------


@dataclass
class FileForm:
    """What the filing page shows: the header's values and messages, and the dispute rows."""

    values: dict[str, str]
    errors: dict[str, str]
    rows: list[dict[str, Any]]

    @property
    def row_count(self) -> int:
        return len(self.rows)


def _row_blank(values: dict[str, str]) -> bool:
    return not any(values.get(name, "").strip() for name in ROW_TEXT if name != "kind")


def file_form(
    data: QueryDict | None = None, errors: dict[str, str] | None = None, more: bool = False
) -> FileForm:
    """The form with what was typed (`data`: the POST), each field's message, and the rows (one
    more when `more`)."""
    errors = errors or {}
    values = {name: str(data.get(name, "")) if data is not None else "" for name in HEADER_FIELDS}
    count = ROWS_DEFAULT
    if data is not None:
        try:
            count = int(str(data.get("rows", ROWS_DEFAULT)))
        except ValueError:
            count = ROWS_DEFAULT
    count = min(max(count + (1 if more else 0), 1), ROWS_MAX)
    rows = []
    for index in range(count):
        row = {
            name: str(data.get(f"found-{index}-{name}", "")) if data is not None else ""
            for name in ROW_FIELDS
        }
        if not row["procedure"]:
            row["procedure"] = "full"
        if not row["people"]:
            row["people"] = "2"
        prefix = f"found[{index}]."
        row_errors = {k.removeprefix(prefix): v for k, v in errors.items() if k.startswith(prefix)}
        for key, name in PARTY_FIELDS.items():  # the party's messages at its inputs
            for found_key in (f"parties.0.{name}", f"parties[0].{name}"):
                if found_key in row_errors:
                    row_errors[key] = row_errors.pop(found_key)
        if "parties" in row_errors:
            row_errors["party_name"] = row_errors.pop("parties")
        if f"found[{index}]" in errors:
            row_errors["row"] = errors[f"found[{index}]"]
        rows.append({"index": index, "values": row, "errors": row_errors})
    return FileForm(values=values, errors=errors, rows=rows)


def found_from_post(data: QueryDict) -> tuple[list[dict[str, Any]], list[int]]:
    """The dispute rows typed (blank rows left out) as the API's `found`, and each one's row on
    the page (so that a refusal of `found[i]` is shown at its row)."""
    form = file_form(data)
    found: list[dict[str, Any]] = []
    rows: list[int] = []
    for row in form.rows:
        values = row["values"]
        if _row_blank(values):
            continue
        entry: dict[str, Any] = {name: values[name].strip() for name in ("kind", "place", "facts", "demands")}
        party = {PARTY_FIELDS[k]: values[k].strip() for k in PARTY_FIELDS if values[k].strip()}
        entry["parties"] = [party] if party else []
        for name in ROW_NUMBERS:
            text = values[name].strip()
            if text:
                entry[name] = int(text) if (text.isascii() and text.isdigit()) and len(text) < 16 else text
        entry["procedure"] = values["procedure"] or "full"
        found.append(entry)
        rows.append(row["index"])
    return found, rows


def errors_to_rows(errors: dict[str, str], rows: list[int]) -> dict[str, str]:
    """A refusal's `found[i].…` keys renamed to the page's rows."""
    renamed = {}
    for key, message in errors.items():
        if key.startswith("found[") and "]" in key:
            index_text, rest = key[len("found[") :].split("]", 1)
            if (index_text.isascii() and index_text.isdigit()) and int(index_text) < len(rows):
                key = f"found[{rows[int(index_text)]}]{rest}"
        renamed[key] = message
    return renamed


def header_from_post(data: QueryDict) -> dict[str, Any]:
    """The round's own fields as typed (blank ones left out: the step's defaults apply)."""
    fields: dict[str, Any] = {}
    for name in ("kind", "period", "sensitive", "special", *HEADER_FIELDS):
        value = str(data.get(name, "")).strip()
        if value:
            fields[name] = value
    return fields


def amend_from_post(data: QueryDict) -> dict[str, Any]:
    return {
        name: str(data.get(name, "")).strip()
        for name in (*AMEND_FIELDS, "note")
        if str(data.get(name, "")).strip()
    }


# --- filters --------------------------------------------------------------------------------------

DATE_WIDGET = {"type": "date", "class": "form-control"}


def _date_field(label: str, required: bool = False) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"),
        error_messages={"invalid": "日期格式应为 YYYY-MM-DD。", "required": "请填写日期。"},
    )


def _in_bounds(form: forms.Form, data: dict[str, Any], *names: str) -> None:
    for name in names:
        value = data.get(name)
        if value is not None and not DATE_MIN <= value <= DATE_MAX:
            form.add_error(name, f"日期须在 {DATE_MIN:%Y-%m-%d} 至 {DATE_MAX:%Y-%m-%d} 之间。")
            data.pop(name, None)


def _small(form: forms.Form) -> None:
    for field in form.fields.values():
        css = field.widget.attrs.get("class", "")
        size = "form-select-sm" if "form-select" in css else "form-control-sm"
        field.widget.attrs["class"] = f"{css} {size}".strip()


class RoundFilterForm(BootstrapFormMixin, forms.Form):
    """The list's filters, read by GET (a filtered list can be linked to)."""

    kind = forms.ChoiceField(label="排查类别", required=False)
    unit = forms.TypedChoiceField(label="排查单位（含下级）", required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["from"] = _date_field("报送日期从")
        self.fields["to"] = _date_field("至")
        self.fields["kind"].choices = [("", "全部类别"), *ScreeningKind.choices]  # type: ignore[attr-defined]
        self.fields["unit"].choices = [("", "全部单位"), *unit_options(units)]  # type: ignore[attr-defined]
        for name in ("kind", "unit"):
            self.fields[name].error_messages["invalid_choice"] = "请从列表中选择。"
        _small(self)

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
        return {
            "kind": data.get("kind") or "",
            "unit": data.get("unit"),
            "start": data.get("from"),
            "end": data.get("to"),
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
        _small(self)

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


# --- 专项排查 ---------------------------------------------------------------------------------------


class SpecialForm(BootstrapFormMixin, forms.Form):
    """Opening a special screening: the field, its name and requirements, its days, its units."""

    field = forms.ChoiceField(label="排查领域", choices=[("", "请选择"), *SpecialField.choices])
    title = forms.CharField(label="名称", max_length=100)
    requirements = forms.CharField(
        label="排查要求", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    all_below = forms.TypedChoiceField(
        label="排查单位",
        choices=[("1", "本单位下级全部单位"), ("0", "选定的单位")],
        coerce=lambda v: v == "1",
        initial="1",
        widget=forms.RadioSelect,
    )
    units = forms.TypedMultipleChoiceField(label="选定的单位", required=False, coerce=int)

    def __init__(self, *args: Any, units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["starts_on"] = _date_field("开始日期", required=True)
        self.fields["ends_on"] = _date_field("截止日期（当日 16:00 前报送）", required=True)
        self.fields["units"].choices = unit_options(units)  # type: ignore[attr-defined]
        self.fields["units"].widget.attrs.update({"class": "form-select", "size": "8"})
        messages = {
            "required": "请填写此项。",
            "invalid_choice": "请从列表中选择。",
            "max_length": "不能超过 %(limit_value)d 字。",
        }
        for field in self.fields.values():
            field.error_messages.update(messages)
        self.fields["field"].error_messages["required"] = "请选择排查领域。"
        self.fields["title"].error_messages["required"] = "请填写名称。"
        self.fields["all_below"].widget.attrs["class"] = "form-check-input"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _in_bounds(self, data, "starts_on", "ends_on")
        return data


# --- 排查周期设置 -----------------------------------------------------------------------------------

WEEKDAY_CHOICES = [(i, f"星期{'一二三四五六日'[i - 1]}") for i in range(1, 8)]


class ScheduleRowForm(BootstrapFormMixin, forms.Form):
    """One unit type's kind of screening: on or off, its regular cadence and cut-off weekday
    (weekly) or day (monthly, quarterly), and the time of day."""

    unit_type = forms.ChoiceField(choices=UnitType.choices, widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        choices=[
            (k.value, k.label) for k in (ScreeningKind.REGULAR, ScreeningKind.QUARTERLY, ScreeningKind.KEY)
        ],
        widget=forms.HiddenInput,
    )
    active = forms.BooleanField(label="启用", required=False)
    cadence = forms.ChoiceField(
        label="排查周期", choices=[("", "—"), *RegularCadence.choices], required=False
    )
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
        self.fields["cadence"].error_messages["invalid_choice"] = "排查周期须为每周、每半月或每月。"
        self.fields["weekday"].error_messages["invalid_choice"] = "请选择截止星期。"
        for name in ("due_time", "weekday", "day", "cadence"):
            css = self.fields[name].widget.attrs.get("class", "")
            size = "form-select-sm" if "form-select" in css else "form-control-sm"
            self.fields[name].widget.attrs["class"] = f"{css} {size}"


def round_period_text(round_: ScreeningRound) -> str:
    return f"{round_.get_kind_display()} {round_.period_label}"
