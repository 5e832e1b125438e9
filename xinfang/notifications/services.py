"""Writes of notifications: `notify` (the one way any app notifies a user), reading, delivery to
the outbound channel, and the deadline alert sweep (临期提醒 / 逾期提醒)."""

import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.models import RoleAssignment, User
from xinfang.accounts.roles import Role
from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record
from xinfang.core.exceptions import ApplicationError, ValidationFailed
from xinfang.deadlines.models import Deadline
from xinfang.organisation.models import Unit
from xinfang.petitions.choices import PetitionStatus
from xinfang.petitions.workflow import OWNER_TYPE

from .channels import channel_code, channel_from_settings
from .choices import Channel, NotificationKind
from .models import Notification
from .selectors import access_notification_by_id, alert_boundary, alert_candidates, alert_step

logger = logging.getLogger(__name__)

SWEEP_BATCH_SIZE = 2000
DELIVERY_CHUNK = 1000
LEADER_ROLES = frozenset({Role.LEADER, Role.PRINCIPAL})
TITLE_MAX = 200


class DeliveryFailed(ApplicationError):
    """Some notifications could not be sent; the delivery task raises it so that Huey retries."""

    status_code = 503


# --- notify -------------------------------------------------------------------------------------


def owner_key(owner: Any) -> tuple[str, int | None]:
    """(owner_type, owner_id) of a model instance, in the strings of `Deadline.owner_type`
    ("<app label>.<model name>"); ("", None) for no owner."""
    if owner is None:
        return "", None
    meta = owner._meta
    return f"{meta.app_label}.{meta.model_name}", owner.pk


def _recipient_ids(recipients: Iterable[Any]) -> list[int]:
    """User objects or ids, each once, in the order given."""
    ids = dict.fromkeys(r if isinstance(r, int) else r.pk for r in recipients)
    return [pk for pk in ids if pk is not None]


@transaction.atomic
def notify(
    *,
    recipients: Iterable[Any],
    kind: str,
    title: str,
    body: str = "",
    owner: Any = None,
    link: str = "",
    dedupe_key: str = "",
) -> int:
    """Notifies each recipient; returns how many notifications are new.

    `owner` is the record the notice is about (a model instance, or None for a notice about no
    single record); `link` the page to open. The caller writes the wording.

    With a `dedupe_key`, a recipient who already has a notification with that key gets none:
    one indexed query finds them, and the insert ignores conflicts too, so that two callers at
    once still notify once. The new notifications go to the outbound channel after commit.
    """
    if kind not in NotificationKind.values:
        raise ValidationFailed("未知的通知类型。", {"kind": f"未知的通知类型：{kind}。"})
    title = (title or "").strip()
    if not title:
        raise ValidationFailed("请填写通知标题。", {"title": "请填写通知标题。"})
    ids = _recipient_ids(recipients)
    if dedupe_key and ids:
        notified = Notification.objects.filter(recipient_id__in=ids, dedupe_key=dedupe_key)
        already = set(notified.values_list("recipient_id", flat=True))
        ids = [pk for pk in ids if pk not in already]
    if not ids:
        return 0
    now = timezone.now()
    owner_type, owner_id = owner_key(owner)
    rows = [
        Notification(
            recipient_id=pk,
            kind=kind,
            title=title[:TITLE_MAX],
            body=body,
            owner_type=owner_type,
            owner_id=owner_id,
            link=link,
            dedupe_key=dedupe_key,
            created_at=now,
        )
        for pk in ids
    ]
    new_ids = _insert(rows, created_at=now, written=Q(recipient_id__in=ids, dedupe_key=dedupe_key))
    _deliver_on_commit(new_ids)
    return len(new_ids)


def _insert(rows: list[Notification], *, created_at: datetime, written: Q) -> list[int]:
    """Inserts `rows`, skipping those a concurrent writer already inserted (the dedupe
    constraint), and returns the ids of the rows written here: the ones of `written` (a filter
    an index answers) stamped with this call's `created_at`. `ignore_conflicts` leaves the
    instances without ids, hence the read."""
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return list(Notification.objects.filter(written, created_at=created_at).values_list("pk", flat=True))


def _deliver_on_commit(notification_ids: list[int]) -> None:
    if not notification_ids or channel_code() == Channel.NONE:
        return
    chunks = [
        notification_ids[start : start + DELIVERY_CHUNK]
        for start in range(0, len(notification_ids), DELIVERY_CHUNK)
    ]

    def enqueue() -> None:
        from .tasks import notifications_deliver_task

        for chunk in chunks:
            notifications_deliver_task(chunk)

    transaction.on_commit(enqueue)


# --- reading ------------------------------------------------------------------------------------


def notification_mark_read(*, actor: Any, notification_id: Any) -> Notification:
    """Marks one of the actor's own notifications read (404 for anyone else's). Idempotent."""
    notification = access_notification_by_id(actor, notification_id)
    if notification.read_at is None:
        now = timezone.now()
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)
        notification.read_at = now
    return notification


def notifications_mark_all_read(*, actor: Any) -> int:
    """Marks every unread notification of the actor read; returns how many."""
    return Notification.objects.filter(recipient=actor, read_at__isnull=True).update(read_at=timezone.now())


# --- delivery -----------------------------------------------------------------------------------


def notifications_deliver(*, notification_ids: list[int]) -> int:
    """Hands notifications to the outbound channel; returns how many it sent.

    Rows already delivered are skipped, so a retry sends only what failed before. Raises
    `DeliveryFailed` when some failed, for the Huey task to retry; the in-app notifications stay
    whatever happens here.
    """
    pending = list(
        Notification.objects.filter(pk__in=notification_ids, delivered_at__isnull=True)
        .select_related("recipient")
        .order_by("pk")
    )
    if not pending:
        return 0
    delivery = channel_from_settings().send(pending)
    if delivery.sent:
        Notification.objects.filter(pk__in=delivery.sent).update(delivered_at=timezone.now())
    if delivery.failed:
        raise DeliveryFailed(
            f"{len(delivery.failed)} 条消息通知外发失败，将自动重试。", {"ids": delivery.failed}
        )
    return len(delivery.sent)


# --- the deadline alert sweep -------------------------------------------------------------------


@dataclass(frozen=True)
class SweepResult:
    today: date
    boundary: date
    checked: int
    created: int
    seconds: float


class RecipientDirectory:
    """Who hears about a petition's deadline, from three small queries made once per sweep:

    - its handler (承办人), while active;
    - the leaders (分管领导, 主要领导) of the responsible unit (承办单位, else 登记单位), or of the
      nearest unit above it that has any;
    - the clerks (接访员) of the registering unit (登记单位), the office that keeps the register.
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
        return list(ids)


@dataclass(frozen=True)
class DeadlineAlert:
    kind: str
    title: str
    body: str
    dedupe_key: str


STATUS_LABELS = dict(PetitionStatus.choices)


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


@transaction.atomic
def _sweep_batch(
    rows: list[dict[str, Any]], *, today: date, directory: RecipientDirectory, link_pattern: str
) -> int:
    """Notifies about one batch of candidate petitions in one transaction; returns how many new.
    Notifications already there (an earlier run, or the run a crash cut short) are read first
    with one query over the petition index and skipped."""
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
    new_ids = _insert(new_rows, created_at=now, written=Q(owner_type=OWNER_TYPE, owner_id__in=ids))
    _deliver_on_commit(new_ids)
    return len(new_ids)


def alerts_sweep(*, today: date | None = None, batch_size: int = SWEEP_BATCH_SIZE) -> SweepResult:
    """Notifies the handler, the leaders and the office of every open petition whose deadline is
    past (逾期) or within XINFANG_ALERT_WORKING_DAYS working days (临期): once per deadline,
    level and recipient, ever (the dedupe key holds the petition, the level and the due date).

    Walks the candidates by id in batches, each written in its own transaction, so a crash
    loses at most the batch it was in, and a rerun skips what is done. Writes one audit entry
    and one log line per completed run. Scheduled every 30 minutes (`tasks`) and available as
    `manage.py alerts_sweep`.
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
    audit_record(
        actor=None,
        event=AuditEvent.NOTIFICATIONS_SENT,
        target_type="notifications.alert_sweep",
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
