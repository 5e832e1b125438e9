"""The figures of dispute work (矛盾纠纷调处统计, seed 003 篇五's targets) per unit and period:
disputes found, mediated (参调), succeeded; the participation rate (参调率 = mediated / found) and
the success rate (成功率 = succeeded / mediation ended, agreed or failed) against ≥ 98 %; satisfaction
from return visits
(满意率 = 满意 + 基本满意 / visited, each dispute by its latest visit) against ≥ 96 %; disputes passed
up (矛盾上交) by the level they reached; return visits overdue. All of the disputes registered in
the period (a cohort: what became of what was found then). Rows are the unit itself and each unit
directly below it, each rolled up over its subtree. One aggregate over a covering index, whatever
the county's size; the assessment reads the same function."""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from xinfang.deadlines.engine import LOCAL_TZ
from xinfang.organisation.models import Unit
from xinfang.organisation.selectors import units_visible_to

from .choices import DisputeStatus, Outcome, Satisfaction
from .models import Dispute, DisputeSetting


@dataclass
class Line:
    unit_id: int
    name: str
    own: bool = False  # the unit's own disputes, not its subtree's
    found: int = 0
    mediated: int = 0
    concluded: int = 0  # mediation ended: agreed or failed (those still in mediation wait)
    succeeded: int = 0
    passed_up: int = 0
    visits_overdue: int = 0
    visits: int = 0
    satisfied: int = 0
    levels: dict[int, int] = field(default_factory=dict)

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return round(100 * part / whole, 1) if whole else None

    @property
    def participation(self) -> float | None:
        return self._rate(self.mediated, self.found)

    @property
    def success(self) -> float | None:
        return self._rate(self.succeeded, self.concluded)

    @property
    def satisfaction(self) -> float | None:
        return self._rate(self.satisfied, self.visits)

    def add(self, other: "Line") -> None:
        for name in (
            "found",
            "mediated",
            "concluded",
            "succeeded",
            "passed_up",
            "visits_overdue",
            "visits",
            "satisfied",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for level, n in other.levels.items():
            self.levels[level] = self.levels.get(level, 0) + n


@dataclass
class Figures:
    unit: Unit
    first: date
    last: date
    rows: list[Line]
    total: Line
    targets: dict[str, Decimal]
    chain: list[str]

    @property
    def below_targets(self) -> dict[str, bool]:
        """Each rate's miss of its target, for a template (which cannot pass `key`)."""
        return {key: self.below(key) for key in self.targets}

    def below(self, key: str) -> bool:
        """Whether the total misses the target of `key` (participation, success, satisfaction)."""
        value = getattr(self.total, key)
        return value is not None and Decimal(str(value)) < self.targets[key]


def _bounds(first: date, last: date) -> tuple[datetime, datetime]:
    start = datetime.combine(first, time.min, tzinfo=LOCAL_TZ)
    end = datetime.combine(date.fromordinal(last.toordinal() + 1), time.min, tzinfo=LOCAL_TZ)
    return start, end


def _subtree(path: str, field_name: str = "unit_path") -> Q:
    return Q(**{f"{field_name}__gte": path, f"{field_name}__lt": path[:-1] + "0"})


def figures(*, actor: Any, unit: Unit, first: date, last: date, today: date | None = None) -> Figures:
    today = today or timezone.localdate()
    setting = DisputeSetting.load()
    start, end = _bounds(first, last)
    units = list(
        units_visible_to(actor)
        .filter(path__startswith=unit.path)
        .order_by("path")
        .values("pk", "name", "path", "depth", "parent_id")
    )
    top = Line(unit.pk, unit.name, own=True)
    children = [Line(u["pk"], u["name"]) for u in units if u["parent_id"] == unit.pk]
    child_paths = {u["pk"]: u["path"] for u in units if u["parent_id"] == unit.pk}
    unit_of_path = {u["path"]: u["pk"] for u in units}

    def row_of(path: str) -> Line | None:
        if path == unit.path:
            return top
        if path not in unit_of_path:
            return None  # outside the actor's scope
        for line in children:
            if path.startswith(child_paths[line.unit_id]):
                return line
        return None

    # one pass over the covering index `dispute_figures` (no row is read), grouped by its leading
    # column (no sort): per unit path, with the disputes passed up counted per level of the chain
    levels = range(1, len(setting.levels) + 1)
    passed_at = {f"passed_{n}": Count("pk", filter=Q(passed_up=True, level=n)) for n in levels}
    rows = (
        Dispute.objects.filter(_subtree(unit.path), registered_at__gte=start, registered_at__lt=end)
        .values("unit_path")
        .annotate(
            found=Count("pk"),
            mediated=Count("pk", filter=Q(mediated_at__isnull=False)),
            succeeded=Count("pk", filter=Q(outcome=Outcome.AGREED)),
            concluded=Count("pk", filter=Q(outcome__in=[Outcome.AGREED, Outcome.FAILED])),
            passed=Count("pk", filter=Q(passed_up=True)),
            visited=Count("pk", filter=Q(visited_at__isnull=False)),
            satisfied=Count(
                "pk",
                filter=Q(
                    visited_at__isnull=False, satisfaction__in=[Satisfaction.SATISFIED, Satisfaction.BASIC]
                ),
            ),
            **passed_at,
        )
        .order_by("unit_path")
    )
    for r in rows:
        line = row_of(r["unit_path"])
        if line is None:
            continue
        line.found += r["found"]
        line.mediated += r["mediated"]
        line.succeeded += r["succeeded"]
        line.concluded += r["concluded"]
        line.passed_up += r["passed"]
        line.visits += r["visited"]
        line.satisfied += r["satisfied"]
        for n in levels:
            if r[f"passed_{n}"]:
                line.levels[n] = line.levels.get(n, 0) + r[f"passed_{n}"]
    # return visits overdue today, whenever the dispute was registered (the partial index on the
    # due day: only the clocks still open)
    overdue = (
        Dispute.objects.filter(
            _subtree(unit.path),
            next_visit_due__lt=today,
            visited_at__isnull=True,
            status__in=[DisputeStatus.PERFORMING, DisputeStatus.PERFORMED],
        )
        .values("unit_path")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for r in overdue:
        line = row_of(r["unit_path"])
        if line is not None:
            line.visits_overdue += r["n"]
    total = Line(unit.pk, "合计")
    for line in [top, *children]:
        total.add(line)
    shown = [top, *children] if top.found or top.visits or top.visits_overdue else children
    return Figures(
        unit=unit,
        first=first,
        last=last,
        rows=shown,
        total=total,
        targets={
            "participation": setting.target_participation,
            "success": setting.target_success,
            "satisfaction": setting.target_satisfaction,
        },
        chain=setting.levels,
    )


def export_rows(result: Figures) -> list[list[Any]]:
    """The spreadsheet's rows (header first), as the page shows them."""
    header = ["单位", "排查发现", "参与调解", "调解成功", "参调率(%)", "成功率(%)", "回访", "满意", "满意率(%)",
              "矛盾上交", "上交层级", "回访逾期"]  # fmt: skip
    out: list[list[Any]] = [header]
    for line in [*result.rows, result.total]:
        levels = "、".join(
            f"{result.chain[level - 1] if 0 < level <= len(result.chain) else level}{n}件"
            for level, n in sorted(line.levels.items())
        )
        out.append(
            [
                line.name + ("（本级）" if line.own else ""),
                line.found,
                line.mediated,
                line.succeeded,
                line.participation if line.participation is not None else "—",
                line.success if line.success is not None else "—",
                line.visits,
                line.satisfied,
                line.satisfaction if line.satisfaction is not None else "—",
                line.passed_up,
                levels,
                line.visits_overdue,
            ]
        )
    return out
