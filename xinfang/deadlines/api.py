"""期限计算 API: compute a time limit, list a year's holiday schedule, list the deadline rules.
Read-only.

`GET /deadline`: day units take `start=YYYY-MM-DD`; a full ISO datetime is also accepted and
its Asia/Shanghai date is used (a received-at timestamp is what callers usually hold). Hours and
minutes need a datetime; a naive one is Asia/Shanghai time.
"""

from datetime import date, datetime

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from xinfang.accounts.permissions import has_capability
from xinfang.core.bounds import DATE_MAX, DATE_MIN
from xinfang.core.exceptions import PermissionDenied, ValidationFailed

from .engine import (
    DAY_UNITS,
    LOCAL_TZ,
    UNIT_LABELS,
    WEEKDAY_NAMES,
    DeadlineInputError,
    Unit,
    compute_deadline,
)
from .models import CalendarDay
from .selectors import calendar_days_of_year, calendar_load, calendar_year_status, rule_table
from .services import MAX_YEAR, MIN_YEAR

router = Router(tags=["期限计算"])


class DeadlineOut(Schema):
    due: str | None
    unit: str
    unit_label: str
    amount: int
    extension_days: int
    start: str
    rule: str
    paused: bool
    paused_days: int
    paused_minutes: int
    moved_from: str | None
    missing_years: list[int]
    calendar_version: str
    explanation: list[str]
    warning: str | None


class CalendarDayOut(Schema):
    date: date
    weekday: str
    kind: str
    kind_label: str
    name: str
    source: str


class CalendarYearOut(Schema):
    year: int
    is_covered: bool
    warning: str | None
    days: list[CalendarDayOut]


class RuleOverrideOut(Schema):
    unit_type: str
    unit_type_label: str
    amount: int
    unit: str
    note: str


class RuleOut(Schema):
    rule: str
    label: str
    configurable: bool
    start_label: str
    law_amount: int
    law_unit: str
    overrides: list[RuleOverrideOut]


class ErrorOut(Schema):
    message: str
    errors: dict[str, str] | None = None


def _require_compute(request: HttpRequest) -> None:
    if not has_capability(request.user, "calendar.compute"):
        raise PermissionDenied("您没有执行此操作的权限。")


def parse_start(text: str, unit: str) -> date | datetime:
    """`start` as the engine wants it for `unit`; ValidationFailed with a Chinese message."""
    text = text.strip()
    try:
        if unit in DAY_UNITS:
            try:
                return date.fromisoformat(text)
            except ValueError:
                moment = datetime.fromisoformat(text)
                if not DATE_MIN <= moment.date() <= DATE_MAX:
                    return moment.date()  # the engine refuses it, before any time-zone arithmetic
                return timezone.localtime(moment, LOCAL_TZ).date() if moment.tzinfo else moment.date()
        if len(text) <= len("YYYY-MM-DD"):
            raise ValidationFailed(
                "按小时或分钟计算时，起算时间须包含时刻，例如 2026-10-01T09:30。",
                {"start": "须包含时刻，例如 2026-10-01T09:30。"},
            )
        moment = datetime.fromisoformat(text)
    except ValueError:
        example = "2026-09-24" if unit in DAY_UNITS else "2026-10-01T09:30"
        raise ValidationFailed(
            f"起算时间格式有误：{text or '（空）'}，应为例如 {example}。",
            {"start": f"格式应为例如 {example}。"},
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL_TZ)


@router.get(
    "/deadline",
    response={200: DeadlineOut, 403: ErrorOut, 422: ErrorOut},
    summary="计算期限届满日",
)
def calculate_deadline(
    request: HttpRequest,
    start: str,
    amount: int,
    unit: str = Unit.CALENDAR_DAYS.value,
    extension_days: int = 0,
    rule: str = "",
) -> dict:
    _require_compute(request)
    if unit not in UNIT_LABELS:
        raise ValidationFailed(
            "期限单位须为 calendar_days（自然日）、working_days（工作日）、hours（小时）或 minutes（分钟）。",
            {"unit": "取值须为 calendar_days、working_days、hours 或 minutes。"},
        )
    parsed = parse_start(start, unit)
    try:
        result = compute_deadline(
            start=parsed, amount=amount, unit=unit, calendar=calendar_load(),
            extension_days=extension_days, rule=rule[:60],
        )  # fmt: skip
    except DeadlineInputError as error:
        raise ValidationFailed(error.message, {error.field: error.message}) from None
    return result.to_dict()


@router.get(
    "/days",
    response={200: CalendarYearOut, 403: ErrorOut, 422: ErrorOut},
    summary="某年的节假日与调休安排",
)
def list_calendar_days(request: HttpRequest, year: int | None = None) -> dict:
    _require_compute(request)
    year = year or timezone.localdate().year
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValidationFailed(f"年份须在 {MIN_YEAR} 至 {MAX_YEAR} 之间。", {"year": "年份超出范围。"})
    status = calendar_year_status(year)
    days = [
        {
            "date": row.date,
            "weekday": WEEKDAY_NAMES[row.date.weekday()],
            "kind": row.kind,
            "kind_label": CalendarDay.Kind(row.kind).label,
            "name": row.name,
            "source": row.source,
        }
        for row in calendar_days_of_year(year)
    ]
    return {"year": year, "is_covered": status.is_covered, "warning": status.warning, "days": days}


@router.get("/rules", response={200: list[RuleOut], 403: ErrorOut}, summary="期限规则及各单位类型的内部时限")
def list_rules(request: HttpRequest) -> list[dict]:
    """The law's value of every rule and the internal targets set for it ("" = 全部单位类型)."""
    _require_compute(request)
    return [
        {
            "rule": row.definition.code,
            "label": row.definition.label,
            "configurable": row.definition.configurable,
            "start_label": row.definition.start_label,
            "law_amount": row.definition.amount,
            "law_unit": str(row.definition.unit),
            "overrides": [
                {
                    "unit_type": cell.unit_type,
                    "unit_type_label": cell.unit_type_label,
                    "amount": cell.amount,
                    "unit": cell.unit,
                    "note": cell.note,
                }
                for cell in row.overrides
                if cell is not None
            ],
        }
        for row in rule_table().rows
    ]
