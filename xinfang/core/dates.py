"""Dates as an office writes them: 2026年12月2日."""

from datetime import date


def date_cn(day: date | None) -> str:
    """The date in Chinese, or "" for none."""
    return f"{day.year}年{day.month}月{day.day}日" if day else ""
