"""Property test of the procedure: random actions by random demo users, invariants after every step.

A Hypothesis state machine registers a fresh petition per example and then lets the demo users
try actions — some drawn blindly from every action and user, some from what `allowed_actions`
offers (so that deep states such as 复查 / 复核 are reached) — with valid or deliberately bad
fields. It predicts the outcome of every call and checks, after every step, that the timeline is
a path of `TRANSITIONS`, that every transition is audited once, that every stored deadline is the
engine's value and that closed matters accept only what the rules leave open.

The supervision machine attached to petitions (督办) takes part too: its steps, offered ones and
blind ones, go through the same `petition_transition`, and its daily jobs (逾期提议, 逾期升级)
run now and then. Each supervision's history is a path of its machine from 新建, every event of
either machine has exactly one audit entry, and the petition's timeline shows both, the jobs'
steps as 系统.

Each example runs in its own savepoint inside the test's transaction and is rolled back at the
end, so examples do not see each other's petitions.
"""

from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import event as tally  # shown by --hypothesis-show-statistics
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
from xinfang.petitions.choices import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    Outcome,
    PetitionStatus,
    Satisfaction,
)
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
    petition_timeline,
    petition_transition,
    responsible_unit_id,
)
from xinfang.procedure import engine
from xinfang.procedure.machine import Step
from xinfang.supervision.choices import (
    ACTIVE_STATUSES,
    RUNNING_STATUSES,
    FivePackage,
    Method,
    SupervisionStatus,
    Trigger,
)
from xinfang.supervision.machine import MACHINE as SUPERVISION
from xinfang.supervision.models import Supervision, SupervisionEvent, SupervisionLog
from xinfang.supervision.selectors import petition_supervision_rows
from xinfang.supervision.services import (
    EscalationReport,
    supervision_escalate_overdue,
    supervision_propose_overdue,
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
RED_STAR = "341122101202"  # 红星村
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

SV = SupervisionStatus
SUP_STEPS = SUPERVISION.steps
SUP_ACTIONS = list(SUP_STEPS)  # the users' steps and the jobs' (refused to every user)
JOB_STEPS = frozenset(code for code, step in SUP_STEPS.items() if step.by_system)
NO_SUCH_SUPERVISION = 10**9
AUTO = "auto"  # no `supervision` field: the one supervision the step applies to
# a member of each unit the matter may be handled by (挂牌督办's 责任人), and who supervises there
STAFF_OF = {
    EAST_WIND: "village-handler",
    RED_STAR: "village2-handler",
    TOWNSHIP: "handler",
    COUNTY: "county-clerk",
}


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


def _sup_target(action: str, from_status: str) -> str:
    """The state a supervision step leads to (None in the table: the state stays)."""
    target = SUP_STEPS[action].target
    assert not callable(target)
    return from_status if target is None else str(target)


def _passes_guards(step: Step[Supervision], row: Supervision) -> bool:
    return all(guard(row) is None for guard in step.guards)


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
        self.model_supervisions: dict[int, str] = {}  # each supervision's expected state
        self.model_supervision_events = 0
        self.moved_deadline: date | None = None  # `current_deadline` as the proposal rule set it

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
            AuditEntry.objects.exclude(event=AuditEvent.ACCESS_DENIED).count(),
            Document.objects.filter(owner_type="petitions.petition", owner_id=p.pk).count(),
            deadlines,
            *self.supervision_snapshot(p),
        )

    def supervision_snapshot(self, p: Petition) -> tuple[Any, ...]:
        rows = list(
            Supervision.objects.filter(petition=p)
            .order_by("pk")
            .values_list(
                "pk",
                "status",
                "kind",
                "method",
                "deadline",
                "supervisor_id",
                "report",
                "closed_at",
                "delisted_at",
                "five_packages",
            )
        )
        clocks = list(
            Deadline.objects.filter(owner_type=SUPERVISION.owner_type, owner_id__in=[r[0] for r in rows])
            .order_by("pk")
            .values_list("pk", "is_open", "due_date")
        )
        return (
            rows,
            SupervisionEvent.objects.filter(supervision__petition=p).count(),
            SupervisionLog.objects.filter(supervision__petition=p).count(),
            clocks,
        )

    def fields_for(self, action: str, valid: bool, data: st.DataObject) -> tuple[dict[str, Any], bool]:
        """Fields that look like a user's for `action`; `valid=False` asks for a bad variant.
        Returns the fields and whether they are valid (some actions have no bad variant)."""
        today = _today()
        east = self.units[EAST_WIND]
        draw = data.draw
        if action == Action.DECLINE_AGAIN:
            # the walk's matters have no original: 不再受理 always needs one (test_decline_again
            # checks true and false grounds against an original's facts)
            return {"ground": draw(st.sampled_from(DeclineGround.values))}, False
        if action == Action.REJECT:
            if valid:
                return {"ground": draw(st.sampled_from(RejectGround.values))}, True
            # a code outside the list is no ground at all
            return {"ground": draw(st.sampled_from(["", "bogus", DeclineGround.FINALISED]))}, False
        if action == Action.TRANSFER:
            # always to 东风村 (the model's receiving unit), with a reason (needed once accepted);
            # refused when 东风村 is already responsible (it accepted the matter itself)
            if valid:
                return {"unit": east.pk, "note": draw(TEXT)}, responsible_unit_id(self.fresh()) != east.pk
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
                return {"checks": list(REPORT_CHECKS)}, True
            # an unconfirmed check, or none confirmed at all (issue 17: never assumed)
            return draw(st.sampled_from([{"checks": ["facts", "procedure"]}, {}])), False
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
            # held already (an hour to three days ago): a hearing is finished only once held,
            # which test_handling's hearing tests check
            held_at = (timezone.now() - timedelta(hours=draw(st.integers(1, 72)))).isoformat()
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
        denials_before = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
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
            denied = AuditEntry.objects.filter(event=AuditEvent.ACCESS_DENIED, target_id=str(before.pk))
            # a petition outside the actor's scope is an access violation, and only that is
            assert denied.filter(pk__gt=denials_before).exists() == isinstance(refusal, NotFound), call
            return
        assert not expected, f"{call} succeeded, expected a refusal"
        self.model_status = _target_of(action, before.status)
        self.model_events += 1
        self.moved_deadline = None  # the transition computed `current_deadline` afresh

    # --- supervision (督办) steps through the petition's transition function --------------------

    def supervision_fields(
        self, action: str, valid: bool, data: st.DataObject, p: Petition, row: Supervision | None
    ) -> tuple[dict[str, Any], bool]:
        """Fields for a supervision step (`row`: the supervision it is about, when known);
        `valid=False` asks for a bad variant. Returns the fields and whether they are valid."""
        today = _today()
        draw = data.draw
        if action == "supervise":
            fields: dict[str, Any] = {
                "trigger": draw(st.sampled_from(Trigger.values)),
                "method": draw(st.sampled_from(Method.values)),
            }
            if draw(st.booleans()):
                fields["deadline"] = today + timedelta(days=draw(st.integers(0, 10)))
            if draw(st.booleans()):
                fields["responsible_unit"] = draw(
                    st.sampled_from([p.unit_id, p.handling_unit_id or p.unit_id])
                )
            if valid:
                return fields, True
            bad = draw(st.sampled_from(["trigger", "method", "deadline", "unit"]))
            if bad == "trigger":
                fields["trigger"] = ""
            elif bad == "method":
                fields["method"] = "fax"
            elif bad == "deadline":
                fields["deadline"] = today - timedelta(days=1)
            else:  # not on the matter's chain
                fields["responsible_unit"] = self.units[RED_STAR].pk
            return fields, False
        if action == "list_supervision":
            return self.six_fixed(valid, data, p)
        if action == "confirm_supervision":
            fields = {}
            if draw(st.booleans()):
                fields["method"] = draw(st.sampled_from([*Method.values, *Method.labels]))
            if draw(st.booleans()):
                fields["deadline"] = today + timedelta(days=draw(st.integers(0, 10)))
            if valid:
                return fields, True
            if draw(st.booleans()):
                fields["method"] = "fax"
            else:
                fields["deadline"] = today - timedelta(days=1)
            return fields, False
        if action in ("dismiss_supervision", "delist_supervision"):
            return ({"reason": draw(TEXT)}, True) if valid else ({"reason": " "}, False)
        if action == "answer_supervision":
            return ({"report": draw(TEXT)}, True) if valid else ({"report": ""}, False)
        if action == "close_supervision":
            return draw(st.sampled_from([{}, {"note": "同意办结"}])), True
        if action == "log_supervision":
            fields = {"text": draw(TEXT)}
            listed = row is not None and row.kind == "listed"
            if listed and draw(st.booleans()):
                fields["packages"] = draw(
                    st.lists(st.sampled_from(FivePackage.values), max_size=2, unique=True)
                )
            if valid:
                return fields, True
            if row is not None and not listed and draw(st.booleans()):
                return {**fields, "packages": [FivePackage.KNOW_SITUATION.value]}, False  # 五包 of a 督办
            return {"text": ""}, False
        # the jobs' steps take no fields (and are refused to every user)
        return {}, True

    def six_fixed(self, valid: bool, data: st.DataObject, p: Petition) -> tuple[dict[str, Any], bool]:
        """挂牌督办 with all of 六定 for the unit now responsible (the handling unit, else the
        registering one): its own staff member, the township (or the county) supervising."""
        draw = data.draw
        responsible = p.handling_unit or p.unit
        township = self.units[TOWNSHIP]
        under_township = responsible.path.startswith(township.path)
        leader = draw(st.sampled_from(["leader", "county-leader"] if under_township else ["county-leader"]))
        supervisor = "supervisor" if under_township else "county-clerk"
        person = STAFF_OF.get(responsible.code)

        def who(username: str) -> int | str:  # a person by id or by username, as the forms allow
            return username if draw(st.booleans()) else self.users[username].pk

        fields: dict[str, Any] = {
            "trigger": draw(st.sampled_from(Trigger.values)),
            "case_leader": who(leader),
            "responsible_unit": responsible.pk,
            "responsible_person": who(person) if person else "",
            "supervising_unit": (township if under_township else self.units[COUNTY]).pk,
            "supervisor": who(supervisor),
            "time_limit": _today() + timedelta(days=draw(st.integers(0, 15))),
            "packages": draw(st.lists(st.sampled_from(FivePackage.values), max_size=3, unique=True)),
        }
        if draw(st.booleans()):
            fields["method"] = draw(st.sampled_from(Method.values))
        if valid:
            return fields, person is not None
        bad = draw(st.sampled_from(["no_leader", "not_a_leader", "past", "supervisor"]))
        if bad == "no_leader":
            fields.pop("case_leader")
        elif bad == "not_a_leader":
            fields["case_leader"] = self.users["clerk"].pk
        elif bad == "past":
            fields["time_limit"] = _today() - timedelta(days=1)
        else:  # not of the supervising unit
            fields["supervisor"] = self.users["village-handler"].pk
        return fields, False

    def supervision_expected(
        self, p: Petition, action: str, actor: User, fields: dict[str, Any], valid: bool
    ) -> tuple[tuple[type[Exception], ...], Supervision | None]:
        """The refusals the rules allow for this supervision step (() means it must succeed),
        and the supervision it is about (None for a new one)."""
        step = SUP_STEPS[action]
        capabilities = frozenset(capabilities_of(actor))
        if step.by_system or not capabilities & step.capabilities:
            return (PermissionDenied,), None
        if not petitions_visible_to(actor).filter(pk=p.pk).exists():
            return (NotFound,), None
        offered = action in allowed_actions(p, actor)
        if SUPERVISION.initial in step.sources:  # a new supervision
            if not offered:
                return (PermissionDenied, Conflict), None
            if valid and action == "supervise" and self.supervising_already(p, actor, fields.get("trigger")):
                return (Conflict,), None  # one office supervises for one 事由 once at a time
            return (() if valid else (ValidationFailed,)), None
        rows = petition_supervision_rows(p)
        key = fields.get("supervision")
        if key is None:
            candidates = [r for r in rows if r.status in step.sources and _passes_guards(step, r)]
            if not candidates:
                return (Conflict,), None
            if len(candidates) > 1:
                return (ValidationFailed,), None
            row = candidates[0]
            # the supervisions a user is offered a step on are among those it applies to
            here = offered
            assert here == engine.is_offered(SUPERVISION, action, row, actor, capabilities)
        else:
            named = [r for r in rows if r.pk == key]
            if not named:
                return (ValidationFailed,), None
            row = named[0]
            here = engine.is_offered(SUPERVISION, action, row, actor, capabilities)
            assert offered or not here, f"{action} on #{row.pk} not offered to {actor}"
        if not here:
            return (PermissionDenied, Conflict), row
        return (() if valid else (ValidationFailed,)), row

    @staticmethod
    def supervising_already(p: Petition, actor: User, trigger: Any) -> bool:
        return any(
            r.kind == "normal"
            and r.status == "open"
            and r.supervising_unit_id == actor.unit_id
            and r.trigger == trigger
            for r in petition_supervision_rows(p)
        )

    def supervision_attempt(
        self, action: str, username: str, key: int | str, valid: bool, data: st.DataObject
    ) -> None:
        """One supervision step through `petition_transition`, about the supervision `key`
        (AUTO: none named), with its outcome predicted and checked."""
        actor = self.users[username]
        before = self.fresh()
        creation = SUPERVISION.initial in SUP_STEPS[action].sources
        rows = {r.pk: r for r in petition_supervision_rows(before)}
        named = None if creation or key == AUTO else key
        fields, valid = self.supervision_fields(
            action, valid, data, before, rows.get(named) if isinstance(named, int) else None
        )
        if named is not None:
            fields["supervision"] = named
        before = self.fresh()  # without the rows cached above
        expected, row = self.supervision_expected(before, action, actor, fields, valid)
        snapshot = self.snapshot()
        refusal: ApplicationError | None = None
        try:
            petition_transition(petition=before, action=action, actor=actor, **fields)
        except ApplicationError as error:
            refusal = error
        call = f"{username} {action} {fields} on {before.status} with supervisions {self.model_supervisions}"
        if refusal is not None:
            assert expected, f"{call} refused: {refusal.message} {refusal.extra}"
            assert isinstance(refusal, expected), (
                f"{call}: {type(refusal).__name__} {refusal.message}, expected {[e.__name__ for e in expected]}"
            )
            assert self.snapshot() == snapshot, f"refused {action} changed something"
            tally(f"督办 {action}: {type(refusal).__name__}")
            return
        assert not expected, f"{call} succeeded, expected a refusal"
        tally(f"督办 {action}: done")
        if creation:
            (new,) = Supervision.objects.filter(petition=before).exclude(pk__in=self.model_supervisions)
            self.model_supervisions[new.pk] = _sup_target(action, SUPERVISION.initial)
        else:
            assert row is not None
            self.model_supervisions[row.pk] = _sup_target(action, row.status)
        self.model_supervision_events += 1

    # --- rules -----------------------------------------------------------------------------

    @initialize(urgent=st.booleans())
    def register_petition(self, urgent: bool) -> None:
        self.petition = register(self.users["clerk"], flags=["urgent"] if urgent else [])
        self.model_status = S.REGISTERED
        self.model_events = 0
        self.model_supervisions = {}
        self.model_supervision_events = 0
        self.moved_deadline = None

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

    @rule(
        action=st.sampled_from(SUP_ACTIONS),
        username=st.sampled_from(USERNAMES),
        key=st.sampled_from([AUTO, AUTO, "row", NO_SUCH_SUPERVISION]),
        valid=st.booleans() | st.just(True),
        data=st.data(),
    )
    def blind_supervision_action(
        self, action: str, username: str, key: int | str, valid: bool, data: st.DataObject
    ) -> None:
        """Any supervision step, the jobs' included, by anyone, about no supervision in
        particular, one of the matter's (in any state) or one that does not exist."""
        if key == "row":
            pks = sorted(self.model_supervisions)
            key = data.draw(st.sampled_from(pks)) if pks else AUTO
        self.supervision_attempt(action, username, key, valid, data)

    @rule(steps=st.integers(1, 3), data=st.data())
    def offered_supervision_actions(self, steps: int, data: st.DataObject) -> None:
        """Up to `steps` supervision steps some demo user is offered, mostly with valid fields."""
        for _ in range(steps):
            self.offered_supervision_action(data.draw(st.integers(0, 9).map(lambda n: n > 0)), data)

    def offered_supervision_action(self, valid: bool, data: st.DataObject) -> None:
        """A supervision step some demo user is offered now, about a supervision it is offered on."""
        p = self.fresh()
        offered = [
            (action, name)
            for name in USERNAMES
            for action in allowed_actions(p, self.users[name])
            if action in SUP_STEPS
        ]
        if not offered:
            return
        action, username = data.draw(st.sampled_from(offered))
        step = SUP_STEPS[action]
        key: int | str = AUTO
        if SUPERVISION.initial not in step.sources:
            actor = self.users[username]
            capabilities = frozenset(capabilities_of(actor))
            rows = petition_supervision_rows(p)
            on = [r.pk for r in rows if engine.is_offered(SUPERVISION, action, r, actor, capabilities)]
            assert on, f"{action} offered to {username} on no supervision"
            applies = [r for r in rows if r.status in step.sources and _passes_guards(step, r)]
            if len(applies) > 1 or data.draw(st.booleans()):
                key = data.draw(st.sampled_from(on))
        self.supervision_attempt(action, username, key, valid, data)

    @rule(
        propose_later=st.integers(0, 90),
        move=st.booleans(),
        days_ago=st.integers(1, 10),
        escalate_later=st.integers(0, 20),
    )
    def the_daily_jobs_run(self, propose_later: int, move: bool, days_ago: int, escalate_later: int) -> None:
        """The daily jobs, as 系统: 逾期提议, then 逾期升级."""
        self.proposal_job(propose_later, move, days_ago)
        self.escalation_job(escalate_later)

    @precondition(lambda self: SV.OPEN in self.model_supervisions.values())
    @rule(days_late=st.integers(1, 5))
    def an_open_supervision_is_not_answered_in_time(self, days_late: int) -> None:
        """逾期升级 run `days_late` days after the earliest open supervision's time limit."""
        limits = Supervision.objects.filter(petition=self.petition, status=SV.OPEN).values_list(
            "deadline", flat=True
        )
        self.escalation_job((min(limits) - _today()).days + days_late)

    def proposal_job(self, later: int, move: bool, days_ago: int) -> None:
        """逾期提议, on a day `later` days from now, or today after the matter's deadline was moved
        `days_ago` into the past (then 督办 of a matter not yet routed is offered too)."""
        p = self.fresh()
        run_on = _today() + timedelta(days=later)
        if move and p.current_deadline is not None:
            self.moved_deadline = _today() - timedelta(days=days_ago)
            Petition.objects.filter(pk=p.pk).update(current_deadline=self.moved_deadline)
            p = self.fresh()
            run_on = _today()
        rows = list(Supervision.objects.filter(petition=p))
        due = p.current_deadline
        expected = (
            p.status in OPEN_STATUSES
            and due is not None
            and due < run_on
            and not any(r.status in ACTIVE_STATUSES for r in rows)
            and not any(r.status == SV.DISMISSED and r.overdue_since == due for r in rows)
        )
        assert supervision_propose_overdue(actor=None, today=run_on) == int(expected)
        tally(f"逾期提议: {int(expected)}")
        if expected:
            (new,) = Supervision.objects.filter(petition=p).exclude(pk__in=self.model_supervisions)
            assert (new.status, new.overdue_since, new.created_by) == (SV.PROPOSED, due, None)
            self.model_supervisions[new.pk] = SV.PROPOSED
            self.model_supervision_events += 1

    def escalation_job(self, later: int) -> None:
        """逾期升级 on a day `later` days from now: supervisions of a closed matter end first, then
        each open one past its limit is escalated and the unit above supervises anew."""
        p = self.fresh()
        run_on = _today() + timedelta(days=later)
        rows = list(Supervision.objects.filter(petition=p).select_related("supervising_unit").order_by("pk"))
        states = dict(self.model_supervisions)
        ended = 0
        if p.status in CLOSED_STATUSES:
            for r in rows:
                if r.status in ACTIVE_STATUSES | RUNNING_STATUSES:
                    states[r.pk] = SV.CLOSED
                    ended += 1
        overdue = [r for r in rows if states[r.pk] == SV.OPEN and r.deadline < run_on]
        escalating = [r for r in overdue if r.supervising_unit.parent_id is not None]
        for r in escalating:
            states[r.pk] = SV.ESCALATED
        report = supervision_escalate_overdue(actor=None, today=run_on)
        tally(
            f"逾期升级: {len(escalating)} escalated, {ended} ended, {len(overdue) - len(escalating)} at the top"
        )
        assert report == EscalationReport(
            escalated=len(escalating), at_top=len(overdue) - len(escalating), closed_with_petition=ended
        )
        new = list(Supervision.objects.filter(petition=p).exclude(pk__in=self.model_supervisions))
        by_old = {r.pk: r for r in escalating}
        assert sorted(n.escalated_from_id for n in new) == sorted(by_old)
        for n in new:
            old = by_old[n.escalated_from_id]
            assert (n.status, n.level, n.supervising_unit_id, n.created_by) == (
                SV.OPEN,
                old.level + 1,
                old.supervising_unit.parent_id,
                None,
            )
            states[n.pk] = SV.OPEN
        self.model_supervisions = states
        self.model_supervision_events += ended + 2 * len(escalating)

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
        supervisions = [
            str(pk) for pk in Supervision.objects.filter(petition=self.petition).values_list("pk", flat=True)
        ]
        entries = AuditEntry.objects.filter(
            event=AuditEvent.STATE_TRANSITION, target_type=SUPERVISION.owner_type, target_id__in=supervisions
        )
        events = SupervisionEvent.objects.filter(supervision__petition=self.petition)
        assert sorted((int(e.target_id), e.extra_data["event_id"]) for e in entries) == sorted(
            events.values_list("supervision_id", "pk")
        )

    @invariant()
    def each_supervision_is_a_path_of_its_machine(self) -> None:
        if self.petition is None:
            return
        states = dict.fromkeys(
            Supervision.objects.filter(petition=self.petition).values_list("pk", flat=True),
            SUPERVISION.initial,
        )
        events = list(SupervisionEvent.objects.filter(supervision__petition=self.petition).order_by("pk"))
        for event in events:
            step = SUP_STEPS[event.action]
            state = states[event.supervision_id]
            assert event.from_status == state, f"{event.action} starts from {event.from_status}, not {state}"
            assert state in step.sources, (event.action, state)
            assert event.to_status == _sup_target(event.action, state)
            assert (event.actor is None) == step.by_system, event.action
            states[event.supervision_id] = event.to_status
        stored = dict(Supervision.objects.filter(petition=self.petition).values_list("pk", "status"))
        assert stored == states == self.model_supervisions
        assert SUPERVISION.initial not in states.values()  # each began with its creation step
        assert len(events) == self.model_supervision_events

    @invariant()
    def the_timeline_shows_both_histories_and_the_jobs_as_the_system(self) -> None:
        if self.petition is None:
            return
        p = self.fresh()
        own = list(PetitionEvent.objects.filter(petition=p).select_related("actor"))
        entries = petition_timeline(p, own)
        supervision_events = SupervisionEvent.objects.filter(supervision__petition=p).values_list(
            "pk", flat=True
        )
        assert sorted(e.key for e in entries) == sorted(
            [(OWNER_TYPE, e.pk) for e in own] + [(SUPERVISION.owner_type, pk) for pk in supervision_events]
        )
        assert [e.order for e in entries] == sorted(e.order for e in entries)
        for entry in entries:
            assert (entry.actor is None) == (entry.action in JOB_STEPS), entry.action
            assert (entry.actor_name == "系统") == (entry.actor is None)

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
        if self.moved_deadline is not None:  # moved by the proposal rule, until the next transition
            expected = self.moved_deadline
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
    ProcedureMachine.units = {
        u.code: u for u in Unit.objects.filter(code__in=[EAST_WIND, RED_STAR, TOWNSHIP, COUNTY])
    }
    assert len(ProcedureMachine.users) == len(USERNAMES)
    run_state_machine_as_test(
        ProcedureMachine,
        settings=hsettings(
            max_examples=40,
            stateful_step_count=25,
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
