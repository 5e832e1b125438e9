"""Writes of screenings besides the round machine's steps: filing a round for a unit (the page's
and the API's entry to the `file` step) and opening a special screening (专项排查)."""

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.permissions import ensure_capability
from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record
from xinfang.core.bounds import DATE_MAX, DATE_MIN
from xinfang.core.exceptions import ValidationFailed
from xinfang.core.requests import RequestMeta
from xinfang.deadlines.periods import Cadence, Cutoff, period_of
from xinfang.notifications.choices import NotificationKind
from xinfang.notifications.services import notify
from xinfang.organisation.models import Unit
from xinfang.organisation.selectors import access_unit_by_id

from .choices import SpecialField
from .machine import round_transition
from .models import ScreeningRound, SpecialScreening, SpecialScreeningUnit
from .schedule import DUE, special_round
from .selectors import file_link, screeners_of

MANAGE = "screenings.manage"
TITLE_MAX = 100
REQUIREMENTS_MAX = 2000
SPECIAL_DAYS_MAX = 366


def round_file(
    *, actor: User, unit: int | None = None, request_meta: RequestMeta | None = None, **fields: Any
) -> ScreeningRound:
    """Files a round of `unit` (default the actor's own; 404 outside the scope, 403 for a unit
    not the actor's own: a unit files its own rounds)."""
    if unit is None:
        if actor.unit is None:
            raise ValidationFailed("您的账号没有所属单位，不能报送排查。", {"unit": "请指定单位。"})
        target = actor.unit
    else:
        target = access_unit_by_id(actor, unit, request_meta)
    return round_transition(
        round_=ScreeningRound(unit=target), action="file", actor=actor, request_meta=request_meta, **fields
    )


def _refuse(errors: dict[str, str]) -> None:
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors)


def special_open(
    *,
    actor: User,
    field: str,
    title: str,
    starts_on: date | None,
    ends_on: date | None,
    requirements: str = "",
    all_below: bool = True,
    units: list[int] | None = None,
    request_meta: RequestMeta | None = None,
) -> SpecialScreening:
    """Opens a special screening of `field` for the units below the actor's own (all of them, or
    `units`), from `starts_on` to `ends_on` (due at 16:00 that day). The units asked are written
    now; each is told (its screeners and head). Audited."""
    ensure_capability(actor, MANAGE)
    office = actor.unit
    if office is None:
        raise ValidationFailed("您的账号没有所属单位，不能部署专项排查。")
    title = (title or "").strip()
    requirements = (requirements or "").strip()
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if field not in SpecialField.values:
        errors["field"] = "请选择排查领域。"
    if not title:
        errors["title"] = "请填写名称。"
    elif len(title) > TITLE_MAX:
        errors["title"] = f"名称不能超过 {TITLE_MAX} 字。"
    if len(requirements) > REQUIREMENTS_MAX:
        errors["requirements"] = f"排查要求不能超过 {REQUIREMENTS_MAX} 字。"
    for name, day in (("starts_on", starts_on), ("ends_on", ends_on)):
        if day is None:
            errors[name] = "请填写日期，格式 YYYY-MM-DD。"
        elif not DATE_MIN <= day <= DATE_MAX:
            errors[name] = f"日期须在 {DATE_MIN:%Y-%m-%d} 至 {DATE_MAX:%Y-%m-%d} 之间。"
    if starts_on and ends_on and "ends_on" not in errors and "starts_on" not in errors:
        if ends_on < starts_on:
            errors["ends_on"] = "截止日期不能早于开始日期。"
        elif ends_on < today:
            errors["ends_on"] = "截止日期不能早于今天。"
        elif (ends_on - starts_on).days + 1 > SPECIAL_DAYS_MAX:
            errors["ends_on"] = f"专项排查不能超过 {SPECIAL_DAYS_MAX} 天。"
    below = Unit.objects.filter(path__startswith=office.path, is_active=True).exclude(pk=office.pk)
    if all_below:
        targets = list(below.only("pk", "path", "name"))
        if not targets and "units" not in errors:
            errors["units"] = "本单位没有下级单位，无需部署专项排查。"
    else:
        chosen = {int(pk) for pk in units or []}
        targets = list(below.filter(pk__in=chosen).only("pk", "path", "name"))
        if not chosen:
            errors["units"] = "请选择参加排查的单位。"
        elif len(targets) != len(chosen):
            errors["units"] = "只能选择本单位的下级单位。"
    _refuse(errors)
    assert starts_on is not None
    assert ends_on is not None
    due = period_of(Cutoff(Cadence.DAILY, DUE), ends_on).due_at
    with transaction.atomic():
        special = SpecialScreening.objects.create(
            unit=office,
            unit_path=office.path,
            field=field,
            title=title,
            requirements=requirements,
            starts_on=starts_on,
            ends_on=ends_on,
            due_at=due,
            all_below=bool(all_below),
            target_count=len(targets),
            opened_by=actor,
            opened_at=timezone.now(),
        )
        SpecialScreeningUnit.objects.bulk_create(
            [SpecialScreeningUnit(special=special, unit_id=u.pk, unit_path=u.path) for u in targets],
            batch_size=1000,
        )
        audit_record(
            actor=actor,
            event=AuditEvent.RECORD_CREATED,
            target=special,
            target_label=str(special),
            request_meta=request_meta,
            field=field,
            starts_on=starts_on.isoformat(),
            ends_on=ends_on.isoformat(),
            units=len(targets),
            all_below=bool(all_below),
        )
        people = screeners_of({u.pk for u in targets})
        expected = special_round(special)
        recipients = sorted({pk for pks in people.values() for pk in pks} - {actor.pk})
        notify(
            recipients=recipients,
            kind=NotificationKind.TASK,
            title=f"专项排查：{special.get_field_display()}（{office.name}部署）",
            body=f"请于 {ends_on:%m月%d日} {DUE:%H:%M} 前完成{special.get_field_display()}专项排查并报送结果。",
            link=file_link(expected),
            dedupe_key=f"screenings:special:{special.pk}",
        )
    return special
