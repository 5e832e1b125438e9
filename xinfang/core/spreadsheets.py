"""Text that a spreadsheet must show, never run: the one guard every .xlsx and .csv writer uses.

A cell whose text begins with = + - @ (or a tab or carriage return, which some programs skip
before reading the rest) is taken by Excel and LibreOffice as a formula: `=HYPERLINK(...)` typed
into a petition's subject would become a live link in the exported 登记台账 (CSV injection,
OWASP). In a workbook such text is written as an explicit string cell, so that it shows exactly as
typed; in a CSV, which has no cell types, it gets a leading apostrophe, the sign by which a
spreadsheet takes what follows as text.
"""

from collections.abc import Iterable
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: Any) -> bool:
    """Whether a spreadsheet would read `value` as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def csv_text(value: Any) -> Any:
    """A CSV field: formula-like text with a leading apostrophe, anything else unchanged."""
    return f"'{value}" if is_formula_like(value) else value


def csv_row(values: Iterable[Any]) -> list[Any]:
    return [csv_text(value) for value in values]


def xlsx_value(sheet: Any, value: Any) -> Any:
    """A value for openpyxl's `sheet.append`: formula-like text as a cell of explicit string type
    (shown as typed), anything else (numbers, dates, cells already made) unchanged."""
    if not is_formula_like(value):
        return value
    from openpyxl.cell import Cell

    cell = Cell(sheet, row=1, column=1, value=value)
    cell.data_type = "s"  # openpyxl binds text that begins with = as a formula
    return cell


def xlsx_row(sheet: Any, values: Iterable[Any]) -> list[Any]:
    return [xlsx_value(sheet, value) for value in values]
