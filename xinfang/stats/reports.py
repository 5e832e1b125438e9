"""The reports that leave the office, as data (reads, scoped like the statistics) and as the
blocks and sheets that `files` lays out:

- 信访工作通报 (monthly bulletin): per unit intake, timeliness, overdue, satisfaction,
  collective and skip-level petitions, and the units praised and criticised by a stated rule;
- 转送情况通报 (monthly transfer bulletin): the matters transferred in the month per receiving
  unit, with where each stands now;
- 信访情况分析报告 (analysis report, domain.md §7): statistics, main problems and fields, units
  most complained about, transfer and supervision status, trend and early signs; with charts.

Every sentence is built from the figures; nothing is said that the data does not show.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.db import DatabaseError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from xinfang.organisation.models import Unit
from xinfang.organisation.selectors import scope_q
from xinfang.petitions.choices import PetitionStatus
from xinfang.petitions.models import Category, Petition, PetitionEvent

from . import files
from .choices import DIMENSION_NOTES, Dimension
from .selectors import (
    CHANNEL_LABELS,
    RATE_DEFINITIONS,
    Rate,
    StatsFilter,
    StatsRow,
    StatsTable,
    month_first_day,
    month_key,
    month_label,
    month_last_day,
    month_shift,
    month_text,
    months_between,
    period_label,
    rates_of,
    stats_channel_totals,
    stats_monthly_flags,
    stats_monthly_intake,
    stats_table,
)

S = PetitionStatus
TIMELY_TARGET = 90.0
PRAISE_RULE = (
    "表扬：当月收到信访件、在办件中没有逾期件，且及时受理率、按期办结率均达到 100%"
    "（当月没有相应件数的，该项不作要求）。"
)
CRITICISE_RULE = f"批评：有逾期在办件，或及时受理率、按期办结率任一低于 {TIMELY_TARGET:.0f}%。"
UNIT_HEADER = (
    "单位",
    "收件数",
    "及时受理",
    "及时受理率",
    "按期办结",
    "按期办结率",
    "逾期在办",
    "满意率",
    "集体访",
    "越级访",
)
CATEGORY_HEADER = ("问题类别", *UNIT_HEADER[1:])
STATUS_GROUPS = (
    ("待受理", frozenset({S.TRANSFERRED})),
    ("办理中", frozenset({S.ACCEPTED, S.ASSIGNED, S.HANDLING, S.REPORT_PENDING, S.APPROVED})),
    ("已答复", frozenset({S.ANSWERED})),
    ("复查复核中", frozenset({S.REVIEW, S.REREVIEW})),
    ("已办结", frozenset({S.CLOSED})),
    ("不予受理/不再受理", frozenset({S.NOT_ACCEPTED, S.DECLINED_AGAIN})),
    ("已退回转出单位", frozenset({S.REGISTERED})),
)


def _cn_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


def stats_row_values(row: StatsRow) -> list[Any]:
    m = row.measures
    return [
        row.name,
        row.intake,
        m["accept_timely"],
        row.timely_acceptance,
        m["answer_timely"],
        row.on_time_completion,
        row.overdue,
        row.satisfaction,
        m["collective"],
        m["skip_level"],
    ]


def definitions_notes(today: date, dimension: str = Dimension.REGISTERED) -> list[str]:
    notes = [f"{label}：{definition}" for label, definition in RATE_DEFINITIONS.values()]
    notes.append(f"逾期在办：截至 {today:%Y-%m-%d} 仍未办结且当前期限已过的信访件（不限收到月份）。")
    notes.append(f"统计口径：{DIMENSION_NOTES[Dimension(dimension)]}按收到时间（北京时间）归入月份。")
    if dimension != Dimension.REGISTERED:
        notes.append("只统计本单位及下级单位登记或承办的信访件（与登记簿的查看范围相同）。")
    return notes


def unit_header(dimension: str) -> tuple[str, ...]:
    """The unit table's header; its first column says how a matter counts for a unit."""
    return (f"单位（{Dimension(dimension).label}）", *UNIT_HEADER[1:])


def stats_sheets(table: StatsTable) -> list[files.Sheet]:
    """The statistics page as a workbook: per unit, per category, and the definitions."""
    dimension = table.filters.dimension
    notes = definitions_notes(table.today, dimension)
    return [
        files.Sheet(
            Dimension(dimension).label,
            unit_header(dimension),
            [stats_row_values(r) for r in table.units] + [stats_row_values(table.total)],
            notes,
        ),
        files.Sheet(
            "按问题类别",
            CATEGORY_HEADER,
            [stats_row_values(r) for r in table.categories] + [stats_row_values(table.total)],
        ),
    ]


# --- 信访工作通报 ----------------------------------------------------------------------------------


@dataclass
class Bulletin:
    unit: Unit
    month: int
    today: date
    table: StatsTable
    praised: list[str]
    criticised: list[tuple[str, list[str]]]

    @property
    def title_period(self) -> str:
        return f"{self.month // 100}年第{self.month % 100}期"


def _below(rate: float | None) -> bool:
    return rate is not None and rate < TIMELY_TARGET


def judge_unit(row: StatsRow) -> tuple[bool, list[str]]:
    """(praised, reasons for criticism) of one unit's row, by PRAISE_RULE and CRITICISE_RULE."""
    reasons = []
    if row.overdue:
        reasons.append(f"逾期在办 {row.overdue} 件")
    if _below(row.timely_acceptance):
        reasons.append(f"及时受理率 {_percent(row.timely_acceptance)}")
    if _below(row.on_time_completion):
        reasons.append(f"按期办结率 {_percent(row.on_time_completion)}")
    praised = (
        row.intake > 0
        and not row.overdue
        and row.timely_acceptance in (None, 100.0)
        and row.on_time_completion in (None, 100.0)
    )
    return praised, reasons


def monthly_bulletin(
    *, actor: Any, unit: Unit, month: int, today: date, dimension: str = Dimension.HANDLING
) -> Bulletin:
    """The month's bulletin; units are judged by the matters they are responsible for unless
    `dimension` says otherwise (a village is criticised for what it was assigned and let run over,
    not the township that registered it)."""
    table = stats_table(
        actor=actor,
        filters=StatsFilter(unit=unit, month_from=month, month_to=month, dimension=dimension),
        today=today,
    )
    praised, criticised = [], []
    for row in table.units:
        if row.key == unit.pk:
            continue  # the issuing unit does not praise or criticise itself
        good, reasons = judge_unit(row)
        if good:
            praised.append(row.name)
        elif reasons:
            criticised.append((row.name, reasons))
    return Bulletin(unit=unit, month=month, today=today, table=table, praised=praised, criticised=criticised)


def bulletin_report(bulletin: Bulletin) -> files.Report:
    table, total = bulletin.table, bulletin.table.total
    label = month_label(bulletin.month)
    summary = (
        f"{label}，全{_unit_word(bulletin.unit)}共收到信访件 {total.intake} 件，"
        f"其中集体访 {total.measures['collective']} 件、越级访 {total.measures['skip_level']} 件。"
        f"及时受理率 {_percent(total.timely_acceptance)}（{total.measures['accept_timely']}/"
        f"{total.measures['accept_decided']}），按期办结率 {_percent(total.on_time_completion)}"
        f"（{total.measures['answer_timely']}/{total.measures['answered']}），"
        f"满意率 {_percent(total.satisfaction)}；截至 {_cn_date(bulletin.today)}，逾期在办 {total.overdue} 件。"
    )
    dimension = table.filters.dimension
    blocks: list[Any] = [
        files.Paragraph(summary),
        files.Heading(f"一、各单位信访工作情况（{Dimension(dimension).label}）"),
        files.Table(
            unit_header(dimension), [stats_row_values(r) for r in table.units] + [stats_row_values(total)]
        ),
        files.Heading("二、表扬和批评"),
        files.Paragraph(PRAISE_RULE + CRITICISE_RULE),
        files.Paragraph(
            "予以表扬的单位："
            + ("、".join(bulletin.praised) + "。" if bulletin.praised else "本月没有符合条件的单位。")
        ),
    ]
    if bulletin.criticised:
        criticised = "；".join(f"{name}（{'，'.join(reasons)}）" for name, reasons in bulletin.criticised)
        blocks.append(files.Paragraph(f"予以通报批评的单位：{criticised}。请上述单位认真整改，按期办结。"))
    else:
        blocks.append(files.Paragraph("予以通报批评的单位：本月没有。"))
    blocks.append(files.Heading("三、统计口径"))
    blocks.extend(files.Paragraph(note) for note in definitions_notes(bulletin.today, dimension))
    return files.Report(
        unit_name=bulletin.unit.name,
        title="信访工作通报",
        subtitle=bulletin.title_period,
        blocks=blocks,
        date_text=_cn_date(bulletin.today),
    )


def bulletin_sheets(bulletin: Bulletin) -> list[files.Sheet]:
    praise = [f"表扬：{'、'.join(bulletin.praised) or '无'}"]
    criticism = [f"批评：{name}（{'，'.join(reasons)}）" for name, reasons in bulletin.criticised] or [
        "批评：无"
    ]
    sheets = stats_sheets(bulletin.table)
    sheets[0] = files.Sheet(
        sheets[0].title,
        sheets[0].header,
        sheets[0].rows,
        [PRAISE_RULE, CRITICISE_RULE, *praise, *criticism, *sheets[0].notes],
    )
    return sheets


def _unit_word(unit: Unit) -> str:
    return {"county": "县", "township": "镇", "street": "街道", "village": "村", "community": "社区"}.get(
        unit.unit_type, "单位"
    )


# --- 转送情况通报 ----------------------------------------------------------------------------------


@dataclass
class TransferRow:
    unit_name: str
    total: int
    by_group: dict[str, int]


@dataclass
class TransferBulletin:
    unit: Unit
    month: int
    today: date
    rows: list[TransferRow]

    @property
    def total(self) -> int:
        return sum(r.total for r in self.rows)


def _month_bounds(first: int, last: int) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(month_first_day(first), time.min))
    end = timezone.make_aware(datetime.combine(month_last_day(last) + timedelta(days=1), time.min))
    return start, end


def _petition_scope(actor: Any, unit: Unit, prefix: str = "") -> Q:
    """Petitions registered in `unit`'s subtree that the actor may see (by the registering unit)."""
    own = scope_q(actor, unit_field=f"{prefix}unit", path_field=f"{prefix}unit_path")
    return own & Q(**{f"{prefix}unit_path__startswith": unit.path})


def _group_of(status: str) -> str:
    return next((name for name, statuses in STATUS_GROUPS if status in statuses), "其他")


def transfer_bulletin(*, actor: Any, unit: Unit, month: int, today: date) -> TransferBulletin:
    """Matters transferred (转送) in the month: a transfer event in the month, or, for matters
    loaded without a timeline, the status 已转送 and the received date in the month. Each counts
    once, for the unit it was (last) transferred to in the month."""
    start, end = _month_bounds(month, month)
    receiving: dict[int, str] = {}
    events = (
        PetitionEvent.objects.filter(_petition_scope(actor, unit, "petition__"), action="transfer")
        .filter(created_at__gte=start, created_at__lt=end)
        .order_by("created_at", "pk")
        .values_list("petition_id", "data")
    )
    for petition_id, data in events:
        receiving[petition_id] = (data or {}).get("unit_name") or "（未记录接收单位）"
    legacy = (
        Petition.objects.filter(_petition_scope(actor, unit), status=S.TRANSFERRED)
        .filter(received_at__gte=start, received_at__lt=end)
        .exclude(events__action="transfer")
        .values_list("pk", "handling_unit__name")
    )
    for petition_id, name in legacy:
        receiving.setdefault(petition_id, name or "（未记录接收单位）")
    statuses = dict(Petition.objects.filter(pk__in=list(receiving)).values_list("pk", "status"))
    rows: dict[str, TransferRow] = {}
    for petition_id, name in receiving.items():
        row = rows.setdefault(name, TransferRow(unit_name=name, total=0, by_group=defaultdict(int)))
        row.total += 1
        row.by_group[_group_of(statuses.get(petition_id, ""))] += 1
    ordered = sorted(rows.values(), key=lambda r: (-r.total, r.unit_name))
    return TransferBulletin(unit=unit, month=month, today=today, rows=ordered)


TRANSFER_HEADER = ("接收单位", "转送件数", *(name for name, _ in STATUS_GROUPS))


def _transfer_rows(bulletin: TransferBulletin) -> list[list[Any]]:
    rows = [
        [r.unit_name, r.total, *(r.by_group.get(name, 0) for name, _ in STATUS_GROUPS)] for r in bulletin.rows
    ]
    totals = ["合计", bulletin.total]
    totals += [sum(r.by_group.get(name, 0) for r in bulletin.rows) for name, _ in STATUS_GROUPS]
    return [*rows, totals]


def transfer_report(bulletin: TransferBulletin) -> files.Report:
    label = month_label(bulletin.month)
    pending = sum(r.by_group.get("待受理", 0) for r in bulletin.rows)
    if bulletin.total:
        summary = (
            f"{label}，共向 {len(bulletin.rows)} 个单位转送信访事项 {bulletin.total} 件。截至 "
            f"{_cn_date(bulletin.today)}，尚未受理的 {pending} 件。根据《信访工作条例》第二十二条、第二十三条，"
            "接收单位应自收到之日起 15 日内决定是否受理并告知信访人，不属于本单位职权范围的应在 5 个工作日内提出异议。"
        )
    else:
        summary = f"{label}，没有转送的信访事项。"
    return files.Report(
        unit_name=bulletin.unit.name,
        title="转送信访事项情况通报",
        subtitle=f"{bulletin.month // 100}年第{bulletin.month % 100}期",
        blocks=[
            files.Paragraph(summary),
            files.Table(TRANSFER_HEADER, _transfer_rows(bulletin), caption=f"{label}转送信访事项办理情况"),
            files.Paragraph("状态为生成本通报时各事项的当前状态。"),
        ],
        date_text=_cn_date(bulletin.today),
    )


def transfer_sheets(bulletin: TransferBulletin) -> list[files.Sheet]:
    return [
        files.Sheet(
            "转送情况",
            TRANSFER_HEADER,
            _transfer_rows(bulletin),
            [f"状态为 {bulletin.today:%Y-%m-%d} 的当前状态。"],
        )
    ]


# --- 信访情况分析报告 ------------------------------------------------------------------------------


@dataclass
class Analysis:
    unit: Unit
    first: int
    last: int
    today: date
    table: StatsTable
    previous_intake: int
    channels: list[tuple[str, int]]
    subcategories: list[tuple[str, int]]
    complained: list[tuple[str, int]]
    routed: int
    routed_by_group: dict[str, int]
    supervision: list[tuple[str, int, int]] | None
    trend: list[tuple[int, int]]
    rising: list[tuple[str, int, int]]
    flags_by_month: list[tuple[int, int, int]]
    rates: list[Rate]
    unit_table: StatsTable | None = None  # the units counted the way the caller chose

    @property
    def units(self) -> StatsTable:
        return self.unit_table or self.table


def _supervision_by_unit(
    actor: Any, unit: Unit, start: datetime, end: datetime
) -> list[tuple[str, int, int]] | None:
    """(responsible unit, in progress, closed) of the supervisions (督查督办) of the period's
    petitions, or None while the product has no supervision records."""
    try:
        model = apps.get_model("supervision", "Supervision")
    except LookupError:
        return None
    names = {f.name for f in model._meta.get_fields()}
    if not {"petition", "status"} <= names:
        return None
    unit_field = "responsible_unit__name" if "responsible_unit" in names else "petition__unit__name"
    rows = (
        model.objects.filter(_petition_scope(actor, unit, "petition__"))
        .filter(petition__received_at__gte=start, petition__received_at__lt=end)
        .exclude(status__in=("proposed", "escalated"))
        .values(unit_field, "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    try:
        with transaction.atomic():  # a savepoint: a missing table must not break the caller's transaction
            rows = list(rows)
    except DatabaseError:  # the supervision app is installed but not migrated yet
        return None
    result: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        result[row[unit_field] or "—"][1 if row["status"] == "closed" else 0] += row["n"]
    return sorted(((name, v[0], v[1]) for name, v in result.items()), key=lambda r: (-(r[1] + r[2]), r[0]))


def analysis(
    *, actor: Any, unit: Unit, first: int, last: int, today: date, dimension: str = Dimension.REGISTERED
) -> Analysis:
    """The figures of the analysis report. The summary tables give the counts and rates (the unit
    table counted the way `dimension` says, the rest by registering unit); one grouped pass over
    the period's petitions gives subcategories, complained units and routing."""
    table = stats_table(
        actor=actor, filters=StatsFilter(unit=unit, month_from=first, month_to=last), today=today
    )
    unit_table = (
        table
        if dimension == Dimension.REGISTERED
        else stats_table(
            actor=actor,
            filters=StatsFilter(unit=unit, month_from=first, month_to=last, dimension=dimension),
            today=today,
        )
    )
    length = len(months_between(first, last))
    previous = stats_monthly_flags(
        actor=actor, unit=unit, first=month_shift(first, -length), last=month_shift(first, -1)
    )
    channels = stats_channel_totals(actor=actor, unit=unit, first=first, last=last)
    trend_first = min(first, month_shift(last, -11))
    monthly = stats_monthly_intake(actor=actor, unit=unit, first=month_shift(trend_first, -1), last=last)
    flags = stats_monthly_flags(actor=actor, unit=unit, first=trend_first, last=last)
    start, end = _month_bounds(first, last)
    grouped = (
        Petition.objects.filter(_petition_scope(actor, unit), received_at__gte=start, received_at__lt=end)
        .values("category_id", "complained_unit_id", "status", "handling_unit_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_sub: dict[int, int] = defaultdict(int)
    by_complained: dict[int, int] = defaultdict(int)
    routed_groups: dict[str, int] = defaultdict(int)
    for row in grouped:
        by_sub[row["category_id"]] += row["n"]
        if row["complained_unit_id"]:
            by_complained[row["complained_unit_id"]] += row["n"]
        if row["handling_unit_id"] or row["status"] == S.TRANSFERRED:
            routed_groups[_group_of(row["status"])] += row["n"]
    categories = {c.pk: c for c in Category.objects.select_related("parent")}
    complained_names = dict(Unit.objects.filter(pk__in=list(by_complained)).values_list("pk", "name"))
    top_sub = sorted(by_sub.items(), key=lambda item: (-item[1], item[0]))[:8]
    top_complained = sorted(by_complained.items(), key=lambda item: (-item[1], item[0]))[:8]
    last_month, month_before = monthly.get(last, {}), monthly.get(month_shift(last, -1), {})
    rising = sorted(
        (
            (categories[pk].name if pk in categories else str(pk), month_before.get(pk, 0), n)
            for pk, n in last_month.items()
            if n >= 3 and n > month_before.get(pk, 0) * 1.2
        ),
        key=lambda r: (-(r[2] - r[1]), r[0]),
    )[:5]
    return Analysis(
        unit=unit,
        first=first,
        last=last,
        today=today,
        table=table,
        previous_intake=sum(row["intake"] for row in previous.values()),
        channels=sorted(
            ((CHANNEL_LABELS.get(code, code), n) for code, n in channels.items()), key=lambda r: -r[1]
        ),
        subcategories=[(str(categories[pk]) if pk in categories else str(pk), n) for pk, n in top_sub],
        complained=[(complained_names.get(pk, str(pk)), n) for pk, n in top_complained],
        routed=sum(routed_groups.values()),
        routed_by_group=dict(routed_groups),
        supervision=_supervision_by_unit(actor, unit, start, end),
        trend=[(m, sum(monthly.get(m, {}).values())) for m in months_between(month_shift(last, -11), last)],
        rising=rising,
        flags_by_month=[
            (m, flags.get(m, {}).get("collective", 0), flags.get(m, {}).get("skip_level", 0))
            for m in months_between(trend_first, last)
        ],
        rates=rates_of(table.total.measures, unit=unit, first=first, last=last),
        unit_table=unit_table,
    )


def _change(now: int, before: int) -> str:
    if not before:
        return "上一同期没有收件" if now else "与上一同期持平"
    change = 100 * (now - before) / before
    if abs(change) < 0.05:
        return "与上一同期持平"
    return f"比上一同期（{before} 件）{'增加' if change > 0 else '减少'} {abs(change):.1f}%"


def analysis_report(data: Analysis) -> files.Report:
    total = data.table.total
    period = period_label(data.first, data.last)
    intake = total.intake
    blocks: list[Any] = [files.Heading("一、基本情况")]
    channel_text = "、".join(f"{label} {n} 件" for label, n in data.channels) or "无"
    blocks.append(
        files.Paragraph(
            f"{period}，共收到信访件 {intake} 件，{_change(intake, data.previous_intake)}。按来源渠道：{channel_text}。"
            f"其中集体访 {total.measures['collective']} 件，越级访 {total.measures['skip_level']} 件，"
            f"重复件 {total.measures['repeat']} 件。"
        )
    )
    rate_text = "；".join(f"{r.label} {r.text}（{r.numerator}/{r.denominator}）" for r in data.rates)
    blocks.append(
        files.Paragraph(f"主要指标：{rate_text}。截至 {_cn_date(data.today)}，逾期在办 {total.overdue} 件。")
    )
    blocks.append(
        files.Table(
            unit_header(data.units.filters.dimension),
            [stats_row_values(r) for r in data.units.units if r.intake or r.overdue]
            + [stats_row_values(data.units.total)],
            caption=f"各单位信访情况（{data.units.filters.dimension_label}）",
        )
    )

    blocks.append(files.Heading("二、反映的主要问题和领域"))
    categories = [r for r in data.table.categories if r.intake]
    if categories:
        leading = "、".join(
            f"{r.name} {r.intake} 件（{100 * r.intake / intake:.1f}%）" for r in categories[:3]
        )
        blocks.append(files.Paragraph(f"从问题类别看，反映最多的是{leading}。"))
        blocks.append(
            files.Image(
                files.bar_chart_png(
                    [r.name for r in categories[:10]],
                    [r.intake for r in categories[:10]],
                    title="主要问题类别（件）",
                ),
                caption=f"图1 {period}信访件问题类别分布",
            )
        )
        if data.subcategories:
            details = "、".join(f"{name} {n} 件" for name, n in data.subcategories[:5])
            blocks.append(files.Paragraph(f"具体问题中较为集中的有：{details}。"))
    else:
        blocks.append(files.Paragraph("本期没有收到信访件。"))

    blocks.append(files.Heading("三、被反映较多的单位"))
    if data.complained:
        text = "、".join(f"{name} {n} 件" for name, n in data.complained[:5])
        blocks.append(files.Paragraph(f"登记了被反映单位的信访件中，被反映较多的单位是：{text}。"))
    else:
        blocks.append(files.Paragraph("本期信访件没有登记被反映单位。"))

    blocks.append(files.Heading("四、转送交办和督查督办情况"))
    if data.routed:
        groups = "、".join(f"{name} {n} 件" for name, n in data.routed_by_group.items() if n)
        blocks.append(
            files.Paragraph(f"本期收到的信访件中转送、交办其他单位办理 {data.routed} 件，目前{groups}。")
        )
    else:
        blocks.append(files.Paragraph("本期收到的信访件没有转送、交办其他单位办理。"))
    if data.supervision is None:
        blocks.append(files.Paragraph("督查督办情况：系统尚未启用督查督办记录，本项暂无数据。"))
    elif data.supervision:
        open_total = sum(r[1] for r in data.supervision)
        closed_total = sum(r[2] for r in data.supervision)
        blocks.append(
            files.Paragraph(
                f"对本期信访件开展督查督办 {open_total + closed_total} 件，已办结 {closed_total} 件，督办中 {open_total} 件。"
            )
        )
        blocks.append(files.Table(("责任单位", "督办中", "已办结"), [list(r) for r in data.supervision]))
    else:
        blocks.append(files.Paragraph("本期信访件没有督查督办记录。"))

    blocks.append(files.Heading("五、趋势和苗头性问题"))
    months = [month_text(m) for m, _ in data.trend]
    blocks.append(
        files.Image(
            files.line_chart_png(
                months, {"收件": [n for _, n in data.trend]}, title="近 12 个月收件趋势（件）"
            ),
            caption="图2 近 12 个月信访件收件趋势",
        )
    )
    if len(data.trend) >= 2:
        (_, before), (_, now) = data.trend[-2], data.trend[-1]
        so_far = (
            f"（截至 {_cn_date(data.today)}，本月尚未结束）" if data.last == month_key(data.today) else ""
        )
        blocks.append(
            files.Paragraph(f"{month_label(data.last)}{so_far}收件 {now} 件，{_month_change(now, before)}。")
        )
    if data.rising:
        rising = "、".join(f"{name}（{before} 件增至 {now} 件）" for name, before, now in data.rising)
        blocks.append(
            files.Paragraph(
                f"{month_label(data.last)}环比明显上升的问题类别：{rising}，需关注苗头动向，提前做好化解工作。"
            )
        )
    else:
        blocks.append(
            files.Paragraph(
                f"{month_label(data.last)}没有环比明显上升（增幅 20% 以上且不少于 3 件）的问题类别。"
            )
        )
    collective = sum(c for _, c, _ in data.flags_by_month if c)
    if collective:
        peak = max(data.flags_by_month, key=lambda r: r[1])
        blocks.append(
            files.Paragraph(
                f"集体访方面，{period_label(data.flags_by_month[0][0], data.last)}共 {collective} 件，"
                f"最多的是{month_label(peak[0])}（{peak[1]} 件）；集体访易引发群体性事件，应落实包案领导，做好稳控。"
            )
        )
    else:
        blocks.append(files.Paragraph("统计期间没有集体访。"))
    blocks.append(files.Heading("六、统计口径"))
    blocks.extend(files.Paragraph(note) for note in definitions_notes(data.today))
    if data.units.filters.dimension != Dimension.REGISTERED:
        blocks.append(
            files.Paragraph(
                f"“各单位信访情况”表{DIMENSION_NOTES[Dimension(data.units.filters.dimension)]}其余数字按登记单位统计。"
            )
        )
    return files.Report(
        unit_name=data.unit.name,
        title="信访情况分析报告",
        subtitle=period,
        blocks=blocks,
        date_text=_cn_date(data.today),
    )


def _month_change(now: int, before: int) -> str:
    if not before:
        return "上月没有收件"
    change = 100 * (now - before) / before
    return (
        f"环比{'上升' if change > 0 else '下降'} {abs(change):.1f}%" if abs(change) >= 0.05 else "与上月持平"
    )
