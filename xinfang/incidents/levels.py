"""The incident levels (Ⅰ–Ⅳ) and their reporting limits, each a setting (`LevelRule` rows
override `DEFAULTS`). Local practice (anchors-stability.md): four levels, a phone report within 30
minutes where wanted, a written report within 1 hour (30 minutes for the gravest), mandatory
follow-ups; the principal leader of the place on site within 20 minutes (seed 002 part 1 §3)."""

from dataclasses import dataclass

from .choices import IncidentKind, Level
from .models import LevelRule


@dataclass(frozen=True)
class Limits:
    level: int
    min_headcount: int
    kinds: tuple[str, ...]
    first_report_minutes: int
    phone_report_minutes: int  # 0: no phone report asked for
    follow_up_minutes: int
    arrival_minutes: int

    @property
    def label(self) -> str:
        return Level(self.level).label


DEFAULTS: dict[int, Limits] = {
    Level.I: Limits(1, 300, (), 30, 0, 60, 20),
    Level.II: Limits(2, 100, (IncidentKind.STORMING,), 60, 0, 60, 20),
    Level.III: Limits(3, 30, (IncidentKind.BLOCKING, IncidentKind.EXTREME), 60, 0, 120, 20),
    Level.IV: Limits(4, 0, (), 60, 0, 240, 20),
}


def _of(row: LevelRule) -> Limits:
    return Limits(
        row.level,
        row.min_headcount,
        tuple(row.kinds or ()),
        row.first_report_minutes,
        row.phone_report_minutes,
        row.follow_up_minutes,
        row.arrival_minutes,
    )


def limits_all() -> dict[int, Limits]:
    """Every level's limits: the saved row, else the default. One query."""
    found = dict(DEFAULTS)
    found.update({row.level: _of(row) for row in LevelRule.objects.all()})
    return found


def level_for(kind: str, headcount: int, limits: dict[int, Limits] | None = None) -> Limits:
    """The gravest level whose headcount or kinds the incident meets (Ⅳ at least)."""
    limits = limits or limits_all()
    for level in sorted(limits):
        rule = limits[level]
        if (rule.min_headcount and headcount >= rule.min_headcount) or kind in rule.kinds:
            return rule
    return limits[max(limits)]
