"""Pages: the 期限计算器 (every business role), the holiday table, the holiday import (a State
Council notice or a date range, previewed, then saved at once) and the deadline rules (system
administrator)."""

from datetime import date
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xinfang.accounts.permissions import capability_required
from xinfang.core.exceptions import ValidationFailed
from xinfang.core.forms import apply_service_errors
from xinfang.core.http import HtmxRequest
from xinfang.core.requests import RequestMeta

from .engine import WEEKDAY_NAMES, DeadlineInputError, compute_deadline
from .forms import (
    CalendarDayForm,
    CalendarDayRemoveForm,
    CalendarYearMarkForm,
    DeadlineCalculatorForm,
    HolidayNoticeForm,
    HolidayRangeForm,
    RuleSettingClearForm,
    RuleSettingForm,
)
from .models import CalendarDay, CalendarSource
from .notice import NoticeError, Schedule, ScheduleDay, parse_holiday_notice, range_schedule
from .rules import RULES, period_text
from .selectors import (
    RuleTable,
    calendar_days_between,
    calendar_days_of_year,
    calendar_known_years,
    calendar_load,
    calendar_year_status,
    rule_for,
    rule_table,
    unit_type_label,
)
from .services import (
    MAX_YEAR,
    MIN_YEAR,
    calendar_mark_year_complete,
    calendar_remove_day,
    calendar_set_day,
    calendar_set_days,
    rule_setting_clear,
    rule_setting_save,
)

ENGINE_FIELD_TO_FORM = {"start": "start_date", "amount": "amount", "unit": "unit"}


@require_GET
@capability_required("calendar.compute")
def calculator(request: HtmxRequest) -> HttpResponse:
    """Works with and without htmx: htmx swaps in the result partial, a plain GET gets the page."""
    form = DeadlineCalculatorForm(request.GET or None)
    calendar = calendar_load()
    result = None
    if form.is_bound and form.is_valid():
        try:
            result = compute_deadline(
                start=form.start_value(),
                amount=form.cleaned_data["amount"],
                unit=form.cleaned_data["unit"],
                extension_days=form.cleaned_data.get("extension_days") or 0,
                calendar=calendar,
            )
        except DeadlineInputError as error:
            form.add_error(ENGINE_FIELD_TO_FORM.get(error.field, "extension_days"), error.message)
    context: dict[str, Any] = {"form": form, "result": result}
    if request.htmx:
        return render(request, "deadlines/partials/_result.html", context)
    covered = sorted(calendar.covered_years)
    context["covered_range"] = (covered[0], covered[-1]) if covered else None
    context["this_year_status"] = calendar_year_status(timezone.localdate().year)
    return render(request, "deadlines/calculator.html", context)


def _year_from(value: Any) -> int:
    try:
        year = int(value)
    except (TypeError, ValueError):
        return timezone.localdate().year
    return year if MIN_YEAR <= year <= MAX_YEAR else timezone.localdate().year


def _holidays_page(
    request: HttpRequest, year: int, form: CalendarDayForm | None = None, status: int = 200
) -> HttpResponse:
    if form is None:
        initial: dict[str, Any] = {"kind": "holiday"}
        editing = request.GET.get("edit")
        row = None
        if editing:
            row = calendar_days_of_year(year).filter(date=editing).first() if _is_iso(editing) else None
        if row is not None:
            initial = {"date": row.date, "kind": row.kind, "name": row.name}
        form = CalendarDayForm(initial=initial)
    rows = [{"row": row, "weekday": WEEKDAY_NAMES[row.date.weekday()]} for row in calendar_days_of_year(year)]
    known = calendar_known_years()
    this_year = timezone.localdate().year
    year_options = sorted({*known, this_year, this_year + 1, year})
    context = {
        "year": year,
        "status": calendar_year_status(year),
        "rows": rows,
        "form": form,
        "year_options": year_options,
        "previous_year": year - 1 if year > MIN_YEAR else None,
        "next_year": year + 1 if year < MAX_YEAR else None,
    }
    return render(request, "deadlines/holidays.html", context, status=status)


def _is_iso(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _back_to(year: int) -> HttpResponse:
    return redirect(f"{reverse('deadlines:holidays')}?year={year}")


@require_GET
@capability_required("calendar.manage")
def holidays(request: HttpRequest) -> HttpResponse:
    return _holidays_page(request, _year_from(request.GET.get("year")))


@require_POST
@capability_required("calendar.manage")
def holiday_save(request: HttpRequest) -> HttpResponse:
    form = CalendarDayForm(request.POST)
    year = _year_from(request.POST.get("year"))
    if form.is_valid():
        day = form.cleaned_data["date"]
        try:
            calendar_set_day(
                actor=request.user,
                day=day,
                kind=form.cleaned_data["kind"],
                name=form.cleaned_data["name"],
                request_meta=RequestMeta.from_request(request),
            )
        except ValidationFailed as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, f"已保存 {day:%Y-%m-%d} {form.cleaned_data['name']}。")
            return _back_to(day.year)
    return _holidays_page(request, year, form=form)


@require_POST
@capability_required("calendar.manage")
def holiday_remove(request: HttpRequest) -> HttpResponse:
    form = CalendarDayRemoveForm(request.POST)
    year = _year_from(request.POST.get("year"))
    if not form.is_valid():
        messages.error(request, "删除失败：日期格式有误。")
        return _back_to(year)
    day = form.cleaned_data["date"]
    try:
        calendar_remove_day(actor=request.user, day=day, request_meta=RequestMeta.from_request(request))
    except ValidationFailed as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已删除 {day:%Y-%m-%d} 的记录，该日恢复按周一至周五判断。")
    return _back_to(day.year)


@require_POST
@capability_required("calendar.manage")
def holiday_year_mark(request: HttpRequest) -> HttpResponse:
    form = CalendarYearMarkForm(request.POST)
    if not form.is_valid():
        messages.error(request, "操作失败：年份有误。")
        return _back_to(_year_from(request.POST.get("year")))
    year, is_complete = form.cleaned_data["year"], form.cleaned_data["is_complete"]
    try:
        calendar_mark_year_complete(
            actor=request.user, year=year, is_complete=is_complete,
            request_meta=RequestMeta.from_request(request),
        )  # fmt: skip
    except ValidationFailed as error:
        messages.error(request, error.message)
    else:
        if is_complete:
            messages.success(request, f"{year} 年已标记为完整录入，相关期限将按新安排重算。")
        else:
            messages.warning(request, f"{year} 年已取消完整录入标记，期限将按推算规则计算。")
    return _back_to(year)


# --- holiday import (按通知批量录入) ---------------------------------------------------------------


def _import_page(
    request: HttpRequest,
    *,
    notice_form: HolidayNoticeForm,
    range_form: HolidayRangeForm,
    mode: str = "notice",
    preview: dict[str, Any] | None = None,
) -> HttpResponse:
    context = {"notice_form": notice_form, "range_form": range_form, "mode": mode, "preview": preview}
    return render(request, "deadlines/holiday_import.html", context)


def _read_schedule(
    mode: str, form: HolidayNoticeForm | HolidayRangeForm
) -> tuple[list[ScheduleDay], Schedule | None]:
    """The days the valid form yields; a NoticeError is put on the form by the caller."""
    data = form.cleaned_data
    if mode == "range":
        days = range_schedule(start=data["start"], end=data["end"], kind=data["kind"], name=data["name"])
        return days, None
    schedule = parse_holiday_notice(data["text"], year=data["year"])
    return schedule.days, schedule


def _preview(days: list[ScheduleDay], schedule: Schedule | None, year: int) -> dict[str, Any]:
    """Each day against the table as it is now (新增 / 修改 / 不变), and the year's rows the
    days leave as they are."""
    first, last = days[0].date, days[-1].date
    existing = {
        row.date: row
        for row in calendar_days_between(min(first, date(year, 1, 1)), max(last, date(year, 12, 31)))
    }
    rows = []
    for day in days:
        row = existing.get(day.date)
        if row is None:
            change = "新增"
        elif (row.kind, row.name) != (day.kind, day.name):
            change = f"修改（原为{row.get_kind_display()} {row.name}）"
        elif row.source != CalendarSource.ADMIN:
            change = "不变（改为管理员录入）"
        else:
            change = "不变"
        rows.append({"day": day, "change": change})
    wanted = {day.date for day in days}
    kept = [row for day, row in sorted(existing.items()) if day.year == year and day not in wanted]
    return {
        "year": year,
        "rows": rows,
        "items": schedule.items if schedule is not None else (),
        "holiday_count": sum(1 for day in days if day.kind == CalendarDay.Kind.HOLIDAY),
        "workday_count": sum(1 for day in days if day.kind == CalendarDay.Kind.WORKDAY),
        "kept": kept,
    }


@require_http_methods(["GET", "POST"])
@capability_required("calendar.manage")
def holiday_import(request: HttpRequest) -> HttpResponse:
    """GET: the two forms. POST `action=preview`: the days the notice (or range) yields, each
    against the table; POST `action=save`: reads the same input again and saves every day at
    once. Nothing the browser sends back is trusted beyond the input itself."""
    next_year = timezone.localdate().year + 1
    if request.method == "GET":
        year = _year_from(request.GET.get("year") or next_year)
        return _import_page(
            request,
            notice_form=HolidayNoticeForm(initial={"year": year, "complete": True}),
            range_form=HolidayRangeForm(),
        )
    mode = "range" if request.POST.get("mode") == "range" else "notice"
    notice_form = HolidayNoticeForm(
        request.POST if mode == "notice" else None, initial={"year": next_year, "complete": True}
    )
    range_form = HolidayRangeForm(request.POST if mode == "range" else None)
    form = range_form if mode == "range" else notice_form

    def page(preview: dict[str, Any] | None = None) -> HttpResponse:
        return _import_page(
            request, notice_form=notice_form, range_form=range_form, mode=mode, preview=preview
        )

    if not form.is_valid():
        return page()
    try:
        days, schedule = _read_schedule(mode, form)
    except NoticeError as error:
        apply_service_errors(form, error)
        return page()
    year = schedule.year if schedule is not None else days[0].date.year
    if request.POST.get("action") != "save":
        return page(_preview(days, schedule, year))
    complete = mode == "notice" and form.cleaned_data.get("complete")
    try:
        report = calendar_set_days(
            actor=request.user, days=days, batch=mode, complete_year=year if complete else None,
            request_meta=RequestMeta.from_request(request),
        )  # fmt: skip
    except ValidationFailed as error:
        apply_service_errors(form, error)
        return page(_preview(days, schedule, year))
    text = f"已保存 {len(days)} 天：新增 {len(report.added)} 天，修改 {len(report.changed)} 天，不变 {len(report.unchanged)} 天"
    if complete:
        text += f"；{year} 年已标记为完整录入，相关期限将按新安排重算"
    messages.success(request, f"{text}。")
    return _back_to(year)


# --- deadline rules (期限规则设置) ---------------------------------------------------------------


def _rules_page(request: HttpRequest, form: RuleSettingForm | None = None, status: int = 200) -> HttpResponse:
    table = rule_table()
    if form is None:
        form = RuleSettingForm(initial=_rule_form_initial(request, table))
    # the longest extension any registered rule allows (延期办理), for the page's note
    max_extension_days = max((row.definition.max_extension_days for row in table.rows), default=0)
    context = {"table": table, "form": form, "max_extension_days": max_extension_days}
    return render(request, "deadlines/rules.html", context, status=status)


def _rule_form_initial(request: HttpRequest, table: RuleTable) -> dict[str, Any]:
    """`?unit_type=…&rule=…` (the 修改 links) fills the form with that setting."""
    rule, unit_type = request.GET.get("rule", ""), request.GET.get("unit_type", "")
    definition = RULES.get(rule)
    if definition is None or not definition.configurable:
        return {}
    initial: dict[str, Any] = {"rule": rule, "unit_type": unit_type}
    columns = [value for value, _ in table.columns]
    row = next(row for row in table.rows if row.definition.code == rule)
    if unit_type in columns and (override := row.overrides[columns.index(unit_type)]) is not None:
        initial.update(amount=override.amount, unit=override.unit, note=override.note)
    return initial


@require_GET
@capability_required("rules.manage")
def rules(request: HttpRequest) -> HttpResponse:
    return _rules_page(request)


@require_POST
@capability_required("rules.manage")
def rule_save(request: HttpRequest) -> HttpResponse:
    form = RuleSettingForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            rule_setting_save(
                actor=request.user, unit_type=data["unit_type"], rule=data["rule"],
                amount=data["amount"], unit=data["unit"], note=data["note"],
                request_meta=RequestMeta.from_request(request),
            )  # fmt: skip
        except ValidationFailed as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                f"已保存：{unit_type_label(data['unit_type'])} {RULES[data['rule']].label} "
                f"{period_text(data['amount'], data['unit'])}，此后新起算的期限按此计算。",
            )
            return redirect("deadlines:rules")
    return _rules_page(request, form=form)


@require_POST
@capability_required("rules.manage")
def rule_clear(request: HttpRequest) -> HttpResponse:
    form = RuleSettingClearForm(request.POST)
    if not form.is_valid():
        messages.error(request, "操作失败：单位类型或期限规则有误。")
        return redirect("deadlines:rules")
    unit_type, rule = form.cleaned_data["unit_type"], form.cleaned_data["rule"]
    try:
        rule_setting_clear(
            actor=request.user, unit_type=unit_type, rule=rule,
            request_meta=RequestMeta.from_request(request),
        )  # fmt: skip
    except ValidationFailed as error:
        messages.error(request, error.message)
    else:
        text = f"已删除{unit_type_label(unit_type)}的{RULES[rule].label if rule in RULES else rule}设置"
        if rule in RULES:
            spec = rule_for(rule, unit_type)
            text += f"，现按{spec.source_label} {spec.text}计算"
        messages.success(request, f"{text}。")
    return redirect("deadlines:rules")
