"""Data scope: own unit; leaders and the office also see descendants; outside scope is 404."""

import pytest

from xinfang.accounts.models import User
from xinfang.organisation.selectors import units_visible_to

EAST_WIND = "341122101201"  # 东风村, village-handler's village
RED_STAR = "341122101202"  # 红星村, village2-handler's village
TOWNSHIP = "341122101"
HEXI = "341122102"


def test_village_user_sees_only_their_village(village_handler, unit_by_code):
    visible = set(units_visible_to(village_handler).values_list("code", flat=True))
    assert visible == {EAST_WIND}


def test_township_leader_sees_township_and_its_villages_but_not_other_townships(leader):
    visible = set(units_visible_to(leader).values_list("code", flat=True))
    assert {TOWNSHIP, EAST_WIND, RED_STAR} <= visible
    assert HEXI not in visible
    assert "341122" not in visible


def test_county_leader_sees_the_whole_county(county_leader):
    assert units_visible_to(county_leader).count() == 28


def test_handler_sees_only_own_unit_not_descendants(handler):
    assert set(units_visible_to(handler).values_list("code", flat=True)) == {TOWNSHIP}


def test_village_user_cannot_read_another_village_by_id_in_api(api_client, village_handler, unit_by_code):
    # given
    api = api_client(village_handler)
    own, other = unit_by_code(EAST_WIND), unit_by_code(RED_STAR)
    # when
    listing = api.get("/api/v1/units")
    own_response = api.get(f"/api/v1/units/{own.pk}")
    other_response = api.get(f"/api/v1/units/{other.pk}")
    missing_response = api.get("/api/v1/units/999999")
    # then
    assert [item["code"] for item in listing.json()["items"]] == [EAST_WIND]
    assert listing.json()["count"] == 1
    assert own_response.status_code == 200
    assert other_response.status_code == 404
    assert other_response.json() == missing_response.json() == {"message": "记录不存在或您无权查看。"}


def test_village_user_cannot_open_another_village_page(client, village_handler, unit_by_code):
    client.force_login(village_handler)
    assert client.get(f"/units/{unit_by_code(EAST_WIND).pk}/").status_code == 200
    response = client.get(f"/units/{unit_by_code(RED_STAR).pk}/")
    assert response.status_code == 404
    assert "记录不存在或您无权查看" in response.content.decode()


def test_leader_unit_list_page_is_scoped_and_paginated(client, leader, django_assert_max_num_queries):
    client.force_login(leader)  # (+1: the inbox badge)
    with django_assert_max_num_queries(11):
        response = client.get("/units/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "东风村" in body
    assert "河西乡" not in body


def test_user_without_unit_sees_nothing(db):
    lonely = User.objects.create_user(username="lonely", password="Demo@2026")
    assert units_visible_to(lonely).count() == 0


# 东风村: 陈村干部 and 刘信息 (信息员)
@pytest.mark.parametrize(("username", "visible_users"), [("village-handler", 2), ("sysadmin", 17)])
def test_user_scope_follows_unit_scope(demo, username, visible_users):
    from xinfang.accounts.selectors import users_visible_to

    assert users_visible_to(User.objects.get(username=username)).count() == visible_users


def test_sysadmin_creates_a_unit_under_a_township_and_it_is_audited(client, sysadmin, unit_by_code):
    from xinfang.audit.models import AuditEntry, AuditEvent

    client.force_login(sysadmin)
    township = unit_by_code(TOWNSHIP)
    response = client.post(
        f"/units/{township.pk}/new/",
        {"name": "新河村", "code": "341122101204", "unit_type": "village", "is_active": "on"},
    )
    assert response.status_code == 302
    new = unit_by_code("341122101204")
    assert new.parent == township
    assert new.path == f"{township.path}{new.pk}/"
    assert AuditEntry.objects.filter(
        event=AuditEvent.UNIT_CREATED, actor=sysadmin, target_id=str(new.pk)
    ).exists()


def test_duplicate_unit_code_is_refused_in_chinese(client, sysadmin, unit_by_code):
    client.force_login(sysadmin)
    township = unit_by_code(TOWNSHIP)
    response = client.post(
        f"/units/{township.pk}/new/", {"name": "重复", "code": EAST_WIND, "unit_type": "village"}
    )
    assert response.status_code == 200
    assert f"单位代码 {EAST_WIND} 已被使用" in response.content.decode()
