"""The shift machine driven through its one transition function by random people with random
steps and input, on a shift running now: a refusal is one of the answers the rules allow and
changes nothing (the shift, its people, its log, its handover, its events, the audit log); a
success writes one event and one audit entry; a shift is closed only with every handed-over item
settled and the 带班领导's signature."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from xinfang.accounts.models import User
from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.core.exceptions import ApplicationError, Conflict, NotFound, PermissionDenied, ValidationFailed
from xinfang.duty import services
from xinfang.duty.choices import SETTLED_ITEMS, ShiftStatus
from xinfang.duty.machine import STEPS, allowed_actions, shift_transition
from xinfang.duty.models import Handover, HandoverItem, LogEntry, RosterMonth, Shift, ShiftEvent, ShiftMember
from xinfang.organisation.models import Unit

PEOPLE = ("duty", "leader", "principal", "handler", "clerk", "village-handler")
ACTIONS = (*STEPS, "dance")


def _snapshot(shift: Shift) -> tuple[Any, ...]:
    return (
        Shift.objects.filter(pk=shift.pk).values_list("status", "signed_at", "closed_at").get(),
        sorted(
            ShiftMember.objects.filter(shift__unit_id=shift.unit_id).values_list(
                "pk", "user_id", "serving", "leave", "checked_in_at", "checked_out_at"
            )
        ),
        sorted(LogEntry.objects.values_list("pk", "status", "current_shift_id", "acknowledged_at")),
        sorted(HandoverItem.objects.values_list("pk", "status")),
        ShiftEvent.objects.filter(shift=shift).count(),
        AuditEntry.objects.filter(event=AuditEvent.STATE_TRANSITION).count(),
    )


def _fields(action: str, draw: Any, shift: Shift, users: dict[str, User]) -> dict[str, Any]:
    """Plausible input for `action`, sometimes wrong."""
    entries = list(LogEntry.objects.filter(current_shift=shift).values_list("pk", flat=True)) or [999999]
    items = list(HandoverItem.objects.filter(handover__shift=shift).values_list("pk", flat=True)) or [999999]
    person = users[draw(st.sampled_from(PEOPLE))].pk
    if action == "log_entry":
        return {
            "kind": draw(st.sampled_from(["call", "visit", "fax"])),
            "name": draw(st.sampled_from(["张某", ""])),
            "matter": draw(st.sampled_from(["反映路灯不亮", ""])),
            "urgent": draw(st.booleans()),
        }
    if action in ("acknowledge", "close_entry"):
        fields: dict[str, Any] = {"entry": draw(st.sampled_from(entries))}
        if action == "close_entry":
            fields["action_taken"] = draw(st.sampled_from(["已答复", ""]))
        return fields
    if action in ("accept_item", "return_item"):
        fields = {"item": draw(st.sampled_from(items))}
        if action == "return_item":
            fields["reason"] = draw(st.sampled_from(["不清楚", ""]))
        return fields
    if action == "request_leave":
        return {"reason": draw(st.sampled_from(["病假", ""]))}
    if action == "approve_leave":
        return {"user": person, "substitute": users[draw(st.sampled_from(PEOPLE))].pk}
    if action == "staff_shift":
        return {"leader": person, "staff": [users[draw(st.sampled_from(PEOPLE))].pk]}
    if action == "swap":
        return {"user": person, "other_shift": shift.pk + 1, "other_user": users["handler"].pk}
    if action == "register_entry":
        return {"entry": draw(st.sampled_from(entries)), "petition": 999999}
    return {}


@pytest.mark.django_db(transaction=False)
@hsettings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_random_steps_keep_the_rules(demo: Any, data: st.DataObject) -> None:
    # each example starts from no duty data (examples share the test's transaction)
    for model in (HandoverItem, Handover, LogEntry, ShiftEvent, ShiftMember, Shift, RosterMonth):
        model.objects.all().delete()
    users = {name: User.objects.select_related("unit").get(username=name) for name in PEOPLE}
    township = Unit.objects.get(code="341122101")
    start = timezone.now() - timedelta(minutes=5)
    shift = services.shift_add(
        actor=users["clerk"],
        unit=township,
        starts_at=start,
        ends_at=start + timedelta(hours=8),
        label="白班",
        leader=users["leader"].pk,
        staff=[users["duty"].pk],
    )
    services.shift_add(
        actor=users["clerk"],
        unit=township,
        starts_at=start + timedelta(hours=8),
        ends_at=start + timedelta(hours=16),
        label="夜班",
        leader=users["principal"].pk,
        staff=[users["handler"].pk],
    )
    services.roster_publish(actor=users["clerk"], roster=shift.roster)
    for _ in range(data.draw(st.integers(6, 18))):
        name = data.draw(st.sampled_from(PEOPLE))
        actor = users[name]
        action = data.draw(st.sampled_from(ACTIONS))
        current = Shift.objects.prefetch_related("members").get(pk=shift.pk)
        offered = action in allowed_actions(current, actor) if action in STEPS else False
        fields = _fields(action, data.draw, current, users)
        before = _snapshot(current)
        refusal: ApplicationError | None = None
        try:
            shift_transition(shift=Shift(pk=shift.pk), action=action, actor=actor, **fields)
        except ApplicationError as error:
            refusal = error
        if refusal is not None:
            call = f"{name} {action} {fields}: {type(refusal).__name__} {refusal.message}"
            assert _snapshot(current) == before, f"refused {call} changed something"
            if action not in STEPS:
                allowed: tuple[type[Exception], ...] = (ValidationFailed,)
            elif not offered:
                allowed = (PermissionDenied, Conflict, NotFound)
            else:  # offered: only the input, or a fact the step checks, may refuse it
                allowed = (ValidationFailed, Conflict)
            assert isinstance(refusal, allowed), call
            continue
        assert offered, f"{name} {action} succeeded but was not offered"
        after = _snapshot(current)
        assert after[4] == before[4] + 1, "one event per step"
        assert after[5] == before[5] + 1, "one audit entry per step"
        now = Shift.objects.get(pk=shift.pk)
        serving = ShiftMember.objects.filter(shift=now, serving=True)
        assert (now.leaders_serving, now.staff_serving) == (
            serving.filter(kind="leader").count(),
            serving.filter(kind="staff").count(),
        ), "the counts the coverage check reads follow the members"
        if now.status == ShiftStatus.CLOSED:
            assert now.signed_at is not None
            assert all(i.status in SETTLED_ITEMS for i in HandoverItem.objects.filter(handover__shift=now))
