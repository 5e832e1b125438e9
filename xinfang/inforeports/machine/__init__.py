"""An information report's procedure (信息报送, domain.md §7) as a machine: filed (待签收) →
signed for by the receiving office (已签收) → forwarded upward (已上报), or returned for more
detail (已退回) and filed again. Reports go level by level, to the unit directly above; an
emergency (即时报告, or a sign of high risk) may skip levels (越级报告) and every skipped level is
told at once. Forwarding files the receiving office's own report to the level above (through
this machine again) or merges the report into one it has filed. A sign (苗头信息) that became a
petition, an incident or a dispute records the link (`link`)."""

from typing import Any

from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.core.exceptions import Conflict, NotFound, ValidationFailed
from xinfang.deadlines.periods import Cadence, period_of
from xinfang.deadlines.sensitive import periods_for
from xinfang.organisation.models import Unit
from xinfang.procedure import engine
from xinfang.procedure.machine import Change, Form, Machine, Notice, Party, Step

from ..choices import PERIODIC_KINDS, ReportKind, ReportStatus, Risk
from ..models import OWNER_TYPE, InfoReport, InfoReportEvent
from ..schedule import daily_days, schedule_load
from ..selectors import reports_visible_to
from . import schemas

S = ReportStatus
FILE = frozenset({"reports.file"})
RECEIVE = frozenset({"reports.receive"})
LINK = frozenset({"reports.file", "reports.receive"})
# who signs for a unit's incoming reports (the office: front desk, duty room, leaders)
RECEIVE_ROLES = (Role.CLERK, Role.DUTY, Role.LEADER, Role.PRINCIPAL)
ZERO_CONTENT = "本期无情况。"


def chain_ids(path: str) -> list[int]:
    return [int(p) for p in path.strip("/").split("/") if p]


def receivers(unit_ids: list[int]) -> list[int]:
    """The people who sign for reports at each of `unit_ids` (the office's front desk, duty room
    and leaders). One query."""
    if not unit_ids:
        return []
    return list(
        User.objects.filter(is_active=True, unit_id__in=unit_ids, role_assignments__role__in=RECEIVE_ROLES)
        .values_list("pk", flat=True)
        .distinct()
    )


# --- parties ------------------------------------------------------------------------------------


def _filer(report: InfoReport, actor: User) -> bool:
    return actor.unit_id is not None and actor.unit_id == report.unit_id


def _receiver(report: InfoReport, actor: User) -> bool:
    return actor.unit_id is not None and actor.unit_id == report.to_unit_id


def _above(report: InfoReport, actor: User) -> bool:
    return actor.unit is not None and Unit.covers_path(report.unit_path, actor.unit)


FILER: Party[InfoReport] = Party("filer", _filer, "只能报送本单位的信息。")
RECEIVER: Party[InfoReport] = Party("receiver", _receiver, "只有接收单位可以签收、退回或上报这份信息。")
ABOVE: Party[InfoReport] = Party("above", _above, "只有报送单位或其上级单位可以登记转化情况。")


# --- effects ------------------------------------------------------------------------------------


def _skip(report: InfoReport, skip_to: int | None, kind: str, risk: str) -> tuple[Unit | None, list[int]]:
    """The receiving unit (the parent, or an ancestor for 越级报告) and the levels skipped."""
    unit = report.unit
    above = chain_ids(unit.path)[:-1]  # the ancestors, top first
    if not above:
        return None, []
    if skip_to is None or skip_to == above[-1]:
        return Unit.objects.get(pk=above[-1]), []
    if skip_to not in above:
        raise ValidationFailed("越级报送只能报给本单位的上级单位。", {"skip_to": "须为本单位的上级单位。"})
    if not (kind == ReportKind.IMMEDIATE or (kind == ReportKind.EARLY_SIGN and risk == Risk.HIGH)):
        raise Conflict("只有紧急情况（即时报告，或高风险的苗头信息）可以越级报送。")
    index = above.index(skip_to)
    return Unit.objects.get(pk=skip_to), above[index + 1 :]


def _period(report: InfoReport, change: Change[InfoReport]) -> None:
    data = change.input
    kind = data.kind
    if data.forwarded:  # the office's forwarding of a lower unit's report: not its own period
        return
    if kind not in PERIODIC_KINDS:
        if data.cadence is not None:
            raise ValidationFailed(
                "苗头信息和即时报告不属于报送周期。", {"cadence": "此类信息不填报送周期。"}
            )
        return
    cadence = data.cadence
    schedule = schedule_load()
    if cadence is None:
        if kind == ReportKind.DAILY or (
            kind == ReportKind.ZERO and _sensitive_day(report, data.period, change)
        ):
            cadence = Cadence.DAILY
        else:
            own = schedule.routine.get(report.unit.unit_type, ())
            if not own:
                raise ValidationFailed(
                    "请选择报送周期。", {"cadence": "本单位类型没有定期报告，请选择报送周期。"}
                )
            cadence = own[0].cadence
    cadence = Cadence(cadence)
    if kind == ReportKind.DAILY and cadence != Cadence.DAILY:
        raise ValidationFailed("日报的报送周期须为日报。", {"cadence": "日报的报送周期须为日报。"})
    if kind == ReportKind.ROUTINE and cadence == Cadence.DAILY:
        raise ValidationFailed(
            "定期报告须为周报、半月报或月报。", {"cadence": "定期报告须为周报、半月报或月报。"}
        )
    cutoff = schedule.cutoff(report.unit.unit_type, cadence)
    if cutoff is None:
        from ..schedule import DAILY_DEFAULT, Cutoff

        cutoff = DAILY_DEFAULT if cadence == Cadence.DAILY else Cutoff(cadence, DAILY_DEFAULT.at)
    day = data.period or timezone.localdate(change.now)
    period = period_of(cutoff, day)
    report.cadence, report.period_start, report.period_end = cadence.value, period.start, period.end
    report.due_at = period.due_at
    report.on_time = change.now <= period.due_at
    change.data["period"] = period.label


def _sensitive_day(report: InfoReport, day: Any, change: Change[InfoReport]) -> bool:
    """Whether the unit owes a daily report on `day` (today by default): a zero report filed
    without a cadence on such a day is the day's."""
    day = day or timezone.localdate(change.now)
    return bool(daily_days(periods_for(report.unit, day, day), day, day))


def file(change: Change[InfoReport]) -> None:
    report, data = change.case, change.input
    report.kind = data.kind
    report.title = data.title
    report.content = data.content or (ZERO_CONTENT if data.kind == ReportKind.ZERO else "")
    if not report.content:
        raise ValidationFailed("请填写内容。", {"content": "请填写内容。"})
    if data.kind == ReportKind.EARLY_SIGN and not (data.subjects and data.demands):
        raise ValidationFailed(
            "苗头信息须写明涉及人员和主要诉求。",
            {
                **({} if data.subjects else {"subjects": "请填写涉及人员。"}),
                **({} if data.demands else {"demands": "请填写主要诉求。"}),
            },
        )
    report.subjects, report.headcount, report.expected_at = data.subjects, data.headcount, data.expected_at
    report.place, report.demands, report.risk = data.place, data.demands, data.risk or ""
    report.unit_path = report.unit.path
    _period(report, change)
    to_unit, skipped = _skip(report, data.skip_to, data.kind, data.risk or "")
    report.to_unit, report.skipped_units = to_unit, skipped
    if to_unit is None:  # the top of the tree reports to nobody here: filed and on the record
        change.target = S.SIGNED
    report.filed_by, report.filed_at = change.actor, change.now  # type: ignore[assignment]
    change.data.update(kind=data.kind, to_unit=to_unit.pk if to_unit else None, skipped=skipped)
    if to_unit is not None:
        urgent = data.kind == ReportKind.IMMEDIATE or data.risk == Risk.HIGH
        change.notices.append(
            Notice(
                receivers([to_unit.pk]),
                f"{'紧急' if urgent else ''}{report.get_kind_display()}待签收：{report.unit.name}",
                f"{report.unit.name}报送了{report.get_kind_display()}，请签收。",
                "urgent" if urgent else "task",
            )
        )
    if skipped:
        change.notices.append(
            Notice(
                receivers(skipped),
                f"越级报告：{report.unit.name}",
                f"{report.unit.name}将一份{report.get_kind_display()}越级报送至{to_unit.name if to_unit else ''}，特此告知。",
                "urgent",
            )
        )


def resubmit(change: Change[InfoReport]) -> None:
    report = change.case
    report.content = change.input.content
    report.returned_reason = ""
    change.memo["fields"] = ["content", "returned_reason"]
    change.notices.append(
        Notice(
            receivers([report.to_unit_id] if report.to_unit_id else []),
            f"补充后的信息待签收：{report.unit.name}",
            "",
            "task",
        )
    )


def sign(change: Change[InfoReport]) -> None:
    report = change.case
    report.signed_by, report.signed_at = change.actor, change.now  # type: ignore[assignment]
    change.memo["fields"] = ["signed_by", "signed_at"]


def return_(change: Change[InfoReport]) -> None:
    report = change.case
    report.returned_reason = change.input.note[:500]
    change.memo["fields"] = ["returned_reason"]
    change.notices.append(
        Notice(
            [report.filed_by_id],
            f"信息被退回补充：{report.title}",
            "接收单位退回了这份信息，请补充后重新报送。",
            "task",
        )
    )


def forward(change: Change[InfoReport]) -> None:
    report, data, actor = change.case, change.input, change.actor
    assert actor is not None
    if data.into is not None:
        into = InfoReport.objects.filter(
            pk=data.into, unit_id=report.to_unit_id or 0, status=ReportStatus.SUBMITTED
        ).first()
        if into is None:
            raise ValidationFailed(
                "请选择本单位已报送、上级尚未签收的报告。", {"into": "须为本单位已报送、上级尚未签收的报告。"}
            )
    else:
        office = report.to_unit
        if office is None or office.parent_id is None:
            raise Conflict("本单位没有上级单位，无需上报。")
        upward = InfoReport(unit=office)
        if report.kind == ReportKind.ZERO:
            raise Conflict("零报告无需上报；本单位的报告中写明各下级报送情况即可。")
        kind = report.kind
        into = report_transition(
            report=upward,
            action="file",
            actor=actor,
            kind=kind,
            title=f"转报{report.unit.name}：{report.title}"[:100],
            content=f"{data.note}\n\n【{report.unit.name}报送】{report.content}"[:5000],
            subjects=report.subjects or ("见正文" if kind == ReportKind.EARLY_SIGN else ""),
            headcount=report.headcount,
            expected_at=report.expected_at,
            place=report.place,
            demands=report.demands or ("见正文" if kind == ReportKind.EARLY_SIGN else ""),
            risk=report.risk or None,
            forwarded=True,
        )
    report.forwarded_to = into
    change.memo["fields"] = ["forwarded_to"]
    change.data.update(into=into.pk, into_number=into.number)


def link(change: Change[InfoReport]) -> None:
    report, data = change.case, change.input
    entry = {"kind": data.kind, "id": data.target, "number": data.number}
    same = [link for link in report.links if link.get("kind") == data.kind]
    if same and entry not in same:
        raise Conflict(f"这条信息已转为{same[0].get('number', '')}，不能重复转化。")
    if entry not in report.links:
        report.links = [*report.links, entry]
    change.memo["fields"] = ["links"]
    change.data.update(entry)


# --- the table ---------------------------------------------------------------------------------

ANY = frozenset({S.SUBMITTED, S.SIGNED, S.RETURNED, S.FORWARDED})

STEPS: dict[str, Step[InfoReport]] = {
    "file": Step("报送", frozenset({""}), S.SUBMITTED, FILE, FILER, file, schemas.FileIn),
    "resubmit": Step(
        "补充后重新报送",
        frozenset({S.RETURNED}),
        S.SUBMITTED,
        FILE,
        FILER,
        resubmit,
        schemas.ResubmitIn,
        form=Form("补充后重新报送", "重新报送", "btn-primary"),
    ),
    "sign": Step(
        "签收",
        frozenset({S.SUBMITTED}),
        S.SIGNED,
        RECEIVE,
        RECEIVER,
        sign,
        schemas.SignIn,
        form=Form("签收", "签收", "btn-success"),
    ),
    "return": Step(
        "退回补充",
        frozenset({S.SUBMITTED}),
        S.RETURNED,
        RECEIVE,
        RECEIVER,
        return_,
        schemas.ReturnIn,
        form=Form("退回报送单位补充", "退回", "btn-outline-danger"),
    ),
    "forward": Step(
        "上报",
        frozenset({S.SIGNED}),
        S.FORWARDED,
        RECEIVE,
        RECEIVER,
        forward,
        schemas.ForwardIn,
        form=Form("上报上级（并入本单位报告）", "上报", "btn-warning", "上报时写明本单位的核实情况和意见。"),
    ),
    "link": Step("登记转化", ANY, None, LINK, ABOVE, link, schemas.LinkIn),
}


# --- the machine ---------------------------------------------------------------------------------


def _lock(actor: User | None, report: InfoReport) -> InfoReport:
    if report.pk is None:
        return report
    rows = InfoReport.objects.all() if actor is None else reports_visible_to(actor)
    locked = (
        rows.select_for_update(of=("self",)).select_related("unit", "to_unit").filter(pk=report.pk).first()
    )
    if locked is None:
        raise NotFound(missed=(InfoReport, report.pk))
    return locked


def _save(change: Change[InfoReport]) -> None:
    report = change.case
    if report.pk is None:
        report.save()
    else:
        report.save(update_fields=["status", *change.memo.get("fields", [])])


def _record(change: Change[InfoReport]) -> InfoReportEvent:
    return InfoReportEvent.objects.create(
        report=change.case,
        action=change.action,
        from_status=change.from_state,
        to_status=change.case.status,
        actor=change.actor,
        note=change.note,
        data=change.data,
        created_at=change.now,
    )


def _audience(report: InfoReport, user_ids: set[int]) -> set[int]:
    """Those who may learn of the report: the people of its unit and of the units above it."""
    return set(
        User.objects.filter(pk__in=user_ids, unit_id__in=chain_ids(report.unit_path)).values_list(
            "pk", flat=True
        )
    )


def _about(report: InfoReport) -> tuple[Any, str]:
    return report, reverse("inforeports:detail", args=[report.pk])


MACHINE: Machine[InfoReport] = Machine(
    owner_type=OWNER_TYPE,
    label="信息报告",
    steps=STEPS,
    state_labels=dict(S.choices),
    lock=_lock,
    save=_save,
    record=_record,
    describe=lambda r: r.number,
    unknown_action="未知的信息报送操作",
    audience=_audience,
    notice_about=_about,
    audit_omitted=frozenset({"content", "subjects", "demands", "title"}),
)


def register() -> None:
    engine.register_machine(MACHINE)


def report_transition(
    *,
    report: InfoReport,
    action: str,
    actor: User | None,
    note: str = "",
    request_meta: Any = None,
    **fields: Any,
) -> InfoReport:
    """The one entry of pages, API, jobs and tests to any report step."""
    change = engine.transition(
        MACHINE, case=report, action=action, actor=actor, fields=fields, note=note, request_meta=request_meta
    )
    return change.case


def allowed_actions(report: InfoReport, actor: User) -> list[str]:
    return engine.allowed_actions(MACHINE, report, actor)
