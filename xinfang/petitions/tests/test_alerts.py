"""The deadline alert sweep: which petitions, which step, who hears of it, and only once."""

import logging
from datetime import timedelta
from unittest.mock import patch

import pytest
from django.db import DatabaseError
from django.test import override_settings
from django.urls import reverse

from xinfang.accounts.models import User
from xinfang.accounts.services import user_create, user_set_roles
from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.notifications.models import Notification
from xinfang.organisation.models import Unit
from xinfang.petitions.alerts import alert_boundary, alerts_sweep
from xinfang.petitions.models import OWNER_TYPE
from xinfang.petitions.selectors import warning_boundary
from xinfang.petitions.tests.factories import register

from .alert_helpers import (
    accepted,
    act,
    alerts,
    assigned,
    in_rereview,
    in_review,
    move_clock_start_back,
    notified,
    place,
    registered,
    today,
    user,
)

pytestmark = pytest.mark.usefixtures("demo")

TOWN_OFFICE = {"leader", "principal", "clerk"}
VILLAGE_MATTER = TOWN_OFFICE | {"village-handler"}
COUNTY_OFFICE = {"county-leader", "county-clerk"}
STATION_MATTER = TOWN_OFFICE | {"station-handler"}

STEPS = [
    pytest.param(registered, "受理", TOWN_OFFICE, id="acceptance-registered"),
    pytest.param(accepted, "办理", TOWN_OFFICE, id="handling-accepted"),
    pytest.param(assigned, "办理", VILLAGE_MATTER, id="handling-assigned"),
    # the township answered, the county decides the review: told as well
    pytest.param(in_review, "复查", VILLAGE_MATTER | COUNTY_OFFICE, id="review"),
    pytest.param(in_rereview, "复核", STATION_MATTER | COUNTY_OFFICE, id="rereview"),
]


@pytest.mark.parametrize(("make", "step", "recipients"), STEPS)
def test_a_deadline_within_three_working_days_gives_one_near_notice_per_recipient(make, step, recipients):
    # given
    petition = place(make(), today() + timedelta(days=1))

    # when
    result = alerts_sweep()

    # then
    key = f"deadline:{petition.pk}:near:{petition.current_deadline.isoformat()}"
    assert notified() == {(username, key) for username in recipients}
    assert result.created == len(recipients)
    notice = alerts().filter(owner_type=OWNER_TYPE, owner_id=petition.pk).first()
    assert notice.kind == "deadline_near"
    assert notice.title == f"信访件 {petition.number} {step}期限将至（{petition.current_deadline:%Y-%m-%d}）"
    assert "还剩 1 天" in notice.body
    assert notice.link == reverse("petitions:detail", kwargs={"petition_id": petition.pk})


@pytest.mark.parametrize(("make", "step", "recipients"), STEPS)
def test_a_passed_deadline_gives_one_overdue_notice_per_recipient(make, step, recipients):
    # given
    petition = place(make(), today() - timedelta(days=2))

    # when
    alerts_sweep()

    # then
    key = f"deadline:{petition.pk}:overdue:{petition.current_deadline.isoformat()}"
    assert notified() == {(username, key) for username in recipients}
    notice = alerts().filter(owner_type=OWNER_TYPE, owner_id=petition.pk).first()
    assert notice.kind == "deadline_overdue"
    assert (
        notice.title == f"信访件 {petition.number} {step}期限已逾期（{petition.current_deadline:%Y-%m-%d}）"
    )
    assert "已逾期 2 天" in notice.body


@pytest.mark.parametrize(("offset", "level"), [(0, "near"), (-1, "overdue")])
def test_an_assignment_deadline_is_named_as_such(offset, level):
    # given: 交办 with a deadline earlier than the legal one
    petition = assigned(deadline=today() + timedelta(days=5))
    assert petition.current_deadline == petition.assignment_due
    petition = place(petition, today() + timedelta(days=offset), assignment_due=True)

    # when
    alerts_sweep()

    # then
    key = f"deadline:{petition.pk}:{level}:{petition.current_deadline.isoformat()}"
    assert notified() == {(username, key) for username in VILLAGE_MATTER}
    assert set(alerts().values_list("title", flat=True)) == {
        f"信访件 {petition.number} 交办期限{'将至' if level == 'near' else '已逾期'}"
        f"（{petition.current_deadline:%Y-%m-%d}）"
    }


def test_an_approved_extension_moves_the_deadline_so_no_overdue_notice_is_sent():
    # given: two matters accepted 61 days ago, both past their 60-day handling period
    extended, late = accepted(), accepted()
    for petition in (extended, late):
        move_clock_start_back(petition, 61)
        place(petition, today() - timedelta(days=1))

    # when: the leader approves a 30-day extension of one of them
    act(extended, "request_extension", "handler", days=30, reason="情况复杂，需补充调查")
    extended = act(extended, "approve_extension", "leader")
    alerts_sweep()

    # then
    assert extended.current_deadline > warning_boundary(today())
    assert not alerts().filter(owner_type=OWNER_TYPE, owner_id=extended.pk).exists()
    assert alerts().filter(owner_type=OWNER_TYPE, owner_id=late.pk, kind="deadline_overdue").count() == 3


def test_running_the_sweep_twice_notifies_once():
    # given
    place(registered(), today())
    place(assigned(), today() - timedelta(days=3))
    first = alerts_sweep()

    # when
    second = alerts_sweep()

    # then
    assert first.created == 7
    assert (second.checked, second.created) == (2, 0)
    assert alerts().count() == 7


def test_a_deadline_first_near_then_passed_gives_one_notice_of_each_level():
    # given
    petition = place(registered(), today())
    alerts_sweep()
    alerts_sweep()

    # when: the same deadline, two days later
    alerts_sweep(today=today() + timedelta(days=2))
    alerts_sweep(today=today() + timedelta(days=2))

    # then
    kinds = list(alerts().filter(recipient__username="clerk").values_list("kind", flat=True))
    assert sorted(kinds) == ["deadline_near", "deadline_overdue"]
    assert alerts().filter(owner_type=OWNER_TYPE, owner_id=petition.pk).count() == 6


def test_a_new_deadline_date_is_a_new_notice():
    # given
    petition = place(registered(), today())
    alerts_sweep()

    # when
    place(petition, today() + timedelta(days=1))
    result = alerts_sweep()

    # then
    assert result.created == 3
    assert alerts().filter(recipient__username="clerk", kind="deadline_near").count() == 2


def test_only_open_petitions_with_a_deadline_up_to_the_boundary_are_checked():
    # given
    boundary = alert_boundary(today())
    at_boundary = place(registered(), boundary)
    place(registered(), boundary + timedelta(days=1))
    no_deadline = place(registered(), today())
    type(no_deadline).objects.filter(pk=no_deadline.pk).update(current_deadline=None)
    rejected = act(registered(), "reject", "clerk", ground="legal_channel")
    type(rejected).objects.filter(pk=rejected.pk).update(current_deadline=today() - timedelta(days=1))

    # when
    result = alerts_sweep()

    # then
    assert boundary == warning_boundary(today())
    assert result.checked == 1
    assert set(alerts().values_list("owner_id", flat=True)) == {at_boundary.pk}


def test_the_number_of_working_days_is_a_setting():
    # given
    boundary = alert_boundary(today())
    place(registered(), boundary)

    # when
    with override_settings(XINFANG_ALERT_WORKING_DAYS=1):
        result = alerts_sweep()

    # then
    assert result.boundary < boundary
    assert result.created == 0


def test_the_leaders_of_the_handling_unit_are_told_instead_of_those_above_it():
    # given: the village gets a leader of its own
    village_leader = user_create(
        actor=None,
        username="village-leader",
        full_name="村支书",
        unit=Unit.objects.get(code="341122101201"),
        password="Xf#2026abcd",
    )
    user_set_roles(actor=None, user=village_leader, roles={"leader"})
    petition = place(assigned(), today())

    # when
    alerts_sweep()

    # then
    key = f"deadline:{petition.pk}:near:{petition.current_deadline.isoformat()}"
    assert notified() == {(u, key) for u in ("village-leader", "village-handler", "clerk")}


def test_without_leaders_up_to_the_township_the_county_leader_is_told(unit_by_code):
    # given: the county office assigns a matter to a village of 河西乡 (no leaders there)
    petition = register(user("county-clerk"), problem_unit=unit_by_code("341122102201"))
    petition = act(petition, "accept", "county-clerk")
    petition = act(petition, "assign", "county-clerk", unit=unit_by_code("341122102201").pk)
    petition = place(petition, today())

    # when
    alerts_sweep()

    # then
    key = f"deadline:{petition.pk}:near:{petition.current_deadline.isoformat()}"
    assert notified() == {("county-leader", key), ("county-clerk", key)}


def test_an_inactive_handler_and_users_outside_the_matter_are_not_told():
    # given
    petition = place(assigned(), today() - timedelta(days=1))
    User.objects.filter(username="village-handler").update(is_active=False)

    # when
    alerts_sweep()

    # then
    usernames = set(alerts().values_list("recipient__username", flat=True))
    assert usernames == TOWN_OFFICE
    assert petition.handler.username == "village-handler"


def test_a_run_cut_short_by_a_crash_then_rerun_ends_with_the_same_notices_as_one_clean_run():
    # given: five overdue matters and the notices one clean run gives them
    for _ in range(5):
        place(registered(), today() - timedelta(days=1))
    alerts_sweep(batch_size=2)
    clean = notified()
    alerts().all().delete()
    real_bulk_create = alerts().bulk_create
    calls = []

    def fail_on_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise DatabaseError("disk I/O error")
        return real_bulk_create(*args, **kwargs)

    # when: the second batch fails
    with (
        patch.object(Notification.objects, "bulk_create", side_effect=fail_on_second_batch),
        pytest.raises(DatabaseError),
    ):
        alerts_sweep(batch_size=2)
    after_crash = notified()
    rerun = alerts_sweep(batch_size=2)

    # then: the first batch stayed, the second left nothing behind, the rerun completed the rest
    assert len(clean) == 15
    assert len(after_crash) == 6
    assert after_crash < clean
    assert rerun.created == 9
    assert notified() == clean


def test_each_run_writes_one_audit_entry_and_one_summary_line(caplog):
    # given
    place(registered(), today())

    # when
    with caplog.at_level(logging.INFO, logger="xinfang.petitions.alerts"):
        result = alerts_sweep()

    # then
    entry = AuditEntry.objects.get(event=AuditEvent.NOTIFICATIONS_SENT)
    assert entry.actor is None
    assert entry.extra_data["checked"] == 1
    assert entry.extra_data["created"] == 3
    assert entry.extra_data["boundary"] == result.boundary.isoformat()
    assert "检查 1 件" in caplog.text
    assert "新发通知 3 条" in caplog.text


def test_the_command_and_the_periodic_task_run_the_sweep():
    from io import StringIO

    from django.core.management import call_command

    from xinfang.deadlines.tasks import deadlines_sweep_task

    # given
    place(registered(), today())
    out = StringIO()

    # when: the command (every owner's scan) under its old name, then the every-minute task
    call_command("alerts_sweep", stdout=out)
    created_by_task = deadlines_sweep_task.call_local()

    # then
    assert "新发提醒 3 条" in out.getvalue()
    assert created_by_task == 0
    assert AuditEntry.objects.filter(event=AuditEvent.NOTIFICATIONS_SENT).count() >= 1
