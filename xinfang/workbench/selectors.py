"""Reads for the home page (工作台) that gather several apps: a user's own work queue, and their
to-do list (待办) by kind of work."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.models import RoleAssignment, User
from xinfang.accounts.permissions import capabilities_of
from xinfang.accounts.roles import Role
from xinfang.organisation.models import Unit
from xinfang.petitions.choices import OPEN_STATUSES, PetitionStatus
from xinfang.petitions.models import OFFICE_UNIT, Petition, PetitionEvent
from xinfang.petitions.selectors import petitions_visible_to
from xinfang.supervision.choices import SupervisionStatus
from xinfang.supervision.models import Supervision
from xinfang.supervision.selectors import supervisions_visible_to

# The steps that wait for the petition office (受理/不予受理/转送/交办 a new or transferred-in
# matter, 办结 an answered one) rather than for a handler or a leader.
OFFICE_STEPS = (PetitionStatus.REGISTERED, PetitionStatus.TRANSFERRED, PetitionStatus.ANSWERED)


def work_queue_q(actor: User) -> Q | None:
    """What waits for `actor`: a handler's own open matters (承办人 = them); for the front desk
    (接访员、值班员) the matters of their unit at one of the office's steps, "their unit" being
    the unit handling it or, before it is routed, the unit that registered it. None when the
    actor has no queue (leaders get the dashboard). Filters a queryset aliased by `work_queue_petitions`."""
    caps = capabilities_of(actor)
    unit = actor.unit
    queue = Q()
    if "petitions.handle" in caps:
        queue |= Q(handler=actor, status__in=OPEN_STATUSES)
    if "petitions.register" in caps and unit is not None:
        queue |= Q(office_unit=unit.pk, status__in=OFFICE_STEPS)
    return queue or None


def work_queue_petitions(queue: Q) -> QuerySet[Petition]:
    """The queue's petitions, most urgent deadline first (none last). The office's part is read
    from the index `petition_office_queue` alone (its columns are the filter and the order), so
    a front desk with thousands of open matters sorts index entries, not petitions."""
    return (
        Petition.objects.alias(office_unit=OFFICE_UNIT)
        .filter(queue)
        .order_by(F("current_deadline").asc(nulls_last=True), "received_at", "pk")
    )


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue, fetched with LIMIT/OFFSET and no COUNT: counting a front desk's
    queue means visiting every petition of the unit, the page itself only the first few."""

    number: int
    items: list[Petition]
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def work_queue_page(*, actor: User, page: str | int | None, per_page: int) -> QueuePage:
    try:
        number = max(int(page), 1) if page is not None else 1
    except ValueError:
        number = 1
    start = (number - 1) * per_page
    queue = work_queue_q(actor)
    if queue is None:
        return QueuePage(number=number, items=[], has_next=False)
    # the page's ids from the queue's index, then those rows within the actor's scope (the one
    # place scope is decided; the queue's conditions imply it, this keeps it so)
    ids = list(work_queue_petitions(queue).values_list("pk", flat=True)[start : start + per_page + 1])
    found = petitions_visible_to(actor).filter(pk__in=ids).select_related("category", "unit", "handling_unit")
    by_id = {petition.pk: petition for petition in found}
    rows = [by_id[pk] for pk in ids if pk in by_id]
    return QueuePage(number=number, items=rows[:per_page], has_next=len(ids) > per_page)


# --- 待办: what waits for the user, by kind, with its deadline -------------------------------------

TODO_ROWS = 5
REVIEW_STATES = (PetitionStatus.REVIEW, PetitionStatus.REREVIEW)
HANDLING_STATES = (PetitionStatus.ACCEPTED, PetitionStatus.ASSIGNED, PetitionStatus.HANDLING)
LEADER_ROLES = (Role.LEADER, Role.PRINCIPAL)


@dataclass
class TodoRow:
    """One matter waiting: its petition, what waits, by whom, until when (`light`: the page's
    traffic light of the deadline)."""

    petition_id: int
    number: str
    subject: str
    what: str
    deadline: date | None
    light: object = None
    url: str = ""  # the page of a row that is not a petition (a report, an incident)


@dataclass(frozen=True)
class TodoGroup:
    """One kind of work waiting for the user: how many (an aggregate), one page of rows (LIMIT
    and OFFSET in the database, most urgent first) and where the whole list is."""

    code: str
    label: str
    count: int
    rows: list[TodoRow]
    page: int = 1
    more_url: str = ""

    @property
    def has_next(self) -> bool:
        return self.page * TODO_ROWS < self.count

    @property
    def has_previous(self) -> bool:
        return self.page > 1


@dataclass(frozen=True)
class _Kind:
    """A kind of work on petitions: its filter and how a row says what waits."""

    code: str
    label: str
    q: Q
    what: Callable[[Petition], str]
    more_url: str = ""


def _responsible_under(path: str) -> Q:
    """The petitions whose responsible unit (承办单位, else 登记单位) is at `path` or below."""
    return Q(handling_path__startswith=path) | (Q(handling_path="") & Q(unit_path__startswith=path))


def _nearest_leaders_q(actor: User, unit: Unit) -> tuple[Q, Q]:
    """(responsible unit, reviewing unit) filters of the matters whose approving leaders are the
    actor's unit's: at the unit or below it, except below a unit that has leaders of its own
    (they are told and approve there; `petitions.workflow.messages.takers`). One query."""
    below = (
        RoleAssignment.objects.filter(
            role__in=LEADER_ROLES, user__is_active=True, user__unit__path__startswith=unit.path
        )
        .exclude(user__unit=unit)
        .values_list("user__unit__path", flat=True)
        .distinct()
    )
    own = sorted(set(below))
    outermost = [p for p in own if not any(p != q and p.startswith(q) for q in own)]
    responsible, reviewing = _responsible_under(unit.path), Q(review_unit__path__startswith=unit.path)
    for path in outermost:
        responsible &= ~_responsible_under(path)
        reviewing &= ~Q(review_unit__path__startswith=path)
    mine = Q(owner_leader=actor)  # 包案: the leader's own matters, whatever the level
    return responsible | mine, reviewing | mine


def _by_unit(p: Petition) -> str:
    return (p.handling_unit or p.unit).name


def _review_what(p: Petition) -> str:
    label = "复查" if p.status == PetitionStatus.REVIEW else "复核"
    return f"{label}申请，由{p.review_unit.name if p.review_unit else ''}决定"


def _few(**condition: Any) -> Q:
    """The few petitions a leader's kind of work starts from, as ids read from their own index
    first: combined with the scope's path ranges in one WHERE, SQLite would walk the scope's
    index through every matter of a county (70 ms for the extensions at 1,000,000)."""
    return Q(pk__in=Petition.objects.filter(**condition).values("pk"))


def _leader_kinds(actor: User, unit: Unit, caps: frozenset[str]) -> list[_Kind]:
    responsible, reviewing = _nearest_leaders_q(actor, unit)
    kinds = [
        _Kind(
            "reports",
            "办结报告待审核",
            responsible & _few(status=PetitionStatus.REPORT_PENDING),
            lambda p: f"{_by_unit(p)}提交办结报告",
            reverse("petitions:register") + "?status=report_pending",
        ),
        _Kind(
            "extensions",
            "延期申请待批准",
            responsible & _few(extension_requested_days__gt=0, status__in=HANDLING_STATES),
            lambda p: f"{_by_unit(p)}申请延期 {p.extension_requested_days} 日",
        ),
    ]
    if "petitions.review" in caps:
        kinds.append(
            _Kind(
                "reviews",
                "复查、复核待决定",
                reviewing & _few(status__in=REVIEW_STATES),
                _review_what,
            )
        )
    return kinds


def _office_kinds(unit: Unit) -> list[_Kind]:
    office = Q(office_unit=unit.pk)
    return [
        _Kind(
            "decide",
            "待受理（含转来件）",
            office & Q(status__in=(PetitionStatus.REGISTERED, PetitionStatus.TRANSFERRED)),
            lambda p: "转来，待受理" if p.status == PetitionStatus.TRANSFERRED else "新登记，待受理",
        ),
        _Kind(
            "route",
            "已受理待交办（含异议退回）",
            # unrouted, so its office unit is its registering unit: read from the office queue index
            Q(
                office_unit=unit.pk,
                status=PetitionStatus.ACCEPTED,
                handling_unit__isnull=True,
                handler__isnull=True,
            ),
            lambda p: "异议退回，待重新交办" if p.was_returned else "已受理，待交办",  # type: ignore[attr-defined]
        ),
        _Kind(
            "answer_reported",
            "下级已报告待答复",
            # a village (community, section) investigated and reported; this organ answers
            _few(status=PetitionStatus.APPROVED)
            & Q(handling_unit__organ=unit.pk)
            & ~Q(handling_unit=unit.pk),
            lambda p: f"{_by_unit(p)}已报告，请以本机关名义书面答复",
        ),
        _Kind(
            "close",
            "已答复待办结",
            office & Q(status=PetitionStatus.ANSWERED),
            lambda p: f"{p.answered_unit.name if p.answered_unit else ''}已答复",
        ),
    ]


def _handler_kinds(actor: User, unit: Unit) -> list[_Kind]:
    kinds = [
        _Kind(
            "claim",
            "本单位待认领",
            Q(office_unit=unit.pk, handler__isnull=True, status__in=HANDLING_STATES),
            lambda p: "未指定承办人，可认领",
        ),
        _Kind(
            "assigned",
            "交办给我待办理",
            Q(handler=actor, status__in=(PetitionStatus.ACCEPTED, PetitionStatus.ASSIGNED)),
            lambda p: (
                f"已申请延期 {p.extension_requested_days} 日，待批准"
                if p.extension_requested_days
                else "调查核实后提交办结报告"
            ),
        ),
        _Kind(
            "returned",
            "办结报告被退回重办",
            Q(handler=actor, status=PetitionStatus.HANDLING),
            lambda p: "已退回，补充后重新提交",
        ),
    ]
    if unit.organ_id == unit.pk:  # a village's handler reports; the organ above it answers
        kinds.append(
            _Kind(
                "answer",
                "报告已审核通过待答复",
                Q(handler=actor, status=PetitionStatus.APPROVED),
                lambda p: "请书面答复信访人",
            )
        )
    return kinds


def _petition_groups(actor: User, kinds: list[_Kind], page_of: Callable[[str], int]) -> list[TodoGroup]:
    """Each kind's count, then one page of rows per non-empty kind (LIMIT/OFFSET, by deadline).
    One COUNT per kind, not one aggregate of them all: each kind's own status (or handler, or
    office queue) lets the database read it from an index, where a single aggregate must visit
    every petition in scope (a county leader's home took 760 ms at 1,000,000 petitions)."""
    if not kinds:
        return []
    scoped = petitions_visible_to(actor).alias(office_unit=OFFICE_UNIT)
    counts = {k.code: scoped.filter(k.q).count() for k in kinds}
    returned = PetitionEvent.objects.filter(petition=OuterRef("pk"), action="object")
    groups = []
    for kind in kinds:
        page = page_of(kind.code)
        rows: list[TodoRow] = []
        if counts[kind.code]:
            start = (page - 1) * TODO_ROWS
            found = (
                scoped.filter(kind.q)
                .select_related("unit", "handling_unit", "review_unit", "answered_unit")
                .annotate(was_returned=Exists(returned))
                .order_by(F("current_deadline").asc(nulls_last=True), "received_at", "pk")[
                    start : start + TODO_ROWS
                ]
            )
            rows = [TodoRow(p.pk, p.number, p.subject, kind.what(p), p.current_deadline) for p in found]
        groups.append(TodoGroup(kind.code, kind.label, counts[kind.code], rows, page, kind.more_url))
    return groups


def _supervision_groups(
    actor: User, unit: Unit, caps: frozenset[str], page_of: Callable[[str], int]
) -> list[TodoGroup]:
    """Supervisions waiting for the user's unit: to report on (the responsible unit's handlers
    and front desk), to confirm (proposals), to close once reported, or reported late (the
    supervising office's 督办员 and 接访员)."""
    today = timezone.localdate()
    list_url = reverse("supervision:list")
    kinds: list[tuple[str, str, Q, Callable[[Supervision], str], str]] = []
    desk = {"petitions.register", "petitions.accept"} <= caps
    if "petitions.handle" in caps or desk:
        kinds.append(
            (
                "supervised",
                "督办待报告",
                Q(status=SupervisionStatus.OPEN, responsible_unit=unit),
                lambda s: f"{s.supervising_unit.name}{s.get_kind_display()}（{s.get_trigger_display()}）",
                list_url + "?status=open",
            )
        )
    if "supervision.manage" in caps or desk:  # who confirms and closes (leaders may, but list)
        office = Q(supervising_unit=unit)
        kinds += [
            (
                "proposed",
                "督办提议待确认",
                office & Q(status=SupervisionStatus.PROPOSED),
                lambda s: f"逾期提议督办{s.responsible_unit.name}",
                list_url + "?tab=proposed",
            ),
            (
                "reported",
                "督办已报告待办结",
                office & Q(status=SupervisionStatus.ANSWERED),
                lambda s: f"{s.responsible_unit.name}已于 {timezone.localtime(s.answered_at):%m-%d} 报告",
                list_url + "?status=answered",
            ),
            (
                "late",
                "督办逾期未报告",
                office & Q(status=SupervisionStatus.OPEN, deadline__lt=today),
                lambda s: f"{s.responsible_unit.name}逾期 {(today - s.deadline).days} 天未报告",
                list_url + "?status=open",
            ),
        ]
    if not kinds:
        return []
    scoped = supervisions_visible_to(actor)
    counts = scoped.aggregate(**{code: Count("pk", filter=q) for code, _, q, _, _ in kinds})
    groups = []
    for code, label, q, what, url in kinds:
        page = page_of(code)
        rows: list[TodoRow] = []
        if counts[code]:
            start = (page - 1) * TODO_ROWS
            found = (
                scoped.filter(q)
                .select_related("petition", "supervising_unit", "responsible_unit")
                .order_by("deadline", "pk")[start : start + TODO_ROWS]
            )
            rows = [
                # a reported supervision waits for no time limit: its deadline was the report's
                TodoRow(s.petition_id, s.petition.number, s.petition.subject, what(s), _due(s))
                for s in found
            ]
        groups.append(TodoGroup(code, label, counts[code], rows, page, url))
    return groups


def _due(s: Supervision) -> date | None:
    return s.deadline if s.status in (SupervisionStatus.OPEN, SupervisionStatus.PROPOSED) else None


def todo_groups(*, actor: User, pages: Mapping[str, int] | None = None) -> list[TodoGroup]:
    """The user's 待办 by kind, from their capabilities: a leader's reports and extensions to
    approve and reviews to decide; the front desk's matters to accept, to route (returned by an
    objection included) and to close; a handler's returned reports and approved ones to answer;
    supervisions to report on, to confirm, to close or reported late. A few queries whatever
    the data: one aggregate per table, one page of rows per non-empty kind."""
    unit = actor.unit
    if unit is None:
        return []
    caps = capabilities_of(actor)
    wanted = dict(pages or {})

    def page_of(code: str) -> int:
        return max(int(wanted.get(code, 1)), 1)

    kinds: list[_Kind] = []
    if "petitions.approve" in caps:
        kinds += _leader_kinds(actor, unit, caps)
    if {"petitions.register", "petitions.accept"} <= caps:
        kinds += _office_kinds(unit)
    if "petitions.handle" in caps:
        kinds += _handler_kinds(actor, unit)
    from .stability import stability_groups

    return (
        _petition_groups(actor, kinds, page_of)
        + _supervision_groups(actor, unit, caps, page_of)
        + stability_groups(actor, unit, caps, page_of)
    )
