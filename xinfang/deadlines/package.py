"""The national holiday schedule shipped with the `chinesecalendar` package (2004 onwards).

Read by the seeding migration and by `calendar_sync`. Names become the Chinese ones users know.
"""

from dataclasses import dataclass
from datetime import date

from chinese_calendar import constants

HOLIDAY_NAMES: dict[str, str] = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "Mid-autumn Festival": "中秋节",
    "National Day": "国庆节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


@dataclass(frozen=True)
class PackageDay:
    date: date
    kind: str  # "holiday" or "workday", the values of CalendarDay.Kind
    name: str


def chinese_name(english: str | None) -> str:
    """The Chinese holiday name; unknown names fall back to the package's own Chinese label."""
    if not english:
        return ""
    if english in HOLIDAY_NAMES:
        return HOLIDAY_NAMES[english]
    for holiday in constants.Holiday:
        if holiday.value == english:
            return str(getattr(holiday, "chinese", english))
    return english


def package_days() -> list[PackageDay]:
    days = [PackageDay(day, "holiday", chinese_name(name)) for day, name in constants.holidays.items()]
    days += [PackageDay(day, "workday", chinese_name(name)) for day, name in constants.workdays.items()]
    return sorted(days, key=lambda entry: entry.date)


def package_years() -> list[int]:
    """Years the package holds the official schedule for (every year has at least 元旦)."""
    return sorted({day.year for day in constants.holidays})
