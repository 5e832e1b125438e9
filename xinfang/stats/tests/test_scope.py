"""A user sees only their scope's figures: the county leader everything registered in the county,
the township leader their township and its villages, a village handler no statistics at all."""

import pytest
from django.utils import timezone

from xinfang.core.exceptions import NotFound
from xinfang.organisation.selectors import access_unit_by_id
from xinfang.petitions.tests.factories import register
from xinfang.stats.selectors import StatsFilter, month_key, stats_overview, stats_table


@pytest.fixture
def spread(clerk, county_clerk_user, village_handler_clerk, unit_by_code):
    """One petition registered by each of 青山县, 城关镇 and 东风村."""
    township, east = unit_by_code("341122101"), unit_by_code("341122101201")
    register(county_clerk_user, problem_unit=township, subject="县登记")
    register(clerk, problem_unit=east, subject="镇登记")
    register(village_handler_clerk, problem_unit=east, subject="村登记")


def _overview(actor, unit):
    today = timezone.localdate()
    return stats_overview(
        actor=actor, unit=unit, month_from=month_key(today), month_to=month_key(today), today=today
    )


@pytest.mark.parametrize(("username", "expected"), [("county-leader", 3), ("leader", 2), ("principal", 2)])
def test_each_leader_counts_their_own_subtree(spread, username, expected, django_user_model):
    actor = django_user_model.objects.select_related("unit").get(username=username)
    overview = _overview(actor, actor.unit)
    assert overview.intake == expected
    assert overview.open_total == expected


def test_township_leader_can_narrow_to_a_village_but_not_widen_to_the_county(spread, leader, unit_by_code):
    # when
    village = _overview(leader, access_unit_by_id(leader, unit_by_code("341122101201").pk))
    # then
    assert village.intake == 1
    with pytest.raises(NotFound):
        access_unit_by_id(leader, unit_by_code("341122").pk)


def test_scope_filter_applies_even_to_a_unit_passed_in_directly(spread, leader, unit_by_code):
    """The selectors intersect with the actor's scope, whatever unit they are handed."""
    county = unit_by_code("341122")
    assert _overview(leader, county).intake == 2


def test_county_leader_table_rolls_villages_up_into_their_township(spread, county_leader, unit_by_code):
    today = timezone.localdate()
    table = stats_table(
        actor=county_leader,
        filters=StatsFilter(unit=county_leader.unit, month_from=month_key(today), month_to=month_key(today)),
        today=today,
    )
    intake = {row.name: row.intake for row in table.units}
    assert intake["城关镇"] == 2
    assert intake["青山县（本级）"] == 1
    assert table.total.intake == 3


def test_village_handler_sees_no_statistics(client, api_client, spread, village_handler):
    client.force_login(village_handler)
    assert client.get("/stats/").status_code == 403
    assert api_client(village_handler).get("/api/v1/stats/overview").status_code == 403
    body = client.get("/").content.decode()
    assert 'data-testid="dashboard"' not in body
