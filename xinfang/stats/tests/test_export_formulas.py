"""The statistics workbooks write formula-like text (a unit's or category's name, a note) as text."""

import io

from openpyxl import load_workbook

from xinfang.stats.files import Sheet, workbook_xlsx


def test_stats_workbook_writes_formula_like_names_as_text():
    content = workbook_xlsx(
        [Sheet("分单位", ["=单位", "件数"], [['=HYPERLINK("http://example.com","x")', 3]], notes=["@说明"])],
        heading="+标题",
    )
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    cells = {cell.value: cell for row in sheet.iter_rows() for cell in row if cell.value is not None}
    for text in ("+标题", "=单位", '=HYPERLINK("http://example.com","x")', "@说明"):
        assert cells[text].data_type == "s", text
    assert cells[3].data_type == "n"
