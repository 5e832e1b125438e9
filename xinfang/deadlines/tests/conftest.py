"""Fixtures of the deadlines app. Role fixtures (`clerk`, `sysadmin`, `api_client` …) come from
the root conftest; the engine tests use a calendar built from the `chinesecalendar` package."""

from datetime import datetime

import pytest

from xinfang.deadlines.engine import LOCAL_TZ, Calendar
from xinfang.deadlines.package import package_days, package_years
from xinfang.deadlines.selectors import calendar_cache_clear


def build_package_calendar(*, drop_years: frozenset[int] = frozenset()) -> Calendar:
    days = [entry for entry in package_days() if entry.date.year not in drop_years]
    return Calendar(
        holidays=frozenset(entry.date for entry in days if entry.kind == "holiday"),
        workdays=frozenset(entry.date for entry in days if entry.kind == "workday"),
        covered_years=frozenset(package_years()) - drop_years,
        names={entry.date: entry.name for entry in days},
    )


@pytest.fixture(scope="session")
def national_calendar() -> Calendar:
    """2004–2026 as the State Council published them; 2027 and later are not covered."""
    return build_package_calendar()


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=LOCAL_TZ)


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    """The in-process calendar cache must not carry rows of one test into the next."""
    calendar_cache_clear()
    yield
    calendar_cache_clear()
