"""REST API of the statistics: the dashboard's figures for the caller's scope."""

from datetime import date
from typing import Any, Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from xinfang.accounts.http import AuthenticatedRequest
from xinfang.accounts.permissions import ensure_capability
from xinfang.core.exceptions import ValidationFailed
from xinfang.organisation.selectors import access_unit_by_id

from .selectors import Overview, month_key, month_shift, month_text, parse_month, stats_overview

router = Router(tags=["统计分析"])
MAX_MONTHS = 120


class OverviewQuery(Schema):
    unit: int | None = Field(None, description="统计单位 id（须在调用者权限范围内），默认为调用者所在单位")
    month_from: str = Field("", alias="from", description="起始月份 YYYY-MM，默认为本年 1 月")
    month_to: str = Field("", alias="to", description="结束月份 YYYY-MM，默认为本月")
    by: Literal["registered", "problem", "handling"] = Field(
        "handling",
        description="逾期件单位排名的统计口径：handling 按承办单位（默认，未转送、交办的计入登记单位）、"
        "problem 按问题属地、registered 按登记单位",
    )


class ErrorOut(Schema):
    message: str
    errors: dict[str, str] | None = None


class FigureOut(Schema):
    key: str
    label: str
    count: int
    url: str


class RateOut(Schema):
    key: str
    label: str
    numerator: int
    denominator: int
    percent: float | None
    definition: str
    url: str


class ChannelOut(Schema):
    channel: str
    label: str
    this_month: int
    last_month: int
    same_month_last_year: int


class MonthOut(Schema):
    month: str
    count: int


class UnitOverdueOut(Schema):
    unit_id: int
    name: str
    overdue: int


class OverviewOut(Schema):
    unit_id: int
    unit_name: str
    month_from: str
    month_to: str
    today: date
    due_soon_until: date
    intake: int
    open_total: int
    open_by_step: list[FigureOut]
    overdue: int
    due_soon: int
    collective: int
    skip_level: int
    channels: list[ChannelOut]
    trend: list[MonthOut]
    top_categories: list[FigureOut]
    units_by_overdue: list[UnitOverdueOut]
    units_by_overdue_by: str = Field(description="排名实际采用的统计口径（汇总表未生成时为 registered）")
    rates: list[RateOut]


def _month(value: str, name: str, default: int) -> int:
    if not value:
        return default
    try:
        return parse_month(value)
    except ValueError:
        message = f"{name}须为 YYYY-MM 格式的月份，例如 {month_text(default)}。"
        raise ValidationFailed(f"请求参数有误：{message}", {name: message}) from None


def _out(overview: Overview) -> dict[str, Any]:
    return {
        "unit_id": overview.unit.pk,
        "unit_name": overview.unit.name,
        "month_from": month_text(overview.month_from),
        "month_to": month_text(overview.month_to),
        "today": overview.today,
        "due_soon_until": overview.warning_until,
        "intake": overview.intake,
        "open_total": overview.open_total,
        "open_by_step": [vars(f) for f in overview.open_by_step],
        "overdue": overview.overdue.count,
        "due_soon": overview.due_soon.count,
        "collective": overview.collective.count,
        "skip_level": overview.skip_level.count,
        "channels": [
            {
                "channel": row.channel,
                "label": row.label,
                "this_month": row.this_month,
                "last_month": row.last_month,
                "same_month_last_year": row.last_year,
            }
            for row in overview.channels
        ],
        "trend": [{"month": month_text(m), "count": n} for m, n in overview.trend],
        "top_categories": [vars(f) for f in overview.top_categories],
        "units_by_overdue": [
            {"unit_id": row.unit_id, "name": row.name, "overdue": row.overdue}
            for row in overview.units_by_overdue
        ],
        "units_by_overdue_by": overview.ranking_by,
        "rates": [
            {
                "key": r.key,
                "label": r.label,
                "numerator": r.numerator,
                "denominator": r.denominator,
                "percent": r.percent,
                "definition": r.definition,
                "url": r.url,
            }
            for r in overview.rates
        ],
    }


@router.get("/overview", response={200: OverviewOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut})
def get_stats_overview(request: AuthenticatedRequest, query: Query[OverviewQuery]) -> dict[str, Any]:
    """领导驾驶舱数据：调用者权限范围内（按登记单位，含下级）某单位的在办、逾期、临期件数，
    期间内收件、渠道对比、近 12 个月趋势、主要问题类别、逾期单位排名（默认按承办单位，见 `by`）和主要指标。
    `unit` 不在调用者范围内回答 404；月份格式有误或起止颠倒回答 422。"""
    ensure_capability(request.user, "stats.view")
    today = timezone.localdate()
    this_month = month_key(today)
    first = _month(query.month_from, "from", this_month // 100 * 100 + 1)
    last = _month(query.month_to, "to", this_month)
    if first > last:
        raise ValidationFailed(
            "请求参数有误：起始月份不能晚于结束月份。", {"from": "起始月份不能晚于结束月份。"}
        )
    if month_shift(first, MAX_MONTHS) <= last:
        raise ValidationFailed(
            f"请求参数有误：统计期间最长 {MAX_MONTHS} 个月。", {"to": f"统计期间最长 {MAX_MONTHS} 个月。"}
        )
    if query.unit is not None:
        unit_id = query.unit
    elif request.user.unit is not None:
        unit_id = request.user.unit.pk
    else:
        raise ValidationFailed("请求参数有误：请指定统计单位。", {"unit": "您未分配单位，请指定统计单位。"})
    unit = access_unit_by_id(request.user, unit_id)
    overview = stats_overview(
        actor=request.user, unit=unit, month_from=first, month_to=last, today=today, ranking_by=query.by
    )
    return _out(overview)
