"""Statistics by problem unit (按问题属地) and by responsible unit (按承办单位) as well as by
registering unit: a village's row counts its matters, in the page, the export, the bulletins and
the dashboard; the ranking of units by overdue matters defaults to the responsible unit."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.petitions.models import Petition
from xinfang.petitions.tests.factories import register
from xinfang.petitions.workflow import petition_transition
from xinfang.stats.models import TallyState, UnitMonthlyTally
from xinfang.stats.selectors import forget_dimensions_ready, month_key, month_text
from xinfang.stats.services import stats_rebuild

TOWNSHIP, EAST, RED_STAR, COUNTY = "341122101", "341122101201", "341122101202", "341122"


@pytest.fixture
def matters(clerk, county_clerk_user, village_handler, unit_by_code):
    """城关镇 registers three matters about 东风村 (one assigned to it, overdue) and one about
    红星村; the county registers one about 城关镇 and transfers it to 民政局 (not the township's)."""
    township, east, red_star = unit_by_code(TOWNSHIP), unit_by_code(EAST), unit_by_code(RED_STAR)
    assigned = register(clerk, problem_unit=east, received_at=timezone.now() - timedelta(days=1))
    petition_transition(petition=assigned, action="accept", actor=clerk)
    petition_transition(
        petition=assigned, action="assign", actor=clerk, unit=east.pk, handler=village_handler.pk
    )
    register(clerk, problem_unit=east, category="0202")
    register(clerk, problem_unit=east, category="0101")
    register(clerk, problem_unit=red_star, category="0301")
    county = register(county_clerk_user, problem_unit=township, category="0801")
    petition_transition(
        petition=county, action="transfer", actor=county_clerk_user, unit=unit_by_code("341122M01").pk
    )
    return {"assigned": assigned, "county": county}


def _overdue(petition: Petition) -> None:
    """Moves the matter's deadline two days back (as if time passed) and recounts the tables."""
    Petition.objects.filter(pk=petition.pk).update(current_deadline=timezone.localdate() - timedelta(days=2))
    stats_rebuild(actor=None)


def _rows(response) -> dict[str, int]:
    return {row.name: row.intake for row in response.context["table"].units}


def test_by_registering_unit_the_villages_count_nothing(client, leader, matters):
    client.force_login(leader)
    assert _rows(client.get("/stats/"))["东风村"] == 0


def test_by_problem_unit_each_village_counts_the_matters_about_it(client, leader, matters):
    # given
    client.force_login(leader)
    # when
    response = client.get("/stats/", {"by": "problem"})
    # then
    rows = _rows(response)
    assert rows["东风村"] == 3
    assert rows["红星村"] == 1
    assert rows["城关镇（本级）"] == 0  # the county's matter about the township went to 民政局
    assert response.context["table"].total.intake == 4
    body = response.content.decode()
    assert "按问题属地（下级单位计入所属单位）" in body
    assert f"unit={matters['assigned'].problem_unit_id}" in body  # the register lists them


def test_the_county_sees_its_own_matter_about_the_township_by_problem_unit(client, county_leader, matters):
    client.force_login(county_leader)
    rows = _rows(client.get("/stats/", {"by": "problem", "unit": matters["county"].problem_unit_id}))
    assert rows["城关镇（本级）"] == 1
    assert rows["东风村"] == 3


def test_by_responsible_unit_the_village_counts_what_it_was_assigned(client, leader, matters):
    # given
    client.force_login(leader)
    # when
    response = client.get("/stats/", {"by": "handling"})
    # then
    rows = _rows(response)
    assert rows["东风村"] == 1
    assert rows["城关镇（本级）"] == 3  # not routed yet: the registering unit's
    village = next(row for row in response.context["table"].units if row.name == "东风村")
    listed = client.get(village.url).content.decode()
    assert matters["assigned"].number in listed
    assert listed.count('data-testid="register-row"') == 1
    assert 'data-testid="responsible-unit-filter"' in listed


def test_the_export_names_the_way_of_counting(client, leader, matters):
    # given
    client.force_login(leader)
    # when
    response = client.get("/stats/export.xlsx", {"by": "problem"})
    # then
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["按问题属地", "按问题类别"]
    rows = {row[0]: row[1] for row in book["按问题属地"].iter_rows(values_only=True) if row[0]}
    assert rows["单位（按问题属地）"] == "收件数"
    assert rows["东风村"] == 3
    entry = AuditEntry.objects.filter(event=AuditEvent.EXPORT).latest("pk")
    assert entry.extra_data["filters"]["by"] == "problem"


def test_the_bulletin_judges_units_by_what_they_are_responsible_for(client, leader, matters):
    # given: the matter assigned to 东风村 has run over its deadline
    _overdue(matters["assigned"])
    client.force_login(leader)
    month = month_text(month_key(timezone.localdate()))
    # when
    default = client.get("/stats/bulletin/", {"month": month})
    registered = client.get("/stats/bulletin/", {"month": month, "by": "registered"})
    # then
    text = "\n".join(p.text for p in Document(io.BytesIO(default.content)).paragraphs)
    assert "一、各单位信访工作情况（按承办单位）" in text
    assert "予以通报批评的单位：东风村（逾期在办 1 件）" in text
    other = "\n".join(p.text for p in Document(io.BytesIO(registered.content)).paragraphs)
    assert "东风村（逾期在办" not in other


def test_the_dashboard_ranks_units_by_the_overdue_matters_they_are_responsible_for(client, leader, matters):
    # given
    _overdue(matters["assigned"])
    client.force_login(leader)
    # when
    body = client.get("/").content.decode()
    # then
    assert "逾期件单位排名（按承办单位" in body
    ranking = body[body.index('data-testid="units-by-overdue"') :]
    assert ranking.index("东风村") < ranking.index("</table>")


def test_the_overview_api_ranks_by_responsible_unit_unless_asked_otherwise(api_client, leader, matters):
    # given
    _overdue(matters["assigned"])
    client = api_client(leader)
    # when
    default = client.get("/api/v1/stats/overview").json()
    registered = client.get("/api/v1/stats/overview", by="registered").json()
    # then
    assert default["units_by_overdue_by"] == "handling"
    assert [row["name"] for row in default["units_by_overdue"]] == ["东风村"]
    assert [row["name"] for row in registered["units_by_overdue"]] == ["城关镇（本级）"]


@pytest.fixture
def upgraded(demo):
    """An installation upgraded with petitions: the new tables wait for `stats_rebuild`."""
    forget_dimensions_ready()
    TallyState.objects.update_or_create(pk=1, defaults={"dimensions_ready": False})
    yield
    forget_dimensions_ready()


def test_until_the_rebuild_the_new_ways_of_counting_wait_and_say_why(
    client, leader, clerk, unit_by_code, upgraded
):
    # given
    register(clerk, problem_unit=unit_by_code(EAST))
    client.force_login(leader)
    # when
    waiting = client.get("/stats/", {"by": "problem"})
    left_alone = not UnitMonthlyTally.objects.exists()
    stats_rebuild(actor=None)
    ready = client.get("/stats/", {"by": "problem"})
    # then
    assert "manage.py stats_rebuild" in waiting.content.decode()
    assert waiting.context["table"] is None
    assert left_alone  # the registration did not write half a table
    assert _rows(ready)["东风村"] == 1
    assert UnitMonthlyTally.objects.filter(dimension="problem").exists()


def test_the_analysis_report_counts_its_unit_table_the_way_chosen(client, leader, matters):
    # given
    client.force_login(leader)
    # when
    response = client.get("/stats/analysis-report/", {"by": "problem"})
    # then
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "各单位信访情况（按问题属地）" in text
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "单位（按问题属地）")
    rows = {row.cells[0].text: row.cells[1].text for row in table.rows[1:]}
    assert rows["东风村"] == "3"
    assert "其余数字按登记单位统计" in text
