"""A machine defined only here, driven through the one transition function by random users with
random input: 404 outside scope, 403 for the wrong role or unit, 409 out of order, 422 for bad
input, and a refused step changes nothing (the case, its events, the audit log).

The example is a 请示 (a request for instructions): drafted in a unit, submitted by its clerk,
approved or returned by a leader of that unit or above; anyone of the unit may comment while open.
"""

from dataclasses import replace
from typing import Any

import pytest
from django.db import connection, models
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from xinfang.accounts.models import User
from xinfang.accounts.permissions import capabilities_of
from xinfang.audit.models import AuditEntry
from xinfang.core.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from xinfang.notifications.models import Notification
from xinfang.procedure import engine
from xinfang.procedure.inputs import StepInput, pick, text
from xinfang.procedure.machine import Change, Form, Machine, Notice, Party, Step


class Request(models.Model):
    state = models.CharField(max_length=20, default="draft")
    unit_path = models.CharField(max_length=255)
    answer = models.CharField(max_length=20, blank=True)

    class Meta:
        app_label = "procedure"


class RequestEvent(models.Model):
    request = models.ForeignKey(Request, on_delete=models.CASCADE)
    action = models.CharField(max_length=40)
    from_state = models.CharField(max_length=20)
    to_state = models.CharField(max_length=20)

    class Meta:
        app_label = "procedure"


class Decision(models.TextChoices):
    AGREE = "agree", "同意"
    DISAGREE = "disagree", "不同意"


class SubmitIn(StepInput):
    note: str = text("请示事项")


class DecideIn(StepInput):
    decision: Decision = pick("批示意见")


class CommentIn(StepInput):
    text: str = text("意见")


def _lock(actor: User | None, case: Request) -> Request:
    rows = Request.objects.select_for_update()
    if actor is not None:
        assert actor.unit is not None
        rows = rows.filter(unit_path__startswith=actor.unit.path)
    found = rows.filter(pk=case.pk).first()
    if found is None:
        raise NotFound()
    return found


def _save(change: Change[Request]) -> None:
    change.case.save()


def _record(change: Change[Request]) -> RequestEvent:
    return RequestEvent.objects.create(
        request=change.case, action=change.action, from_state=change.from_state, to_state=change.case.state
    )


def _decide(change: Change[Request]) -> None:
    change.case.answer = str(change.input.decision)


def _nothing(change: Change[Request]) -> None:
    change.data["seen"] = True


def _own_unit(case: Request, actor: User) -> bool:
    return actor.unit is not None and case.unit_path == actor.unit.path


def _at_or_above(case: Request, actor: User) -> bool:
    return actor.unit is not None and case.unit_path.startswith(actor.unit.path)


def _not_answered(case: Request) -> str | None:
    return "已批示。" if case.answer else None


OWN = Party("own", _own_unit, "只有本单位可以执行此操作。")
ABOVE = Party("above", _at_or_above, "只有本单位或上级单位可以执行此操作。")
CLERK = frozenset({"petitions.register"})
LEADER = frozenset({"petitions.approve"})
STEPS: dict[str, Step[Request]] = {
    "submit": Step(
        "呈报", frozenset({"draft"}), "submitted", CLERK, OWN, _nothing, SubmitIn, form=Form("呈报", "呈报")
    ),
    "decide": Step(
        "批示", frozenset({"submitted"}), "decided", LEADER, ABOVE, _decide, DecideIn, (_not_answered,)
    ),
    "comment": Step(
        "意见", frozenset({"draft", "submitted"}), None, CLERK | LEADER, ABOVE, _nothing, CommentIn
    ),
}
MACHINE = Machine(
    owner_type="procedure.request",
    label="请示",
    steps=STEPS,
    state_labels={"draft": "草稿", "submitted": "已呈报", "decided": "已批示"},
    lock=_lock,
    save=_save,
    record=_record,
    describe=lambda case: f"请示 {case.pk}",
    state_field="state",
)
TARGET = {"submit": "submitted", "decide": "decided", "comment": None}
USERS = ("clerk", "leader", "handler", "county-leader", "village-handler", "county-clerk")
GOOD = {
    "submit": {"note": "关于东风村道路修缮的请示"},
    "decide": {"decision": "agree"},
    "comment": {"text": "同意呈报"},
}
BAD = {"submit": {"note": "  "}, "decide": {"decision": "maybe"}, "comment": {"text": "x" * 5001}}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The example's two tables in the test database, made once (a table made inside a test's
    transaction is not possible on SQLite, and a flushing test would meet the audit log's
    append-only trigger)."""
    with django_db_blocker.unblock(), connection.schema_editor() as editor:
        editor.create_model(Request)
        editor.create_model(RequestEvent)


@pytest.fixture
def tables(db):
    return None


def _expected(case: Request, actor: User, action: str, good: bool) -> type[Exception] | None:
    """The refusal the rules predict, in the engine's order, or None for success."""
    step = STEPS[action]
    assert actor.unit is not None
    if not capabilities_of(actor) & step.capabilities:
        return PermissionDenied
    if not case.unit_path.startswith(actor.unit.path):
        return NotFound
    if case.state not in step.sources:
        return Conflict
    if step.party is not None and not step.party.includes(case, actor):
        return PermissionDenied
    if any(guard(case) for guard in step.guards):
        return Conflict
    return None if good else ValidationFailed


def _snapshot(case: Request) -> tuple[Any, ...]:
    fresh = Request.objects.get(pk=case.pk)
    return fresh.state, fresh.answer, RequestEvent.objects.count(), AuditEntry.objects.count()


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    home=st.sampled_from(["341122101", "341122101201", "341122"]),
    calls=st.lists(
        st.tuples(st.sampled_from(USERS), st.sampled_from(sorted(STEPS)), st.booleans()),
        min_size=1,
        max_size=12,
    ),
)
def test_random_calls_follow_the_table_and_a_refusal_changes_nothing(demo_units, tables, home, calls):
    # given
    users = {u.username: u for u in User.objects.select_related("unit").filter(username__in=USERS)}
    case = Request.objects.create(unit_path=demo_units[home])
    for username, action, good in calls:
        case.refresh_from_db()
        before = _snapshot(case)
        expected = _expected(case, users[username], action, good)
        # when
        fields = GOOD[action] if good else BAD[action]
        refused: Exception | None = None
        try:
            engine.transition(MACHINE, case=case, action=action, actor=users[username], fields=fields)
        except (NotFound, PermissionDenied, Conflict, ValidationFailed) as exc:
            refused = exc
        if refused is not None:
            # then: the predicted refusal, and nothing written
            assert type(refused) is expected, (username, action, good, refused)
            assert _snapshot(case) == before
            continue
        assert expected is None, (username, action, good)
        state, _, events, audits = _snapshot(case)
        assert state == (TARGET[action] or before[0])
        assert (events, audits) == (before[2] + 1, before[3] + 1)
        event = RequestEvent.objects.latest("id")
        assert (event.action, event.from_state, event.to_state) == (action, before[0], state)


def test_allowed_actions_come_from_the_same_table(demo_units, tables):
    case = Request.objects.create(unit_path=demo_units["341122101"])
    clerk = User.objects.select_related("unit").get(username="clerk")
    leader = User.objects.select_related("unit").get(username="county-leader")
    assert engine.allowed_actions(MACHINE, case, clerk) == ["submit", "comment"]
    assert engine.allowed_actions(MACHINE, case, leader) == ["comment"]
    engine.transition(MACHINE, case=case, action="submit", actor=clerk, fields=GOOD["submit"])
    case.refresh_from_db()
    assert engine.allowed_actions(MACHINE, case, leader) == ["decide", "comment"]
    with pytest.raises(ValidationFailed) as refused:
        engine.transition(MACHINE, case=case, action="decide", actor=leader, fields={})
    assert refused.value.extra["decision"].startswith("请选择批示意见。")
    assert timezone.now()


@pytest.fixture
def demo_units(db):
    from xinfang.demo.services import demo_load
    from xinfang.organisation.models import Unit

    demo_load(password="Demo@2026")
    return dict(Unit.objects.values_list("code", "path"))


# --- a step's messages: one event, one notice per person ----------------------------------------


def _audience(case: Request, user_ids: set[int]) -> set[int]:
    """The users of the request's unit or above."""
    users = User.objects.filter(pk__in=user_ids).select_related("unit")
    return {u.pk for u in users if u.unit is not None and case.unit_path.startswith(u.unit.path)}


def _submitted(change: Change[Request]) -> list[Notice]:
    """The same leaders in three lists (the unit's leaders, the one in charge, the reviewer), the
    actor, and a user of another village who cannot see the request."""
    leaders = list(User.objects.filter(username__in=["leader", "principal"]))
    leader = leaders[0]
    other = User.objects.get(username="village2-handler")
    return [
        Notice([*leaders, change.actor], f"请示待批示：{change.case.pk}", "请批示。"),
        Notice([leader, other], f"请示待批示：{change.case.pk}", "您分管的请示。"),
        Notice([leader.pk], f"请示待审核：{change.case.pk}", "请审核。"),
    ]


TOLD = replace(
    MACHINE,
    steps={**STEPS, "submit": replace(STEPS["submit"], notifies=_submitted)},
    audience=_audience,
    notice_about=lambda case: (case, f"/requests/{case.pk}/"),
)


def test_one_step_tells_each_person_once_however_many_lists_name_them(demo_units, tables):
    # given: a request of 东风村, its clerk
    case = Request.objects.create(unit_path=demo_units["341122101201"])
    clerk = _village_clerk()
    # when
    change = engine.transition(TOLD, case=case, action="submit", actor=clerk, fields=GOOD["submit"])
    # then: each leader once, with the first message that names them; not the actor, and not the
    # other village's handler, whom the machine's audience leaves out
    rows = Notification.objects.filter(owner_type="procedure.request", owner_id=case.pk)
    assert sorted(rows.values_list("recipient__username", "body")) == [
        ("leader", "请批示。"),
        ("principal", "请批示。"),
    ]
    assert set(rows.values_list("dedupe_key", flat=True)) == {f"procedure.request:{change.event.pk}"}
    assert set(rows.values_list("link", flat=True)) == {f"/requests/{case.pk}/"}


def test_a_machine_that_tells_people_must_name_who_may_learn_of_its_cases(demo_units, tables):
    # given: the same step on a machine without an audience
    untold = replace(TOLD, audience=None)
    case = Request.objects.create(unit_path=demo_units["341122101201"])
    clerk = _village_clerk()
    before = _snapshot(case)
    # when / then: refused as a programming error, and nothing written
    with pytest.raises(ValueError, match="audience"):
        engine.transition(untold, case=case, action="submit", actor=clerk, fields=GOOD["submit"])
    assert _snapshot(case) == before
    assert not Notification.objects.filter(owner_type="procedure.request").exists()


def _village_clerk() -> User:
    from xinfang.accounts.services import user_create, user_set_roles
    from xinfang.organisation.models import Unit

    user = User.objects.filter(username="village-clerk").first() or user_create(
        actor=None,
        username="village-clerk",
        full_name="东风村接访员",
        unit=Unit.objects.get(code="341122101201"),
        password="Demo@2026",
        must_change_password=False,
    )
    user_set_roles(actor=None, user=user, roles={"clerk"})
    return User.objects.select_related("unit").get(pk=user.pk)
