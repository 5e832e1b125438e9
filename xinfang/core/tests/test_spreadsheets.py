"""The one guard of every spreadsheet and CSV writer against text read as a formula (issue 15)."""

import csv
import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from xinfang.core.spreadsheets import csv_row, is_formula_like, xlsx_row

RISKY = ['=HYPERLINK("http://example.com","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", RISKY)
def test_formula_like_text_is_recognised(text):
    assert is_formula_like(text)


@pytest.mark.parametrize("value", ["张三", "2026-01-01", "", 5, -5, None, 1.5])
def test_plain_text_and_numbers_are_left_alone(value):
    assert not is_formula_like(value)
    assert csv_row([value]) == [value]


def test_csv_fields_get_a_leading_apostrophe():
    buffer = io.StringIO()
    csv.writer(buffer).writerow(csv_row([*RISKY, "正常", 3]))
    fields = next(csv.reader(io.StringIO(buffer.getvalue())))
    assert fields[: len(RISKY)] == [f"'{text}" for text in RISKY]
    assert fields[len(RISKY) :] == ["正常", "3"]


@pytest.mark.parametrize("write_only", [True, False])
def test_xlsx_cells_are_strings_shown_as_typed(write_only):
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet("x")
    sheet.append(xlsx_row(sheet, [*RISKY, "正常", 3]))
    buffer = io.BytesIO()
    book.save(buffer)
    cells = list(load_workbook(io.BytesIO(buffer.getvalue()))["x"].iter_rows())[0]
    assert [(c.value, c.data_type) for c in cells[: len(RISKY)]] == [(t, "s") for t in RISKY]
    assert (cells[-1].value, cells[-1].data_type) == (3, "n")
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
