"""What every page may show about the working-day calendar, computed only if a page shows it."""

from collections.abc import Callable
from functools import cache
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from xinfang.deadlines.selectors import calendar_load

NEXT_YEAR_FROM_MONTH = 11  # the State Council publishes next year's schedule around November


def _missing_years() -> list[int]:
    """This year, and from November next year, if its State Council holiday schedule is not
    entered: deadlines in them are counted with Monday to Friday and the fixed-date holidays only.
    (The same rule as the daily `calendar_check_next_year` job's log warning.)"""
    calendar = calendar_load()
    today = timezone.localdate()
    years = [today.year, today.year + 1] if today.month >= NEXT_YEAR_FROM_MONTH else [today.year]
    return [year for year in years if not calendar.is_covered(year)]


def calendar_notice(request: HttpRequest) -> dict[str, Callable[[], Any]]:
    """`calendar_missing_years`: read by the system administrator's warning and by the note on
    pages that show deadlines; a page that shows neither costs no query (templates call it)."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {"calendar_missing_years": cache(_missing_years)}
