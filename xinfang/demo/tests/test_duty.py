"""The demo township's duty: after loading, someone is on duty now, and loading again changes
nothing."""

from datetime import time

from django.utils import timezone

from xinfang.deadlines.models import SensitivePeriod
from xinfang.demo.duty import demo_duty_load
from xinfang.duty.choices import RosterStatus
from xinfang.duty.models import DutySlot, RosterMonth, Shift
from xinfang.duty.selectors import next_month, on_duty_now
from xinfang.organisation.models import Unit


def test_the_demo_township_has_a_leader_and_a_duty_officer_on_duty_now(demo):
    # when
    result = demo_duty_load()
    # then: two shifts a day, this month and the next published
    township = Unit.objects.get(code="341122101")
    this_month = timezone.localdate().replace(day=1)
    assert result.months_published == 2
    # and the county's 元旦 and 全国两会 as sensitive periods
    assert result.periods_created == 2
    assert set(SensitivePeriod.objects.values_list("name", "level")) == {("元旦", 3), ("全国两会", 1)}
    assert [(s.label, s.starts, s.minutes) for s in DutySlot.objects.filter(unit=township)] == [
        ("白班", time(8, 30), 540),
        ("夜班", time(17, 30), 900),
    ]
    rosters = RosterMonth.objects.filter(unit=township).order_by("month")
    assert [(r.month, r.status) for r in rosters] == [
        (this_month, RosterStatus.PUBLISHED),
        (next_month(this_month), RosterStatus.PUBLISHED),
    ]
    assert Shift.objects.filter(roster=rosters[0], published=True).count() == 2 * (
        (next_month(this_month) - this_month).days
    )
    [now] = on_duty_now([township])
    assert now.shift is not None
    assert [m.user.username for m in now.leaders][0] in ("leader", "principal")
    assert now.staff[0].user.username in ("duty", "clerk", "handler", "supervisor")
    assert all(m.user.phone.startswith("0551-") for m in [*now.leaders, *now.staff])


def test_loading_the_demo_duty_again_changes_nothing(demo):
    demo_duty_load()
    shifts = set(Shift.objects.values_list("pk", flat=True))
    again = demo_duty_load()
    assert (again.months_published, again.periods_created) == (0, 0)
    assert set(Shift.objects.values_list("pk", flat=True)) == shifts
