"""Reporting periods and their cut-offs (报送周期与截止时间): part of the calendar engine.

A routine report (周报, 半月报, 月报, 季报) or a daily report (日报) covers a period of days and is
due at a cut-off: a weekday (weekly), the last day of each half of the month (half-monthly), a
day of the month (monthly, the month's last day when the month is shorter), a day of the
quarter's last month (quarterly, clamped the same way), or the day itself (daily), at a time of
day, in local time (Asia/Shanghai). Everything that asks "which period is this day in", "which
periods lie in this stretch" or "when is it due" asks here, never with ad-hoc `timedelta`
arithmetic in an app. Cut-offs are calendar positions, not durations: a holiday does not move
them (offices report through holidays; sensitive periods most of all).
"""

import calendar as _calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from .engine import LOCAL_TZ


class Cadence(StrEnum):
    WEEKLY = "weekly"
    HALF_MONTHLY = "half_monthly"
    MONTHLY = "monthly"
    DAILY = "daily"
    QUARTERLY = "quarterly"


CADENCE_LABELS = {
    Cadence.WEEKLY: "周报",
    Cadence.HALF_MONTHLY: "半月报",
    Cadence.MONTHLY: "月报",
    Cadence.DAILY: "日报",
    Cadence.QUARTERLY: "季报",
}


@dataclass(frozen=True)
class Cutoff:
    """When a cadence's report is due: `weekday` 1–7 (Monday = 1) for weekly reports, `day` 1–31
    for monthly ones and for quarterly ones in the quarter's last month (clamped to the month's
    end), and the time of day."""

    cadence: Cadence
    at: time
    weekday: int = 5
    day: int = 25


@dataclass(frozen=True)
class Period:
    cadence: Cadence
    start: date
    end: date  # inclusive
    due_at: datetime  # aware, local time

    @property
    def label(self) -> str:
        if self.cadence == Cadence.DAILY:
            return f"{self.start:%m月%d日}"
        if self.cadence == Cadence.MONTHLY:
            return f"{self.start:%Y年%m月}"
        if self.cadence == Cadence.QUARTERLY:
            return f"{self.start:%Y年}第{(self.start.month - 1) // 3 + 1}季度"
        if self.cadence == Cadence.HALF_MONTHLY:
            half = "上半月" if self.start.day == 1 else "下半月"
            return f"{self.start:%m月}{half}"
        return f"{self.start:%m月%d日}—{self.end:%m月%d日}"


def _month_end(day: date) -> date:
    return day.replace(day=_calendar.monthrange(day.year, day.month)[1])


def bounds_of(cadence: Cadence, day: date) -> tuple[date, date]:
    """The first and last day of the period of `cadence` that contains `day`."""
    if cadence == Cadence.DAILY:
        return day, day
    if cadence == Cadence.WEEKLY:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if cadence == Cadence.HALF_MONTHLY:
        if day.day <= 15:
            return day.replace(day=1), day.replace(day=15)
        return day.replace(day=16), _month_end(day)
    if cadence == Cadence.QUARTERLY:
        first_month = (day.month - 1) // 3 * 3 + 1
        return date(day.year, first_month, 1), _month_end(date(day.year, first_month + 2, 1))
    return day.replace(day=1), _month_end(day)


def _local(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=LOCAL_TZ)


def due_of(cutoff: Cutoff, start: date, end: date) -> datetime:
    """The cut-off of the period [start, end] of `cutoff.cadence`."""
    if cutoff.cadence == Cadence.WEEKLY:
        weekday = min(max(cutoff.weekday, 1), 7)
        return _local(start + timedelta(days=weekday - 1), cutoff.at)
    if cutoff.cadence in (Cadence.MONTHLY, Cadence.QUARTERLY):
        # a day of the (last) month, clamped to its end; `end` is that month's last day
        return _local(end.replace(day=min(max(cutoff.day, 1), end.day)), cutoff.at)
    return _local(end, cutoff.at)  # daily: the day itself; half-monthly: the 15th or the month's end


def period_of(cutoff: Cutoff, day: date) -> Period:
    start, end = bounds_of(cutoff.cadence, day)
    return Period(cutoff.cadence, start, end, due_of(cutoff, start, end))


def periods_between(cutoff: Cutoff, first: date, last: date) -> Iterator[Period]:
    """Every period of the cadence that has a day in [first, last], in order."""
    day = first
    while day <= last:
        period = period_of(cutoff, day)
        yield period
        day = period.end + timedelta(days=1)


def cutoffs_between(cutoff: Cutoff, start: datetime, end: datetime) -> Iterator[Period]:
    """The periods whose cut-off falls in (start, end]: what a chase run at `end` that last ran
    at `start` must look at. (Every cut-off lies inside its own period, in its last month at the
    earliest, so the periods from the one holding a day a month before the window on hold every
    cut-off in it.)"""
    first = (start.astimezone(LOCAL_TZ) - timedelta(days=31)).date()
    last = end.astimezone(LOCAL_TZ).date() + timedelta(days=1)
    for period in periods_between(cutoff, first, last):
        if start < period.due_at <= end:
            yield period


def one_off_due(first_day: date, at: time, known_at: datetime) -> datetime:
    """The cut-off of a one-off task of a stretch that begins on `first_day` (a key screening in a
    sensitive period): `at` on that day, or on the day after the moment it became known
    (`known_at`, local date) when that was on or after `first_day`: nobody owes by a cut-off
    they could not have known of the day before."""
    known = known_at.astimezone(LOCAL_TZ).date()
    day = first_day if known < first_day else known + timedelta(days=1)
    return _local(day, at)
