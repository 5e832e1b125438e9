"""The petitions' deadline alerts (临期提醒 / 逾期提醒): which petitions, which step, who hears of
it and the wording, registered with deadlines as the petition clock handler.

A petition's alert reads `Petition.current_deadline`: its open clock's due day, or the earlier
交办 deadline (`assignment_due`, not a `Deadline` row). The deadlines sweep (every minute) hands
`PetitionClocks.overdue` each petition clock whose due time has passed, once, and runs
`PetitionClocks.scan` (`alerts_sweep`: every open petition due within
XINFANG_ALERT_WORKING_DAYS working days or overdue, including the 交办 deadlines) every
`scan_minutes` minutes. Both write through the same dedupe keys
("deadline:<petition>:<near|overdue>:<due date>"), so nobody is told twice.
"""

import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.models import RoleAssignment, User
from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record
from xinfang.deadlines.models import Deadline
from xinfang.deadlines.registry import ScanResult
from xinfang.deadlines.selectors import working_days_after
from xinfang.notifications.choices import NotificationKind
from xinfang.notifications.models import Notification
from xinfang.notifications.services import notifications_insert
from xinfang.organisation.models import Unit

from .choices import OPEN_STATUSES, PetitionStatus
from .models import OWNER_TYPE, Petition

logger = logging.getLogger(__name__)

S = PetitionStatus
SWEEP_BATCH_SIZE = 2000
LEADER_ROLES = frozenset({Role.LEADER, Role.PRINCIPAL})
TITLE_MAX = 200
SCAN_MINUTES = 30

# The step (环节) whose time limit runs in each open state. 已答复 has none: the answer closes
# the clock (the petitioner's review window is theirs, not the office's).
STEP_BY_STATUS: dict[str, str] = {
    S.REGISTERED: "受理",
    S.TRANSFERRED: "受理",
    S.ACCEPTED: "办理",
    S.ASSIGNED: "办理",
    S.HANDLING: "办理",
    S.REPORT_PENDING: "办理",
    S.APPROVED: "办理",
    S.REVIEW: "复查",
    S.REREVIEW: "复核",
}
# The open clock's rule (deadlines.Deadline.rule) names the step more precisely than the state.
STEP_BY_RULE: dict[str, str] = {
    "acceptance": "受理",
    "transfer": "转送",
    "handling": "办理",
    "handling_important": "办理",
    "review_decision": "复查",
    "rereview_decision": "复核",
}
ASSIGNMENT_STEP = "交办"
ALERT_STATUSES = frozenset(STEP_BY_STATUS) & OPEN_STATUSES
CANDIDATE_FIELDS = (
    "pk",
    "number",
    "status",
    "current_deadline",
    "assignment_due",
    "unit_id",
    "handling_unit_id",
    "handler_id",
    "review_unit_id",
)
STATUS_LABELS = dict(PetitionStatus.choices)


# --- reads --------------------------------------------------------------------------------------


def alert_boundary(today: date) -> date:
    """The last due date that is "near" today: the XINFANG_ALERT_WORKING_DAYS-th working day
    after today by the calendar engine, as `petitions.selectors.warning_boundary` counts."""
    return working_days_after(today, settings.XINFANG_ALERT_WORKING_DAYS)


def alert_candidates(*, boundary: date, after: int, limit: int) -> list[dict[str, Any]]:
    """The next `limit` open petitions, by id after `after`, whose deadline is on or before
    `boundary` (keyset pagination: each batch is one range read, however far the walk has got).
    Plain rows, not model instances: the sweep reads up to a million of them."""
    return list(
        Petition.objects.filter(status__in=ALERT_STATUSES, current_deadline__lte=boundary, pk__gt=after)
        .order_by("pk")
        .values(*CANDIDATE_FIELDS)[:limit]
    )


def alert_step(*, status: str, current_deadline: date, assignment_due: date | None, rule: str | None) -> str:
    """受理 / 办理 / 交办 / 复查 / 复核: the step whose time limit `current_deadline` is."""
    if assignment_due is not None and assignment_due == current_deadline:
        return ASSIGNMENT_STEP
    return STEP_BY_RULE.get(rule or "") or STEP_BY_STATUS.get(status, "办理")


# --- recipients and wording ---------------------------------------------------------------------


class RecipientDirectory:
    """Who hears about a petition's deadline, from three small queries made once per sweep:

    - its handler (承办人), while active;
    - the leaders (分管领导, 主要领导) of the responsible unit (承办单位, else 登记单位), or of the
      nearest unit above it that has any;
    - the clerks (接访员) of the registering unit (登记单位), the office that keeps the register;
    - during a 复查 / 复核, the leaders (nearest up) and clerks of the organ that decides it.
    """

    def __init__(self) -> None:
        self.parent: dict[int, int | None] = dict(Unit.objects.values_list("pk", "parent_id"))
        self.leaders: dict[int, list[int]] = defaultdict(list)
        self.clerks: dict[int, list[int]] = defaultdict(list)
        assignments = RoleAssignment.objects.filter(
            role__in=[*LEADER_ROLES, Role.CLERK], user__is_active=True, user__unit__isnull=False
        ).values_list("user_id", "user__unit_id", "role")
        for user_id, unit_id, role in assignments:
            holders = self.clerks if role == Role.CLERK else self.leaders
            if user_id not in holders[unit_id]:
                holders[unit_id].append(user_id)
        self.inactive = set(User.objects.filter(is_active=False).values_list("pk", flat=True))
        self._nearest_leaders: dict[int, tuple[int, ...]] = {}

    def nearest_leaders(self, unit_id: int) -> tuple[int, ...]:
        if unit_id not in self._nearest_leaders:
            found: tuple[int, ...] = ()
            current: int | None = unit_id
            seen: set[int] = set()
            while current is not None and current not in seen:
                seen.add(current)
                if self.leaders.get(current):
                    found = tuple(sorted(self.leaders[current]))
                    break
                current = self.parent.get(current)
            self._nearest_leaders[unit_id] = found
        return self._nearest_leaders[unit_id]

    def for_petition(self, row: dict[str, Any]) -> list[int]:
        ids: dict[int, None] = {}
        handler = row["handler_id"]
        if handler is not None and handler not in self.inactive:
            ids[handler] = None
        ids.update(dict.fromkeys(self.nearest_leaders(row["handling_unit_id"] or row["unit_id"])))
        ids.update(dict.fromkeys(sorted(self.clerks.get(row["unit_id"], ()))))
        review = row.get("review_unit_id")
        if review is not None and row["status"] in (S.REVIEW, S.REREVIEW):
            # the organ that must decide the review: its leaders and its front desk
            ids.update(dict.fromkeys(self.nearest_leaders(review)))
            ids.update(dict.fromkeys(sorted(self.clerks.get(review, ()))))
        return list(ids)


@dataclass(frozen=True)
class DeadlineAlert:
    kind: str
    title: str
    body: str
    dedupe_key: str


def deadline_alert(row: dict[str, Any], *, today: date, rule: str | None) -> DeadlineAlert:
    """The near or overdue notice of one petition's deadline. Names the petition by its number,
    never its petitioner: the text goes to logs and e-mail."""
    due: date = row["current_deadline"]
    step = alert_step(
        status=row["status"], current_deadline=due, assignment_due=row["assignment_due"], rule=rule
    )
    status = STATUS_LABELS.get(row["status"], row["status"])
    if due < today:
        level, kind = "overdue", NotificationKind.DEADLINE_OVERDUE
        title = f"信访件 {row['number']} {step}期限已逾期（{due:%Y-%m-%d}）"
        body = (
            f"{step}期限为 {due:%Y-%m-%d}，已逾期 {(today - due).days} 天；当前状态：{status}。请尽快办理。"
        )
    else:
        level, kind = "near", NotificationKind.DEADLINE_NEAR
        left = "今日到期" if due == today else f"还剩 {(due - today).days} 天"
        title = f"信访件 {row['number']} {step}期限将至（{due:%Y-%m-%d}）"
        body = f"{step}期限为 {due:%Y-%m-%d}，{left}；当前状态：{status}。请按期办理。"
    return DeadlineAlert(
        kind=kind,
        title=title[:TITLE_MAX],
        body=body,
        dedupe_key=f"deadline:{row['pk']}:{level}:{due.isoformat()}",
    )


def _petition_link_pattern() -> str:
    marker = 987654321
    return reverse("petitions:detail", kwargs={"petition_id": marker}).replace(str(marker), "{}")


# --- writes -------------------------------------------------------------------------------------


def _alert_batch(
    rows: list[dict[str, Any]], *, today: date, directory: RecipientDirectory, link_pattern: str
) -> int:
    """Notifies about one batch of candidate petitions (in the caller's transaction); returns how
    many new. Notifications already there (an earlier run, or the run a crash cut short) are read
    first with one query over the owner index and skipped."""
    ids = [row["pk"] for row in rows]
    rules = dict(
        Deadline.objects.filter(owner_type=OWNER_TYPE, owner_id__in=ids, is_open=True).values_list(
            "owner_id", "rule"
        )
    )
    existing = set(
        Notification.objects.filter(owner_type=OWNER_TYPE, owner_id__in=ids)
        .exclude(dedupe_key="")
        .values_list("recipient_id", "dedupe_key")
    )
    now = timezone.now()
    new_rows = []
    for row in rows:
        alert = deadline_alert(row, today=today, rule=rules.get(row["pk"]))
        link = link_pattern.format(row["pk"])
        for recipient_id in directory.for_petition(row):
            if (recipient_id, alert.dedupe_key) in existing:
                continue
            new_rows.append(
                Notification(
                    recipient_id=recipient_id,
                    kind=alert.kind,
                    title=alert.title,
                    body=alert.body,
                    owner_type=OWNER_TYPE,
                    owner_id=row["pk"],
                    link=link,
                    dedupe_key=alert.dedupe_key,
                    created_at=now,
                )
            )
    if not new_rows:
        return 0
    written = Q(owner_type=OWNER_TYPE, owner_id__in=ids)
    return len(notifications_insert(new_rows, created_at=now, written=written))


@transaction.atomic
def _sweep_batch(
    rows: list[dict[str, Any]], *, today: date, directory: RecipientDirectory, link_pattern: str
) -> int:
    return _alert_batch(rows, today=today, directory=directory, link_pattern=link_pattern)


@dataclass(frozen=True)
class SweepResult:
    today: date
    boundary: date
    checked: int
    created: int
    seconds: float


def alerts_sweep(
    *, today: date | None = None, batch_size: int = SWEEP_BATCH_SIZE, audit: bool = True
) -> SweepResult:
    """Notifies the handler, the leaders and the office of every open petition whose deadline is
    past (逾期) or within XINFANG_ALERT_WORKING_DAYS working days (临期): once per deadline,
    level and recipient, ever (the dedupe key holds the petition, the level and the due date).

    Walks the candidates by id in batches, each written in its own transaction, so a crash
    loses at most the batch it was in, and a rerun skips what is done. Writes one audit entry
    (unless the deadlines sweep that runs it writes its own) and one log line per completed run.
    """
    started = time.monotonic()
    today = today or timezone.localdate()
    boundary = alert_boundary(today)
    directory = RecipientDirectory()
    link_pattern = _petition_link_pattern()
    checked = created = 0
    after = 0
    while rows := alert_candidates(boundary=boundary, after=after, limit=batch_size):
        created += _sweep_batch(rows, today=today, directory=directory, link_pattern=link_pattern)
        checked += len(rows)
        after = rows[-1]["pk"]
    seconds = round(time.monotonic() - started, 2)
    if audit:
        audit_record(
            actor=None,
            event=AuditEvent.NOTIFICATIONS_SENT,
            target_type="petitions.alert_sweep",
            target_label="期限提醒",
            today=today,
            boundary=boundary,
            checked=checked,
            created=created,
            seconds=seconds,
        )
    logger.info(
        "期限提醒：检查 %s 件（期限不晚于 %s），新发通知 %s 条，用时 %.2f 秒。",
        checked,
        boundary,
        created,
        seconds,
    )
    return SweepResult(today=today, boundary=boundary, checked=checked, created=created, seconds=seconds)


class PetitionClocks:
    """The petition clock handler (registered in `PetitionsConfig.ready`)."""

    scan_minutes = SCAN_MINUTES

    def overdue(self, deadlines: Sequence[Deadline], *, now: datetime) -> int:
        """The overdue notice of each petition whose clock just ran out, as the scan would word
        it (the petition's current deadline; the same dedupe key). Runs in the sweep's batch
        transaction."""
        today = timezone.localdate(now)
        rows = list(
            Petition.objects.filter(
                pk__in=[d.owner_id for d in deadlines],
                status__in=ALERT_STATUSES,
                current_deadline__lt=today,
            )
            .order_by("pk")
            .values(*CANDIDATE_FIELDS)
        )
        if not rows:
            return 0
        return _alert_batch(
            rows, today=today, directory=RecipientDirectory(), link_pattern=_petition_link_pattern()
        )

    def scan(self, *, now: datetime) -> ScanResult:
        result = alerts_sweep(today=timezone.localdate(now), audit=False)
        return ScanResult(checked=result.checked, created=result.created)
