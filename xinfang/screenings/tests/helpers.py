"""What the screening tests share: the demo's units and people, moments in local time, filing a
round at a simulated moment."""

from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.accounts.services import user_create, user_set_roles
from xinfang.deadlines.engine import LOCAL_TZ
from xinfang.demo.clock import simulated_now
from xinfang.organisation.models import Unit
from xinfang.screenings.models import ScreeningRound
from xinfang.screenings.services import round_file

COUNTY, TOWNSHIP = "341122", "341122101"
DONGFENG, HONGXING, LIUHE = "341122101201", "341122101202", "341122101203"
HEXI_VILLAGE = "341122102201"

FOUND = {
    "kind": "neighbour",
    "place": "东风村三组",
    "facts": "两户村民因宅基地界址发生争执，多次口角。",
    "demands": "请求村调委会确认界址。",
    "parties": [{"name": "张三", "phone": "13800000001"}, {"name": "李四"}],
    "people": 2,
}


def user(username: str) -> User:
    return User.objects.select_related("unit").get(username=username)


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


def person(code: str, role: str = Role.INFORMANT, username: str = "") -> User:
    """A user of the unit `code` with `role` (the demo's, else one made here)."""
    found = User.objects.filter(unit__code=code, role_assignments__role=role).first()
    if found is None:
        found = user_create(
            actor=None,
            username=username or f"{role}-{code}",
            full_name=f"测试{Role(role).label}",
            unit=unit(code),
            password="Demo@2026",
            must_change_password=False,
        )
        user_set_roles(actor=None, user=found, roles={role})
    return user(found.username)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ)


def a_past_monday(weeks: int = 3) -> date:
    today = timezone.localdate()
    return today - timedelta(days=today.weekday()) - timedelta(weeks=weeks)


def file_at(moment: datetime, actor: User, **fields: Any) -> ScreeningRound:
    fields.setdefault("screened_by", "村综治主任王某、网格员李某")
    fields.setdefault("screened_at", moment - timedelta(hours=2))
    with simulated_now(moment):
        return round_file(actor=actor, **fields)


def dispute_kind_code() -> str:
    from xinfang.disputes.models import DisputeKind

    return DisputeKind.objects.filter(active=True).order_by("order", "code").values_list("code", flat=True)[0]
