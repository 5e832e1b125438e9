"""Duty pages (值班): the office's 值班 page (今日值班, rosters, 班次设置, 生成值班表, 覆盖检查), a
month's roster as offices print it, a shift with its steps, duty log and handover, and the
duty-room display. Views stay thin: selectors read, services and the shift machine write; a
refused step shows the page again with what was typed and the Chinese message."""

from datetime import date, timedelta
from itertools import groupby
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from xinfang.accounts.models import User
from xinfang.accounts.permissions import acting_user, capabilities_of, capability_required, has_capability
from xinfang.core.exceptions import Conflict, NotFound, ValidationFailed
from xinfang.core.forms import apply_service_errors
from xinfang.core.requests import RequestMeta
from xinfang.deadlines.sensitive import level_rules, periods_for
from xinfang.organisation.models import Unit
from xinfang.organisation.selectors import access_unit_by_id, units_visible_to
from xinfang.procedure.forms import Attempt, values_from_post

from . import forms, selectors, services
from .choices import EntryKind, EntryStatus, ItemStatus, LeaveStatus, MemberKind, RosterStatus, ShiftStatus
from .machine import STEPS, allowed_actions, shift_transition
from .machine.effects import member_of
from .models import LogEntry, RosterMonth, Shift, ShiftEvent

ROSTER_PAGE_SIZE = 20
DISPLAY_PAGE_SIZE = 48
GAPS_SHOWN = 200
PERIOD_DAYS_AHEAD = 60
WEEKDAYS = "一二三四五六日"

SHIFT_BADGES: dict[str, str] = {
    ShiftStatus.PLANNED: "text-bg-secondary",
    ShiftStatus.ON_DUTY: "text-bg-success",
    ShiftStatus.HANDED_OVER: "text-bg-warning",
    ShiftStatus.CLOSED: "text-bg-light border",
}
ENTRY_BADGES: dict[str, str] = {
    EntryStatus.OPEN: "text-bg-warning",
    EntryStatus.ANSWERED: "text-bg-success",
    EntryStatus.REGISTERED: "text-bg-info",
    EntryStatus.CLOSED: "text-bg-success",
}
ITEM_BADGES: dict[str, str] = {
    ItemStatus.PENDING: "text-bg-warning",
    ItemStatus.ACCEPTED: "text-bg-success",
    ItemStatus.RETURNED: "text-bg-danger",
    ItemStatus.SETTLED: "text-bg-secondary",
}
SUCCESS = {
    "staff_shift": "已调整本班次值班人员",
    "request_leave": "已提交请假申请，待办公室负责人批准",
    "approve_leave": "已批准请假并安排替班",
    "reject_leave": "请假申请已撤回或不予批准",
    "swap": "已批准换班",
    "check_in": "已签到",
    "check_out": "已离岗",
    "log_entry": "已记录",
    "acknowledge": "已确认紧急事项",
    "close_entry": "已办结值班记录",
    "hand_over": "已交班，待接班人逐项接收",
    "accept_item": "已接收交接事项",
    "return_item": "已退回交接事项",
    "sign": "带班领导已签字",
    "close": "交班完成",
}


def _meta(request: HttpRequest) -> RequestMeta | None:
    return RequestMeta.from_request(request)


def _scope_units(actor: User) -> list[Unit]:
    return list(
        units_visible_to(actor).filter(is_active=True).only("pk", "name", "depth", "path").order_by("path")
    )


def _chosen(units: list[Unit], value: Any, default: Unit | None) -> Unit | None:
    try:
        wanted = int(value)
    except (TypeError, ValueError):
        return default
    return next((u for u in units if u.pk == wanted), default)


def _query_string(request: HttpRequest, *drop: str) -> str:
    kept = [(k, v) for k, values in request.GET.lists() for v in values if k not in ("page", *drop)]
    return f"{urlencode(kept)}&" if kept else ""


# --- 值班 (the office's page) ----------------------------------------------------------------------


@require_GET
@capability_required("duty.view")
def home(request: HttpRequest) -> HttpResponse:
    return _home_page(request)


def _home_page(
    request: HttpRequest,
    *,
    unit_id: Any = None,
    slots_form: forms.SlotsForm | None = None,
    generate_form: forms.GenerateForm | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = acting_user(request)
    today = timezone.localdate()
    units = _scope_units(actor)
    context: dict[str, Any] = {
        "today": today,
        "on_duty": selectors.on_duty_now(selectors.duty_units_for(actor)),
        "display_url": reverse("duty:display"),
    }
    context.update(_rosters(request, actor, today))
    context.update(_periods(actor, today))
    context.update(_coverage(request, units, today))
    if has_capability(actor, "duty.roster") and units:
        unit = _chosen(units, unit_id or request.GET.get("unit"), actor.unit) or units[0]
        context.update(_office(actor, unit, units, today, slots_form, generate_form))
    return render(request, "duty/home.html", context, status=status)


def _rosters(request: HttpRequest, actor: User, today: date) -> dict[str, Any]:
    """The rosters in scope, newest month first (a month chosen with ?month=YYYY-MM)."""
    rows = selectors.rosters_visible_to(actor).select_related("unit").order_by("-month", "unit_path")
    month_text = request.GET.get("month", "").strip()
    month = None
    if month_text:
        try:
            month = date.fromisoformat(f"{month_text}-01")
        except ValueError:
            month = None
    if month is not None:
        rows = rows.filter(month=month)
    page = Paginator(rows, ROSTER_PAGE_SIZE).get_page(request.GET.get("page"))
    months = selectors.rosters_visible_to(actor).dates("month", "month", order="DESC")[:36]
    return {
        "roster_months": [(f"{m:%Y-%m}", f"{m:%Y年%m月}") for m in months],
        "rosters": page,
        "page_obj": page,
        "query_string": _query_string(request),
        "roster_month": f"{month:%Y-%m}" if month else "",
        "roster_badges": {RosterStatus.DRAFT: "text-bg-warning", RosterStatus.PUBLISHED: "text-bg-success"},
    }


def _periods(actor: User, today: date) -> dict[str, Any]:
    """The sensitive periods in force at the user's unit today and in the coming weeks, with what
    each level requires of the roster."""
    if actor.unit is None:
        return {"periods": []}
    found = periods_for(actor.unit, today, today + timedelta(days=PERIOD_DAYS_AHEAD))
    rules = level_rules() if found else {}
    return {
        "periods": [
            {"period": p, "rule": rules.get(p.level), "in_force": p.starts_on <= today <= p.ends_on}
            for p in found
        ]
    }


def _coverage(request: HttpRequest, units: list[Unit], today: date) -> dict[str, Any]:
    """覆盖检查: every minute of the days chosen, for the unit chosen and the units below it in
    the user's scope, against what the published rosters cover."""
    first = today.replace(day=1)
    initial = {
        "cover_unit": units[0].pk if units else None,
        "cover_from": first,
        "cover_to": selectors.next_month(first) - timedelta(days=1),
        "cover_below": True,
    }
    if "cover_from" not in request.GET:
        return {"coverage_form": forms.CoverageForm(initial=initial, units=units), "gaps": None}
    form = forms.CoverageForm(request.GET, units=units)
    if not form.is_valid():
        return {"coverage_form": form, "gaps": None}
    root = _chosen(units, form.cleaned_data["cover_unit"], None)
    if root is None:
        raise NotFound()
    below = form.cleaned_data["cover_below"]
    checked = [u for u in units if u.path.startswith(root.path)] if below else [root]
    start = selectors.day_start(form.cleaned_data["cover_from"])
    end = selectors.day_start(form.cleaned_data["cover_to"], after=True)
    gaps = selectors.coverage_gaps(units=checked, start=start, end=end)
    return {
        "coverage_form": form,
        "gaps": gaps[:GAPS_SHOWN],
        "gap_count": len(gaps),
        "coverage_root": root,
        "coverage_units": len(checked),
    }


def _office(
    actor: User,
    unit: Unit,
    units: list[Unit],
    today: date,
    slots_form: forms.SlotsForm | None,
    generate_form: forms.GenerateForm | None,
) -> dict[str, Any]:
    """The office's part (duty.roster): the unit's shifts of a day and a month drawn up."""
    slots = selectors.slots_of(unit)
    people = selectors.unit_people(unit)
    saved = bool(slots and slots[0].pk)
    month_keys = [date.fromisoformat(value) for value, _ in forms.month_choices(today)]
    months = {
        r.month: r
        for r in selectors.rosters_visible_to(actor)
        .filter(unit=unit, month__in=month_keys)
        .only("pk", "month", "status", "unit_id")
    }
    return {
        "office_unit": unit,
        "office_units": forms.unit_options(units),
        "slots": slots,
        "slots_saved": saved,
        "slots_form": slots_form or forms.SlotsForm(initial=forms.SlotsForm.initial_for(unit, slots)),
        "generate_form": generate_form
        or forms.GenerateForm(
            initial={"unit": unit.pk, "month": selectors.next_month(today.replace(day=1)).isoformat()},
            people=people,
            today=today,
        ),
        "office_months": [(month, months.get(month)) for month in month_keys],
        "people": people,
    }


@require_POST
@capability_required("duty.roster")
def slots_save(request: HttpRequest) -> HttpResponse:
    actor = acting_user(request)
    form = forms.SlotsForm(request.POST)
    unit_id = request.POST.get("unit")
    if form.is_valid():
        unit = access_unit_by_id(actor, form.cleaned_data["unit"], _meta(request))
        try:
            saved = services.slots_save(
                actor=actor, unit=unit, slots=form.slots(), request_meta=_meta(request)
            )
        except ValidationFailed as exc:
            form.place_errors(exc.extra, exc.message)
        else:
            shifts = "、".join(
                f"{s.label} {s.starts:%H:%M}（{s.minutes // 60} 小时{s.minutes % 60 or ''}）" for s in saved
            )
            messages.success(request, f"已保存{unit.name}的班次设置：{shifts}。新生成的值班表按此排班。")
            return redirect(f"{reverse('duty:home')}?unit={unit.pk}#office")
    messages.error(request, "班次设置未保存，请按提示修改。")
    return _home_page(request, unit_id=unit_id, slots_form=form, status=422)


@require_POST
@capability_required("duty.roster")
def roster_generate(request: HttpRequest) -> HttpResponse:
    actor = acting_user(request)
    try:
        unit_id = int(request.POST.get("unit", ""))
    except ValueError:
        raise NotFound() from None
    unit = access_unit_by_id(actor, unit_id, _meta(request))
    today = timezone.localdate()
    form = forms.GenerateForm(request.POST, people=selectors.unit_people(unit), today=today)
    status = 422
    if form.is_valid():
        try:
            roster = services.roster_generate(
                actor=actor,
                unit_id=unit.pk,
                month=form.month_value(),
                leaders=form.leaders(),
                staff=form.staff(),
                staff_per_shift=form.cleaned_data["staff_per_shift"],
                request_meta=_meta(request),
            )
        except (ValidationFailed, Conflict) as exc:
            apply_service_errors(form, exc)
            status = exc.status_code
        else:
            messages.success(
                request,
                f"已生成{unit.name}{roster.month:%Y年%m月}值班表（草稿）。请核对、逐班调整后发布；发布后生效。",
            )
            return redirect("duty:roster", roster_id=roster.pk)
    messages.error(request, "值班表未生成，请按提示修改。")
    return _home_page(request, unit_id=unit.pk, generate_form=form, status=status)


# --- 值班表 (a month) ------------------------------------------------------------------------------


@require_GET
@capability_required("duty.view")
def roster(request: HttpRequest, roster_id: int) -> HttpResponse:
    month = selectors.access_roster_by_id(request.user, roster_id, _meta(request))
    return _roster_page(request, month)


def _person_rows(shift: Shift, kind: str) -> list[dict[str, Any]]:
    """Who is on a shift in one role, as the roster prints them: a person on leave struck
    through with the substitute who serves (替班) beside them."""
    members = [m for m in shift.members.all() if m.kind == kind]
    substitutes = {m.replaces_id: m for m in members if m.replaces_id}
    rows = []
    for m in members:
        if m.replaces_id is not None:
            continue
        serves = substitutes.get(m.pk)
        while serves is not None and not serves.serving and serves.pk in substitutes:
            serves = substitutes[serves.pk]  # a substitute who took leave in turn: the last one serves
        rows.append({"member": m, "substitute": serves})
    return rows


def _roster_days(shifts: list[Shift]) -> list[dict[str, Any]]:
    days = []
    for day, rows in groupby(shifts, key=lambda s: timezone.localtime(s.starts_at).date()):
        items = [
            {
                "shift": s,
                "leaders": _person_rows(s, MemberKind.LEADER),
                "staff": _person_rows(s, MemberKind.STAFF),
                "badge": SHIFT_BADGES.get(s.status, "text-bg-secondary"),
                "overnight": timezone.localtime(s.ends_at).date() != day,
            }
            for s in rows
        ]
        days.append(
            {"date": day, "weekday": WEEKDAYS[day.weekday()], "weekend": day.weekday() >= 5, "shifts": items}
        )
    return days


def _roster_page(
    request: HttpRequest, month: RosterMonth, add_form: forms.ShiftAddForm | None = None, status: int = 200
) -> HttpResponse:
    actor = acting_user(request)
    shifts = selectors.roster_shifts(month)
    published = month.status == RosterStatus.PUBLISHED
    gaps = None
    if published:
        start, end = selectors.month_bounds(month.month)
        gaps = selectors.coverage_gaps(units=[month.unit], start=start, end=end)
    may_roster = has_capability(actor, "duty.roster")
    if may_roster and add_form is None:
        add_form = forms.ShiftAddForm(people=selectors.unit_people(month.unit))
    return render(
        request,
        "duty/roster.html",
        {
            "roster": month,
            "published": published,
            "days": _roster_days(shifts),
            "shift_count": len(shifts),
            "gaps": gaps,
            "may_roster": may_roster,
            "add_form": add_form if may_roster else None,
        },
        status=status,
    )


@require_POST
@capability_required("duty.roster")
def roster_publish(request: HttpRequest, roster_id: int) -> HttpResponse:
    actor = acting_user(request)
    month = selectors.access_roster_by_id(actor, roster_id, _meta(request))
    try:
        services.roster_publish(actor=actor, roster=month, request_meta=_meta(request))
    except Conflict as exc:
        messages.error(request, exc.message)
        return _roster_page(request, month, status=exc.status_code)
    messages.success(request, f"已发布{month.unit.name}{month.month:%Y年%m月}值班表，已通知值班人员。")
    return redirect("duty:roster", roster_id=month.pk)


@require_POST
@capability_required("duty.roster")
def shift_add(request: HttpRequest, roster_id: int) -> HttpResponse:
    actor = acting_user(request)
    month = selectors.access_roster_by_id(actor, roster_id, _meta(request))
    form = forms.ShiftAddForm(request.POST, people=selectors.unit_people(month.unit))
    status = 422
    if form.is_valid():
        data = form.cleaned_data
        try:
            added = services.shift_add(
                actor=actor,
                unit=month.unit,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                label=data["label"],
                leader=data["leader"],
                staff=data["staff"],
                request_meta=_meta(request),
            )
        except (ValidationFailed, Conflict) as exc:
            apply_service_errors(form, exc)
            status = exc.status_code
        else:
            messages.success(request, f"已新增班次：{added.number}。")
            return redirect("duty:roster", roster_id=added.roster_id)
    messages.error(request, "班次未新增，请按提示修改。")
    return _roster_page(request, month, add_form=form, status=status)


# --- a shift ------------------------------------------------------------------------------------------


@require_GET
@capability_required("duty.view")
def shift(request: HttpRequest, shift_id: int) -> HttpResponse:
    found = selectors.access_shift_by_id(request.user, shift_id, _meta(request))
    return _shift_page(request, found)


def _blocked(shift: Shift, actor: User, actions: list[str]) -> list[dict[str, Any]]:
    """The shift's steps the user could take but for a rule not yet met (交班完成 while an item
    is open, 签字 before the items are accepted): shown greyed out with the reason."""
    capabilities = capabilities_of(actor)
    found = []
    for code, step in STEPS.items():
        if code in actions or code in forms.ROW_ACTIONS or step.form is None or step.by_system:
            continue
        if shift.status not in step.sources or not capabilities & step.capabilities:
            continue
        if step.party is not None and not step.party.includes(shift, actor):
            continue
        reason = next((refusal for guard in step.guards if (refusal := guard(shift))), None)
        if reason:
            found.append({"action": code, "form": step.form, "reason": reason})
    return found


def _entry_rows(
    record: selectors.ShiftRecord,
    shift: Shift,
    actions: list[str],
    lists: dict[str, Any],
    attempt: Attempt | None,
) -> list[dict[str, Any]]:
    rows = []
    for entry in record.log:
        open_ = entry.status == EntryStatus.OPEN
        row: dict[str, Any] = {
            "entry": entry,
            "badge": ENTRY_BADGES.get(entry.status, "text-bg-secondary"),
            "carried": entry.shift_id != shift.pk,
            "close_form": forms.row_form("close_entry", "entry", entry.pk, lists, attempt)
            if open_ and "close_entry" in actions
            else None,
            "acknowledge": "acknowledge" in actions and entry.urgent and entry.acknowledged_at is None,
            "register": open_ and "register_entry" in actions,
            "register_open": attempt is not None
            and attempt.action == "register_entry"
            and attempt.data.get("entry") == str(entry.pk),
        }
        rows.append(row)
    return rows


def _item_rows(
    record: selectors.ShiftRecord, actions: list[str], lists: dict[str, Any], attempt: Attempt | None
) -> list[dict[str, Any]]:
    rows = []
    for item in record.items:
        pending = item.status == ItemStatus.PENDING
        rows.append(
            {
                "item": item,
                "badge": ITEM_BADGES.get(item.status, "text-bg-secondary"),
                "accept": pending and "accept_item" in actions,
                "return_form": forms.row_form("return_item", "item", item.pk, lists, attempt)
                if pending and "return_item" in actions
                else None,
            }
        )
    return rows


def _shift_page(
    request: HttpRequest,
    shift: Shift,
    attempt: Attempt | None = None,
    status: int = 200,
    repeat_candidates: list[Any] | None = None,
) -> HttpResponse:
    actor = acting_user(request)
    record = selectors.shift_record(shift)
    actions = allowed_actions(shift, actor)
    lists = forms.choice_lists(forms.needed_lists(actions), shift, record)
    # 签到 once, 离岗 after it: the buttons a member has no use for now are not shown
    mine = member_of(shift, actor)
    signed_in = mine is not None and mine.checked_in_at is not None
    buttons = [
        a
        for a in actions
        if not ((a == "check_in" and signed_in) or (a == "check_out" and mine and not signed_in))
    ]
    entries = _entry_rows(record, shift, actions, lists, attempt)
    before, after = selectors.adjacent_shifts(shift)
    return render(
        request,
        "duty/shift.html",
        {
            "shift": shift,
            "badge": SHIFT_BADGES.get(shift.status, "text-bg-secondary"),
            "members": forms.member_rows(shift),
            "step_forms": forms.step_forms(buttons, lists, shift, attempt),
            "blocked": _blocked(shift, actor, actions),
            "entries": entries,
            "categories": forms.category_options() if any(r["register"] for r in entries) else [],
            "attempt": attempt,
            "repeat_candidates": repeat_candidates or [],
            "handover": record.handover,
            "items": _item_rows(record, actions, lists, attempt),
            "received": record.received,
            "item_badges": ITEM_BADGES,
            "events": [_event(e, record) for e in record.events],
            "before": before,
            "after": after,
            "open_count": sum(1 for e in record.log if e.status == EntryStatus.OPEN),
        },
        status=status,
    )


@require_POST
@capability_required("duty.view")
def shift_action(request: HttpRequest, shift_id: int, action: str) -> HttpResponse:
    """A button of the shift page: the same transition function as the API."""
    actor = acting_user(request)
    meta = _meta(request)
    found = selectors.access_shift_by_id(actor, shift_id, meta)
    step = STEPS.get(action)
    if step is None or step.form is None:
        raise NotFound()
    fields = values_from_post(step.schema, request.POST)
    note = fields.pop("note", "")
    try:
        shift_transition(shift=found, action=action, actor=actor, note=note, request_meta=meta, **fields)
    except (ValidationFailed, Conflict) as exc:
        # the page again with the form open, what was typed, and each field's message
        messages.error(request, exc.message)
        errors = {k: str(v) for k, v in (exc.extra or {}).items() if isinstance(v, str)}
        attempt = Attempt(
            action=action, data=request.POST, errors=errors if isinstance(exc, ValidationFailed) else {}
        )
        fresh = selectors.access_shift_by_id(actor, found.pk, meta)
        return _shift_page(request, fresh, attempt, status=exc.status_code)
    messages.success(request, f"{SUCCESS.get(action, '已' + step.label)}：{found.number}。")
    return redirect("duty:shift", shift_id=found.pk)


@require_POST
@capability_required("petitions.register")
def entry_register(request: HttpRequest, entry_id: int) -> HttpResponse:
    """登记为信访件: the duty-log entry becomes a registered petition (channel 来电 / 来访, the
    duty officer as 首问责任人), and the page goes to it."""
    actor = acting_user(request)
    meta = _meta(request)
    entry = selectors.access_entry_by_id(actor, entry_id, meta)
    category = request.POST.get("category", "").strip()
    repeat_text = request.POST.get("repeat_of", "").strip()
    try:
        if not category:
            raise ValidationFailed("请选择问题类别。", {"category": "请选择问题类别。"})
        petition = services.entry_register(
            actor=actor,
            entry=entry,
            category=category,
            not_repeat=request.POST.get("not_repeat") == "true",
            repeat_of=int(repeat_text) if repeat_text.isdigit() else None,
            request_meta=meta,
        )
    except (ValidationFailed, Conflict) as exc:
        messages.error(request, exc.message)
        errors = {k: str(v) for k, v in (exc.extra or {}).items() if isinstance(v, str)}
        attempt = Attempt(action="register_entry", data=request.POST, errors=errors)
        shift = selectors.access_shift_by_id(actor, entry.current_shift_id, meta)
        return _shift_page(
            request, shift, attempt, status=exc.status_code, repeat_candidates=_candidates(actor, errors)
        )
    messages.success(
        request,
        f"已将{EntryKind(entry.kind).label}登记为信访件 {petition.number}，首问责任人：{actor}。",
    )
    return redirect("petitions:detail", petition_id=petition.pk)


def _candidates(actor: User, errors: dict[str, str]) -> list[Any]:
    """The likely repeats the registration named (重复件): linked or declared another matter."""
    from xinfang.petitions.selectors import petitions_visible_to

    ids = [int(pk) for pk in errors.get("repeat_candidates", "").split(",") if pk.strip().isdigit()]
    if not ids:
        return []
    return list(petitions_visible_to(actor).filter(pk__in=ids).only("pk", "number", "subject"))


# --- the shift's history --------------------------------------------------------------------------


def _entry_label(entry_id: Any, entries: dict[int, LogEntry]) -> str:
    entry = entries.get(entry_id) if isinstance(entry_id, int) else None
    if entry is None:
        return f"值班记录 #{entry_id}" if entry_id else ""
    return f"{entry.get_kind_display()} {timezone.localtime(entry.at):%H:%M} {entry.name}"


def _event_text(event: ShiftEvent, entries: dict[int, LogEntry]) -> str:
    """What a step did, in words (the event's data as the step left it)."""
    data, action = event.data or {}, event.action
    text = ""
    if action == "staff_shift":
        text = f"带班领导 {data.get('leader_name', '')}；值班员 {'、'.join(data.get('staff_names', []))}"
    elif action == "request_leave":
        text = f"{data.get('user_name', '')} 请假：{data.get('reason', '')}"
    elif action == "reject_leave":
        text = f"{data.get('user_name', '')} {'撤回请假' if data.get('withdrawn') else '不准假'}"
    elif action == "approve_leave":
        text = f"{data.get('user_name', '')} 准假，由 {data.get('substitute_name', '')} 替班"
    elif action == "swap":
        text = f"{data.get('user_name', '')} 与 {data.get('other_user_name', '')} 对换（{data.get('other_shift_label', '')}）"
    elif action == "check_in":
        late = data.get("late_minutes") or 0
        text = f"{data.get('user_name', '')} 到岗签到" + (f"，迟到 {late} 分钟" if late else "")
    elif action == "check_out":
        early = data.get("early_minutes") or 0
        text = f"{data.get('user_name', '')} 离岗" + (f"，提前 {early} 分钟" if early else "")
    elif action == "log_entry":
        kind = EntryKind(data["kind"]).label if data.get("kind") in EntryKind.values else ""
        text = f"{_entry_label(data.get('entry'), entries) or kind}{'（紧急）' if data.get('urgent') else ''}"
    elif action in ("acknowledge", "close_entry"):
        text = _entry_label(data.get("entry"), entries)
        if data.get("status") == EntryStatus.ANSWERED:
            text += "（咨询，当场答复）"
    elif action == "register_entry":
        text = f"{_entry_label(data.get('entry'), entries)} → 信访件 {data.get('petition_number', '')}"
    elif action == "hand_over":
        text = f"交 {data.get('to_shift_label', '下一班')}，交接事项 {data.get('items', 0)} 项"
    elif action == "accept_item":
        text = str(data.get("text", ""))
    elif action == "return_item":
        text = f"{data.get('text', '')}；退回理由：{data.get('reason', '')}"
    elif action == "close":
        text = f"交接事项 {data.get('items', 0)} 项均已接收或办结"
    return text


def _event(event: ShiftEvent, record: selectors.ShiftRecord) -> dict[str, Any]:
    step = STEPS.get(event.action)
    entries = {e.pk: e for e in record.log}
    return {
        "event": event,
        "label": step.label if step is not None else event.action,
        "actor": str(event.actor) if event.actor is not None else "系统",
        "text": _event_text(event, entries),
        "status_changed": event.from_status != event.to_status,
        "to_label": ShiftStatus(event.to_status).label if event.to_status in ShiftStatus.values else "",
    }


# --- the duty-room display -------------------------------------------------------------------------


def _board(request: HttpRequest) -> dict[str, Any]:
    """The units in scope (the user's and those below), a page of them, with who is on duty now."""
    actor = acting_user(request)
    units = (
        units_visible_to(actor).filter(is_active=True).only("pk", "name", "depth", "path").order_by("path")
    )
    page = Paginator(units, DISPLAY_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = selectors.on_duty_now(list(page.object_list))
    return {
        "page_obj": page,
        "rows": rows,
        "now": timezone.localtime(),
        "leave_requested": LeaveStatus.REQUESTED,
    }


@require_GET
@capability_required("duty.view")
def display(request: HttpRequest) -> HttpResponse:
    """值班室大屏: full screen, large type, refreshes itself every minute (htmx, no inline script)."""
    return render(request, "duty/display.html", _board(request))


@require_GET
@capability_required("duty.view")
def display_board(request: HttpRequest) -> HttpResponse:
    return render(request, "duty/partials/_board.html", _board(request))
