"""The demo township's duty (值班), so that after `make run` someone is on duty now.

城关镇 keeps two shifts a day (白班 08:30 for 9 hours, 夜班 17:30 for 15 hours); its office (王接访)
draws up this month's and next month's rosters by rotating its leaders (张分管, 赵书记) and four of
its staff (吴值班, 王接访, 李承办, 钱督办), and publishes them, through the same services the
值班 page calls. This month's roster starts on the 1st, so today's shifts are on it. The people
on the rosters get office phone numbers (shown by 今日值班 and the duty-room display) if they
have none.

Idempotent: the slots are set only for a township that has none, a month is drawn up only if it
has no roster, and a draft is published; a published month is left alone. Refuses to run unless
settings.DEMO_MODE is on.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.services import user_update
from xinfang.core.exceptions import ApplicationError
from xinfang.deadlines.models import SensitivePeriod
from xinfang.deadlines.sensitive import period_save
from xinfang.duty.choices import RosterStatus
from xinfang.duty.models import DutySlot, RosterMonth
from xinfang.duty.selectors import next_month
from xinfang.duty.services import SlotIn, roster_generate, roster_publish, slots_save
from xinfang.organisation.models import Unit

from .services import TOWNSHIP

SLOTS = (SlotIn("白班", "08:30", 9 * 60), SlotIn("夜班", "17:30", 15 * 60))
LEADERS = ("leader", "principal")
STAFF = ("duty", "clerk", "handler", "supervisor")
OFFICE = "clerk"  # who draws up and publishes the roster
PHONES = {
    "leader": "0551-66123001",
    "principal": "0551-66123000",
    "duty": "0551-66123110",
    "clerk": "0551-66123101",
    "handler": "0551-66123102",
    "supervisor": "0551-66123103",
}


@dataclass(frozen=True)
class DemoDutyResult:
    months_published: int
    periods_created: int = 0


@transaction.atomic
def demo_duty_load() -> DemoDutyResult:
    """Sets the township's shifts of a day, then draws up and publishes this month and the next."""
    if not settings.DEMO_MODE:
        raise ApplicationError("当前为生产配置，不允许加载演示数据。")
    unit = Unit.objects.get(code=TOWNSHIP)
    people = {
        u.username: u for u in User.objects.filter(username__in=[*LEADERS, *STAFF]).select_related("unit")
    }
    office = people[OFFICE]
    _phones(people)
    if not DutySlot.objects.filter(unit=unit).exists():
        slots_save(actor=office, unit=unit, slots=list(SLOTS))
    this_month = timezone.localdate().replace(day=1)
    published = 0
    for month in (this_month, next_month(this_month)):
        roster = RosterMonth.objects.filter(unit=unit, month=month).first()
        if roster is None:
            roster = roster_generate(
                actor=office,
                unit_id=unit.pk,
                month=month,
                leaders=[people[name].pk for name in LEADERS],
                staff=[people[name].pk for name in STAFF],
            )
        if roster.status == RosterStatus.DRAFT:
            roster_publish(actor=office, roster=roster)
            published += 1
    return DemoDutyResult(months_published=published, periods_created=_sensitive_periods())


def _sensitive_periods() -> int:
    """Two county-wide sensitive periods, once (an office's later change or deletion stays): the
    New Year holiday ahead (三级) and the next 全国两会 (一级), so the coverage check shows the
    raised rule."""
    if SensitivePeriod.objects.exists():
        return 0
    county_clerk = User.objects.select_related("unit").get(username="county-clerk")
    assert county_clerk.unit is not None
    today = timezone.localdate()
    new_year = today.year + 1
    lianghui = today.year if today.month < 3 else today.year + 1
    for name, starts_on, ends_on, level, reason in (
        ("元旦", date(new_year - 1, 12, 31), date(new_year, 1, 3), 3, "元旦假期前后加强值守（演示数据）"),
        ("全国两会", date(lianghui, 3, 1), date(lianghui, 3, 15), 1, "全国两会期间一级响应（演示数据）"),
    ):
        period_save(
            actor=county_clerk,
            unit=county_clerk.unit,
            name=name,
            starts_on=starts_on,
            ends_on=ends_on,
            level=level,
            reason=reason,
        )
    return 2


def _phones(people: dict[str, User]) -> None:
    """Office phones for the people on duty who have none (an administrator's later change stays)."""
    for username, phone in PHONES.items():
        user = people.get(username)
        if user is not None and not user.phone:
            user_update(
                actor=None,
                user=user,
                full_name=user.full_name,
                unit=user.unit,
                phone=phone,
                is_active=user.is_active,
            )
