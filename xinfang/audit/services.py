"""Writes to the audit log. Every other app records through `audit_record` only."""

import gzip
import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from xinfang.core.exceptions import ValidationFailed
from xinfang.core.requests import RequestMeta

from .models import ArchiveWindow, AuditArchive, AuditEntry, AuditEvent


def audit_entry(
    *,
    actor: Any,
    event: AuditEvent,
    target: models.Model | None = None,
    target_type: str = "",
    target_id: str | int = "",
    target_label: str = "",
    success: bool = True,
    request_meta: RequestMeta | None = None,
    username: str = "",
    **extra_data: Any,
) -> AuditEntry:
    """One entry, not saved yet: `audit_record` saves one, `audit_record_many` a job's batch.
    `actor` may be None for jobs and anonymous attempts (then `username`)."""
    if target is not None:
        target_type = target_type or target._meta.label_lower
        target_id = target_id or target.pk
        target_label = target_label or str(target)[:200]
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry(
        created_at=timezone.now(),
        actor=actor if is_user else None,
        actor_username=(actor.username if is_user else username)[:150],
        event=event,
        target_type=target_type,
        target_id=str(target_id),
        target_label=target_label[:200],
        success=success,
        ip=request_meta.ip if request_meta else None,
        user_agent=request_meta.user_agent if request_meta else "",
        extra_data=json.loads(json.dumps(extra_data, cls=DjangoJSONEncoder)),
    )


def audit_record(**fields: Any) -> AuditEntry:
    """Append one entry (the fields of `audit_entry`)."""
    entry = audit_entry(**fields)
    entry.save(force_insert=True)
    return entry


def audit_access_denied(
    *, actor: Any, model: type[models.Model], target_id: Any, request_meta: RequestMeta | None = None
) -> None:
    """For an `access_*_by_id` miss only: one query asks whether the record exists at all; when it
    does (it lies outside the actor's scope) a failed ACCESS_DENIED entry is written. The caller
    then raises the same NotFound as for a missing record. The label names the type and id only."""
    try:
        pk = int(target_id)
    except (TypeError, ValueError, OverflowError):
        return
    if not model._default_manager.filter(pk=pk).exists():
        return
    audit_record(
        actor=actor,
        event=AuditEvent.ACCESS_DENIED,
        target_type=model._meta.label_lower,
        target_id=pk,
        target_label=f"{model._meta.verbose_name} #{pk}",
        success=False,
        request_meta=request_meta,
    )


def audit_record_many(entries: list[AuditEntry]) -> list[AuditEntry]:
    """Append a job's entries (built with `audit_entry`) in one statement."""
    return AuditEntry.objects.bulk_create(entries)


def audit_archive(*, actor: Any, before: datetime, request_meta: RequestMeta | None = None) -> AuditArchive:
    """Move entries older than `before` to a gzip JSON-lines file and remove them from the table.

    Refuses a cutoff inside the retention period (at least six months, 网络安全法 art. 21). The
    file is written and synced before the rows are deleted, so a failure loses nothing.
    """
    earliest_allowed = timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    if before > earliest_allowed:
        raise ValidationFailed(
            f"审计日志至少保存 {settings.AUDIT_RETENTION_DAYS} 天，只能归档 "
            f"{timezone.localtime(earliest_allowed):%Y-%m-%d} 之前的记录。"
        )
    archive_dir = settings.AUDIT_ARCHIVE_DIR
    archive_dir.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    path = archive_dir / f"audit-before-{timezone.localtime(before):%Y%m%d}-{stamp}.jsonl.gz"
    with transaction.atomic():
        rows = AuditEntry.objects.filter(created_at__lt=before).order_by("id")
        digest = hashlib.sha256()
        count = 0
        with gzip.open(path, "wt", encoding="utf-8") as fh:
            for values in rows.values().iterator(chunk_size=2000):
                line = json.dumps(values, cls=DjangoJSONEncoder, ensure_ascii=False) + "\n"
                fh.write(line)
                digest.update(line.encode())
                count += 1
        window = ArchiveWindow.objects.create(cutoff=before)
        # The queryset's own delete() is refused by design; the trigger admits this one statement.
        models.QuerySet(AuditEntry).filter(created_at__lt=before)._raw_delete(AuditEntry.objects.db)
        window.delete()
        archive = AuditArchive.objects.create(
            created_at=timezone.now(),
            created_by=actor,
            cutoff=before,
            row_count=count,
            file_name=path.name,
            sha256=digest.hexdigest(),
        )
        audit_record(
            actor=actor,
            event=AuditEvent.AUDIT_ARCHIVED,
            target=archive,
            request_meta=request_meta,
            cutoff=before,
            rows=count,
            file=path.name,
        )
    return archive
