"""The demo township's stability work: plans, the villages' reports of the last weeks (on time,
late, one week missing), two signs (one forwarded to the county), an incident on the board; loading
again adds nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.exceptions import ApplicationError
from xinfang.demo.stability import demo_stability_load
from xinfang.incidents.models import ContingencyPlan, Incident, IncidentReport
from xinfang.incidents.selectors import board
from xinfang.inforeports.choices import ReportStatus
from xinfang.inforeports.models import InfoReport, ReportChase
from xinfang.inforeports.selectors import LATE, MISSING, ON_TIME, completeness, inbox_count
from xinfang.organisation.models import Unit


def _user(username: str) -> User:
    return User.objects.select_related("unit").get(username=username)


def test_the_demo_township_has_plans_reports_signs_and_an_incident(demo):
    # when
    result = demo_stability_load()
    # then: two plans with their tasks
    township = Unit.objects.get(code="341122101")
    plans = {p.name: p for p in ContingencyPlan.objects.filter(unit=township)}
    assert set(plans) == {"群体性事件处置预案", "个人极端行为处置预案"}
    assert 5 <= plans["群体性事件处置预案"].tasks.count() <= 6
    assert set(plans["群体性事件处置预案"].tasks.values_list("role", flat=True)) == {
        "leader",
        "principal",
        "clerk",
        "informant",
        "duty",
    }
    assert result.plans_created == 2
    # the villages' weeks: last week 东风村 on time, 柳河村 missing; an earlier week 红星村 late
    today = timezone.localdate()
    monday = today - timedelta(days=today.weekday())
    grid = completeness(
        actor=_user("clerk"),
        unit=township,
        first=monday - timedelta(weeks=3),
        last=monday - timedelta(days=1),
    )
    rows = {row.name: [c.state for c in row.cells] for row in grid.rows}
    assert rows["东风村"] == [ON_TIME, ON_TIME, ON_TIME]
    assert rows["红星村"] == [ON_TIME, LATE, ON_TIME]
    assert rows["柳河村"] == [LATE, ON_TIME, MISSING]
    assert ReportChase.objects.filter(
        unit__code="341122101203", period_start=monday - timedelta(weeks=1)
    ).exists()
    # two signs: 东风村's forwarded to the county (waiting there), 红星村's waiting at the township
    signs = {r.unit.name: r for r in InfoReport.objects.filter(kind="early_sign").select_related("unit")}
    assert signs["东风村"].status == ReportStatus.FORWARDED
    assert signs["红星村"].status == ReportStatus.SUBMITTED
    assert signs["城关镇"].to_unit.code == "341122"
    assert inbox_count(_user("county-clerk")) == 1
    waiting = InfoReport.objects.filter(to_unit=township, status=ReportStatus.SUBMITTED)
    assert signs["红星村"] in waiting
    assert not waiting.filter(period_start__lt=monday).exists()  # past weeks signed for
    # an open incident with its first report, on the board of the township and the county
    [incident] = Incident.objects.all()
    assert incident.status == "on_site"
    assert list(IncidentReport.objects.filter(incident=incident).values_list("kind", "on_time")) == [
        ("first", True)
    ]
    assert incident.next_report_kind == "follow_up"
    assert incident.next_report_due > timezone.now()
    assert incident.arrived_at is not None
    assert incident.arrived_at <= incident.arrival_due
    assert board(_user("clerk")) == [incident]
    assert board(_user("county-leader")) == [incident]
    assert board(_user("village-informant")) == [incident]  # 东风村 is involved
    signs["东风村"].refresh_from_db()
    assert signs["东风村"].links == [{"kind": "incident", "id": incident.pk, "number": incident.number}]


def test_loading_the_demo_stability_again_adds_nothing(demo):
    demo_stability_load()
    counts = (ContingencyPlan.objects.count(), InfoReport.objects.count(), Incident.objects.count())
    again = demo_stability_load()
    assert (again.plans_created, again.reports_filed, again.incidents_registered, again.accounts_created) == (
        0,
        0,
        0,
        0,
    )
    assert (ContingencyPlan.objects.count(), InfoReport.objects.count(), Incident.objects.count()) == counts


def test_no_stability_demo_outside_demo_mode(demo, settings):
    settings.DEMO_MODE = False
    with pytest.raises(ApplicationError, match="不允许加载演示数据"):
        demo_stability_load()
    assert not InfoReport.objects.exists()


def test_the_demo_township_keeps_three_key_persons_visited_and_one_under_monitoring(demo):
    from xinfang.keypersons.models import KeyPerson
    from xinfang.keypersons.selectors import persons_visible_to

    demo_stability_load()
    demo_stability_load()  # again: nothing twice
    persons = list(KeyPerson.objects.order_by("pk"))
    assert [p.category.code for p in persons] == ["veteran", "teacher", "landless"]
    assert all(p.last_visit_at is not None and p.next_visit_due is not None for p in persons)
    assert all(p.next_visit_due > timezone.now() for p in persons)  # none overdue in a fresh demo
    assert [p.monitored for p in persons] == [False, False, True]
    assert len(persons_visible_to(_user("clerk"))) == 3
    assert len(persons_visible_to(_user("village-handler"))) == 3  # their 稳控责任人
    assert len(persons_visible_to(_user("village2-handler"))) == 0
