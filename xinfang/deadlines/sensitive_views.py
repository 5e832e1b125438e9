"""The 敏感时期 page: the periods in the user's scope in force or still to come, or those of a year
(everyone signed in), the form that
sets, changes and deletes them (`calendar.sensitive`), and what each level requires (changed by
`rules.manage`)."""

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from xinfang.accounts.permissions import acting_user, capability_required, has_capability
from xinfang.core.exceptions import NotFound, ValidationFailed
from xinfang.core.forms import apply_service_errors
from xinfang.core.requests import RequestMeta
from xinfang.organisation.selectors import units_visible_to

from .models import SensitiveLevel
from .sensitive import (
    CAPABILITY,
    NORMAL_RULE,
    RULES_CAPABILITY,
    SUGGESTED_NAMES,
    access_period_by_id,
    level_rule_rows,
    level_rule_save,
    may_change_period,
    period_delete,
    period_in_force,
    period_list,
    period_save,
)
from .sensitive_forms import LevelRuleForm, SensitiveDeleteForm, SensitivePeriodForm
from .services import MAX_YEAR, MIN_YEAR

LEVEL_BADGES = {
    SensitiveLevel.FIRST: "text-bg-danger",
    SensitiveLevel.SECOND: "text-bg-warning",
    SensitiveLevel.THIRD: "text-bg-info",
}


LIST_LIMIT = 300


def _year_from(value: Any) -> int | None:
    """The year asked for; None (no year, or one out of range): the periods in force or to come."""
    try:
        year = int(value)
    except (TypeError, ValueError):
        return None
    return year if MIN_YEAR <= year <= MAX_YEAR else None


def _units(request: HttpRequest) -> Any:
    return units_visible_to(acting_user(request)).filter(is_active=True).order_by("path")


def _period_form(request: HttpRequest) -> SensitivePeriodForm | None:
    """The empty form, or the period `?edit=<id>` filled in; None without the capability."""
    actor = acting_user(request)
    if not has_capability(actor, CAPABILITY):
        return None
    initial: dict[str, Any] = {"unit": actor.unit_id, "level": SensitiveLevel.THIRD}
    editing = request.GET.get("edit", "")
    if editing.isdigit():
        period = access_period_by_id(actor, editing, RequestMeta.from_request(request))
        if may_change_period(actor, period):
            initial = {
                "period": period.pk,
                "unit": period.unit_id,
                "name": period.name,
                "starts_on": period.starts_on,
                "ends_on": period.ends_on,
                "level": period.level,
                "reason": period.reason,
                "themes": list(period.themes or []),
            }
    return SensitivePeriodForm(initial=initial, units=_units(request))


def _page(
    request: HttpRequest,
    year: int | None,
    *,
    form: SensitivePeriodForm | None = None,
    level_forms: dict[int, LevelRuleForm] | None = None,
) -> HttpResponse:
    actor = acting_user(request)
    if form is None:
        form = _period_form(request)
    today = timezone.localdate()
    if year is None:
        found = period_list(actor, start=today)
    else:
        found = period_list(actor, start=date(year, 1, 1), end=date(year, 12, 31))
    periods = list(found[: LIST_LIMIT + 1])
    rows = [
        {
            "period": period,
            "badge": LEVEL_BADGES[SensitiveLevel(period.level)],
            "in_force": period_in_force(period, today),
            "can_change": may_change_period(actor, period),
        }
        for period in periods[:LIST_LIMIT]
    ]
    may_manage_rules = has_capability(actor, RULES_CAPABILITY)
    level_forms = level_forms or {}
    levels = []
    for rule, row in level_rule_rows():
        level_form = level_forms.get(rule.level)
        if level_form is None and may_manage_rules:
            level_form = LevelRuleForm(
                initial={
                    "level": rule.level,
                    "staff_per_shift": rule.staff_per_shift,
                    "leader_all_day": rule.leader_all_day,
                    "daily_report": rule.daily_report,
                },
                prefix=f"level{rule.level}",
            )
        levels.append(
            {"rule": rule, "row": row, "badge": LEVEL_BADGES[SensitiveLevel(rule.level)], "form": level_form}
        )
    context = {
        "year": year,
        # by year: the years either side; in force or to come: this year as a whole, and the next
        "previous_year": (year - 1 if year > MIN_YEAR else None) if year is not None else today.year,
        "next_year": (year + 1 if year < MAX_YEAR else None) if year is not None else today.year + 1,
        "truncated": len(periods) > LIST_LIMIT,
        "list_limit": LIST_LIMIT,
        "rows": rows,
        "form": form,
        "editing": form is not None and bool(form.initial.get("period") or form.data.get("period")),
        "suggested_names": SUGGESTED_NAMES,
        "levels": levels,
        "normal": NORMAL_RULE,
        "may_manage_rules": may_manage_rules,
    }
    return render(request, "deadlines/sensitive.html", context)


def _back_to(year: int | None) -> HttpResponse:
    url = reverse("deadlines:sensitive")
    return redirect(f"{url}?year={year}" if year is not None else url)


@require_GET
@login_required
def sensitive(request: HttpRequest) -> HttpResponse:
    return _page(request, _year_from(request.GET.get("year")))


@require_POST
@capability_required(CAPABILITY)
def sensitive_save(request: HttpRequest) -> HttpResponse:
    actor = acting_user(request)
    meta = RequestMeta.from_request(request)
    form = SensitivePeriodForm(request.POST, units=_units(request))
    year = _year_from(request.POST.get("year"))
    if form.is_valid():
        data = form.cleaned_data
        period = access_period_by_id(actor, data["period"], meta) if data.get("period") else None
        try:
            saved = period_save(
                actor=actor, unit=data["unit"], name=data["name"], starts_on=data["starts_on"],
                ends_on=data["ends_on"], level=data["level"], reason=data["reason"], period=period,
                themes=data.get("themes") or [], request_meta=meta,
            )  # fmt: skip
        except ValidationFailed as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                f"已{'修改' if period else '新增'}敏感时期：{saved.unit.name} {saved.name} "
                f"{saved.starts_on:%Y-%m-%d} 至 {saved.ends_on:%Y-%m-%d}（{saved.get_level_display()}）。",
            )
            # to the list that shows it: in force or to come, else its year
            return _back_to(None if saved.ends_on >= timezone.localdate() else saved.starts_on.year)
    return _page(request, year, form=form)


@require_POST
@capability_required(CAPABILITY)
def sensitive_delete(request: HttpRequest) -> HttpResponse:
    actor = acting_user(request)
    meta = RequestMeta.from_request(request)
    form = SensitiveDeleteForm(request.POST)
    year = _year_from(request.POST.get("year"))
    if not form.is_valid():
        raise NotFound()
    period = access_period_by_id(actor, form.cleaned_data["period"], meta)
    text = f"{period.unit.name} {period}"
    period_delete(actor=actor, period=period, request_meta=meta)
    messages.success(request, f"已删除敏感时期：{text}。")
    return _back_to(year)


@require_POST
@capability_required(RULES_CAPABILITY)
def sensitive_level_save(request: HttpRequest) -> HttpResponse:
    level = request.POST.get("level", "")
    prefix = f"level{level}" if level in {str(value) for value in SensitiveLevel.values} else ""
    if not prefix:
        messages.error(request, "保存失败：等级有误。")
        return _back_to(_year_from(request.POST.get("year")))
    form = LevelRuleForm(request.POST, prefix=prefix)
    year = _year_from(request.POST.get("year"))
    if form.is_valid():
        data = form.cleaned_data
        try:
            rule = level_rule_save(
                actor=acting_user(request), level=data["level"], staff_per_shift=data["staff_per_shift"],
                leader_all_day=data["leader_all_day"], daily_report=data["daily_report"],
                request_meta=RequestMeta.from_request(request),
            )  # fmt: skip
        except ValidationFailed as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                f"已保存{rule.label}敏感时期的值守要求：每班 {rule.staff_per_shift} 人，"
                f"{'须' if rule.leader_all_day else '不要求'}领导全天在岗，"
                f"{'须' if rule.daily_report else '不要求'}每日报告。",
            )
            return _back_to(year)
    return _page(request, year, level_forms={int(level): form})
