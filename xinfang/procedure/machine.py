"""A machine is data: the steps of one kind of case, and the few callbacks the engine needs.

A `Step` names its label, the states it starts from, its target (a state, None for a step that
keeps the state, or a function of the case for a branching step), the capabilities that may take
it, the `Party` the actor must belong to, guards (409), `permits` (403 within the party), the
input schema (422), the effect and whom it hands work to (`notifies`). The effect reads
`change.input`, writes the case's own fields and leaves its timeline data in `change.data` and
its notices (文书) in `change.documents`; the engine does the rest (state, save, timeline event,
notices, messages to people, audit) in the same transaction.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.db import models

from xinfang.accounts.models import User
from xinfang.notifications.services import Message
from xinfang.organisation.models import Unit

from .inputs import StepInput

CaseT = TypeVar("CaseT", bound=models.Model)
InputT = TypeVar("InputT", bound=StepInput)

Guard = Callable[[CaseT], str | None]
Permit = Callable[[CaseT, User], str | None]


@dataclass(frozen=True)
class Party(Generic[CaseT]):
    """Which unit the actor must belong to, besides holding a capability (403 otherwise)."""

    code: str
    includes: Callable[[CaseT, User], bool]
    refusal: str


@dataclass(frozen=True)
class Form:
    """How the case's page offers a step: the form's title, its button and a hint."""

    title: str
    button: str
    style: str = "btn-primary"
    hint: str = ""


@dataclass(frozen=True)
class DocumentRequest:
    """A notice (文书) the step issues: written after the timeline event, with its id."""

    kind: str
    unit: Unit
    context: Mapping[str, Any]
    owner: models.Model | None = None  # None: the case itself


# A message (消息通知) a step sends to the people it hands work to: recipients (users or ids),
# title, body, kind.
# The engine sends a step's messages after its event, each person once, never to the actor and
# only to those the machine's `audience` lets learn of the case.
Notice = Message


@dataclass
class Change(Generic[CaseT]):
    """What one transition does: the effect reads `input` and fills the rest."""

    machine: "Machine[CaseT]"
    action: str
    case: CaseT
    actor: User | None
    input: Any
    now: datetime
    note: str
    from_state: str
    target: str | None
    data: dict[str, Any] = field(default_factory=dict)
    documents: list[DocumentRequest] = field(default_factory=list)
    # messages to people besides the step's `notifies` (an effect that knows whom it told)
    notices: list[Notice] = field(default_factory=list)
    # writes that need the saved case (many-to-many sets, rows of the case's own tables)
    after_save: list[Callable[[], None]] = field(default_factory=list)
    # per-transition memo of the effect's lookups (the open clock …), read by the machine's save
    memo: dict[str, Any] = field(default_factory=dict)
    created: bool = False
    event: models.Model | None = None


@dataclass(frozen=True)
class Step(Generic[CaseT]):
    label: str
    sources: frozenset[str]
    target: str | Callable[[CaseT], str] | None
    capabilities: frozenset[str]
    party: Party[CaseT] | None
    effect: Callable[[Change[CaseT]], None]
    schema: type[StepInput] = StepInput
    guards: tuple[Guard[CaseT], ...] = ()
    permits: Permit[CaseT] | None = None
    form: Form | None = None
    # taken only by jobs (actor None): never offered to a user, refused to every user
    by_system: bool = False
    # for a step of an attached machine: the refusal when the host has no case it applies to
    absent: str = ""
    # whom the step hands work to, and what they are told (read after the case is saved)
    notifies: Callable[[Change[CaseT]], Sequence[Notice]] | None = None


@dataclass(frozen=True)
class Machine(Generic[CaseT]):
    """The steps of one kind of case and how the engine reaches its rows.

    `lock(actor, case)` returns the case locked for update through `actor`'s scope (NotFound
    outside it; `actor` None: a job, unscoped); for an unsaved case (a creation step) it locks
    what the case belongs to and returns the case. `save(change)` writes the case (insert when
    `change.created`). `record(change)` writes the case's timeline event and returns it.
    """

    owner_type: str
    label: str
    steps: Mapping[str, Step[CaseT]]
    state_labels: Mapping[str, str]
    lock: Callable[[User | None, CaseT], CaseT]
    save: Callable[[Change[CaseT]], None]
    record: Callable[[Change[CaseT]], models.Model]
    describe: Callable[[CaseT], str]
    state_field: str = "status"
    initial: str = ""  # the state of a case not saved yet
    audit_target: Callable[[CaseT], models.Model] | None = None
    # called after the checks and before the effect (e.g. a snapshot that `save` compares with)
    prepare: Callable[[Change[CaseT]], None] | None = None
    # a job's many new cases at once (`engine.transition_batch`): insert them, write their events
    save_many: Callable[[list[Change[CaseT]]], None] | None = None
    record_many: Callable[[list[Change[CaseT]]], list[models.Model]] | None = None
    audit_omitted: frozenset[str] = frozenset({"text", "report", "record"})
    unknown_action: str = "未知的办理操作"
    # which of these user ids may learn of the case (its scope; never a person it complains
    # about): a step's messages go only to them
    audience: Callable[[CaseT, set[int]], set[int]] | None = None
    # what a message is about: the record it names and the page it opens
    notice_about: Callable[[CaseT], tuple[models.Model, str]] | None = None

    def state_of(self, case: CaseT) -> str:
        if case.pk is None:
            return self.initial
        return str(getattr(case, self.state_field))

    def state_label(self, state: str) -> str:
        return self.state_labels.get(state, state or "新建")


@dataclass(frozen=True)
class Attachment(Generic[CaseT]):
    """A machine whose cases belong to a case of another machine (supervisions of a petition):
    the host's page and API offer its steps next to the host's own, without either app writing
    the other's tables.

    `cases(host)` lists the host's cases of this machine (the page's rows, cached by the app);
    `new_case(host)` is an unsaved case for a creation step; `key` is the input field that names
    one case when several could take a step; `timeline(host)` is the host timeline's share.
    """

    host: str
    machine: Machine[CaseT]
    cases: Callable[[Any], Sequence[CaseT]]
    new_case: Callable[[Any], CaseT]
    key: str
    key_label: str
    timeline: Callable[[Any], list["TimelineEntry"]]
    # drops what `cases(host)` cached, after one of its cases changed
    forget: Callable[[Any], None]
    # the notices (文书) its steps issue: their `event_id` is one of this machine's events
    document_kinds: frozenset[str] = frozenset()


@dataclass
class TimelineEntry:
    """One line of a case's timeline, whichever machine wrote it (actor None: 系统)."""

    action: str
    action_label: str
    from_status: str
    to_status: str
    actor: User | None
    note: str
    data: Mapping[str, Any]
    created_at: datetime
    order: tuple[datetime, int, int]
    # (the machine's owner type, its event's id): how notices (文书) find the event that issued them
    key: tuple[str, int] = ("", 0)
    to_label: str = ""
    documents: list[Any] = field(default_factory=list)

    @property
    def actor_name(self) -> str:
        if self.actor is None:
            return "系统"
        return self.actor.full_name or self.actor.username
