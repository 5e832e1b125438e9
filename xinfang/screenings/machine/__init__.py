"""A screening round (排查, domain.md §8) as a machine: filed by the unit (报送: the creation step,
whose party is the filer's own unit) and amended by it (修改: the state stays 已报送).

Filing reads which round it answers from the schedule (a regular or quarterly period, a sensitive
period's key screening, or a special screening that names the unit), refuses a second round for
the same one (409), and lists the unit's disputes: those still unresolved carry into the round
with their status, and each dispute found is registered through the disputes' own machine (a
nested transition, after the round is saved, in the same transaction: its refusal undoes the
round and comes back under `found[<row>].<field>`)."""

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.exceptions import Conflict, NotFound, ValidationFailed
from xinfang.deadlines.models import SensitivePeriod
from xinfang.deadlines.sensitive import periods_for
from xinfang.disputes.models import Dispute
from xinfang.disputes.selectors import open_disputes_at
from xinfang.organisation.models import Unit
from xinfang.procedure import engine
from xinfang.procedure.machine import Change, Form, Machine, Party, Step

from ..choices import ItemOrigin, RoundStatus, ScreeningKind
from ..models import OWNER_TYPE, ScreeningItem, ScreeningRound, ScreeningRoundEvent, SpecialScreeningUnit
from ..schedule import (
    Expected,
    TypeSchedule,
    from_period,
    key_round,
    regular_period,
    schedule_load,
    special_round,
)
from . import schemas

S = RoundStatus
K = ScreeningKind
FILE = frozenset({"screenings.file"})
ZERO_SUMMARY = "本期排查未发现矛盾纠纷。"
NOTHING = "未发现。"
# the fields of a found dispute handed to the disputes' registration (anything else is ignored)
FOUND_FIELDS = (
    "kind",
    "place",
    "facts",
    "demands",
    "parties",
    "dispute_class",
    "amount",
    "people",
    "procedure",
    "risk",
    "sudden",
)
AMEND_LABELS = {
    "screened_by": "排查人员",
    "screened_at": "排查时间",
    "summary": "排查情况",
    "disorder": "治安乱点",
    "hazards": "安全隐患",
}
AMEND_FIELDS = tuple(AMEND_LABELS)


def chain_ids(path: str) -> list[int]:
    return [int(p) for p in path.strip("/").split("/") if p]


# --- parties ------------------------------------------------------------------------------------


def _filer(round_: ScreeningRound, actor: User) -> bool:
    return actor.unit_id is not None and actor.unit_id == round_.unit_id


FILER: Party[ScreeningRound] = Party("filer", _filer, "只能报送和修改本单位的排查。")


# --- which round --------------------------------------------------------------------------------


def _refuse(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, {field: message})


def _key_period(unit: Unit, data: Any, today: date) -> SensitivePeriod:
    """The sensitive period a key round answers: the one named (`sensitive`), else the one in
    force at the unit on `period` (today by default)."""
    if data.sensitive is not None:
        found = (
            SensitivePeriod.objects.filter(pk=data.sensitive, unit_id__in=chain_ids(unit.path))
            .select_related("unit")
            .first()
        )
        if found is None:
            raise _refuse("sensitive", "该敏感时期不适用于本单位。")
        return found
    day = data.period or today
    periods = periods_for(unit, day, day)
    if not periods:
        raise _refuse("period", f"{day:%Y-%m-%d}不在本单位的敏感时期内，无需重点排查。")
    if len(periods) > 1:
        raise _refuse("sensitive", "该日有多个敏感时期，请指定敏感时期。")
    return periods[0]


def expected_for(unit: Unit, data: Any, now: Any, own: TypeSchedule | None = None) -> Expected:
    """The round the filing answers (422 in Chinese when the unit owes none such)."""
    own = own if own is not None else schedule_load().get(unit.unit_type, TypeSchedule())
    kind = ScreeningKind(data.kind)
    today = timezone.localdate(now)
    if kind in (K.REGULAR, K.QUARTERLY):
        if data.sensitive is not None or data.special is not None:
            raise _refuse("kind", "定期排查和季度排查不填敏感时期或专项排查。")
        period = regular_period(own, kind, data.period or today)
        if period is None:
            raise _refuse("kind", f"本单位类型没有{kind.label}，请选择其他排查类别。")
        if period.start > today:
            raise _refuse("period", "所属期间尚未开始，不能提前报送。")
        return from_period(kind, period)
    if kind == K.KEY:
        if own.key is None:
            raise _refuse("kind", "本单位类型不开展重点排查。")
        return key_round(_key_period(unit, data, today), own.key)
    if data.special is None:
        raise _refuse("special", "请选择专项排查。")
    target = (
        SpecialScreeningUnit.objects.filter(special_id=data.special, unit_id=unit.pk)
        .select_related("special")
        .first()
    )
    if target is None:
        raise _refuse("special", "本单位不在该专项排查的范围内。")
    return special_round(target.special)


# --- effects ------------------------------------------------------------------------------------


def _found_rows(found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for index, row in enumerate(found):
        if not isinstance(row, dict):
            raise _refuse(f"found[{index}]", f"第 {index + 1} 起矛盾纠纷格式有误。")
        rows.append({k: row[k] for k in FOUND_FIELDS if row.get(k) is not None})
    return rows


def file(change: Change[ScreeningRound]) -> None:
    round_, data = change.case, change.input
    unit = round_.unit
    if data.screened_at > change.now:
        raise _refuse("screened_at", "排查时间不能晚于现在。")
    expected = expected_for(unit, data, change.now)
    quarterly = expected.kind == K.QUARTERLY
    if not quarterly and (data.disorder or data.hazards):
        raise _refuse("disorder" if data.disorder else "hazards", "只有季度三个排查填写治安乱点和安全隐患。")
    done = ScreeningRound.objects.filter(unit_id=unit.pk, period_key=expected.key).first()
    if done is not None:
        raise Conflict(
            f"本单位{expected.label}的{ScreeningKind(expected.kind).label}已报送（{done.number}），"
            "不能重复报送；需要更正请修改该次排查。",
            {"round": done.pk},
        )
    rows = _found_rows(data.found)
    carried = list(open_disputes_at([unit.pk]))
    round_.unit_path = unit.path
    round_.kind, round_.cadence, round_.period_key = expected.kind, expected.cadence, expected.key
    round_.period_label = expected.label[:120]
    round_.period_start, round_.period_end, round_.due_at = expected.start, expected.end, expected.due_at
    round_.on_time = change.now <= expected.due_at
    round_.sensitive_period_id, round_.special_id = expected.sensitive_id, expected.special_id
    round_.screened_by, round_.screened_at = data.screened_by, data.screened_at
    summary = data.summary or (ZERO_SUMMARY if not rows else f"本期排查发现矛盾纠纷 {len(rows)} 起。")
    round_.summary = summary
    round_.disorder = (data.disorder or NOTHING) if quarterly else ""
    round_.hazards = (data.hazards or NOTHING) if quarterly else ""
    round_.found_count, round_.carried_count = len(rows), len(carried)
    round_.filed_by, round_.filed_at = change.actor, change.now  # type: ignore[assignment]
    change.data.update(
        kind=expected.kind,
        period=expected.label,
        found=len(rows),
        carried=len(carried),
        on_time=round_.on_time,
    )
    change.after_save.append(lambda: _write_items(change, carried, rows))


def _write_items(change: Change[ScreeningRound], carried: list[Dispute], rows: list[dict[str, Any]]) -> None:
    """The round's list: the disputes carried (their status now) and those found, each registered
    through the disputes' machine with the round as its source."""
    from xinfang.disputes.machine import dispute_transition

    round_ = change.case
    items = [
        ScreeningItem(
            round=round_,
            dispute=d,
            origin=ItemOrigin.CARRIED,
            status=d.status,
            status_label=d.get_status_display(),
        )
        for d in carried
    ]
    numbers = []
    for index, row in enumerate(rows):
        try:
            dispute = dispute_transition(
                dispute=Dispute(unit=round_.unit),
                action="register",
                actor=change.actor,
                source="screening",
                source_id=round_.pk,
                source_number=round_.number,
                **row,
            )
        except ValidationFailed as exc:
            fields = {f"found[{index}].{k}": v for k, v in exc.extra.items()} or {
                f"found[{index}]": exc.message
            }
            raise ValidationFailed(f"第 {index + 1} 起矛盾纠纷：{exc.message}", fields) from None
        items.append(
            ScreeningItem(
                round=round_,
                dispute=dispute,
                origin=ItemOrigin.FOUND,
                status=dispute.status,
                status_label=dispute.get_status_display(),
            )
        )
        numbers.append(dispute.number)
    ScreeningItem.objects.bulk_create(items)
    if numbers:
        change.data["disputes"] = "、".join(numbers)


def amend(change: Change[ScreeningRound]) -> None:
    round_, data = change.case, change.input
    given = {name: getattr(data, name) for name in AMEND_FIELDS if getattr(data, name) not in (None, "")}
    if not given:
        raise ValidationFailed("请填写要修改的内容。", {"summary": "请填写要修改的内容。"})
    if round_.kind != K.QUARTERLY and ("disorder" in given or "hazards" in given):
        name = "disorder" if "disorder" in given else "hazards"
        raise _refuse(name, "只有季度三个排查填写治安乱点和安全隐患。")
    if "screened_at" in given and given["screened_at"] > change.now:
        raise _refuse("screened_at", "排查时间不能晚于现在。")
    changed = [name for name, value in given.items() if getattr(round_, name) != value]
    for name in changed:
        setattr(round_, name, given[name])
    change.memo["fields"] = changed
    change.data["fields"] = "、".join(AMEND_LABELS[n] for n in changed)


# --- the table ---------------------------------------------------------------------------------

STEPS: dict[str, Step[ScreeningRound]] = {
    "file": Step("报送排查", frozenset({""}), S.FILED, FILE, FILER, file, schemas.FileIn),
    "amend": Step(
        "修改排查",
        frozenset({S.FILED}),
        None,
        FILE,
        FILER,
        amend,
        schemas.AmendIn,
        form=Form("修改本次排查", "保存修改", "btn-outline-primary", "只填写需要更正的内容；修改记入经过。"),
    ),
}


# --- the machine ---------------------------------------------------------------------------------


def _lock(actor: User | None, round_: ScreeningRound) -> ScreeningRound:
    if round_.pk is None:
        return round_
    from ..selectors import rounds_visible_to

    rows = ScreeningRound.objects.all() if actor is None else rounds_visible_to(actor)
    locked = rows.select_for_update(of=("self",)).select_related("unit").filter(pk=round_.pk).first()
    if locked is None:
        raise NotFound(missed=(ScreeningRound, round_.pk))
    return locked


def _save(change: Change[ScreeningRound]) -> None:
    round_ = change.case
    if round_.pk is None:
        try:
            with transaction.atomic():
                round_.save()
        except IntegrityError:  # the same round filed at the same moment by someone else
            raise Conflict("本单位该期的排查已报送，不能重复报送。") from None
    else:
        round_.save(update_fields=["status", *change.memo.get("fields", [])])


def _record(change: Change[ScreeningRound]) -> ScreeningRoundEvent:
    return ScreeningRoundEvent.objects.create(
        round=change.case,
        action=change.action,
        from_status=change.from_state,
        to_status=change.case.status,
        actor=change.actor,
        note=change.note,
        data=change.data,
        created_at=change.now,
    )


def _audience(round_: ScreeningRound, user_ids: set[int]) -> set[int]:
    """Those who may learn of the round: the people of its unit and of the units above it."""
    return set(
        User.objects.filter(pk__in=user_ids, unit_id__in=chain_ids(round_.unit_path)).values_list(
            "pk", flat=True
        )
    )


def _about(round_: ScreeningRound) -> tuple[Any, str]:
    return round_, reverse("screenings:detail", args=[round_.pk])


MACHINE: Machine[ScreeningRound] = Machine(
    owner_type=OWNER_TYPE,
    label="矛盾纠纷排查",
    steps=STEPS,
    state_labels=dict(S.choices),
    lock=_lock,
    save=_save,
    record=_record,
    describe=lambda r: r.number,
    unknown_action="未知的排查操作",
    audience=_audience,
    notice_about=_about,
    audit_omitted=frozenset({"summary", "disorder", "hazards", "screened_by"}),
)


def register() -> None:
    engine.register_machine(MACHINE)


def round_transition(
    *,
    round_: ScreeningRound,
    action: str,
    actor: User | None,
    note: str = "",
    request_meta: Any = None,
    **fields: Any,
) -> ScreeningRound:
    """The one entry of pages, API, jobs and tests to any round step."""
    change = engine.transition(
        MACHINE, case=round_, action=action, actor=actor, fields=fields, note=note, request_meta=request_meta
    )
    return change.case


def allowed_actions(round_: ScreeningRound, actor: User) -> list[str]:
    return engine.allowed_actions(MACHINE, round_, actor)
