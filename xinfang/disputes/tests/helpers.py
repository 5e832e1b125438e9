"""Shared by the disputes tests: the demo's people and a dispute registered at 东风村."""

from datetime import date, datetime, time
from typing import Any

from xinfang.accounts.models import User
from xinfang.deadlines.engine import LOCAL_TZ
from xinfang.disputes.machine import dispute_transition
from xinfang.disputes.models import Dispute
from xinfang.disputes.services import dispute_register
from xinfang.organisation.models import Unit
from xinfang.petitions.tests.factories import VALID_IDS

TOWNSHIP, DONGFENG, HONGXING = "341122101", "341122101201", "341122101202"
PARTY_A = {"name": "张甲", "id_number": VALID_IDS[2], "phone": "13900000011", "address": "东风村一组"}
PARTY_B = {"name": "李乙", "id_number": "", "phone": "13900000012", "address": "东风村二组"}


def user(username: str) -> User:
    return User.objects.select_related("unit").get(username=username)


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ)


def register(actor: str = "village-handler", unit_code: str = DONGFENG, **overrides: Any) -> Dispute:
    values: dict[str, Any] = {
        "kind": "neighbour",
        "place": "东风村一组",
        "facts": "李乙修建院墙占用张甲宅基地约2平方米，双方多次争吵。",
        "demands": "拆除院墙，恢复原状",
        "people": 2,
        "amount": 3000,
        "parties": [PARTY_A, PARTY_B],
        "source": "walk_in",
    }
    values.update(overrides)
    return dispute_register(actor=user(actor), unit=unit(unit_code).pk, **values)


def step(dispute: Dispute, action: str, actor: str = "village-handler", **fields: Any) -> Dispute:
    return dispute_transition(dispute=dispute, action=action, actor=user(actor), **fields)
