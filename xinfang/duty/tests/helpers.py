"""What the duty tests share: the demo township, its people, and a shift running now."""

from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.duty import selectors, services
from xinfang.duty.models import Shift
from xinfang.organisation.models import Unit

TOWNSHIP = "341122101"


def user(username: str) -> User:
    return User.objects.select_related("unit").get(username=username)


def township() -> Unit:
    return Unit.objects.get(code=TOWNSHIP)


def next_month() -> date:
    return selectors.next_month(timezone.localdate().replace(day=1))


def running_shift(**overrides: Any) -> Shift:
    """A published 白班 of the township that started ten minutes ago (张分管 leads, 吴值班 serves;
    `overrides` change it), and the 夜班 after it (赵书记, 李承办)."""
    start = timezone.now() - timedelta(minutes=10)
    values: dict[str, Any] = {
        "actor": user("clerk"),
        "unit": township(),
        "starts_at": start,
        "ends_at": start + timedelta(hours=8),
        "label": "白班",
        "leader": user("leader").pk,
        "staff": [user("duty").pk],
    }
    values.update(overrides)
    shift = services.shift_add(**values)
    services.shift_add(
        actor=user("clerk"),
        unit=township(),
        starts_at=start + timedelta(hours=8),
        ends_at=start + timedelta(hours=24),
        label="夜班",
        leader=user("principal").pk,
        staff=[user("handler").pk],
    )
    services.roster_publish(actor=user("clerk"), roster=shift.roster)
    return Shift.objects.get(pk=shift.pk)
