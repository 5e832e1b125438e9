"""The 登记台账 shows user text that looks like a formula as text (issue 15)."""

import io
import zipfile

from openpyxl import load_workbook

from xinfang.petitions.exports import register_xlsx
from xinfang.petitions.models import Petition
from xinfang.petitions.services import PetitionerInput

from .factories import register


def test_register_xlsx_writes_formula_like_text_as_text(clerk):
    petition = register(
        clerk,
        subject='=HYPERLINK("http://example.com","点击")',
        content="+1+2",
        petitioners=[PetitionerInput(name="@张三")],
    )
    content = register_xlsx(Petition.objects.filter(pk=petition.pk)).content
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, sheet[2], strict=True))
    for title, text in (("标题", '=HYPERLINK("http://example.com","点击")'), ("信访人", "@张三")):
        assert row[title].data_type == "s"
        assert row[title].value == text
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert all(b"<f>" not in archive.read(name) for name in sheets)
