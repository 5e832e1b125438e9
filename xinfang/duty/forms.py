"""The duty pages' forms.

The office's forms (班次设置, 生成值班表, 覆盖检查, 新增班次) only collect input for the services,
which check every rule and answer in Chinese. The shift page's step forms are built from each
step's input schema (`procedure.forms`), as the petition page builds its own: the option lists
the schemas name (unit_leaders, unit_staff, unit_people, shift_people, on_leave, pending_items,
open_entries) are computed here for the shift shown.
"""

import dataclasses
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.bounds import DATE_MAX, DATE_MIN
from xinfang.core.forms import BootstrapFormMixin
from xinfang.organisation.models import Unit
from xinfang.procedure.forms import Attempt, Choices, choice_keys, form_items
from xinfang.procedure.inputs import bare

from . import selectors
from .choices import EntryStatus, ItemStatus, LeaveStatus, MemberKind
from .machine import STEPS
from .models import Shift
from .services import MAX_SLOTS, SlotIn

# steps shown on a row of the duty log or the handover, not among the shift's own buttons
ENTRY_ACTIONS = ("acknowledge", "close_entry")
ITEM_ACTIONS = ("accept_item", "return_item")
ROW_ACTIONS = frozenset({*ENTRY_ACTIONS, *ITEM_ACTIONS, "register_entry"})
DAY_MINUTES = 24 * 60


def month_choices(today: date, *, ahead: int = 2) -> list[tuple[str, str]]:
    """This month and the next `ahead` (a past month cannot be drawn up)."""
    months, month = [], today.replace(day=1)
    for _ in range(ahead + 1):
        months.append((month.isoformat(), f"{month:%Y年%m月}"))
        month = selectors.next_month(month)
    return months


def _small(field: forms.Field) -> None:
    """Bootstrap's small size for a field's widget (the mixin gave it its base class)."""
    css = field.widget.attrs.get("class", "")
    size = "form-select-sm" if "form-select" in css else "form-control-sm"
    field.widget.attrs["class"] = f"{css} {size}".strip()


def _clock() -> forms.TimeInput:
    return forms.TimeInput(
        format="%H:%M", attrs={"placeholder": "如 08:30", "inputmode": "numeric", "maxlength": 5}
    )


def unit_options(units: list[Unit]) -> list[tuple[int, str]]:
    base = min((u.depth for u in units), default=0)
    return [(u.pk, "\u3000" * (u.depth - base) + u.name) for u in units]


# --- 班次设置 -------------------------------------------------------------------------------------


class SlotsForm(BootstrapFormMixin, forms.Form):
    """Up to four shifts of a day, each from a start to an end time (an end not after the start
    is the next day's: 夜班 17:30 至 08:30; the same time is 24 hours)."""

    unit = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "slots-%s")
        super().__init__(*args, **kwargs)
        for i in range(MAX_SLOTS):
            self.fields[f"label_{i}"] = forms.CharField(
                label=f"第 {i + 1} 班名称", max_length=20, required=False
            )
            # 24-hour text ("17:30"), not the browser's time picker, which may show 上午/下午 or AM/PM
            self.fields[f"starts_{i}"] = forms.TimeField(
                label=f"第 {i + 1} 班开始", required=False, input_formats=["%H:%M"], widget=_clock()
            )
            self.fields[f"ends_{i}"] = forms.TimeField(
                label=f"第 {i + 1} 班结束", required=False, input_formats=["%H:%M"], widget=_clock()
            )
        for field in self.fields.values():
            if not isinstance(field.widget, forms.HiddenInput):
                field.widget.attrs["class"] = "form-control"
                _small(field)

    @staticmethod
    def initial_for(unit: Unit, slots: list[Any]) -> dict[str, Any]:
        initial: dict[str, Any] = {"unit": unit.pk}
        for i, slot in enumerate(slots[:MAX_SLOTS]):
            end = (datetime.combine(date(2000, 1, 1), slot.starts) + timedelta(minutes=slot.minutes)).time()
            initial.update({f"label_{i}": slot.label, f"starts_{i}": slot.starts, f"ends_{i}": end})
        return initial

    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [(self[f"label_{i}"], self[f"starts_{i}"], self[f"ends_{i}"]) for i in range(MAX_SLOTS)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for i in range(MAX_SLOTS):
            label, starts, ends = (data.get(f"{name}_{i}") for name in ("label", "starts", "ends"))
            if not (label or starts or ends):
                continue
            if not label:
                self.add_error(f"label_{i}", "请填写班次名称（如 白班）。")
            if starts is None and f"starts_{i}" not in self.errors:
                self.add_error(f"starts_{i}", "请填写开始时间，如 08:30。")
            if ends is None and f"ends_{i}" not in self.errors:
                self.add_error(f"ends_{i}", "请填写结束时间，如 17:30。")
        return data

    def slots(self) -> list[SlotIn]:
        found = []
        for i in range(MAX_SLOTS):
            label, starts, ends = (
                self.cleaned_data.get(f"{name}_{i}") for name in ("label", "starts", "ends")
            )
            if label and isinstance(starts, time) and isinstance(ends, time):
                minutes = (ends.hour * 60 + ends.minute - starts.hour * 60 - starts.minute) % DAY_MINUTES
                found.append(SlotIn(label, f"{starts:%H:%M}", minutes or DAY_MINUTES))
        return found

    def place_errors(self, errors: dict[str, Any], message: str) -> None:
        """The service's `slots.<i>.<field>` errors on the row's fields; the rest above the form."""
        placed = False
        for key, text in errors.items():
            parts = str(key).split(".")
            if (
                len(parts) == 3
                and parts[2] in ("label", "starts")
                and f"{parts[2]}_{parts[1]}" in self.fields
            ):
                self.add_error(f"{parts[2]}_{parts[1]}", str(text))
                placed = True
            elif len(parts) == 3 and parts[2] == "minutes" and f"ends_{parts[1]}" in self.fields:
                self.add_error(f"ends_{parts[1]}", str(text))
                placed = True
        if not placed:
            self.add_error(None, message)


# --- 生成值班表 -----------------------------------------------------------------------------------


class GenerateForm(BootstrapFormMixin, forms.Form):
    """A month, and the unit's people with their places in the rotation: 带班顺序 for leaders,
    值班顺序 for anyone (blank: not in the rotation). The lists rotate in that order."""

    unit = forms.IntegerField(widget=forms.HiddenInput)
    month = forms.ChoiceField(label="月份")
    staff_per_shift = forms.IntegerField(label="每班值班员人数", min_value=1, max_value=10, initial=1)

    def __init__(self, *args: Any, people: list[selectors.Person], today: date, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "generate-%s")
        super().__init__(*args, **kwargs)
        self.people = people
        self.fields["month"].choices = month_choices(today)  # type: ignore[attr-defined]
        leaders = [p for p in people if p.is_leader]
        for place, person in enumerate(leaders, start=1):
            self.fields[f"leader_{person.user.pk}"] = forms.IntegerField(
                label=f"{person.user} 带班顺序", required=False, min_value=1, max_value=99, initial=place
            )
        for place, person in enumerate(people, start=1):
            self.fields[f"staff_{person.user.pk}"] = forms.IntegerField(
                label=f"{person.user} 值班顺序",
                required=False,
                min_value=1,
                max_value=99,
                initial=None if person.is_leader else place - len(leaders),
            )
        for name, field in self.fields.items():
            if name.startswith(("leader_", "staff_")):
                field.widget.attrs.update({"class": "form-control form-control-sm duty-order"})
            elif not isinstance(field.widget, forms.HiddenInput):
                _small(field)

    def head_fields(self) -> list[forms.BoundField]:
        return [self["month"], self["staff_per_shift"]]

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "person": person,
                "leader": self[f"leader_{person.user.pk}"] if person.is_leader else None,
                "staff": self[f"staff_{person.user.pk}"],
            }
            for person in self.people
        ]

    def _ordered(self, prefix: str) -> list[int]:
        chosen = [
            (value, person.user.pk)
            for person in self.people
            if (value := self.cleaned_data.get(f"{prefix}_{person.user.pk}")) is not None
        ]
        return [pk for _, pk in sorted(chosen)]

    def leaders(self) -> list[int]:
        return self._ordered("leader")

    def staff(self) -> list[int]:
        return self._ordered("staff")

    def month_value(self) -> date:
        return date.fromisoformat(self.cleaned_data["month"])


# --- 覆盖检查 -------------------------------------------------------------------------------------

MAX_COVERAGE_DAYS = 93


class CoverageForm(BootstrapFormMixin, forms.Form):
    """Which unit (and the units below it in scope) and which days: read by GET, so a result can
    be linked to and printed."""

    cover_unit = forms.TypedChoiceField(label="单位", coerce=int)
    cover_from = forms.DateField(
        label="从", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    cover_to = forms.DateField(label="至", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    cover_below = forms.BooleanField(label="含下级单位", required=False, initial=True)

    def __init__(self, *args: Any, units: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cover_unit"].choices = unit_options(units)  # type: ignore[attr-defined]
        for name in ("cover_unit", "cover_from", "cover_to"):
            _small(self.fields[name])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("cover_from"), data.get("cover_to")
        for name, value in (("cover_from", start), ("cover_to", end)):
            if value is not None and not DATE_MIN <= value <= DATE_MAX:
                self.add_error(name, f"日期须在 {DATE_MIN:%Y-%m-%d} 至 {DATE_MAX:%Y-%m-%d} 之间。")
        if start and end and not 0 <= (end - start).days < MAX_COVERAGE_DAYS:
            self.add_error("cover_to", f"检查时段须在 1 至 {MAX_COVERAGE_DAYS} 天之间，且“至”不早于“从”。")
        return data


# --- 新增班次 -------------------------------------------------------------------------------------


class ShiftAddForm(BootstrapFormMixin, forms.Form):
    """A shift added by hand to the unit's roster (加班、备勤, or to close a gap the check found)."""

    label = forms.CharField(label="班次名称", max_length=20, initial="加班")
    starts_at = forms.DateTimeField(
        label="开始时间",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ends_at = forms.DateTimeField(
        label="结束时间",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    leader = forms.TypedChoiceField(label="带班领导", coerce=int)
    staff = forms.TypedMultipleChoiceField(
        label="值班员", coerce=int, widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})
    )

    def __init__(self, *args: Any, people: list[selectors.Person], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "add-shift-%s")
        super().__init__(*args, **kwargs)
        leaders = [(p.user.pk, str(p.user)) for p in people if p.is_leader]
        self.fields["leader"].choices = [("", "请选择"), *leaders]  # type: ignore[attr-defined]
        self.fields["staff"].choices = [(p.user.pk, str(p.user)) for p in people]  # type: ignore[attr-defined]
        for name in ("label", "starts_at", "ends_at", "leader"):
            _small(self.fields[name])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("starts_at", "ends_at"):
            value = data.get(name)
            if value is not None and not DATE_MIN <= timezone.localtime(value).date() <= DATE_MAX:
                self.add_error(name, f"日期须在 {DATE_MIN:%Y-%m-%d} 至 {DATE_MAX:%Y-%m-%d} 之间。")
        return data


# --- 登记为信访件 ---------------------------------------------------------------------------------


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


# --- the shift's step forms ----------------------------------------------------------------------


def _is_bool(schema: Any, name: str) -> bool:
    info = schema.model_fields.get(name)
    return info is not None and bare(info.annotation) is bool


def _person(user: User) -> str:
    return f"{user}（{user.phone}）" if user.phone else str(user)


def choice_lists(needed: set[str], shift: Shift, record: selectors.ShiftRecord) -> dict[str, Choices]:
    """Only the lists the shown forms need: the unit's people in one query, the rest from what
    the page already read."""
    lists: dict[str, Choices] = {}
    if needed & {"unit_leaders", "unit_staff", "unit_people"}:
        people = selectors.unit_people(shift.unit)
        lists["unit_leaders"] = [(p.user.pk, _person(p.user)) for p in people if p.is_leader]
        lists["unit_staff"] = [(p.user.pk, str(p.user)) for p in people]
        lists["unit_people"] = [
            (p.user.pk, f"{p.user}（{'领导' if p.is_leader else '工作人员'}）") for p in people
        ]
    serving = [m for m in shift.members.all() if m.serving]
    lists["shift_people"] = [(m.user_id, f"{m.get_kind_display()} {m.user}") for m in serving]
    lists["on_leave"] = [
        (m.user_id, f"{m.user}：{m.leave_reason}") for m in serving if m.leave == LeaveStatus.REQUESTED
    ]
    lists["pending_items"] = [(i.pk, i.text[:60]) for i in record.items if i.status == ItemStatus.PENDING]
    lists["open_entries"] = [
        (e.pk, f"{timezone.localtime(e.at):%m-%d %H:%M} {e.name}")
        for e in record.log
        if e.status == EntryStatus.OPEN
    ]
    if "other_shifts" in needed:
        lists["other_shifts"] = [
            (s.pk, f"{timezone.localtime(s.starts_at):%m-%d %H:%M} {s.label}")
            for s in selectors.upcoming_shifts(shift)
        ]
    return lists


def _tune(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Page-only touches on the schema's inputs: a yes/no field is a checkbox, and 换班's
    对换班次 is chosen from the unit's coming shifts rather than typed as a number."""
    for item in items:
        schema = STEPS[item["action"]].schema
        for entry in item["inputs"]:
            spec = entry["spec"]
            if _is_bool(schema, spec.name):
                entry["spec"] = dataclasses.replace(spec, kind="check", required=False)
            elif item["action"] == "swap" and spec.name == "other_shift":
                entry["spec"] = dataclasses.replace(spec, kind="select", choices="other_shifts")
    return items


def _fill_choices(items: list[dict[str, Any]], lists: dict[str, Choices]) -> None:
    for item in items:
        for entry in item["inputs"]:
            if entry["spec"].choices == "other_shifts":
                entry["choices"] = lists.get("other_shifts", [])


def _built(actions: list[str], lists: dict[str, Choices], attempt: Attempt | None) -> list[dict[str, Any]]:
    steps = [(action, STEPS[action]) for action in actions]
    items = form_items([(action, step.form, step.schema) for action, step in steps], lists, attempt)
    return _tune(items)


def needed_lists(actions: list[str]) -> set[str]:
    needed = choice_keys([STEPS[a].schema for a in actions if a in STEPS])
    return needed | ({"other_shifts"} if "swap" in actions else set())


def step_forms(
    actions: list[str], lists: dict[str, Choices], shift: Shift, attempt: Attempt | None = None
) -> list[dict[str, Any]]:
    """The shift's own forms (not those of a log entry or a handover item), in the table's order;
    准假替班 only while someone's leave waits, and 排班调整 filled with who serves now."""
    shown = [
        a
        for a in actions
        if a not in ROW_ACTIONS
        and STEPS[a].form is not None
        and (a not in ("approve_leave", "reject_leave") or lists.get("on_leave"))
    ]
    items = _built(shown, lists, attempt)
    _fill_choices(items, lists)
    for item in items:
        if item["action"] == "staff_shift" and not item["open"]:
            _current_people(item, shift)
    return items


def _current_people(item: dict[str, Any], shift: Shift) -> None:
    serving = [m for m in shift.members.all() if m.serving]
    current = {
        "leader": [str(m.user_id) for m in serving if m.kind == MemberKind.LEADER],
        "staff": [str(m.user_id) for m in serving if m.kind == MemberKind.STAFF],
    }
    for entry in item["inputs"]:
        values = current.get(entry["spec"].name)
        if values:
            entry["values"], entry["value"] = values, values[0]


def row_form(
    action: str, field: str, value: int, lists: dict[str, Choices], attempt: Attempt | None
) -> dict[str, Any]:
    """One row's form of a step on a log entry or a handover item: its `field` fixed to the row,
    what was typed shown again when this row's form was the one refused."""
    mine = (
        attempt
        if attempt is not None and attempt.action == action and attempt.data.get(field) == str(value)
        else None
    )
    item = _built([action], lists, mine)[0]
    item["inputs"] = [i for i in item["inputs"] if i["spec"].name != field]
    item["fixed"] = (field, value)
    item["form_id"] = f"{action}-{value}"
    return item


def member_rows(shift: Shift) -> list[dict[str, Any]]:
    """The shift's people: leader first, each with the person they replace or who replaces them."""
    members = list(shift.members.all())
    substitutes = {m.replaces_id: m for m in members if m.replaces_id}
    order: dict[str, int] = {MemberKind.LEADER: 0, MemberKind.STAFF: 1}
    ordered = sorted(members, key=lambda m: (order.get(m.kind, 2), m.replaces_id is not None, m.pk))
    return [{"member": member, "substitute": substitutes.get(member.pk)} for member in ordered]
