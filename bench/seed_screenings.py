#!/usr/bin/env python3
"""Screening rounds (矛盾纠纷排查) for the benchmark: a year of rounds from a county of 320 units.

Run it on a database filled by `manage.py seed_demo` (the 20 townships and 300 villages under
青山县 are the 320 units, the same ones `bench/seed_duty.py` and `bench/seed_reports.py` take; on
a smaller tree it first adds the same test villages under the county as they do, until there are
320). It writes:

- a screener (信息员) per unit, `screen-<unit code>`, signing in with the demo password (the demo
  `clerk`'s hash is copied: no PBKDF2 per user);
- for the weeks up to today (`--weeks`, default 52: this week and the 51 before), every round
  each unit of the county owes by the schedule in force (villages and communities weekly by
  Friday 16:00, townships and streets half-monthly and the quarterly 三个排查, departments and
  offices monthly on the 24th and quarterly): about 88 % filed on time (up to three days before
  the cut-off), 8 % late (up to three days after), 4 % never; of the rounds not due yet, about
  half are in already. Each filed round is a zero round (零报告: no dispute found, none carried)
  with its 报送 event; each late or missing one has the chase (`ScreeningChase`) the sweep made a
  minute after its cut-off. Written with `bulk_create`, no transition per round (about 18,000
  rounds for a year);

One audit entry records the load; ANALYZE ends it. It writes `<data dir>/screenings-bench.json`
(the county, 城关镇, the days), which `bench/measure.py` reads for its 排查完整率 operations.

    .venv/bin/python bench/seed_screenings.py --data-dir /tmp/bench-data [--weeks 52]

Refuses a county that already has rounds in those weeks unless `--replace` (which deletes those
rounds, their events, items and chases first: benchmark data only).
"""

import argparse
import json
import os
import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COUNTY = "341122"
UNIT_TYPES = ("township", "street", "village", "community")  # the 320, as bench/seed_duty.py
ON_TIME, LATE = 0.88, 0.96  # cumulative: on time, late, else missing
SCREENERS = ("村综治主任", "网格员", "驻村干部", "调委会委员")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", default=os.environ.get("XINFANG_DATA_DIR", str(ROOT / "var")))
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--units", type=int, default=320)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--replace", action="store_true", help="delete the county's rounds of those weeks first"
    )
    args = parser.parse_args()
    if not 1 <= args.weeks <= 52:
        raise SystemExit("--weeks 须在 1 到 52 之间（排查完整率至多统计 366 天）。")

    os.environ["XINFANG_DATA_DIR"] = str(Path(args.data_dir).resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    started = time.monotonic()
    info = seed(args)
    info["seconds"] = round(time.monotonic() - started, 1)
    path = Path(os.environ["XINFANG_DATA_DIR"]) / "screenings-bench.json"
    path.write_text(json.dumps(info, ensure_ascii=False, indent=2))
    sys.stdout.write(json.dumps(info, ensure_ascii=False) + "\n")


def _units(county, count: int) -> list:  # type: ignore[no-untyped-def]
    """The 320 townships and villages of the county (seed_duty's units), adding test villages on
    a smaller tree, then every other active unit of the county (departments, offices …)."""
    from xinfang.organisation.models import Unit
    from xinfang.organisation.services import unit_create

    tree = list(
        Unit.objects.filter(path__startswith=county.path, unit_type__in=UNIT_TYPES, is_active=True).order_by(
            "depth", "code"
        )[:count]
    )
    added = 0
    while len(tree) < count:
        added += 1
        code = f"{COUNTY}9{added:03d}"
        found = Unit.objects.filter(code=code).first()
        tree.append(
            found
            or unit_create(
                actor=None, name=f"值班测试村{added:03d}", code=code, unit_type="village", parent=county
            )
        )
    ids = {u.pk for u in tree}
    others = [
        u
        for u in Unit.objects.filter(path__startswith=county.path, is_active=True).order_by("path")
        if u.pk not in ids
    ]
    return tree + others


def seed(args: argparse.Namespace) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from xinfang.accounts.models import RoleAssignment, User
    from xinfang.accounts.roles import Role
    from xinfang.audit.models import AuditEvent
    from xinfang.audit.services import audit_record
    from xinfang.organisation.models import Unit
    from xinfang.screenings.choices import RoundStatus
    from xinfang.screenings.machine import ZERO_SUMMARY
    from xinfang.screenings.models import (
        ScreeningChase,
        ScreeningItem,
        ScreeningRound,
        ScreeningRoundEvent,
    )
    from xinfang.screenings.schedule import TypeSchedule, schedule_load, scheduled_rounds

    rng = random.Random(args.seed)
    now = timezone.now()
    today = timezone.localdate()
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=args.weeks - 1)
    last = today
    county = Unit.objects.get(code=COUNTY)
    clerk = User.objects.get(username="clerk")  # the demo password's hash, reused
    units = _units(county, args.units)
    schedule = schedule_load()
    owing = [u for u in units if scheduled_rounds(schedule.get(u.unit_type, TypeSchedule()), first, first)]
    ids = [u.pk for u in owing]
    by_type = {t: scheduled_rounds(own, first, last) for t, own in schedule.items()}

    with transaction.atomic():
        existing = ScreeningRound.objects.filter(unit_id__in=ids, period_end__gte=first)
        if existing.exists():
            if not args.replace:
                raise SystemExit(f"县内已有 {existing.count()} 次这段时间的排查；加 --replace 重新生成。")
            ScreeningRoundEvent.objects.filter(round__in=existing).delete()
            ScreeningItem.objects.filter(round__in=existing).delete()
            existing.delete()
            ScreeningChase.objects.filter(
                unit_id__in=ids, due_at__gte=datetime.combine(first, datetime.min.time(), tzinfo=now.tzinfo)
            ).delete()

        # a screener per unit (created once, reused on a second run)
        wanted = {f"screen-{u.code}": u for u in owing}
        have = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
        User.objects.bulk_create(
            [
                User(
                    username=username,
                    full_name=f"{unit.name[:6]}排查员",
                    unit=unit,
                    password=clerk.password,
                    is_active=True,
                    password_changed_at=now,
                )
                for username, unit in wanted.items()
                if username not in have
            ],
            batch_size=2000,
        )
        people = {u.username: u for u in User.objects.filter(username__in=wanted)}
        RoleAssignment.objects.bulk_create(
            [RoleAssignment(user=people[name], role=Role.INFORMANT) for name in wanted if name not in have],
            batch_size=2000,
        )

        rounds: list[ScreeningRound] = []
        chases: list[ScreeningChase] = []
        counts = {"on_time": 0, "late": 0, "missing": 0, "early": 0, "not_yet": 0}
        for unit in owing:
            screener = people[f"screen-{unit.code}"]
            for expected in by_type.get(unit.unit_type, ()):
                due = expected.due_at
                opened = datetime.combine(expected.start, datetime.min.time(), tzinfo=due.tzinfo)
                if opened > now:
                    continue
                if due > now:  # not due yet: about half are in already
                    if rng.random() < 0.5:
                        counts["not_yet"] += 1
                        continue
                    filed = opened + (now - opened) * rng.uniform(0.3, 0.99)
                    counts["early"] += 1
                else:
                    draw = rng.random()
                    if draw >= LATE:
                        counts["missing"] += 1
                        chases.append(_chase(ScreeningChase, unit, expected))
                        continue
                    if draw >= ON_TIME:
                        filed = due + timedelta(minutes=rng.randint(30, 72 * 60))
                        if filed >= now:
                            counts["missing"] += 1
                            chases.append(_chase(ScreeningChase, unit, expected))
                            continue
                        counts["late"] += 1
                        chases.append(_chase(ScreeningChase, unit, expected))
                    else:
                        filed = max(opened, due - timedelta(minutes=rng.randint(15, 72 * 60)))
                        counts["on_time"] += 1
                quarterly = expected.kind == "quarterly"
                rounds.append(
                    ScreeningRound(
                        unit=unit,
                        unit_path=unit.path,
                        kind=expected.kind,
                        cadence=expected.cadence,
                        period_key=expected.key,
                        period_label=expected.label,
                        period_start=expected.start,
                        period_end=expected.end,
                        due_at=due,
                        on_time=filed <= due,
                        screened_by=f"{rng.choice(SCREENERS)}{rng.choice('王李张刘陈杨')}某",
                        screened_at=filed - timedelta(hours=rng.randint(1, 30)),
                        summary=ZERO_SUMMARY,
                        disorder="未发现。" if quarterly else "",
                        hazards="未发现。" if quarterly else "",
                        status=RoundStatus.FILED,
                        filed_by=screener,
                        filed_at=filed,
                    )
                )
        ScreeningRound.objects.bulk_create(rounds, batch_size=2000)
        events = [
            ScreeningRoundEvent(
                round=r,
                action="file",
                from_status="",
                to_status=RoundStatus.FILED,
                actor=r.filed_by,
                data={
                    "kind": r.kind,
                    "period": r.period_label,
                    "found": 0,
                    "carried": 0,
                    "on_time": r.on_time,
                },
                created_at=r.filed_at,
            )
            for r in rounds
        ]
        ScreeningRoundEvent.objects.bulk_create(events, batch_size=5000)
        ScreeningChase.objects.bulk_create(chases, batch_size=2000, ignore_conflicts=True)
        audit_record(
            actor=None,
            username="bench/seed_screenings.py",
            event=AuditEvent.RECORD_CREATED,
            target_type="screenings.screeninground",
            target_label=f"基准测试矛盾纠纷排查 {first:%Y-%m-%d}—{last:%Y-%m-%d}",
            units=len(owing),
            rounds=len(rounds),
            chases=len(chases),
        )

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    township = Unit.objects.filter(code="341122101").first() or county
    return {
        "county": county.pk,
        "unit": township.pk,
        "unit_name": township.name,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "weeks": args.weeks,
        "units": len(units),
        "units_screening": len(owing),
        "rounds": len(rounds),
        "chases": len(chases),
        **counts,
    }


def _chase(model, unit, expected):  # type: ignore[no-untyped-def]
    return model(
        unit=unit,
        unit_path=unit.path,
        kind=expected.kind,
        period_key=expected.key,
        period_start=expected.start,
        due_at=expected.due_at,
        chased_at=expected.due_at + timedelta(minutes=1),
    )


if __name__ == "__main__":
    main()
