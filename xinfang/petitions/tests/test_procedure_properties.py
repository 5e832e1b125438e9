"""Property test of the procedure: random actions by random demo users, invariants after every step.

A Hypothesis state machine registers a fresh petition per example and then lets the demo users
try actions — some drawn blindly from every action and user, some from what `allowed_actions`
offers (so that deep states such as 复查 / 复核 are reached) — with valid or deliberately bad
fields. It predicts the outcome of every call and checks, after every step, that the timeline is
a path of `TRANSITIONS`, that every transition is audited once, that every stored deadline is the
engine's value and that closed matters accept only what the rules leave open.

Each example runs in its own savepoint inside the test's transaction and is rolled back at the
end, so examples do not see each other's petitions.
"""

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from xinfang.accounts.models import User
from xinfang.accounts.permissions import capabilities_of
from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.core.exceptions import (
    ApplicationError,
    Conflict,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from xinfang.deadlines.engine import compute_deadline
from xinfang.deadlines.models import Deadline
from xinfang.deadlines.selectors import calendar_load
from xinfang.documents.models import Document
from xinfang.organisation.models import Unit
from xinfang.petitions.choices import CLOSED_STATUSES, Outcome, PetitionStatus, Satisfaction
from xinfang.petitions.models import Petition, PetitionEvent
from xinfang.petitions.selectors import petitions_visible_to
from xinfang.petitions.workflow import (
    OWNER_TYPE,
    REPORT_CHECKS,
    TRANSITIONS,
    Action,
    DeclineGround,
    RejectGround,
    allowed_actions,
    petition_transition,
)

from .factories import register

S = PetitionStatus
USERNAMES = (
    "clerk",
    "handler",
    "leader",
    "principal",
    "supervisor",
    "county-clerk",
    "county-leader",
    "village-handler",
    "village2-handler",
    "sysadmin",
    "auditor",
)
EAST_WIND = "341122101201"  # 东风村
TOWNSHIP = "341122101"  # 城关镇
COUNTY = "341122"  # 青山县
UNKNOWN_ACTION = "dance"
ACTIONS = [*Action.values, UNKNOWN_ACTION]
# The rule of the one open clock in each state (acceptance → handling → review → re-review).
CLOCK_OF_STATE = {
    S.REGISTERED: {"acceptance"},
    S.TRANSFERRED: {"acceptance"},
    S.ACCEPTED: {"handling", "handling_important"},
    S.ASSIGNED: {"handling", "handling_important"},
    S.HANDLING: {"handling", "handling_important"},
    S.REPORT_PENDING: {"handling", "handling_important"},
    S.APPROVED: {"handling", "handling_important"},
    S.REVIEW: {"review_decision"},
    S.REREVIEW: {"rereview_decision"},
}
DEAD_ENDS = {Action.REJECT, Action.DECLINE_AGAIN}
CLOSED_MAY = {"request_review", "request_rereview", "record_visit"}
TEXT = st.sampled_from(["经核查，情况属实。", "已与信访人当面沟通", "补充调查笔录"])


def _today() -> date:
    return timezone.localdate()


def _window(delivered: date) -> date | None:
    return compute_deadline(
        start=delivered, amount=30, unit="calendar_days", calendar=calendar_load()
    ).due_date


def _objection_passed(p: Petition) -> bool:
    """More than 5 working days since the matter reached the receiving unit (转送异议期限)."""
    if p.routed_at is None:
        return False
    arrived = timezone.localtime(p.routed_at).date()
    until = compute_deadline(start=arrived, amount=5, unit="working_days", calendar=calendar_load()).due_date
    return _today() > until


def _pauses(row: Deadline) -> list[tuple[date, date | None]]:
    return [
        (date.fromisoformat(p["from"]), None if p.get("to") is None else date.fromisoformat(p["to"]))
        for p in row.pauses
    ]


def _target_of(action: str, from_status: str) -> str:
    """The state an action leads to from `from_status`, read from TRANSITIONS (the objection
    returns the matter: a transfer to the registering office, an assignment to acceptance)."""
    step = TRANSITIONS[action]
    if step.target is not None and not callable(step.target):
        return step.target
    if action == Action.OBJECT:
        return {S.TRANSFERRED: S.REGISTERED, S.ASSIGNED: S.ACCEPTED}[from_status]
    return from_status


class ProcedureMachine(RuleBasedStateMachine):
    users: dict[str, User] = {}
    units: dict[str, Unit] = {}

    def __init__(self) -> None:
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.petition: Petition | None = None
        self.model_status = S.REGISTERED
        self.model_events = 0

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- helpers ---------------------------------------------------------------------------

    def fresh(self) -> Petition:
        assert self.petition is not None
        return Petition.objects.select_related(
            "unit", "handling_unit", "answered_unit__parent", "review_unit"
        ).get(pk=self.petition.pk)

    def snapshot(self) -> tuple[Any, ...]:
        p = self.fresh()
        deadlines = list(
            Deadline.objects.filter(owner_type=OWNER_TYPE, owner_id=p.pk)
            .order_by("pk")
            .values_list("pk", "is_open", "due_date", "extension_days", "pauses")
        )
        return (
            p.status,
            p.current_deadline,
            p.window_ends,
            p.handling_unit_id,
            p.extension_requested_days,
            p.hearing_pending,
            p.is_final,
            PetitionEvent.objects.filter(petition=p).count(),
            AuditEntry.objects.count(),
            Document.objects.filter(owner_type="petitions.petition", owner_id=p.pk).count(),
            deadlines,
        )

    def fields_for(self, action: str, valid: bool, data: st.DataObject) -> tuple[dict[str, Any], bool]:
        """Fields that look like a user's for `action`; `valid=False` asks for a bad variant.
        Returns the fields and whether they are valid (some actions have no bad variant)."""
        today = _today()
        east = self.units[EAST_WIND]
        draw = data.draw
        if action in (Action.REJECT, Action.DECLINE_AGAIN):
            choices = RejectGround if action == Action.REJECT else DeclineGround
            if valid:
                good = [g for g in choices.values if g != DeclineGround.FINALISED]
                return {"ground": draw(st.sampled_from(good))}, True
            # 已经终结 needs the original matter; a code outside the list is no ground at all
            return {"ground": draw(st.sampled_from(["", "bogus", DeclineGround.FINALISED]))}, False
        if action == Action.TRANSFER:
            if valid:
                return {"unit": east.pk}, True
            return {"unit": draw(st.sampled_from([None, 0, "东风村"]))}, False
        if action == Action.ASSIGN:
            fields: dict[str, Any] = {"unit": east.pk, "handler": self.users["village-handler"].pk}
            if draw(st.booleans()):
                fields["deadline"] = today + timedelta(days=draw(st.integers(0, 14)))
            if valid:
                return fields, True
            bads = ["no_unit", "foreign_handler", "past"]
            if not self.fresh().hearing_pending:  # a paused clock has no due date to stay within
                bads.append("beyond")
            bad = draw(st.sampled_from(bads))
            if bad == "no_unit":
                fields.pop("unit")
            elif bad == "foreign_handler":
                fields["handler"] = self.users["village2-handler"].pk
            elif bad == "past":
                fields["deadline"] = today - timedelta(days=1)
            else:
                fields["deadline"] = today + timedelta(days=400)
            return fields, False
        if action in (Action.OBJECT, Action.RETURN_REPORT):
            return ({"reason": draw(TEXT)}, True) if valid else ({"reason": "  "}, False)
        if action == Action.SUBMIT_REPORT:
            return ({"report": draw(TEXT)}, True) if valid else ({"report": ""}, False)
        if action == Action.APPROVE_REPORT:
            if valid:
                return draw(st.sampled_from([{}, {"checks": list(REPORT_CHECKS)}])), True
            return {"checks": ["facts", "procedure"]}, False
        if action in (Action.ANSWER, Action.DECIDE_REVIEW, Action.DECIDE_REREVIEW):
            fields = {
                "outcome": draw(st.sampled_from(Outcome.values)),
                "text": draw(TEXT),
                "delivered_on": today,
            }
            if valid:
                return fields, True
            bad = draw(st.sampled_from(["outcome", "text", "future", "garbled"]))
            if bad == "outcome":
                fields["outcome"] = "maybe"
            elif bad == "text":
                fields["text"] = ""
            elif bad == "future":
                fields["delivered_on"] = today + timedelta(days=1)
            else:
                fields["delivered_on"] = "2026-13-40"
            return fields, False
        if action == Action.REQUEST_EXTENSION:
            days = draw(st.integers(1, 35))
            open_clock = Deadline.objects.filter(
                owner_type=OWNER_TYPE, owner_id=self.petition.pk, is_open=True
            )
            granted = open_clock.first().extension_days if open_clock.exists() else 0
            if valid and days + granted <= 30:
                return {"days": days, "reason": draw(TEXT)}, True
            if valid:
                return {"days": days, "reason": draw(TEXT)}, False
            return draw(
                st.sampled_from([{"days": 0, "reason": "情况复杂"}, {"days": 5, "reason": ""}])
            ), False
        if action == Action.SCHEDULE_HEARING:
            held_at = (timezone.now() + timedelta(days=draw(st.integers(1, 20)))).isoformat()
            fields = {"held_at": held_at, "place": "镇政府三楼会议室", "participants": "镇司法所、村委会"}
            if valid:
                return fields, True
            bad = draw(st.sampled_from(["held_at", "place"]))
            fields["held_at" if bad == "held_at" else "place"] = "明天上午" if bad == "held_at" else ""
            return fields, False
        if action == Action.FINISH_HEARING:
            return ({"record": draw(TEXT)}, True) if valid else ({"record": ""}, False)
        if action in (Action.REQUEST_REVIEW, Action.REQUEST_REREVIEW):
            fields = {"requested_on": today, "reason": "不服处理意见"}
            if valid:
                return fields, True
            if draw(st.booleans()):
                fields["requested_on"] = today + timedelta(days=1)
            else:
                fields["reason"] = ""
            return fields, False
        if action == Action.RECORD_VISIT:
            if valid:
                return {"satisfaction": draw(st.sampled_from(Satisfaction.values))}, True
            return {"satisfaction": "so-so"}, False
        if action == Action.TAKE_OWNERSHIP:
            if valid:
                leader = draw(st.sampled_from([None, "leader", "county-leader"]))
                return ({} if leader is None else {"leader": self.users[leader].pk}), True
            return {"leader": self.users["village-handler"].pk}, False
        if action == Action.INSTRUCT:
            return ({"text": "务必在月底前化解"}, True) if valid else ({"text": ""}, False)
        # accept, approve_extension, close and unknown actions take no fields
        return {}, True

    def expected(self, p: Petition, action: str, actor: User, valid: bool) -> tuple[type[Exception], ...]:
        """The refusals the rules allow for this call; () means it must succeed."""
        if action not in TRANSITIONS:
            return (ValidationFailed,)
        step = TRANSITIONS[action]
        if not capabilities_of(actor) & step.capabilities:
            return (PermissionDenied,)
        if not petitions_visible_to(actor).filter(pk=p.pk).exists():
            return (NotFound,)
        if p.status not in step.sources:
            return (Conflict,)
        offered = action in allowed_actions(p, actor)
        if not offered:
            return (PermissionDenied, Conflict)
        # offered by allowed_actions: only the fields may still be refused
        return () if valid else (ValidationFailed,)

    def attempt(self, action: str, username: str, valid: bool, data: st.DataObject) -> None:
        actor = self.users[username]
        before = self.fresh()
        fields, valid = self.fields_for(action, valid, data)
        expected = self.expected(before, action, actor, valid)
        snapshot = self.snapshot()
        refusal: ApplicationError | None = None
        try:
            petition_transition(petition=before, action=action, actor=actor, **fields)
        except ApplicationError as error:
            refusal = error
        call = f"{username} {action} {fields} on {before.status}"
        if refusal is not None:
            assert expected, f"{call} refused: {refusal.message}"
            assert isinstance(refusal, expected), (
                f"{call}: {type(refusal).__name__} {refusal.message}, expected {[e.__name__ for e in expected]}"
            )
            assert self.snapshot() == snapshot, f"refused {action} changed something"
            return
        assert not expected, f"{call} succeeded, expected a refusal"
        self.model_status = _target_of(action, before.status)
        self.model_events += 1

    # --- rules -----------------------------------------------------------------------------

    @initialize(urgent=st.booleans())
    def register_petition(self, urgent: bool) -> None:
        self.petition = register(self.users["clerk"], flags=["urgent"] if urgent else [])
        self.model_status = S.REGISTERED
        self.model_events = 0

    @rule(
        action=st.sampled_from(ACTIONS),
        username=st.sampled_from(USERNAMES),
        valid=st.booleans() | st.just(True),
        data=st.data(),
    )
    def blind_action(self, action: str, username: str, valid: bool, data: st.DataObject) -> None:
        self.attempt(action, username, valid, data)

    @rule(progress=st.booleans(), valid=st.integers(0, 9).map(lambda n: n > 0), data=st.data())
    def offered_action(self, progress: bool, valid: bool, data: st.DataObject) -> None:
        """An action some demo user is offered now (state-changing ones when `progress`)."""
        p = self.fresh()
        offered = [
            (action, name)
            for name in USERNAMES
            for action in allowed_actions(p, self.users[name])
            if action in Action.values  # the handling procedure's own steps (督办 has its tests)
            and (not progress or TRANSITIONS[action].target is not None)
        ]
        if not offered:
            return
        action, username = data.draw(st.sampled_from(offered))
        self.attempt(action, username, valid, data)

    @rule(steps=st.integers(1, 8), data=st.data())
    def advance(self, steps: int, data: st.DataObject) -> None:
        """Walks the procedure forward: up to `steps` offered actions with valid fields, mostly
        state-changing ones and never the dead ends (不予受理, 不再受理), so that examples reach
        复查 and 复核."""
        for _ in range(steps):
            p = self.fresh()
            sideways = data.draw(st.integers(0, 2)) == 0  # now and then a step that keeps the state
            offered = [
                (action, name)
                for name in USERNAMES
                for action in allowed_actions(p, self.users[name])
                if action in Action.values
                and (sideways or TRANSITIONS[action].target is not None)
                and action not in DEAD_ENDS
            ]
            if not offered:
                return
            action, username = data.draw(st.sampled_from(offered))
            self.attempt(action, username, True, data)

    @precondition(lambda self: self.petition is not None)
    @rule(days_ago=st.integers(45, 120))
    def the_answer_was_delivered_long_ago(self, days_ago: int) -> None:
        """Moves the latest answer into the past; a request for review then comes too late."""
        p = self.fresh()
        if p.answer_delivered_on is None or p.is_final:
            return
        delivered = _today() - timedelta(days=days_ago)
        Petition.objects.filter(pk=p.pk).update(answer_delivered_on=delivered, window_ends=_window(delivered))
        p = self.fresh()
        assert p.window_ends < _today()
        action = Action.REQUEST_REVIEW if p.review_stage == 0 else Action.REQUEST_REREVIEW
        for name in USERNAMES:
            assert not {"request_review", "request_rereview"} & set(allowed_actions(p, self.users[name]))
        office = {TOWNSHIP: "clerk", COUNTY: "county-clerk"}.get(
            p.answered_unit.parent.code if p.answered_unit.parent else ""
        )
        if office is None or p.status not in (S.ANSWERED, S.CLOSED):
            return
        snapshot = self.snapshot()
        with pytest.raises(Conflict, match="期限已过"):
            petition_transition(
                petition=p, action=action, actor=self.users[office], requested_on=_today(), reason="不服"
            )
        assert self.snapshot() == snapshot

    @rule(days_ago=st.integers(20, 60))
    def the_matter_was_routed_long_ago(self, days_ago: int) -> None:
        """Moves the transfer or assignment into the past; an objection then comes too late."""
        p = self.fresh()
        if p.status not in (S.TRANSFERRED, S.ASSIGNED):
            return
        Petition.objects.filter(pk=p.pk).update(routed_at=timezone.now() - timedelta(days=days_ago))
        p = self.fresh()
        assert _objection_passed(p)
        snapshot = self.snapshot()
        with pytest.raises(Conflict, match="异议期限已过"):
            petition_transition(
                petition=p, action=Action.OBJECT, actor=self.users["village-handler"], reason="不属于本村"
            )
        assert self.snapshot() == snapshot

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def the_timeline_is_a_path_of_the_procedure(self) -> None:
        if self.petition is None:
            return
        p = self.fresh()
        status = S.REGISTERED
        events = list(PetitionEvent.objects.filter(petition=p).order_by("pk"))
        for event in events:
            step = TRANSITIONS[event.action]
            assert event.from_status == status, (
                f"{event.action} starts from {event.from_status}, not {status}"
            )
            assert event.from_status in step.sources
            assert event.to_status == _target_of(event.action, event.from_status)
            status = event.to_status
        assert p.status == status == self.model_status
        assert len(events) == self.model_events

    @invariant()
    def every_transition_is_audited_once(self) -> None:
        if self.petition is None:
            return
        entries = AuditEntry.objects.filter(
            event=AuditEvent.STATE_TRANSITION,
            target_type="petitions.petition",
            target_id=str(self.petition.pk),
        )
        event_ids = sorted(PetitionEvent.objects.filter(petition=self.petition).values_list("pk", flat=True))
        assert sorted(e.extra_data["event_id"] for e in entries) == event_ids

    @invariant()
    def every_deadline_is_the_engines(self) -> None:
        if self.petition is None:
            return
        p = self.fresh()
        rows = list(Deadline.objects.filter(owner_type=OWNER_TYPE, owner_id=p.pk).order_by("pk"))
        calendar = calendar_load()
        for row in rows:
            result = compute_deadline(
                start=row.start_date,
                amount=row.amount,
                unit=row.unit,
                calendar=calendar,
                pauses=_pauses(row),
                extension_days=row.extension_days,
            )
            assert row.due_date == result.due_date, f"{row.rule} #{row.pk}"
        open_rows = [row for row in rows if row.is_open]
        assert len(open_rows) <= 1
        clock = open_rows[0] if open_rows else None
        assert (clock.rule if clock else None) in CLOCK_OF_STATE.get(p.status, {None}), p.status
        expected = clock.due_date if clock is not None else None
        if expected is not None and p.assignment_due is not None:
            expected = min(expected, p.assignment_due)
        assert p.current_deadline == expected
        if clock is not None and clock.is_paused:
            assert p.current_deadline is None
            assert p.hearing_pending

    @invariant()
    def the_window_is_thirty_days_from_the_answer(self) -> None:
        if self.petition is None:
            return
        p = self.fresh()
        if p.answer_delivered_on is None or p.is_final:
            assert p.window_ends is None
        else:
            assert p.window_ends == _window(p.answer_delivered_on)

    @invariant()
    def a_closed_matter_accepts_only_review_requests_and_visits(self) -> None:
        if self.petition is None:
            return
        p = self.fresh()
        if p.status not in CLOSED_STATUSES:
            return
        too_late = p.is_final or p.window_ends is None or p.window_ends < _today()
        for name in USERNAMES:
            allowed = set(allowed_actions(p, self.users[name]))
            assert allowed <= CLOSED_MAY, (name, allowed)
            if p.status != S.CLOSED:
                assert not allowed, (p.status, name, allowed)
            if too_late:
                assert allowed <= {"record_visit"}, (name, allowed)


def test_random_walks_keep_the_procedure_invariants(demo, settings_override):
    ProcedureMachine.users = {
        u.username: u for u in User.objects.select_related("unit").filter(username__in=USERNAMES)
    }
    ProcedureMachine.units = {u.code: u for u in Unit.objects.filter(code__in=[EAST_WIND, TOWNSHIP, COUNTY])}
    assert len(ProcedureMachine.users) == len(USERNAMES)
    run_state_machine_as_test(
        ProcedureMachine,
        settings=hsettings(
            max_examples=40,
            stateful_step_count=20,
            deadline=None,
            derandomize=False,
            database=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )


@pytest.fixture
def settings_override(settings, tmp_path):
    """Generated notices go to a temporary directory."""
    settings.MEDIA_ROOT = tmp_path
    return settings


def test_an_objection_after_its_window_is_not_offered(demo, clerk, unit_by_code, settings_override):
    village_handler = User.objects.select_related("unit").get(username="village-handler")
    petition = petition_transition(
        petition=register(clerk), action=Action.TRANSFER, actor=clerk, unit=unit_by_code(EAST_WIND).pk
    )
    Petition.objects.filter(pk=petition.pk).update(routed_at=timezone.now() - timedelta(days=30))
    petition = Petition.objects.select_related("answered_unit__parent", "review_unit").get(pk=petition.pk)
    with pytest.raises(Conflict, match="异议期限已过"):
        petition_transition(
            petition=petition, action=Action.OBJECT, actor=village_handler, reason="不属于本村"
        )
    assert Action.OBJECT not in allowed_actions(petition, village_handler)
