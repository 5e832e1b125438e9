"""The home page (工作台): the leaders' dashboard for stats.view, the work queue for the front desk
and the handlers, and what every home page keeps (greeting, roles)."""

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.petitions.tests.factories import register
from xinfang.petitions.workflow import petition_transition
from xinfang.workbench.selectors import work_queue_petitions, work_queue_q

# + the leader's 待办 (the units below with leaders of their own, one aggregate of the counts;
# with nothing waiting no rows are read)
# + 今日值班 (the shift running now at the county: one query, no shift so no people) and the
# office's check of its published rosters for gaps (one query, none published): +2
# + the stability half's 待办 (信息待签收, 突发事件待报告, 下级事件报告待签收, 预案任务, 批示待确认):
# one aggregate per table (reports, incidents, incident reports, tasks, instructions): +5
# + the disputes' 待办 (待指定调解员, 我调解的, 回访, 司法确认): one aggregate of the dispute table: +1
DASHBOARD_QUERIES = 30  # the 待办: one COUNT per kind of work, each from its own index; the disputes card: 4


def _charts(body: str) -> dict:
    blob = re.search(r'<script id="dashboard-charts" type="application/json">(.*?)</script>', body, re.S)
    assert blob is not None
    return json.loads(blob.group(1))


def test_leader_home_shows_the_dashboard_of_their_township(
    client, leader, clerk, county_clerk_user, unit_by_code
):
    # given: two petitions of the township (one overdue), one of the county
    township = unit_by_code("341122101")
    register(clerk, problem_unit=township, flags=["collective"])
    register(clerk, problem_unit=township, received_at=timezone.now() - timedelta(days=40))
    register(county_clerk_user, problem_unit=township)
    client.force_login(leader)
    # when
    body = client.get("/").content.decode()
    # then
    assert "城关镇信访工作概况" in body
    assert re.search(
        r'data-testid="open-total">\s*<div class="card-body">\s*<div[^>]*>在办件</div>\s*<div[^>]*>2<', body
    )
    assert "/petitions/?status=open&amp;light=red&amp;registered_unit=" in body
    assert "/petitions/?status=open&amp;light=yellow&amp;registered_unit=" in body
    assert 'title="在受理期限内作出受理决定' in body  # each rate explains itself on hover
    assert "vendor/echarts/echarts.min" in body
    charts = _charts(body)
    assert len(charts["trend"]["months"]) == 12
    assert sum(charts["trend"]["counts"]) == 2
    assert "张分管" in body
    assert "分管领导" in body


@pytest.mark.parametrize("extra", [0, 6])
def test_dashboard_query_count_is_pinned_and_does_not_grow_with_data(
    client, county_leader, clerk, unit_by_code, django_assert_num_queries, extra
):
    # given
    for _ in range(extra):
        register(clerk, problem_unit=unit_by_code("341122101201"))
    client.force_login(county_leader)
    client.get("/")  # the session and the calendar cache settle on the first request
    # when / then
    with django_assert_num_queries(DASHBOARD_QUERIES):
        assert client.get("/").status_code == 200


def test_clerk_home_shows_the_office_queue_by_deadline(client, clerk, county_clerk_user, unit_by_code):
    # given: two new matters of 城关镇 (the older one due first), one accepted, one of the county
    township = unit_by_code("341122101")
    older = register(clerk, problem_unit=township, received_at=timezone.now() - timedelta(days=10))
    newer = register(clerk, problem_unit=township, subject="反映噪声扰民问题")
    accepted = register(clerk, problem_unit=township, subject="已受理的事项")
    petition_transition(petition=accepted, action="accept", actor=clerk)
    register(county_clerk_user, problem_unit=township, subject="县里登记的事项")
    client.force_login(clerk)
    # when
    body = client.get("/").content.decode()
    # then
    assert 'data-testid="work-queue"' in body
    assert 'data-testid="dashboard"' not in body
    queue = body.split('data-testid="work-queue"')[1]
    assert queue.index(older.number) < queue.index(newer.number)
    assert accepted.number not in queue  # it waits to be routed: in the 待办 above, not the queue
    assert "县里登记的事项" not in body
    assert body.count('data-testid="queue-row"') == 2
    assert 'data-testid="deadline-light"' in body


def test_clerk_queue_is_paginated_in_the_database(client, clerk, unit_by_code, django_assert_max_num_queries):
    # given
    for _ in range(17):
        register(clerk, problem_unit=unit_by_code("341122101"))
    client.force_login(clerk)
    # when
    first = client.get("/").content.decode()
    second = client.get("/?page=2").content.decode()
    # then
    assert first.count('data-testid="queue-row"') == 15
    assert "下一页" in first
    assert second.count('data-testid="queue-row"') == 2
    assert "上一页" in second


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's query plan")
@pytest.mark.parametrize(
    ("username", "index"), [("clerk", "petition_office_queue"), ("village-handler", "petition_handler_queue")]
)
def test_a_work_queue_reads_its_page_from_a_covering_index(demo, username, index):
    # a front desk or handler with thousands of open matters must sort index entries, not petitions
    actor = User.objects.get(username=username)
    ids = work_queue_petitions(work_queue_q(actor)).values_list("pk", flat=True)[:16]
    sql, params = ids.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert f"USING COVERING INDEX {index}" in plan, plan


def test_handler_home_lists_what_is_assigned_to_them(client, clerk, village_handler, unit_by_code):
    # given
    east = unit_by_code("341122101201")
    mine = register(clerk, problem_unit=east, subject="交给村干部的事项")
    petition_transition(petition=mine, action="assign", actor=clerk, unit=east.pk, handler=village_handler.pk)
    register(clerk, problem_unit=east, subject="尚未交办的事项")
    client.force_login(village_handler)
    # when
    body = client.get("/").content.decode()
    # then
    assert "交给村干部的事项" in body
    assert "尚未交办的事项" not in body
    assert 'data-testid="dashboard"' not in body


def test_home_of_a_role_without_queue_or_dashboard_keeps_the_plain_page(client, auditor):
    client.force_login(auditor)
    body = client.get("/").content.decode()
    assert "您好" in body
    assert 'data-testid="work-queue"' not in body
    assert 'data-testid="dashboard"' not in body


def test_dashboard_links_open_the_register_on_the_same_petitions(
    client, leader, clerk, county_clerk_user, unit_by_code
):
    from xinfang.stats.selectors import month_key, stats_overview

    # given: two overdue petitions of 城关镇 and one of the county that the township handles
    township = unit_by_code("341122101")
    for _ in range(2):
        register(clerk, problem_unit=township, received_at=timezone.now() - timedelta(days=30))
    county_matter = register(
        county_clerk_user, problem_unit=township, received_at=timezone.now() - timedelta(days=30)
    )
    petition_transition(petition=county_matter, action="transfer", actor=county_clerk_user, unit=township.pk)
    today = timezone.localdate()
    overview = stats_overview(
        actor=leader, unit=leader.unit, month_from=month_key(today), month_to=month_key(today), today=today
    )
    client.force_login(leader)
    # when
    body = client.get(overview.overdue.url).content.decode()
    # then: the register counts by the same unit (登记单位) as the dashboard
    assert overview.overdue.count == 2
    assert body.count('data-testid="register-row"') == 2
    assert 'data-testid="registered-unit-filter"' in body


def test_home_page_shows_user_unit_and_roles(client, leader):
    client.force_login(leader)
    body = client.get("/").content.decode()
    assert "张分管" in body
    assert "城关镇" in body
    assert "分管领导" in body


def test_the_leaders_dashboard_shows_the_disputes_against_the_targets(client, leader):
    from xinfang.disputes.tests.helpers import register as register_dispute
    from xinfang.disputes.tests.helpers import step, user

    register_dispute()
    step(register_dispute(), "assign_mediator", mediator=user("village-handler").pk)
    client.force_login(leader)

    body = client.get("/").content.decode()

    card = body.split('data-testid="disputes-dashboard"')[1]
    assert "城关镇矛盾纠纷调处" in card
    assert re.search(r'data-testid="disputes-found">\s*2<', card)
    assert "50.0%" in card  # 参调率: one of two mediated, below the 98 % target
    assert "text-danger" in card
