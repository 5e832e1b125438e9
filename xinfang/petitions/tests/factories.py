"""Registration through the real service, so tests set up state exactly as users create it."""

from datetime import datetime
from typing import Any

from django.utils import timezone

from xinfang.organisation.models import Unit
from xinfang.petitions.services import PetitionerInput, PetitionInput, petition_register

VALID_IDS = ("11010519491231002X", "110101199003070513", "440308199901010012", "320102198001010016")


def petition_input(*, problem_unit: Unit, **overrides: Any) -> PetitionInput:
    people = overrides.pop("petitioners", None)
    values: dict[str, Any] = {
        "channel": "letter",
        "received_at": timezone.now(),
        "subject": "反映拖欠工资问题",
        "content": "某建筑公司拖欠农民工工资三个月，要求尽快支付。",
        "category": "0201",
        "problem_unit": problem_unit.pk,
        "petitioners": people
        if people is not None
        else [
            PetitionerInput(
                name="张三",
                gender="male",
                id_number=VALID_IDS[0],
                phone="13812345678",
                address="城关镇东风村3组",
            )
        ],
    }
    # the clerk's answer to the repeat check: a new matter unless it links an earlier one
    values["not_repeat"] = not overrides.get("repeat_of")
    values.update(overrides)
    return PetitionInput(**values)


def register(
    actor: Any, *, problem_unit: Unit | None = None, received_at: datetime | None = None, **overrides: Any
):
    unit = problem_unit or actor.unit
    data = petition_input(problem_unit=unit, **overrides)
    if received_at is not None:
        data.received_at = received_at
    return petition_register(actor=actor, data=data)
