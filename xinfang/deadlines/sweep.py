"""The one deadline sweep (期限巡检): every minute, over the open `Deadline` rows of every owner.

1. Each open clock whose `due_at` has passed and that is not flagged yet goes, in keyset batches
   by (due_at, id), to the clock handler its owner registered (`registry`), and is flagged
   (`overdue_flagged_at`) in the same transaction: once per clock and due time. A run with
   nothing newly due is one seek on the partial index `deadline_overdue_pending`.
2. Each handler's own periodic `scan` (the petitions' 临期/逾期 alerts, which also cover the
   交办 deadlines that are not rows here) runs every `scan_minutes` minutes of the hour, or on
   every run with `scans=True` (the management command).

A crash loses at most the batch it was in; the rows stay unflagged and the next run hands them
over again (the handlers' dedupe keys keep that from notifying twice). A run that did anything
writes one audit entry (NOTIFICATIONS_SENT) and one log line; an idle run writes nothing.
"""

import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record

from .models import Deadline
from .registry import clock_handler, clock_handlers

logger = logging.getLogger(__name__)

SWEEP_BATCH_SIZE = 2000


@dataclass(frozen=True)
class SweepResult:
    now: datetime
    flagged: int  # clocks handed over as overdue
    scanned: int  # rows the handlers' scans looked at
    created: int  # notifications written
    seconds: float


def _due_batch(now: datetime, after: tuple[datetime, int] | None, limit: int) -> list[Deadline]:
    rows = Deadline.objects.filter(is_open=True, overdue_flagged_at__isnull=True, due_at__lte=now)
    if after is not None:
        rows = rows.filter(Q(due_at__gt=after[0]) | Q(due_at=after[0], pk__gt=after[1]))
    return list(rows.order_by("due_at", "pk")[:limit])


@transaction.atomic
def _flag_batch(rows: list[Deadline], *, now: datetime) -> int:
    """Hands one batch to the handlers and flags it, in one transaction; returns how many
    notifications the handlers wrote. Rows of an owner without a handler are flagged only."""
    created = 0
    by_owner: dict[str, list[Deadline]] = defaultdict(list)
    for row in rows:
        by_owner[row.owner_type].append(row)
    for owner_type, owned in by_owner.items():
        handler = clock_handler(owner_type)
        if handler is not None:
            created += handler.overdue(owned, now=now)
    Deadline.objects.filter(pk__in=[row.pk for row in rows], overdue_flagged_at__isnull=True).update(
        overdue_flagged_at=now
    )
    return created


def deadlines_sweep(
    *, now: datetime | None = None, batch_size: int = SWEEP_BATCH_SIZE, scans: bool | None = None
) -> SweepResult:
    """Runs the sweep at `now` (default: the current time). `scans`: True runs every handler's
    scan, False none, None those whose `scan_minutes` divides the minute of `now`."""
    started = time.monotonic()
    now = now or timezone.now()
    flagged = created = scanned = 0
    after: tuple[datetime, int] | None = None
    while rows := _due_batch(now, after, batch_size):
        created += _flag_batch(rows, now=now)
        flagged += len(rows)
        last = rows[-1]
        assert last.due_at is not None
        after = (last.due_at, last.pk)
    minute = timezone.localtime(now).minute
    ran_scans = []
    for owner_type, handler in clock_handlers().items():
        due = scans if scans is not None else minute % max(1, handler.scan_minutes) == 0
        if not due:
            continue
        result = handler.scan(now=now)
        if result is not None:
            ran_scans.append(owner_type)
            scanned += result.checked
            created += result.created
    seconds = round(time.monotonic() - started, 2)
    if flagged or ran_scans:
        audit_record(
            actor=None,
            event=AuditEvent.NOTIFICATIONS_SENT,
            target_type="deadlines.sweep",
            target_label="期限巡检",
            now=now,
            flagged=flagged,
            scans=ran_scans,
            checked=scanned,
            created=created,
            seconds=seconds,
        )
        logger.info(
            "期限巡检：逾期 %s 项，检查 %s 件，新发通知 %s 条，用时 %.2f 秒。",
            flagged,
            scanned,
            created,
            seconds,
        )
    return SweepResult(now=now, flagged=flagged, scanned=scanned, created=created, seconds=seconds)
