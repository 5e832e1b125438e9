"""The 待办 of the stability half (维稳) on the home page: information reports to sign for or
returned for more detail, incidents whose next report is due, lower units' incident reports to
sign for, the principal leader's arrival on site, the plan tasks one owns and the instructions
one's unit must acknowledge; disputes awaiting a mediator at one's committee, one's own disputes
in mediation, return visits due within 7 days or overdue and 司法确认 windows ending within 3 days.
One aggregate per table, one page of rows per non-empty kind."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.disputes.choices import DisputeStatus
from xinfang.disputes.models import Dispute
from xinfang.incidents.choices import IncidentStatus
from xinfang.incidents.models import Incident, IncidentReport, IncidentTask, InstructionTarget
from xinfang.inforeports.choices import ReportStatus
from xinfang.inforeports.models import InfoReport
from xinfang.organisation.models import Unit

from .selectors import TODO_ROWS, TodoGroup, TodoRow

DUE_SOON = timedelta(minutes=60)  # how soon a report due counts as waiting (not a deadline)
VISIT_SOON = timedelta(days=7)  # a dispute's return visit due within a week waits
CONFIRMATION_SOON = timedelta(days=3)  # a 司法确认 window ending within three days waits


@dataclass(frozen=True)
class _Kind:
    code: str
    label: str
    q: Q  # which rows of `table` wait
    table: Any
    order: tuple[str, ...]
    row: Callable[[Any], TodoRow]
    more_url: str = ""
    related: tuple[str, ...] = ()

    def rows(self) -> QuerySet[Any]:
        rows: QuerySet[Any] = self.table.objects.filter(self.q)
        return rows.select_related(*self.related).order_by(*self.order)


def _minutes_left(due: Any) -> str:
    if due is None:
        return ""
    minutes = int((due - timezone.now()).total_seconds() // 60)
    return f"已逾期 {-minutes} 分钟" if minutes < 0 else f"剩 {minutes} 分钟"


def _incident_row(i: Incident) -> TodoRow:
    label = "首报" if i.next_report_kind == "first" else "续报"
    return TodoRow(
        0,
        i.number,
        i.title,
        f"{label}时限 {timezone.localtime(i.next_report_due):%m-%d %H:%M}（{_minutes_left(i.next_report_due)}）",
        None,
        url=reverse("incidents:detail", args=[i.pk]),
    )


def _dispute_row(what: Callable[[Dispute], str], due: Callable[[Dispute], date | None] | None = None) -> Any:
    """A dispute names its kind and unit, never a party."""

    def row(d: Dispute) -> TodoRow:
        return TodoRow(
            0,
            d.number,
            f"{d.kind.name}（{d.unit.name}）",
            what(d),
            due(d) if due is not None else None,
            url=reverse("disputes:detail", args=[d.pk]),
        )

    return row


def _dispute_kinds(actor: User, unit: Unit, caps: frozenset[str]) -> list[_Kind]:
    """The committee's (its mediators' and office's) and the mediator's own dispute work: one
    table, so one aggregate for all four counts."""
    if "disputes.mediate" not in caps:
        return []
    today = timezone.localdate()
    home = reverse("disputes:home")
    # the office of the handling committee watches its disputes' clocks; a mediator their own
    mine = Q(mediator=actor)
    watched = (mine | Q(handling_unit=unit)) if "disputes.manage" in caps else mine
    agreed = Q(status__in=[DisputeStatus.PERFORMING, DisputeStatus.PERFORMED])
    related = ("kind", "unit")
    return [
        _Kind(
            "disputes_unassigned",
            "矛盾纠纷待指定调解员",
            Q(handling_unit=unit, status=DisputeStatus.REGISTERED, mediator__isnull=True),
            Dispute,
            ("registered_at", "pk"),
            _dispute_row(
                lambda d: (
                    f"{d.class_label}纠纷，{timezone.localtime(d.registered_at):%m-%d %H:%M} 登记"
                    + ("，已上交" if d.passed_up else "")
                )
            ),
            home + "?status=registered",
            related,
        ),
        _Kind(
            "disputes_mine",
            "我调解的矛盾纠纷",
            Q(mediator=actor, status__in=[DisputeStatus.MEDIATING, DisputeStatus.DRAFTING]),
            Dispute,
            ("registered_at", "pk"),
            _dispute_row(lambda d: d.get_status_display()),
            home,
            related,
        ),
        _Kind(
            "disputes_visits",
            "调解回访临近或逾期",
            watched & agreed & Q(next_visit_due__lte=today + VISIT_SOON, visited_at__isnull=True),
            Dispute,
            ("next_visit_due", "pk"),
            # the page's traffic light says how near or late (the row's deadline)
            _dispute_row(lambda d: f"回访当事人（{d.class_label}纠纷）", lambda d: d.next_visit_due),
            home + "?visit_overdue=on",
            related,
        ),
        _Kind(
            "disputes_confirmation",
            "司法确认申请期即将届满",
            watched
            & agreed
            & Q(
                confirmation="",
                confirmation_ends__gte=today,
                confirmation_ends__lte=today + CONFIRMATION_SOON,
            ),
            Dispute,
            ("confirmation_ends", "pk"),
            _dispute_row(lambda d: "记录当事人是否申请司法确认", lambda d: d.confirmation_ends),
            home,
            related,
        ),
    ]


def _kinds(actor: User, unit: Unit, caps: frozenset[str]) -> list[_Kind]:
    kinds: list[_Kind] = []
    reports_home = reverse("inforeports:home")
    board = reverse("incidents:board")
    if "reports.receive" in caps:
        kinds.append(
            _Kind(
                "reports_inbox",
                "信息待签收",
                Q(to_unit=unit, status=ReportStatus.SUBMITTED),
                InfoReport,
                ("filed_at", "pk"),
                lambda r: TodoRow(
                    0,
                    r.number,
                    r.title,
                    f"{r.unit.name}{r.get_kind_display()}，{timezone.localtime(r.filed_at):%m-%d %H:%M} 报送",
                    None,
                    url=reverse("inforeports:detail", args=[r.pk]),
                ),
                reports_home + "?inbox=1",
                ("unit",),
            )
        )
    if "reports.file" in caps:
        kinds.append(
            _Kind(
                "reports_returned",
                "信息被退回补充",
                Q(unit=unit, status=ReportStatus.RETURNED),
                InfoReport,
                ("filed_at", "pk"),
                lambda r: TodoRow(
                    0,
                    r.number,
                    r.title,
                    f"退回理由：{r.returned_reason}",
                    None,
                    url=reverse("inforeports:detail", args=[r.pk]),
                ),
                reports_home + "?status=returned",
            )
        )
    open_incident = ~Q(status=IncidentStatus.CLOSED)
    soon = timezone.now() + DUE_SOON  # a report due within the hour waits; a later one not yet
    if "incidents.manage" in caps:
        kinds.append(
            _Kind(
                "incidents_due",
                "突发事件报告临近或逾期",
                Q(unit=unit, next_report_due__lte=soon) & open_incident,
                Incident,
                ("next_report_due", "pk"),
                _incident_row,
                board,
            )
        )
        kinds.append(
            _Kind(
                "incident_reports",
                "下级事件报告待签收",
                Q(to_unit=unit, signed_at__isnull=True),
                IncidentReport,
                ("written_at", "pk"),
                lambda r: TodoRow(
                    0,
                    r.incident.number,
                    r.incident.title,
                    f"{r.incident.unit.name}{r.get_kind_display()}（第{r.seq}次），{timezone.localtime(r.written_at):%m-%d %H:%M}",
                    None,
                    url=reverse("incidents:detail", args=[r.incident_id]),
                ),
                board,
                ("incident__unit",),
            )
        )
    if "incidents.view" in caps:
        if "principal" in actor.role_codes:
            kinds.append(
                _Kind(
                    "incident_arrival",
                    "突发事件待到场",
                    Q(gathered_unit=unit, arrived_at__isnull=True) & open_incident,
                    Incident,
                    ("arrival_due", "pk"),
                    lambda i: TodoRow(
                        0,
                        i.number,
                        i.title,
                        f"请于 {timezone.localtime(i.arrival_due):%H:%M} 前到达{i.place}（{_minutes_left(i.arrival_due)}）"
                        if i.arrival_due
                        else f"请立即到达{i.place}",
                        None,
                        url=reverse("incidents:detail", args=[i.pk]),
                    ),
                    board,
                )
            )
        kinds.append(
            _Kind(
                "incident_tasks",
                "应急预案任务",
                Q(owner=actor, done_at__isnull=True) & ~Q(incident__status=IncidentStatus.CLOSED),
                IncidentTask,
                ("incident__learned_at", "order", "pk"),
                lambda t: TodoRow(
                    0,
                    t.incident.number,
                    t.incident.title,
                    t.title,
                    None,
                    url=reverse("incidents:detail", args=[t.incident_id]),
                ),
                board,
                ("incident",),
            )
        )
        kinds.append(
            _Kind(
                "instructions",
                "领导批示待确认",
                Q(unit=unit, acknowledged_at__isnull=True),
                InstructionTarget,
                ("instruction__at", "pk"),
                lambda t: TodoRow(
                    0,
                    t.instruction.incident.number,
                    t.instruction.incident.title,
                    f"批示：{t.instruction.text[:40]}",
                    None,
                    url=reverse("incidents:detail", args=[t.instruction.incident_id]),
                ),
                board,
                ("instruction__incident",),
            )
        )
    return kinds + _dispute_kinds(actor, unit, caps)


def _counts(kinds: list[_Kind]) -> dict[str, int]:
    """Every kind's count, one aggregate per table (the kinds of a table filter it differently)."""
    counts: dict[str, int] = {}
    by_table: dict[Any, list[_Kind]] = {}
    for kind in kinds:
        by_table.setdefault(kind.table, []).append(kind)
    for table, group in by_table.items():
        either = Q()
        for k in group:
            either |= k.q
        counts.update(
            table.objects.filter(either).aggregate(**{k.code: Count("pk", filter=k.q) for k in group})
        )
    return counts


def stability_groups(
    actor: User, unit: Unit, caps: frozenset[str], page_of: Callable[[str], int]
) -> list[TodoGroup]:
    groups = []
    kinds = _kinds(actor, unit, caps)
    counts = _counts(kinds)
    for kind in kinds:
        count = counts[kind.code]
        rows: list[TodoRow] = []
        page = page_of(kind.code)
        if count:
            start = (page - 1) * TODO_ROWS
            rows = [kind.row(r) for r in kind.rows()[start : start + TODO_ROWS]]
        groups.append(TodoGroup(kind.code, kind.label, count, rows, page, kind.more_url))
    return [g for g in groups if g.count]  # an empty kind of this half is not listed
