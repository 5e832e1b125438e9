"""The statistics page, its export, the bulletins and the analysis report: what they contain,
that they open with python-docx / openpyxl, that every file is audited with its filters."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.petitions.tests.factories import register
from xinfang.petitions.workflow import petition_transition
from xinfang.stats.selectors import month_key, month_shift, month_text


@pytest.fixture
def petitions(clerk, county_clerk_user, unit_by_code):
    """城关镇: three labour petitions (one collective, one overdue), one land petition; the county:
    one transferred to 民政局."""
    township, east = unit_by_code("341122101"), unit_by_code("341122101201")
    register(clerk, problem_unit=east, category="0201", flags=["collective"])
    register(clerk, problem_unit=east, category="0202")
    register(clerk, problem_unit=township, category="0203", received_at=timezone.now() - timedelta(days=20))
    register(clerk, problem_unit=township, category="0101", complained_unit=unit_by_code("341122Z01").pk)
    transferred = register(county_clerk_user, problem_unit=township, category="0801")
    petition_transition(
        petition=transferred, action="transfer", actor=county_clerk_user, unit=unit_by_code("341122M01").pk
    )


def _exports() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(event=AuditEvent.EXPORT).order_by("pk"))


def test_stats_page_tables_per_unit_and_category(client, county_leader, petitions):
    # given
    client.force_login(county_leader)
    # when
    body = client.get("/stats/").content.decode()
    # then
    assert 'data-testid="stats-units"' in body
    assert 'data-testid="stats-categories"' in body
    assert "城关镇" in body
    assert "青山县（本级）" in body
    assert "劳动保障" in body
    assert "征地拆迁" in body


def test_stats_page_is_refused_to_a_clerk_and_a_handler(client, clerk, village_handler):
    for user in (clerk, village_handler):
        client.force_login(user)
        assert client.get("/stats/").status_code == 403


def test_stats_page_answers_404_for_a_unit_outside_scope(client, leader, unit_by_code):
    client.force_login(leader)
    assert client.get("/stats/", {"unit": unit_by_code("341122").pk}).status_code == 404


def test_stats_page_shows_a_chinese_error_for_a_bad_month(client, leader):
    client.force_login(leader)
    body = client.get("/stats/", {"month_from": "2026-13"}).content.decode()
    assert "月份格式应为 YYYY-MM" in body


def test_export_is_an_xlsx_with_both_tables_and_is_audited(client, county_leader, petitions):
    # given
    client.force_login(county_leader)
    this_month = month_text(month_key(timezone.localdate()))
    # when
    response = client.get("/stats/export.xlsx", {"category": "02", "month_to": this_month})
    # then
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["按登记单位", "按问题类别"]
    rows = [list(row) for row in book["按登记单位"].iter_rows(values_only=True)]
    township = next(r for r in rows if r[0] == "城关镇")
    assert township[1] == 3  # the three labour petitions
    (entry,) = _exports()
    assert entry.actor == county_leader
    assert entry.extra_data["kind"] == "stats_xlsx"
    assert entry.extra_data["filters"]["category"] == "02"
    assert entry.extra_data["filters"]["to"] == this_month


def test_monthly_bulletin_docx_names_units_and_figures(client, county_leader, petitions):
    # given
    client.force_login(county_leader)
    month = month_text(month_key(timezone.localdate()))
    # when
    response = client.get("/stats/bulletin/", {"month": month})
    # then
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "青山县" in text
    assert "信访工作通报" in text
    assert "予以通报批评的单位" in text
    assert "表扬" in text
    cells = [[c.text for c in row.cells] for row in document.tables[0].rows]
    township = next(r for r in cells if r[0] == "城关镇")
    intake_this_month = township[1]
    assert intake_this_month in ("3", "4")  # the overdue one may have been received last month
    assert cells[-1][0] == "合计"
    runs = document.paragraphs[0].runs
    assert runs[0]._element.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
    )
    (entry,) = _exports()
    assert entry.extra_data["kind"] == "bulletin_docx"
    assert entry.extra_data["filters"]["month"] == month


def test_monthly_bulletin_criticises_a_unit_with_overdue_petitions(county_leader, clerk, unit_by_code):
    from xinfang.stats.reports import monthly_bulletin

    # given: 城关镇 has a petition whose acceptance deadline passed
    register(clerk, problem_unit=unit_by_code("341122101"), received_at=timezone.now() - timedelta(days=20))
    # when
    bulletin = monthly_bulletin(
        actor=county_leader,
        unit=unit_by_code("341122"),
        month=month_key(timezone.localdate()),
        today=timezone.localdate(),
    )
    # then
    assert [name for name, _ in bulletin.criticised] == ["城关镇"]
    assert "逾期在办 1 件" in bulletin.criticised[0][1]
    assert "城关镇" not in bulletin.praised


def test_monthly_bulletin_xlsx_opens(client, leader, petitions):
    client.force_login(leader)
    response = client.get("/stats/bulletin/", {"format": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert "按承办单位" in book.sheetnames  # units are judged by what they are responsible for
    assert _exports()[0].extra_data["kind"] == "bulletin_xlsx"


def test_transfer_bulletin_lists_the_receiving_unit_and_status(client, county_leader, petitions):
    # given
    client.force_login(county_leader)
    month = month_text(month_key(timezone.localdate()))
    # when
    response = client.get("/stats/transfer-bulletin/", {"month": month, "format": "xlsx"})
    # then
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book["转送情况"].iter_rows(values_only=True))
    minzheng = next(r for r in rows if r[0] == "青山县民政局")
    assert minzheng[1] == 1
    assert minzheng[2] == 1
    docx = client.get("/stats/transfer-bulletin/", {"month": month})
    assert "青山县民政局" in "\n".join(
        c.text for t in Document(io.BytesIO(docx.content)).tables for row in t.rows for c in row.cells
    )
    assert [e.extra_data["kind"] for e in _exports()] == ["transfer_bulletin_xlsx", "transfer_bulletin_docx"]


def test_analysis_report_has_charts_and_the_top_category(client, county_leader, petitions):
    # given
    client.force_login(county_leader)
    last = month_key(timezone.localdate())
    # when
    response = client.get(
        "/stats/analysis-report/",
        {"month_from": month_text(month_shift(last, -2)), "month_to": month_text(last)},
    )
    # then
    assert response.status_code == 200
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "信访情况分析报告" in text
    assert "反映最多的是劳动保障 3 件" in text
    assert "青山县自然资源局 1 件" in text  # the complained-about unit
    assert "转送、交办其他单位办理 1 件" in text
    images = [r for r in document.part.rels.values() if "image" in r.reltype]
    assert len(images) == 2
    assert _exports()[0].extra_data["kind"] == "analysis_docx"


def test_files_are_refused_without_the_capability_and_nothing_is_audited(client, clerk):
    client.force_login(clerk)
    for path in (
        "/stats/export.xlsx",
        "/stats/bulletin/",
        "/stats/transfer-bulletin/",
        "/stats/analysis-report/",
    ):
        assert client.get(path).status_code == 403
    assert _exports() == []


def test_filtering_with_htmx_returns_only_the_tables(client, leader, petitions):
    client.force_login(leader)
    body = client.get("/stats/", {"category": "02"}, HTTP_HX_REQUEST="true").content.decode()
    assert body.startswith('<div id="stats-tables"')
    assert "<html" not in body
    assert 'name="month_from" value="' in body  # the report forms carry the filtered period
