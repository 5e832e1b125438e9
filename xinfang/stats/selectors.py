"""Reads of the summary tables: the leaders' dashboard, the statistics tables, the bulletins.

Scope: by the registering unit (登记单位) a caller sees the rows that
`organisation.selectors.scope_q` gives them on `unit_path` (their unit's subtree, or only their
unit for roles without a subtree), narrowed to the subtree of the unit they chose, which must be
one of `units_visible_to(caller)` (`access_unit_by_id`: 404 otherwise). By problem unit (问题属地)
or responsible unit (承办单位) the rows of the chosen unit and of its children are read, counting
only the petitions whose visible depth reaches the caller's unit: those registered or handled in
its subtree, exactly the petitions `petitions_visible_to` gives them (`models` explains the rows).

Periods are whole months (the tables are monthly): a petition belongs to the month it was
received in, Asia/Shanghai time. "Overdue" and "due soon" are as of `today` and count open
petitions whatever month they came in.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

from django.db.models import Case, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.urls import get_script_prefix, reverse

from xinfang.accounts.permissions import sees_subtree
from xinfang.core.exceptions import ValidationFailed
from xinfang.organisation.models import Unit
from xinfang.organisation.selectors import scope_q
from xinfang.petitions.choices import Channel, PetitionStatus
from xinfang.petitions.models import Category
from xinfang.petitions.selectors import warning_boundary

from .choices import Dimension
from .models import (
    MEASURES,
    MonthlyCategoryTally,
    MonthlyChannelTally,
    MonthlyTally,
    OpenCategoryTally,
    OpenTally,
    TallyState,
    UnitMonthlyCategoryTally,
    UnitMonthlyTally,
    UnitOpenTally,
)

CHANNEL_LABELS: dict[str, str] = dict(Channel.choices)
STATUS_LABELS: dict[str, str] = dict(PetitionStatus.choices)
# The steps of the procedure in the order the dashboard lists the open petitions.
OPEN_STEPS = (
    PetitionStatus.REGISTERED,
    PetitionStatus.TRANSFERRED,
    PetitionStatus.ACCEPTED,
    PetitionStatus.ASSIGNED,
    PetitionStatus.HANDLING,
    PetitionStatus.REPORT_PENDING,
    PetitionStatus.APPROVED,
    PetitionStatus.ANSWERED,
    PetitionStatus.REVIEW,
    PetitionStatus.REREVIEW,
)
TOP_CATEGORIES = 8


# --- months ---------------------------------------------------------------------------------------


def month_key(day: date) -> int:
    return day.year * 100 + day.month


def month_shift(month: int, months: int) -> int:
    index = (month // 100) * 12 + (month % 100 - 1) + months
    return (index // 12) * 100 + index % 12 + 1


def month_first_day(month: int) -> date:
    return date(month // 100, month % 100, 1)


def month_last_day(month: int) -> date:
    return month_first_day(month_shift(month, 1)) - timedelta(days=1)


def month_label(month: int) -> str:
    return f"{month // 100}年{month % 100}月"


def month_text(month: int) -> str:
    """The form and API spelling, YYYY-MM."""
    return f"{month // 100:04d}-{month % 100:02d}"


def parse_month(text: str) -> int:
    """ "2026-11" → 202611; ValueError for anything else (also a month out of range)."""
    text = (text or "").strip()
    year, dash, month = text.partition("-")
    if not (dash and len(year) == 4 and year.isdigit() and 1 <= len(month) <= 2 and month.isdigit()):
        raise ValueError(text)
    if not (1900 < int(year) < 9999 and 1 <= int(month) <= 12):
        raise ValueError(text)
    return int(year) * 100 + int(month)


def months_between(first: int, last: int) -> list[int]:
    months, month = [], first
    while month <= last:
        months.append(month)
        month = month_shift(month, 1)
    return months


def period_label(first: int, last: int) -> str:
    if first == last:
        return month_label(first)
    if first // 100 == last // 100:
        return f"{first // 100}年{first % 100}月至{last % 100}月"
    return f"{month_label(first)}至{month_label(last)}"


# --- scope and links ------------------------------------------------------------------------------


def tally_scope_q(actor: Any, unit: Unit) -> Q:
    """Rows of `unit`'s subtree that `actor` may see (the caller has checked `unit` is theirs)."""
    subtree = Q(unit_path__gte=unit.path, unit_path__lt=unit.path[:-1] + "0")
    return scope_q(actor, unit_field="unit", path_field="unit_path", as_range=True) & subtree


@lru_cache(maxsize=8)
def _register_path(script_prefix: str) -> str:
    return reverse("petitions:register")


def register_url(**params: Any) -> str:
    """The register (信访登记簿) filtered to the petitions behind a figure."""
    query = {k: v for k, v in params.items() if v not in (None, "", False)}
    return f"{_register_path(get_script_prefix())}?{urlencode(query)}"


# The register's filter that lists the petitions a unit's figure counts, by way of counting.
DIMENSION_FILTERS = {
    Dimension.REGISTERED: "registered_unit",
    Dimension.PROBLEM: "unit",
    Dimension.HANDLING: "responsible_unit",
}


_ready_seen = False


def dimensions_ready() -> bool:
    """Whether the tables by problem and responsible unit hold every petition (an upgraded
    installation: not before `manage.py stats_rebuild`). Once they do they always will, so a
    process asks the database only until it has seen them ready."""
    global _ready_seen
    if not _ready_seen:
        ready = TallyState.objects.filter(pk=1).values_list("dimensions_ready", flat=True).first()
        _ready_seen = True if ready is None else ready
    return _ready_seen


def forget_dimensions_ready() -> None:
    """For tests that make the tables unfilled again (a migration on an existing database)."""
    global _ready_seen
    _ready_seen = False


def _period_params(unit: Unit, first: int, last: int) -> dict[str, Any]:
    return {
        "registered_unit": unit.pk,
        "received_from": month_first_day(first).isoformat(),
        "received_to": month_last_day(last).isoformat(),
    }


# --- figures --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A count and the register link that lists the petitions behind it."""

    key: str
    label: str
    count: int
    url: str = ""


@dataclass(frozen=True)
class Rate:
    key: str
    label: str
    numerator: int
    denominator: int
    definition: str
    url: str
    link_note: str = ""

    @property
    def percent(self) -> float | None:
        return round(100 * self.numerator / self.denominator, 1) if self.denominator else None

    @property
    def text(self) -> str:
        return "—" if self.percent is None else f"{self.percent:.1f}%"


RATE_DEFINITIONS = {
    "timely_acceptance": (
        "及时受理率",
        "在受理期限内作出受理决定（受理、交办、不予受理、不再受理）的件数 ÷ 已作出受理决定的件数。"
        "以最近一个受理期限的结束日期不晚于其届满日期为“及时”。",
    ),
    "on_time_completion": (
        "按期办结率",
        "在办理期限（含批准延期）届满前答复的件数 ÷ 已答复的件数。以办理期限的结束日期不晚于届满日期为“按期”。",
    ),
    "first_once": (
        "初信初访一次办结率",
        "非重复件中未经复查、复核即办结的件数 ÷ 已办结的非重复件数。",
    ),
    "satisfaction": (
        "满意率",
        "回访评价为“满意”和“基本满意”的件数 ÷ 已回访评价的件数。",
    ),
    "repeat": (
        "重复访率",
        "重复件（登记时关联了原信访件）件数 ÷ 收件总数。",
    ),
}
COHORT_NOTE = "按收到时间统计本期收到的信访件。"


def _measures(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    totals = dict.fromkeys(MEASURES, 0)
    for row in rows:
        for name in MEASURES:
            totals[name] += row.get(name) or 0
    return totals


def rates_of(totals: dict[str, int], *, unit: Unit, first: int, last: int) -> list[Rate]:
    """The five key rates of `totals` (sums of MEASURES), with their definitions and links."""
    period = _period_params(unit, first, last)
    parts: dict[str, tuple[int, int, dict[str, Any], bool]] = {
        "timely_acceptance": (totals["accept_timely"], totals["accept_decided"], {}, True),
        "on_time_completion": (totals["answer_timely"], totals["answered"], {}, True),
        "first_once": (totals["first_once"], totals["first_closed"], {"status": PetitionStatus.CLOSED}, True),
        "satisfaction": (totals["satisfied"], totals["evaluated"], {}, True),
        "repeat": (totals["repeat"], totals["intake"], {"flags": "repeat"}, False),
    }
    rates = []
    for key, (numerator, denominator, extra, approximate) in parts.items():
        label, definition = RATE_DEFINITIONS[key]
        note = (
            "登记簿不能按此口径筛选，链接列出本期收到的相应信访件。"
            if approximate
            else "链接列出本期的重复件。"
        )
        rates.append(
            Rate(
                key=key,
                label=label,
                numerator=numerator,
                denominator=denominator,
                definition=f"{definition}{COHORT_NOTE}",
                url=register_url(**period, **extra),
                link_note=note,
            )
        )
    return rates


# --- the dashboard --------------------------------------------------------------------------------


@dataclass
class ChannelRow:
    channel: str
    label: str
    this_month: int
    last_month: int
    last_year: int
    url: str


@dataclass
class UnitRow:
    unit_id: int
    name: str
    overdue: int
    url: str


@dataclass
class Overview:
    unit: Unit
    month_from: int
    month_to: int
    today: date
    warning_until: date
    intake: int
    open_total: int
    open_by_step: list[Figure]
    overdue: Figure
    due_soon: Figure
    channels: list[ChannelRow]
    trend: list[tuple[int, int]]
    top_categories: list[Figure]
    units_by_overdue: list[UnitRow]
    collective: Figure
    skip_level: Figure
    rates: list[Rate]
    open_url: str = ""
    intake_url: str = ""
    ranking_by: str = Dimension.HANDLING  # how `units_by_overdue` counts a matter for a unit

    @property
    def period_label(self) -> str:
        return period_label(self.month_from, self.month_to)

    @property
    def ranking_label(self) -> str:
        return Dimension(self.ranking_by).label


def _child_of(unit: Unit, path: str) -> int:
    """The id of the child of `unit` whose subtree holds `path`, or `unit`'s own id."""
    rest = path[len(unit.path) :]
    return int(rest.split("/", 1)[0]) if rest else unit.pk


def _open_rows(actor: Any, unit: Unit, today: date, until: date) -> QuerySet:
    return (
        OpenTally.objects.filter(tally_scope_q(actor, unit))
        .values("unit_path", "status")
        .annotate(
            total=Sum("count"),
            overdue=_sum_if(Q(due_date__lt=today)),
            soon=_sum_if(Q(due_date__gte=today, due_date__lte=until)),
        )
        .order_by()
    )


def _sum_if(condition: Q, value: str = "count") -> Sum:
    return Sum(Case(When(condition, then=F(value)), default=Value(0), output_field=IntegerField()))


def _ranking(actor: Any, unit: Unit, today: date, by: str) -> tuple[str, dict[int, int], dict[int, str]]:
    """({child of `unit` or `unit` itself: overdue open petitions}, their names) counted the way
    `by` says (the dashboard's default: by responsible unit), in one query with the names; by
    registering unit while the unit tables are not filled yet."""
    names = {unit.pk: f"{unit.name}（本级）"}
    overdue: dict[int, int] = defaultdict(int)
    if by != Dimension.REGISTERED and sees_subtree(actor) and actor.unit is not None and dimensions_ready():
        rows = (
            UnitOpenTally.objects.filter(
                Q(unit=unit) | Q(parent=unit),
                dimension=by,
                visible_depth__gte=actor.unit.depth,
                due_date__lt=today,
            )
            .values("unit_id", "unit__name")
            .annotate(n=Sum("count"))
            .order_by()
            .values_list("unit_id", "unit__name", "n")
        )
        for pk, name, count in rows:
            # the unit's row is its subtree: its own level (本级) is what its children leave
            overdue[unit.pk] += count if pk == unit.pk else -count
            if pk != unit.pk:
                overdue[pk] += count
                names[pk] = name
        return by, {pk: n for pk, n in overdue.items() if n}, names
    registered = (
        OpenTally.objects.filter(tally_scope_q(actor, unit), due_date__lt=today)
        .values("unit_path")
        .annotate(n=Sum("count"))
        .order_by()
        .values_list("unit_path", "n")
    )
    for path, count in registered:
        if count:
            overdue[_child_of(unit, path)] += count
    names.update({u.pk: u.name for u in Unit.objects.filter(parent=unit).only("pk", "name")})
    return Dimension.REGISTERED, dict(overdue), names


def stats_overview(
    *,
    actor: Any,
    unit: Unit,
    month_from: int,
    month_to: int,
    today: date,
    ranking_by: str = Dimension.HANDLING,
) -> Overview:
    """The leaders' dashboard of `unit` (one of the actor's units) for the months given: a fixed
    number of queries whatever the data (three on the summary tables, two of names, and the
    ranking of units by overdue matters, by responsible unit unless `ranking_by` says otherwise)."""
    scope = tally_scope_q(actor, unit)
    last_year = month_shift(month_to, -12)
    by_month_channel = list(
        MonthlyChannelTally.objects.filter(scope, month__gte=min(month_from, last_year), month__lte=month_to)
        .values("month", "channel")
        .annotate(**{name: Sum(name) for name in MEASURES})
        .order_by()
    )
    per_category = dict(
        MonthlyCategoryTally.objects.filter(scope, month__gte=month_from, month__lte=month_to)
        .values("category_id")
        .annotate(n=Sum("intake"))
        .order_by()
        .values_list("category_id", "n")
    )
    until = warning_boundary(today)
    open_rows = list(_open_rows(actor, unit, today, until))
    categories = {c.pk: c for c in Category.objects.filter(parent__isnull=True)}

    totals = _measures(r for r in by_month_channel if month_from <= r["month"] <= month_to)
    period = _period_params(unit, month_from, month_to)
    per_month: dict[int, int] = defaultdict(int)
    by_channel: dict[tuple[int, str], int] = {}
    for row in by_month_channel:
        per_month[row["month"]] += row["intake"]
        by_channel[(row["month"], row["channel"])] = row["intake"]
    top = sorted(per_category.items(), key=lambda item: (-item[1], item[0]))[:TOP_CATEGORIES]

    by_step: dict[str, int] = defaultdict(int)
    overdue = soon = 0
    for row in open_rows:
        by_step[row["status"]] += row["total"] or 0
        overdue += row["overdue"] or 0
        soon += row["soon"] or 0
    ranking_by, overdue_by_child, children = _ranking(actor, unit, today, ranking_by)
    ranked = sorted(overdue_by_child.items(), key=lambda item: (-item[1], item[0]))
    month_params = _period_params(unit, month_to, month_to)

    return Overview(
        unit=unit,
        month_from=month_from,
        month_to=month_to,
        today=today,
        warning_until=until,
        intake=totals["intake"],
        open_total=sum(by_step.values()),
        open_by_step=[
            Figure(
                step,
                STATUS_LABELS[step],
                by_step.get(step, 0),
                register_url(status=step, registered_unit=unit.pk),
            )
            for step in OPEN_STEPS
        ],
        overdue=Figure(
            "overdue", "已逾期", overdue, register_url(status="open", light="red", registered_unit=unit.pk)
        ),
        due_soon=Figure(
            "due_soon",
            "3 个工作日内到期",
            soon,
            register_url(status="open", light="yellow", registered_unit=unit.pk),
        ),
        channels=[
            ChannelRow(
                channel=code,
                label=label,
                this_month=by_channel.get((month_to, code), 0),
                last_month=by_channel.get((month_shift(month_to, -1), code), 0),
                last_year=by_channel.get((last_year, code), 0),
                url=register_url(**month_params, channel=code),
            )
            for code, label in Channel.choices
        ],
        trend=[
            (month, per_month.get(month, 0)) for month in months_between(month_shift(month_to, -11), month_to)
        ],
        top_categories=[
            Figure(
                categories[pk].code if pk in categories else str(pk),
                categories[pk].name if pk in categories else "（已删除的类别）",
                count,
                register_url(**period, category=categories[pk].code) if pk in categories else "",
            )
            for pk, count in top
        ],
        units_by_overdue=[
            UnitRow(
                unit_id=pk,
                name=children.get(pk, str(pk)),
                overdue=count,
                url=register_url(status="open", light="red", **{DIMENSION_FILTERS[ranking_by]: pk}),
            )
            for pk, count in ranked
        ],
        ranking_by=ranking_by,
        collective=Figure(
            "collective", "集体访", totals["collective"], register_url(**period, flags="collective")
        ),
        skip_level=Figure(
            "skip_level", "越级访", totals["skip_level"], register_url(**period, flags="skip_level")
        ),
        rates=rates_of(totals, unit=unit, first=month_from, last=month_to),
        open_url=register_url(status="open", registered_unit=unit.pk),
        intake_url=register_url(**period),
    )


def overview_charts(overview: Overview) -> dict[str, Any]:
    """The dashboard's chart data (rendered by ECharts from a json_script blob)."""
    return {
        "trend": {
            "months": [month_text(m) for m, _ in overview.trend],
            "counts": [count for _, count in overview.trend],
        },
        "channels": {
            "labels": [row.label for row in overview.channels],
            "series": [
                {"name": month_label(overview.month_to), "data": [r.this_month for r in overview.channels]},
                {
                    "name": month_label(month_shift(overview.month_to, -1)),
                    "data": [r.last_month for r in overview.channels],
                },
                {
                    "name": month_label(month_shift(overview.month_to, -12)),
                    "data": [r.last_year for r in overview.channels],
                },
            ],
        },
        "categories": {
            "labels": [f.label for f in overview.top_categories],
            "counts": [f.count for f in overview.top_categories],
        },
    }


# --- the statistics table -------------------------------------------------------------------------


@dataclass(frozen=True)
class StatsFilter:
    unit: Unit
    month_from: int
    month_to: int
    category: Category | None = None
    channel: str = ""
    dimension: str = Dimension.REGISTERED  # 统计口径: by registering, problem or responsible unit

    @property
    def period_label(self) -> str:
        return period_label(self.month_from, self.month_to)

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS.get(self.channel, self.channel)

    @property
    def dimension_label(self) -> str:
        return Dimension(self.dimension).label

    def summary(self) -> dict[str, Any]:
        """What the audit log keeps of a statistics file's filters."""
        values = {
            "unit": self.unit.pk,
            "unit_name": self.unit.name,
            "from": month_text(self.month_from),
            "to": month_text(self.month_to),
            "category": self.category.code if self.category else "",
            "channel": self.channel,
            "by": self.dimension,
        }
        return {k: v for k, v in values.items() if v not in ("", None)}


@dataclass
class StatsRow:
    key: Any
    name: str
    measures: dict[str, int]
    overdue: int = 0
    url: str = ""

    @property
    def intake(self) -> int:
        return self.measures["intake"]

    def _rate(self, numerator: str, denominator: str) -> float | None:
        total = self.measures[denominator]
        return round(100 * self.measures[numerator] / total, 1) if total else None

    @property
    def timely_acceptance(self) -> float | None:
        return self._rate("accept_timely", "accept_decided")

    @property
    def on_time_completion(self) -> float | None:
        return self._rate("answer_timely", "answered")

    @property
    def satisfaction(self) -> float | None:
        return self._rate("satisfied", "evaluated")

    @property
    def first_once(self) -> float | None:
        return self._rate("first_once", "first_closed")

    @property
    def cells(self) -> list[str]:
        """The table's cells after the name, formatted here (the template only prints them)."""
        m = self.measures

        def rate(value: float | None) -> str:
            return "—" if value is None else f"{value:.1f}%"

        return [
            str(self.intake),
            f"{m['accept_timely']} / {m['accept_decided']}",
            rate(self.timely_acceptance),
            f"{m['answer_timely']} / {m['answered']}",
            rate(self.on_time_completion),
            str(self.overdue),
            rate(self.satisfaction),
            str(m["collective"]),
            str(m["skip_level"]),
        ]


@dataclass
class StatsTable:
    filters: StatsFilter
    today: date
    units: list[StatsRow]
    categories: list[StatsRow]
    total: StatsRow


def _add_into(totals: dict[Any, list[int]], key: Any, values: tuple[int, ...]) -> None:
    current = totals.get(key)
    totals[key] = (
        list(values) if current is None else [a + (b or 0) for a, b in zip(current, values, strict=True)]
    )


def _as_measures(values: list[int] | None) -> dict[str, int]:
    return dict(zip(MEASURES, values or [0] * len(MEASURES), strict=True))


@dataclass
class TableSums:
    """The measures and overdue counts of a statistics table before it is laid out: per unit (the
    chosen unit's children and the unit itself, 本级) and per first-level category."""

    by_unit: dict[int, list[int]]
    by_category: dict[int, list[int]]
    unit_overdue: dict[int, int]
    category_overdue: dict[int, int]


def _registered_sums(actor: Any, filters: StatsFilter, today: date) -> TableSums:
    """By registering unit: rows of the unit's subtree, folded onto its children (two queries)."""
    unit = filters.unit
    scope = tally_scope_q(actor, unit)
    monthly = (
        MonthlyTally.objects.filter(channel=filters.channel)
        if filters.channel
        else MonthlyCategoryTally.objects.all()
    )
    open_rows = OpenCategoryTally.objects.filter(scope, due_date__lt=today)
    if filters.channel:
        open_rows = open_rows.filter(channel=filters.channel)
    if filters.category:
        monthly = monthly.filter(category=filters.category)
        open_rows = open_rows.filter(category=filters.category)
    rows = (
        monthly.filter(scope, month__gte=filters.month_from, month__lte=filters.month_to)
        .values("unit_path", "category_id")
        .annotate(**{name: Sum(name) for name in MEASURES})
        .order_by()
        .values_list("unit_path", "category_id", *MEASURES)
    )
    sums = TableSums({}, {}, defaultdict(int), defaultdict(int))
    for path, category_id, *values in rows:
        _add_into(sums.by_unit, _child_of(unit, path), values)
        _add_into(sums.by_category, category_id, values)
    for path, category_id, count in (
        open_rows.values("unit_path", "category_id")
        .annotate(n=Sum("count"))
        .order_by()
        .values_list("unit_path", "category_id", "n")
    ):
        sums.unit_overdue[_child_of(unit, path)] += count or 0
        sums.category_overdue[category_id] += count or 0
    return sums


def _unit_sums(actor: Any, filters: StatsFilter, today: date, *, months: bool = True) -> TableSums:
    """By problem or responsible unit: the rows of the chosen unit (per category) and of its
    children (per child), within the caller's visible depth; the unit's own level (本级) is the
    unit's row less its children's. Four queries (two without `months`: overdue only)."""
    unit = filters.unit
    if not sees_subtree(actor) or actor.unit is None:
        # a role that sees only its own unit's matters cannot be given a subtree's rows
        message = f"{Dimension(filters.dimension).label}统计仅对可查看下级单位的角色开放。"
        raise ValidationFailed(message, {"by": message})
    visible = Q(dimension=filters.dimension, visible_depth__gte=actor.unit.depth)
    if filters.channel:
        visible &= Q(channel=filters.channel)
    if filters.category:
        visible &= Q(category=filters.category)
    sums = TableSums({}, {}, defaultdict(int), defaultdict(int))
    if months:
        period = visible & Q(month__gte=filters.month_from, month__lte=filters.month_to)
        totals = {name: Sum(name) for name in MEASURES}
        # the rows without the channel (a sixth as many) unless the caller filters by it
        monthly = UnitMonthlyTally.objects if filters.channel else UnitMonthlyCategoryTally.objects
        for category_id, *values in (
            monthly.filter(period, unit=unit)
            .values("category_id")
            .annotate(**totals)
            .order_by()
            .values_list("category_id", *MEASURES)
        ):
            _add_into(sums.by_category, category_id, values)
            _add_into(sums.by_unit, unit.pk, values)
        for child_id, *values in (
            monthly.filter(period, parent=unit)
            .values("unit_id")
            .annotate(**totals)
            .order_by()
            .values_list("unit_id", *MEASURES)
        ):
            _add_into(sums.by_unit, child_id, values)
            _add_into(sums.by_unit, unit.pk, tuple(-v for v in values))
    overdue = UnitOpenTally.objects.filter(visible, due_date__lt=today)
    for category_id, count in (
        overdue.filter(unit=unit)
        .values("category_id")
        .annotate(n=Sum("count"))
        .order_by()
        .values_list("category_id", "n")
    ):
        sums.category_overdue[category_id] += count or 0
        sums.unit_overdue[unit.pk] += count or 0
    for child_id, count in (
        overdue.filter(parent=unit)
        .values("unit_id")
        .annotate(n=Sum("count"))
        .order_by()
        .values_list("unit_id", "n")
    ):
        sums.unit_overdue[child_id] += count or 0
        sums.unit_overdue[unit.pk] -= count or 0
    return sums


def stats_table(*, actor: Any, filters: StatsFilter, today: date) -> StatsTable:
    """The statistics of a period per unit (the children of the chosen unit, with their
    subtrees, and the unit itself) and per first-level category, counted by registering unit,
    problem unit or responsible unit (`filters.dimension`); four small queries and two of names."""
    unit = filters.unit
    if filters.dimension == Dimension.REGISTERED:
        sums = _registered_sums(actor, filters, today)
    else:
        sums = _unit_sums(actor, filters, today)
    names = {u.pk: u.name for u in Unit.objects.filter(parent=unit).only("pk", "name")}
    names[unit.pk] = f"{unit.name}（本级）"
    categories = {c.pk: c for c in Category.objects.filter(parent__isnull=True)}

    period = _period_params(unit, filters.month_from, filters.month_to)
    del period["registered_unit"]
    by = DIMENSION_FILTERS[Dimension(filters.dimension)]
    common = {"channel": filters.channel, "category": filters.category.code if filters.category else ""}
    unit_rows = [
        StatsRow(
            key=pk,
            name=name,
            measures=_as_measures(sums.by_unit.get(pk)),
            overdue=sums.unit_overdue.get(pk, 0),
            url=register_url(**period, **{by: pk}, **common),
        )
        for pk, name in names.items()
    ]
    unit_rows.sort(key=lambda r: (-r.intake, -r.overdue, r.name))
    category_rows = [
        StatsRow(
            key=category.code,
            name=category.name,
            measures=_as_measures(sums.by_category.get(pk)),
            overdue=sums.category_overdue.get(pk, 0),
            url=register_url(**period, **{by: unit.pk}, channel=filters.channel, category=category.code),
        )
        for pk, category in categories.items()
        if pk in sums.by_category or sums.category_overdue.get(pk)
    ]
    category_rows.sort(key=lambda r: (-r.intake, -r.overdue, r.key))
    totals: dict[str, list[int]] = {}
    for values in sums.by_unit.values():
        _add_into(totals, "total", tuple(values))
    total = StatsRow(
        key="total",
        name="合计",
        measures=_as_measures(totals.get("total")),
        overdue=sum(sums.unit_overdue.values()),
        url=register_url(**period, **{by: unit.pk}, **common),
    )
    return StatsTable(filters=filters, today=today, units=unit_rows, categories=category_rows, total=total)


def stats_monthly_intake(*, actor: Any, unit: Unit, first: int, last: int) -> dict[int, dict[int, int]]:
    """{month: {first-level category id: intake}} of the months given, for trends in reports."""
    result: dict[int, dict[int, int]] = defaultdict(dict)
    rows = (
        MonthlyCategoryTally.objects.filter(tally_scope_q(actor, unit), month__gte=first, month__lte=last)
        .values("month", "category_id")
        .annotate(n=Sum("intake"), collective=Sum("collective"), skip_level=Sum("skip_level"))
        .order_by()
    )
    for row in rows:
        result[row["month"]][row["category_id"]] = row["n"]
    return dict(result)


def stats_monthly_flags(*, actor: Any, unit: Unit, first: int, last: int) -> dict[int, dict[str, int]]:
    """{month: {"intake", "collective", "skip_level"}} of the months given."""
    rows = (
        MonthlyCategoryTally.objects.filter(tally_scope_q(actor, unit), month__gte=first, month__lte=last)
        .values("month")
        .annotate(intake=Sum("intake"), collective=Sum("collective"), skip_level=Sum("skip_level"))
        .order_by()
    )
    return {row.pop("month"): row for row in rows}


def stats_channel_totals(*, actor: Any, unit: Unit, first: int, last: int) -> dict[str, int]:
    rows = (
        MonthlyTally.objects.filter(tally_scope_q(actor, unit), month__gte=first, month__lte=last)
        .values("channel")
        .annotate(n=Sum("intake"))
        .order_by()
    )
    return {row["channel"]: row["n"] for row in rows}
