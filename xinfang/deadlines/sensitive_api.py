"""敏感时期 API: the periods in the caller's scope (read by everyone signed in), set and changed
by holders of `calendar.sensitive`, and what each level requires (changed by `rules.manage`).

Refusals: 403 without the capability or for a period set by a unit above the caller's; 404 for a
period or unit that does not exist or lies outside the caller's scope; 422 with one Chinese message
per field.
"""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from xinfang.accounts.permissions import acting_user
from xinfang.core.bounds import Day, Id, PageNumber
from xinfang.core.exceptions import ValidationFailed
from xinfang.core.requests import RequestMeta
from xinfang.organisation.selectors import access_unit_by_id

from .models import SensitiveLevel, SensitiveLevelRule, SensitivePeriod
from .sensitive import (
    LevelRule,
    access_period_by_id,
    level_rule_rows,
    level_rule_save,
    may_change_period,
    period_delete,
    period_in_force,
    period_list,
    period_save,
)

router = Router(tags=["敏感时期"])

MAX_PAGE_SIZE = 100


class ErrorOut(Schema):
    message: str
    errors: dict[str, str] | None = None


class PeriodOut(Schema):
    id: int
    name: str
    starts_on: date
    ends_on: date
    days: int
    level: int
    level_label: str
    reason: str
    themes: list[str]
    unit: int
    unit_name: str
    in_force: bool
    can_change: bool
    created_by: str
    created_at: datetime
    updated_at: datetime


class PeriodPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[PeriodOut]


class PeriodIn(Schema):
    name: str = Field(description="名称，例如 全国两会、国庆节、本地重大活动（至多 60 字）")
    starts_on: Day = Field(description="开始日期（含）")
    ends_on: Day = Field(description="结束日期（含），不早于开始日期，整段至多 366 天")
    level: int = Field(description="等级：1 一级（最高）、2 二级、3 三级")
    reason: str = Field(description="事由，例如依据的上级通知（2–500 字）")
    unit: Id | None = Field(
        default=None, description="设定单位：本单位或下级单位；不填时新增为本单位，修改时不变"
    )
    themes: list[str] | None = Field(
        default=None,
        max_length=50,
        description="关注的重点人员类别代码（见 /api/v1/key-persons/categories），其人员走访随之加密；不填时不变",
    )


class PeriodQuery(Schema):
    from_: Day | None = Field(default=None, alias="from", description="与此日及以后有交集")
    to: Day | None = Field(default=None, description="与此日及以前有交集")
    unit: Id | None = Field(default=None, description="只列在该单位生效的（该单位及其上级设定的）")
    page: PageNumber = 1
    page_size: int = Field(default=20, ge=1, le=MAX_PAGE_SIZE)


class LevelRuleOut(Schema):
    level: int
    level_label: str
    staff_per_shift: int
    leader_all_day: bool
    daily_report: bool
    is_default: bool
    updated_by: str | None
    updated_at: datetime | None


class LevelRuleIn(Schema):
    staff_per_shift: int = Field(description="每班在岗人数（1–20）")
    leader_all_day: bool = Field(description="领导全天在岗")
    daily_report: bool = Field(description="每日报告")


def _name(user: Any) -> str:
    return (user.full_name or user.username) if user is not None else ""


def _out(period: SensitivePeriod, actor: Any) -> dict[str, Any]:
    """Needs `unit` and `created_by` loaded."""
    return {
        "id": period.pk,
        "name": period.name,
        "starts_on": period.starts_on,
        "ends_on": period.ends_on,
        "days": period.days,
        "level": period.level,
        "level_label": period.get_level_display(),
        "reason": period.reason,
        "themes": list(period.themes or []),
        "unit": period.unit_id,
        "unit_name": period.unit.name,
        "in_force": period_in_force(period),
        "can_change": may_change_period(actor, period),
        "created_by": _name(period.created_by),
        "created_at": period.created_at,
        "updated_at": period.updated_at,
    }


def _rule_out(rule: LevelRule, row: SensitiveLevelRule | None) -> dict[str, Any]:
    return {
        "level": rule.level,
        "level_label": rule.label,
        "staff_per_shift": rule.staff_per_shift,
        "leader_all_day": rule.leader_all_day,
        "daily_report": rule.daily_report,
        "is_default": row is None,
        "updated_by": _name(row.updated_by) if row is not None else None,
        "updated_at": row.updated_at if row is not None else None,
    }


@router.get(
    "/sensitive-periods", response={200: PeriodPage, 404: ErrorOut, 422: ErrorOut}, summary="敏感时期列表"
)
def list_periods(request: HttpRequest, query: Query[PeriodQuery]) -> dict[str, Any]:
    """调用者权限范围内的敏感时期（本单位及下级单位设定的，以及上级单位设定、在本单位生效的），
    按开始日期排序分页。from / to：只列与该日期段有交集的；unit：只列在该单位生效的。"""
    actor = acting_user(request)
    if query.from_ is not None and query.to is not None and query.to < query.from_:
        raise ValidationFailed("结束日期不能早于开始日期。", {"to": "结束日期不能早于开始日期。"})
    unit = None
    if query.unit is not None:
        unit = access_unit_by_id(actor, query.unit, RequestMeta.from_request(request))
    qs = period_list(actor, start=query.from_, end=query.to, unit=unit)
    start = (query.page - 1) * query.page_size
    return {
        "count": qs.count(),
        "page": query.page,
        "page_size": query.page_size,
        "items": [_out(period, actor) for period in qs[start : start + query.page_size]],
    }


@router.post(
    "/sensitive-periods",
    response={201: PeriodOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="新增敏感时期",
)
def create_period(request: HttpRequest, payload: PeriodIn) -> Status[dict[str, Any]]:
    """为本单位或下级单位设定敏感时期（接访员、值班员、领导）。"""
    actor = acting_user(request)
    unit = payload.unit or actor.unit_id or 0  # a user with no unit has no unit in scope: 404
    period = period_save(
        actor=actor, unit=unit, name=payload.name, starts_on=payload.starts_on,
        ends_on=payload.ends_on, level=payload.level, reason=payload.reason, themes=payload.themes,
        request_meta=RequestMeta.from_request(request),
    )  # fmt: skip
    return Status(201, _out(access_period_by_id(actor, period.pk), actor))


@router.get("/sensitive-periods/levels", response=list[LevelRuleOut], summary="各等级敏感时期的值守要求")
def list_levels(request: HttpRequest) -> list[dict[str, Any]]:
    """一级、二级、三级敏感时期的每班在岗人数、是否须领导全天在岗、是否每日报告；
    is_default 表示未经修改、按系统默认。平时（非敏感时期）每班 1 人。"""
    return [_rule_out(rule, row) for rule, row in level_rule_rows()]


@router.put(
    "/sensitive-periods/levels/{level}",
    response={200: LevelRuleOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="修改某等级的值守要求",
)
def save_level(request: HttpRequest, level: int, payload: LevelRuleIn) -> dict[str, Any]:
    """系统管理员修改；立即适用于该等级的所有敏感时期。"""
    if level not in SensitiveLevel.values:
        raise ValidationFailed("等级须为一级、二级或三级。", {"level": "等级须为 1、2 或 3。"})
    level_rule_save(
        actor=acting_user(request), level=level, staff_per_shift=payload.staff_per_shift,
        leader_all_day=payload.leader_all_day, daily_report=payload.daily_report,
        request_meta=RequestMeta.from_request(request),
    )  # fmt: skip
    return next(_rule_out(rule, row) for rule, row in level_rule_rows() if rule.level == level)


@router.get(
    "/sensitive-periods/{period_id}", response={200: PeriodOut, 404: ErrorOut}, summary="敏感时期详情"
)
def get_period(request: HttpRequest, period_id: Id) -> dict[str, Any]:
    actor = acting_user(request)
    return _out(access_period_by_id(actor, period_id, RequestMeta.from_request(request)), actor)


@router.put(
    "/sensitive-periods/{period_id}",
    response={200: PeriodOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    summary="修改敏感时期",
)
def update_period(request: HttpRequest, period_id: Id, payload: PeriodIn) -> dict[str, Any]:
    """整体修改；unit 不填时设定单位不变。上级单位设定的只能查看，不能修改（403）。"""
    actor = acting_user(request)
    meta = RequestMeta.from_request(request)
    period = access_period_by_id(actor, period_id, meta)
    period_save(
        actor=actor, unit=payload.unit or period.unit, name=payload.name, starts_on=payload.starts_on,
        ends_on=payload.ends_on, level=payload.level, reason=payload.reason, period=period,
        themes=payload.themes, request_meta=meta,
    )  # fmt: skip
    return _out(access_period_by_id(actor, period_id), actor)


@router.delete(
    "/sensitive-periods/{period_id}",
    response={204: None, 403: ErrorOut, 404: ErrorOut},
    summary="删除敏感时期",
)
def delete_period(request: HttpRequest, period_id: Id) -> Status[None]:
    actor = acting_user(request)
    meta = RequestMeta.from_request(request)
    period_delete(actor=actor, period=access_period_by_id(actor, period_id, meta), request_meta=meta)
    return Status(204, None)
