"""The time-limit engine (期限计算): pure functions over a holiday calendar, no ORM, no settings.

Rules (domain.md §4; 民法典 arts. 201, 203):

- Calendar days (自然日): the start day is not counted; `amount + extension_days` days are counted
  from the next day, skipping paused days. If the last day is not a working day (statutory
  holiday or rest day), the period ends on the next working day. The roll-forward ignores pauses:
  the period was already used up, only its last day moves.
- Working days (工作日): the start day is never counted; working days after it are counted,
  skipping paused days. A 调休 working weekend counts; a statutory holiday does not.
- Hours / minutes (小时 / 分钟): elapsed time from an aware start, whatever the calendar; a pause
  stops the clock for its length. The result is an aware datetime in Asia/Shanghai.

Pauses (中止 / 暂停计时) are `(from, to)` pairs: dates, inclusive at both ends, for day units;
datetimes, half-open `[from, to)`, for hours and minutes. `to=None` is a pause still open: while
the period has not already run out before the pause began, the result has `due=None`,
`paused=True` and explains how much was counted before the clock stopped. The due date is
computed again when the pause is closed; it is never guessed.

A year without official data (not in `covered_years`) still honours whatever rows exist for it,
and otherwise falls back to Monday–Friday minus the fixed-date holidays (元旦 1/1, 劳动节 5/1–5/2,
国庆节 10/1–10/3; the lunar holidays cannot be known). Every such year the computation looked at
is reported in `missing_years`, and the explanation says the result is only indicative.

Bad input raises `DeadlineInputError` (a `ValueError`) with a Chinese message and the field.
"""

import calendar as _calendar_module
import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from xinfang.core.bounds import DATE_MAX, DATE_MIN

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


class Unit(StrEnum):
    CALENDAR_DAYS = "calendar_days"
    WORKING_DAYS = "working_days"
    HOURS = "hours"
    MINUTES = "minutes"
    # months (按月计算): the same day n months on (民法典第二百零二条: the month's last day when it has
    # no such day), moved past a day off (第二百零三条); for follow-ups such as return visits (回访)
    MONTHS = "months"


UNIT_LABELS: dict[str, str] = {
    Unit.CALENDAR_DAYS: "自然日",
    Unit.WORKING_DAYS: "工作日",
    Unit.HOURS: "小时",
    Unit.MINUTES: "分钟",
    Unit.MONTHS: "月",
}
# units counted in whole days: the clock starts on a date and runs out at the end of its due day
DAY_UNITS = frozenset({Unit.CALENDAR_DAYS, Unit.WORKING_DAYS, Unit.MONTHS})
MAX_AMOUNT: dict[str, int] = {
    Unit.CALENDAR_DAYS: 3650,
    Unit.WORKING_DAYS: 3650,
    Unit.HOURS: 24 * 366,
    Unit.MINUTES: 24 * 60 * 366,
    Unit.MONTHS: 120,
}
# A sanity bound on the extension days the engine accepts (the calculator, bad data); how long
# an extension a procedure allows is that procedure's rule (`RuleDefinition.max_extension_days`).
EXTENSION_DAYS_BOUND = 3650

# Holidays that fall on the same Gregorian date every year (国务院《全国年节及纪念日放假办法》,
# 2025 revision). Used only for years without official data.
FIXED_DATE_HOLIDAYS: dict[tuple[int, int], str] = {
    (1, 1): "元旦",
    (5, 1): "劳动节",
    (5, 2): "劳动节",
    (10, 1): "国庆节",
    (10, 2): "国庆节",
    (10, 3): "国庆节",
}
WEEKDAY_NAMES = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")

ONE_DAY = timedelta(days=1)


class DeadlineInputError(ValueError):
    """Input the engine refuses. `field` names the offending argument for form and API errors."""

    def __init__(self, message: str, field: str = "__all__") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def calendar_fingerprint(
    holidays: Iterable[date], workdays: Iterable[date], covered_years: Iterable[int]
) -> str:
    """sha1 of what decides due dates (days and covered years; names are only for reading)."""
    digest = hashlib.sha1(usedforsecurity=False)
    for day in sorted(holidays):
        digest.update(f"H{day.isoformat()};".encode())
    for day in sorted(workdays):
        digest.update(f"W{day.isoformat()};".encode())
    for year in sorted(covered_years):
        digest.update(f"Y{year};".encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class Calendar:
    """The national holiday schedule as the engine sees it.

    `holidays` are statutory days off (法定节假日, including the weekends merged into a holiday
    block), `workdays` are 调休 working weekends, `covered_years` the years with official data.
    `names` (optional, not compared) gives each listed day its Chinese holiday name.
    `version` defaults to the fingerprint of the data.
    """

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    covered_years: frozenset[int] = frozenset()
    version: str = ""
    names: Mapping[date, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not self.version:
            fingerprint = calendar_fingerprint(self.holidays, self.workdays, self.covered_years)
            object.__setattr__(self, "version", fingerprint)

    def is_covered(self, year: int) -> bool:
        return year in self.covered_years

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        if not self.is_covered(day.year) and (day.month, day.day) in FIXED_DATE_HOLIDAYS:
            return False
        return day.weekday() < 5

    def holiday_name(self, day: date) -> str:
        return self.names.get(day, "")

    def day_off_reason(self, day: date) -> str:
        """Why `day` is not a working day, as a clerk reads it ("国庆节假日", "星期六休息日")."""
        if day in self.holidays:
            name = self.holiday_name(day)
            if not name:
                return "法定节假日"
            return name if name.endswith(("假日", "假期")) else f"{name}假日"
        if not self.is_covered(day.year) and (day.month, day.day) in FIXED_DATE_HOLIDAYS:
            return f"{FIXED_DATE_HOLIDAYS[(day.month, day.day)]}假日（按固定日期推算）"
        return f"{WEEKDAY_NAMES[day.weekday()]}休息日"


@dataclass(frozen=True)
class DeadlineResult:
    """A computed time limit and the reasons for it.

    `due` is a date for day units, an aware Asia/Shanghai datetime for hours and minutes, and
    None while an open pause stops the clock (`paused=True`). `paused_days` / `paused_minutes`
    are the paused span that fell inside the counting window. `moved_from` is the raw last day
    when it was moved off a holiday or rest day. `remaining` is what is left to count while
    paused (days or minutes), else 0.
    """

    due: date | datetime | None
    rule: str
    unit: str
    amount: int
    extension_days: int
    start: date | datetime
    calendar_version: str
    explanation: list[str]
    paused: bool = False
    paused_days: int = 0
    paused_minutes: int = 0
    remaining: int = 0
    moved_from: date | None = None
    missing_years: tuple[int, ...] = ()

    @property
    def warning(self) -> str | None:
        return missing_years_warning(self.missing_years)

    @property
    def due_date(self) -> date | None:
        """The local calendar day of `due` (for datetimes, the day in Asia/Shanghai)."""
        if self.due is None:
            return None
        if isinstance(self.due, datetime):
            return self.due.astimezone(LOCAL_TZ).date()
        return self.due

    @property
    def due_at(self) -> datetime | None:
        """The moment the limit runs out: `due` itself for hours and minutes, the end of the due
        day (`end_of_day`) for day units."""
        if self.due is None:
            return None
        if isinstance(self.due, datetime):
            return self.due
        return end_of_day(self.due)

    def to_dict(self) -> dict[str, Any]:
        return {
            "due": _iso(self.due),
            "rule": self.rule,
            "unit": self.unit,
            "unit_label": UNIT_LABELS[self.unit],
            "amount": self.amount,
            "extension_days": self.extension_days,
            "start": _iso(self.start),
            "paused": self.paused,
            "paused_days": self.paused_days,
            "paused_minutes": self.paused_minutes,
            "remaining": self.remaining,
            "moved_from": _iso(self.moved_from),
            "missing_years": list(self.missing_years),
            "calendar_version": self.calendar_version,
            "explanation": list(self.explanation),
            "warning": self.warning,
        }


def end_of_day(day: date) -> datetime:
    """The last instant of `day` in Asia/Shanghai (23:59:59.999999): a limit counted in days
    runs out when its due day is over, so it is overdue from the next day's midnight on."""
    return datetime.combine(day, time.max, tzinfo=LOCAL_TZ)


def missing_years_warning(years: Sequence[int]) -> str | None:
    if not years:
        return None
    listed = "、".join(str(year) for year in years)
    return f"{listed} 年节假日数据缺失，按周一至周五及固定日期节日推算，结果仅供参考。"


def compute_deadline(
    *,
    start: date | datetime,
    amount: int,
    unit: str,
    calendar: Calendar,
    pauses: Sequence[tuple[Any, Any]] = (),
    extension_days: int = 0,
    rule: str = "",
) -> DeadlineResult:
    """The due date or time of a limit of `amount` `unit`s starting at `start`.

    For day units `start` is a date; an aware datetime is taken as its Asia/Shanghai date (a
    naive one as its own date). For hours and minutes `start` must be an aware datetime.
    `extension_days` (an approved extension) adds that many more days of the same day unit;
    hours and minutes are not extended.
    """
    unit = _validate_unit(unit)
    _validate_amount(amount, unit)
    _validate_extension(extension_days, unit)
    if unit == Unit.MONTHS:
        if pauses:
            raise DeadlineInputError("按月计算的期限不能暂停。", "pauses")
        return _compute_months(start=_as_local_date(start), amount=amount, calendar=calendar, rule=rule)
    if unit in DAY_UNITS:
        return _compute_days(
            start=_as_local_date(start),
            amount=amount,
            unit=unit,
            calendar=calendar,
            pauses=_day_pauses(pauses),
            extension_days=extension_days,
            rule=rule,
        )
    return _compute_elapsed(
        start=_as_aware_datetime(start),
        amount=amount,
        unit=unit,
        calendar=calendar,
        pauses=_time_pauses(pauses),
        rule=rule,
    )


# --- validation -------------------------------------------------------------------------------


def _validate_unit(unit: str) -> Unit:
    try:
        return Unit(unit)
    except ValueError:
        raise DeadlineInputError("期限单位须为自然日、工作日、小时、分钟或月之一。", "unit") from None


def _validate_amount(amount: Any, unit: Unit) -> None:
    limit = MAX_AMOUNT[unit]
    if isinstance(amount, bool) or not isinstance(amount, int) or not 1 <= amount <= limit:
        raise DeadlineInputError(
            f"期限数值须为 1 到 {limit} 之间的整数（单位：{UNIT_LABELS[unit]}）。", "amount"
        )


def _validate_extension(extension_days: Any, unit: Unit) -> None:
    if isinstance(extension_days, bool) or not isinstance(extension_days, int):
        raise DeadlineInputError("延长天数须为整数。", "extension_days")
    if not 0 <= extension_days <= EXTENSION_DAYS_BOUND:
        raise DeadlineInputError(f"延长天数须为 0 到 {EXTENSION_DAYS_BOUND} 之间的整数。", "extension_days")
    if extension_days and unit not in DAY_UNITS:
        raise DeadlineInputError("按小时或分钟计算的时限不能延长。", "extension_days")
    if extension_days and unit == Unit.MONTHS:
        raise DeadlineInputError("按月计算的期限不能延长。", "extension_days")


def _within_calendar(day: date) -> None:
    """A start the engine can count from: the product's date range (core.bounds), so that no due
    date, pause or holiday look-up runs past the last date Python (or the database) can hold."""
    if not DATE_MIN <= day <= DATE_MAX:
        raise DeadlineInputError(f"起算日期须在 {DATE_MIN} 至 {DATE_MAX} 之间。", "start")


def _as_local_date(value: Any) -> date:
    if isinstance(value, datetime):
        _within_calendar(value.date())  # before converting: the year 9999 has no next day
        day = value.astimezone(LOCAL_TZ).date() if value.tzinfo else value.date()
    elif isinstance(value, date):
        day = value
    else:
        raise DeadlineInputError("起算日期须为日期，格式 YYYY-MM-DD。", "start")
    _within_calendar(day)
    return day


def _as_aware_datetime(value: Any) -> datetime:
    if not isinstance(value, datetime):
        raise DeadlineInputError("按小时或分钟计算时，起算时间须包含时刻，例如 2026-10-01T09:30。", "start")
    if value.tzinfo is None or value.utcoffset() is None:
        raise DeadlineInputError("起算时间须包含时区。", "start")
    _within_calendar(value.date())
    return value


def _day_pauses(pauses: Sequence[tuple[Any, Any]]) -> list[tuple[date, date | None]]:
    normalised: list[tuple[date, date | None]] = []
    for pause in pauses:
        begin, end = _pause_pair(pause)
        begin_day = _pause_date(begin)
        end_day = None if end is None else _pause_date(end)
        if end_day is not None and end_day < begin_day:
            raise DeadlineInputError("暂停的结束日期不能早于开始日期。", "pauses")
        normalised.append((begin_day, end_day))
    _ensure_single_open(normalised)
    return sorted(normalised, key=lambda pause: pause[0])


def _time_pauses(pauses: Sequence[tuple[Any, Any]]) -> list[tuple[datetime, datetime | None]]:
    normalised: list[tuple[datetime, datetime | None]] = []
    for pause in pauses:
        begin, end = _pause_pair(pause)
        begin_at = _pause_datetime(begin)
        end_at = None if end is None else _pause_datetime(end)
        if end_at is not None and end_at < begin_at:
            raise DeadlineInputError("暂停的结束时间不能早于开始时间。", "pauses")
        normalised.append((begin_at, end_at))
    _ensure_single_open(normalised)
    return sorted(normalised, key=lambda pause: pause[0])


def _pause_pair(pause: Any) -> tuple[Any, Any]:
    try:
        begin, end = pause
    except (TypeError, ValueError):
        raise DeadlineInputError("暂停须为（开始，结束）两项。", "pauses") from None
    if begin is None:
        raise DeadlineInputError("暂停须有开始日期。", "pauses")
    return begin, end


def _pause_date(value: Any) -> date:
    if isinstance(value, date):
        return _as_local_date(value)
    raise DeadlineInputError("按日计算的期限，暂停起止须为日期。", "pauses")


def _pause_datetime(value: Any) -> datetime:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value
    raise DeadlineInputError("按小时或分钟计算的时限，暂停起止须为带时区的时间。", "pauses")


def _ensure_single_open(pauses: Sequence[tuple[Any, Any]]) -> None:
    if sum(1 for _, end in pauses if end is None) > 1:
        raise DeadlineInputError("同一期限只能有一个尚未结束的暂停。", "pauses")


# --- day units --------------------------------------------------------------------------------


@dataclass
class _Walk:
    """Where counting stopped: the last day looked at, and the open pause that stopped it."""

    last_day: date
    counted: int
    paused_days: int
    stopped_at: date | None


def _walk_days(
    *,
    start: date,
    total: int,
    counts: Callable[[date], bool],
    closed_pauses: Sequence[tuple[date, date]],
    open_from: date | None,
) -> _Walk:
    paused = {
        begin + timedelta(days=offset)
        for begin, end in closed_pauses
        for offset in range((end - begin).days + 1)
    }
    day, counted, paused_days = start, 0, 0
    while counted < total:
        day += ONE_DAY
        if open_from is not None and day >= open_from:
            return _Walk(day - ONE_DAY, counted, paused_days, open_from)
        if day in paused:
            paused_days += 1
        elif counts(day):
            counted += 1
    return _Walk(day, counted, paused_days, None)


def _compute_days(
    *,
    start: date,
    amount: int,
    unit: Unit,
    calendar: Calendar,
    pauses: list[tuple[date, date | None]],
    extension_days: int,
    rule: str,
) -> DeadlineResult:
    total = amount + extension_days
    closed = [(begin, end) for begin, end in pauses if end is not None]
    open_from = next((begin for begin, end in pauses if end is None), None)
    if unit == Unit.CALENDAR_DAYS:
        counts: Callable[[date], bool] = _always
    else:
        counts = calendar.is_working_day
    walk = _walk_days(start=start, total=total, counts=counts, closed_pauses=closed, open_from=open_from)
    noun = "日" if unit == Unit.CALENDAR_DAYS else "个工作日"
    lines = [_days_opening_line(start, amount, extension_days, unit)]
    pause_lines = []
    if walk.paused_days:
        window_end = walk.last_day
        pause_lines.append(_closed_pauses_line(closed, walk.paused_days, start, window_end))
    if walk.stopped_at is not None:
        examined = (start + ONE_DAY, walk.last_day)
        lines.extend(pause_lines)
        lines.append(
            f"自 {walk.stopped_at.isoformat()} 起时钟暂停（暂停中），暂停前已计 "
            f"{walk.counted} {noun}，恢复计时后尚余 {total - walk.counted} {noun}；"
            "恢复后重新计算期限。"
        )
        # Calendar days consult the calendar only for the last day, which is not reached yet.
        missing = () if unit == Unit.CALENDAR_DAYS else _missing_years(calendar, *examined)
        return _day_result(
            due=None, start=start, amount=amount, unit=unit, calendar=calendar,
            extension_days=extension_days, rule=rule, lines=lines, walk=walk,
            missing=missing, paused=True, remaining=total - walk.counted,
        )  # fmt: skip
    due, moved_from = walk.last_day, None
    if unit == Unit.CALENDAR_DAYS:
        lines.append(
            f"自 {start.isoformat()} 次日起算 {total} 日（起算当日不计入），至 {walk.last_day.isoformat()}。"
        )
        lines.extend(pause_lines)
        due = _next_working_day(calendar, walk.last_day)
        if due != walk.last_day:
            moved_from = walk.last_day
            lines.append(
                f"末日 {walk.last_day.isoformat()} 为{calendar.day_off_reason(walk.last_day)}，"
                f"依照民法典第二百零三条顺延至下一工作日 {due.isoformat()}。"
            )
            lines.extend(_skipped_days_line(calendar, walk.last_day, due))
        missing = _missing_years(calendar, walk.last_day, due)
    else:
        lines.append(
            f"自 {start.isoformat()} 次日起算（起算当日不计入），第 {total} 个工作日为 {due.isoformat()}。"
        )
        lines.extend(pause_lines)
        lines.extend(_working_window_lines(calendar, start + ONE_DAY, due))
        missing = _missing_years(calendar, start + ONE_DAY, due)
    if missing:
        lines.append(missing_years_warning(missing) or "")
    return _day_result(
        due=due, start=start, amount=amount, unit=unit, calendar=calendar,
        extension_days=extension_days, rule=rule, lines=lines, walk=walk, missing=missing,
        moved_from=moved_from,
    )  # fmt: skip


def months_after(day: date, months: int) -> date:
    """The same day `months` months after `day`, or that month's last day when it has no such day
    (民法典第二百零二条: 到期月的对应日为期间的最后一日；没有对应日的，月末日为期间的最后一日)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, _calendar_module.monthrange(year, month)[1]))


def _compute_months(*, start: date, amount: int, calendar: Calendar, rule: str) -> DeadlineResult:
    last = months_after(start, amount)
    lines = [
        f"按月计算：自 {start.isoformat()} 起 {amount} 个月，到期月的对应日为 {last.isoformat()}"
        "（没有对应日的，以月末日为最后一日）。"
    ]
    due, moved_from = _next_working_day(calendar, last), None
    if due != last:
        moved_from = last
        lines.append(
            f"末日 {last.isoformat()} 为{calendar.day_off_reason(last)}，"
            f"依照民法典第二百零三条顺延至下一工作日 {due.isoformat()}。"
        )
    missing = _missing_years(calendar, last, due)
    if missing:
        lines.append(missing_years_warning(missing) or "")
    return DeadlineResult(
        due=due,
        rule=rule,
        unit=str(Unit.MONTHS),
        amount=amount,
        extension_days=0,
        start=start,
        calendar_version=calendar.version,
        explanation=lines,
        moved_from=moved_from,
        missing_years=missing,
    )


def _day_result(
    *,
    due: date | None,
    start: date,
    amount: int,
    unit: Unit,
    calendar: Calendar,
    extension_days: int,
    rule: str,
    lines: list[str],
    walk: _Walk,
    missing: tuple[int, ...],
    paused: bool = False,
    remaining: int = 0,
    moved_from: date | None = None,
) -> DeadlineResult:
    return DeadlineResult(
        due=due,
        rule=rule,
        unit=str(unit),
        amount=amount,
        extension_days=extension_days,
        start=start,
        calendar_version=calendar.version,
        explanation=lines,
        paused=paused,
        paused_days=walk.paused_days,
        remaining=remaining,
        moved_from=moved_from,
        missing_years=missing,
    )


def _skipped_days_line(calendar: Calendar, last_day: date, due: date) -> list[str]:
    """Names the days between the last day and the due date whose reason differs from the last
    day's (a rest day followed by a declared holiday), so the clerk sees every step."""
    first_reason = calendar.day_off_reason(last_day)
    notes = []
    day = last_day + ONE_DAY
    while day < due:
        reason = calendar.day_off_reason(day)
        if reason != first_reason and not reason.endswith("休息日"):
            notes.append(f"{day.isoformat()} 为{reason}")
        day += ONE_DAY
    if not notes:
        return []
    return [f"其间 {'，'.join(notes[:5])}{'等' if len(notes) > 5 else ''}，亦不是工作日。"]


def _always(day: date) -> bool:
    return True


def _next_working_day(calendar: Calendar, day: date) -> date:
    while not calendar.is_working_day(day):
        day += ONE_DAY
    return day


def _missing_years(calendar: Calendar, first: date, last: date) -> tuple[int, ...]:
    if last < first:
        return ()
    years = range(first.year, last.year + 1)
    return tuple(year for year in years if not calendar.is_covered(year))


def _days_opening_line(start: date, amount: int, extension_days: int, unit: Unit) -> str:
    noun = "日" if unit == Unit.CALENDAR_DAYS else "个工作日"
    label = UNIT_LABELS[unit]
    if extension_days:
        return (
            f"按{label}计算：期限 {amount} {noun}，经批准延长 {extension_days} {noun}，"
            f"合计 {amount + extension_days} {noun}。"
        )
    return f"按{label}计算：期限 {amount} {noun}。"


def _closed_pauses_line(
    pauses: Sequence[tuple[date, date]], paused_days: int, start: date, window_end: date
) -> str:
    ranges = [
        f"{max(begin, start + ONE_DAY).isoformat()} 至 {min(end, window_end).isoformat()}"
        for begin, end in pauses
        if end > start and begin <= window_end
    ]
    shown = "、".join(ranges[:5]) + ("等" if len(ranges) > 5 else "")
    return f"期间暂停计时 {paused_days} 日（{shown}），暂停日不计入期限。"


def _working_window_lines(calendar: Calendar, first: date, last: date) -> list[str]:
    holiday_names: list[str] = []
    holiday_count = 0
    swapped: list[date] = []
    day = first
    while day <= last:
        if day in calendar.workdays and day.weekday() >= 5:
            swapped.append(day)
        elif not calendar.is_working_day(day) and (
            day in calendar.holidays
            or (not calendar.is_covered(day.year) and (day.month, day.day) in FIXED_DATE_HOLIDAYS)
        ):
            holiday_count += 1
            name = calendar.holiday_name(day) or FIXED_DATE_HOLIDAYS.get((day.month, day.day), "法定节假日")
            if name not in holiday_names:
                holiday_names.append(name)
        day += ONE_DAY
    lines = []
    if holiday_count:
        lines.append(f"期间法定节假日 {holiday_count} 日（{'、'.join(holiday_names)}）不计入。")
    if swapped:
        listed = "、".join(day.isoformat() for day in swapped)
        lines.append(f"调休上班日 {listed} 按工作日计入。")
    return lines


# --- hours and minutes ------------------------------------------------------------------------


def _merge_time_pauses(
    pauses: list[tuple[datetime, datetime | None]],
) -> list[tuple[datetime, datetime | None]]:
    merged: list[tuple[datetime, datetime | None]] = []
    for begin, end in pauses:
        if merged:
            last_begin, last_end = merged[-1]
            if last_end is None:
                break
            if begin <= last_end:
                new_end = None if end is None else max(end, last_end)
                merged[-1] = (last_begin, new_end)
                continue
        merged.append((begin, end))
    return merged


def _compute_elapsed(
    *,
    start: datetime,
    amount: int,
    unit: Unit,
    calendar: Calendar,
    pauses: list[tuple[datetime, datetime | None]],
    rule: str,
) -> DeadlineResult:
    duration = timedelta(hours=amount) if unit == Unit.HOURS else timedelta(minutes=amount)
    label = UNIT_LABELS[unit]
    local_start = start.astimezone(LOCAL_TZ)
    lines = [f"按{label}计算：自 {_fmt(local_start)} 起 {amount} {label}，连续计算，不区分工作日与节假日。"]
    cursor, remaining, paused_total = start, duration, timedelta(0)
    used_pauses: list[tuple[datetime, datetime]] = []
    for begin, end in _merge_time_pauses(pauses):
        if end is not None and end <= cursor:
            continue
        begin = max(begin, cursor)
        if begin >= cursor + remaining:
            break
        remaining -= begin - cursor
        if end is None:
            left = _whole_minutes(remaining)
            lines.append(
                f"自 {_fmt(begin.astimezone(LOCAL_TZ))} 起时钟暂停（暂停中），"
                f"恢复计时后尚余 {left} 分钟；恢复后重新计算时限。"
            )
            return DeadlineResult(
                due=None, rule=rule, unit=str(unit), amount=amount, extension_days=0,
                start=local_start, calendar_version=calendar.version, explanation=lines,
                paused=True, paused_minutes=_whole_minutes(paused_total), remaining=left,
            )  # fmt: skip
        paused_total += end - begin
        used_pauses.append((begin, end))
        cursor = end
    due = (cursor + remaining).astimezone(LOCAL_TZ)
    if used_pauses:
        spans = "、".join(
            f"{_fmt(b.astimezone(LOCAL_TZ))} 至 {_fmt(e.astimezone(LOCAL_TZ))}" for b, e in used_pauses[:5]
        )
        lines.append(f"期间暂停计时 {_whole_minutes(paused_total)} 分钟（{spans}），时限相应顺延。")
    lines.append(f"时限届满时间为 {_fmt(due)}。")
    return DeadlineResult(
        due=due, rule=rule, unit=str(unit), amount=amount, extension_days=0, start=local_start,
        calendar_version=calendar.version, explanation=lines,
        paused_minutes=_whole_minutes(paused_total),
    )  # fmt: skip


def _whole_minutes(span: timedelta) -> int:
    seconds = int(span.total_seconds())
    return seconds // 60 + (1 if seconds % 60 else 0)


def _fmt(moment: datetime) -> str:
    if moment.second or moment.microsecond:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    return moment.strftime("%Y-%m-%d %H:%M")


def _iso(value: date | datetime | None) -> str | None:
    return None if value is None else value.isoformat()
