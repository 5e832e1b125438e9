"""The bounds every input is held to, so that no value reaches the database or the date arithmetic
out of range (issue 15: no input that breaks the server).

Integers that name a row are the database's bigint (1 … 2**63 - 1); dates lie between the founding
of the People's Republic and the end of 2100 (the last year the calendar engine keeps holidays
for); a page number is at most `PAGE_MAX`, so that no OFFSET overflows. The pydantic types
(`Id`, `Day`, `Moment`, `PageNumber`) serve the API's schemas and the steps' inputs; the Django
validators (`day_validators`) the pages' forms. Both word their refusal in Chinese
(`bound_message`).
"""

from datetime import date, datetime
from typing import Annotated, Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

ID_MAX = 2**63 - 1  # a bigint primary key
DATE_MIN = date(1949, 10, 1)
DATE_MAX = date(2100, 12, 31)
PAGE_MAX = 10_000_000  # × a page size of at most a few hundred: an OFFSET far below 2**63


def _moment_in_range(value: datetime) -> datetime:
    """A datetime whose (own) date lies within DATE_MIN … DATE_MAX; a naive one (a form's
    2026-03-01T09:30) is read as local time (Asia/Shanghai) and returned aware, so no caller
    compares naive with aware."""
    if value.date() < DATE_MIN:
        raise PydanticCustomError(
            "greater_than_equal", "Input should be on or after {ge}", {"ge": DATE_MIN.isoformat()}
        )
    if value.date() > DATE_MAX:
        raise PydanticCustomError(
            "less_than_equal", "Input should be on or before {le}", {"le": DATE_MAX.isoformat()}
        )
    if timezone.is_naive(value):
        return timezone.make_aware(value, timezone.get_current_timezone())
    return value


Id = Annotated[int, Field(ge=1, le=ID_MAX)]
Day = Annotated[date, Field(ge=DATE_MIN, le=DATE_MAX)]
Moment = Annotated[datetime, AfterValidator(_moment_in_range)]
PageNumber = Annotated[int, Field(ge=1, le=PAGE_MAX)]


def _is_day(bound: Any) -> bool:
    if isinstance(bound, date):
        return True
    if isinstance(bound, str):
        try:
            date.fromisoformat(bound[:10])
        except ValueError:
            return False
        return True
    return False


def bound_message(kind: str, ctx: dict[str, Any]) -> str | None:
    """The Chinese refusal of a pydantic bound error (`greater_than_equal`, `too_long` …), without
    the field's label: 不能小于 1。/ 不能大于 100。/ 不能早于 1949-10-01。/ 不能晚于 2100-12-31。/
    不能超过 200 字。/ 不能超过 100 项。 None for any other error."""
    if kind in ("string_too_long", "too_long") and ctx.get("max_length") is not None:
        return f"不能超过 {ctx['max_length']} {'字' if kind == 'string_too_long' else '项'}。"
    if kind not in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return None
    low, high = ctx.get("ge", ctx.get("gt")), ctx.get("le", ctx.get("lt"))
    bound = low if low is not None else high
    if bound is None:
        return None
    text = str(bound)[:10] if _is_day(bound) else str(bound)
    if _is_day(bound):
        return f"不能早于 {text}。" if low is not None else f"不能晚于 {text}。"
    return f"不能小于 {text}。" if low is not None else f"不能大于 {text}。"


def day_validators() -> list[Any]:
    """A page's date field: the same bounds as `Day`, in Chinese."""
    return [
        MinValueValidator(DATE_MIN, message=f"日期不能早于 {DATE_MIN.isoformat()}。"),
        MaxValueValidator(DATE_MAX, message=f"日期不能晚于 {DATE_MAX.isoformat()}。"),
    ]
