#!/usr/bin/env python3
"""Information reports (信息报送) and incidents (突发事件) for the benchmark: a quarter of routine
reports from a county of 320 units, and about 30 open incidents.

Run it on a database filled by `manage.py seed_demo` (the 20 townships and 300 villages under
青山县 are the 320 units, the same ones `bench/seed_duty.py` takes; on a smaller tree it first adds
the same test villages under the county as seed_duty does, until there are 320). It writes:

- an information officer (信息员) per unit that files, `report-<unit code>`, signing in with the
  demo password (the demo `clerk`'s hash is copied: no PBKDF2 per user);
- for the 13 weeks up to today (this week and the 12 before), every routine report each unit of
  the county owes by the schedule (villages and communities weekly by Friday 16:00, townships and
  streets half-monthly, departments and offices monthly): about 88 % filed on time (up to three
  days before the cut-off), 8 % late (up to three days after), 4 % never; of this week's and this
  half's not yet due, about half are filed already. Each filed report has its 报送 event and, once
  a day old, its 签收 by the office above (status 已签收); each late or missing one the chase
  (`ReportChase`) the sweep made a minute after its cut-off. Written with `bulk_create`, no
  transition per report (about 4,500 reports);
- `--incidents` (default 30) open incidents registered through `incident_register` by the county's
  front desk (`county-clerk`) in random units of the 320, learned between 5 minutes and 36 hours
  ago, of every kind and size (so every level); two in three have their first report filed
  (through the machine: its document is generated, its clocks move), so the board shows reports
  overdue, due soon and follow-ups.

One audit entry records the load; ANALYZE ends it. It writes `<data dir>/reports-bench.json`
(the county, the quarter, 城关镇), which `bench/measure.py` reads for its 报送完整率 operation.

    .venv/bin/python bench/seed_reports.py --data-dir /tmp/bench-data [--weeks 13] [--incidents 30]

Refuses a county that already has reports in the quarter unless `--replace` (which deletes those
reports, their events and chases first: benchmark data only); incidents are added only up to
`--incidents` open ones.
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
INCIDENT_KINDS = ("gathering", "gathering", "blocking", "wages", "wages", "extreme", "other")
INCIDENT_TITLES = {
    "gathering": "村民聚集反映征地补偿问题",
    "blocking": "群众堵路反映道路施工问题",
    "wages": "农民工聚集讨要工资",
    "extreme": "信访人在政府门口扬言跳楼",
    "other": "群众围堵施工现场",
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", default=os.environ.get("XINFANG_DATA_DIR", str(ROOT / "var")))
    parser.add_argument("--weeks", type=int, default=13)
    parser.add_argument("--units", type=int, default=320)
    parser.add_argument("--incidents", type=int, default=30)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--replace", action="store_true", help="delete the county's reports of the quarter first"
    )
    args = parser.parse_args()

    os.environ["XINFANG_DATA_DIR"] = str(Path(args.data_dir).resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    started = time.monotonic()
    info = seed(args)
    info["seconds"] = round(time.monotonic() - started, 1)
    path = Path(os.environ["XINFANG_DATA_DIR"]) / "reports-bench.json"
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
    from xinfang.incidents.choices import IncidentStatus
    from xinfang.incidents.machine import incident_transition
    from xinfang.incidents.models import Incident
    from xinfang.incidents.services import incident_register
    from xinfang.inforeports.choices import ReportKind, ReportStatus
    from xinfang.inforeports.models import InfoReport, InfoReportEvent, ReportChase
    from xinfang.inforeports.schedule import expected_periods, schedule_load
    from xinfang.organisation.models import Unit

    rng = random.Random(args.seed)
    now = timezone.now()
    today = timezone.localdate()
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=args.weeks - 1)
    last = today
    county = Unit.objects.get(code=COUNTY)
    clerk = User.objects.get(username="clerk")  # the demo password's hash, reused
    signer = User.objects.get(username="county-clerk")
    units = _units(county, args.units)
    schedule = schedule_load()
    owing = [u for u in units if schedule.routine.get(u.unit_type)]
    ids = [u.pk for u in owing]

    with transaction.atomic():
        existing = InfoReport.objects.filter(unit_id__in=ids, period_start__gte=first - timedelta(days=31))
        if existing.exists():
            if not args.replace:
                raise SystemExit(f"县内已有 {existing.count()} 份本季度的信息报告；加 --replace 重新生成。")
            InfoReportEvent.objects.filter(report__in=existing).delete()
            InfoReport.objects.filter(forwarded_to__in=existing).update(forwarded_to=None)
            existing.delete()
            ReportChase.objects.filter(unit_id__in=ids, period_start__gte=first - timedelta(days=31)).delete()

        # an information officer per unit (created once, reused on a second run)
        wanted = {f"report-{u.code}": u for u in owing}
        have = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
        User.objects.bulk_create(
            [
                User(
                    username=username,
                    full_name=f"{unit.name[:6]}信息员",
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

        # the quarter's reports
        reports: list[InfoReport] = []
        chases: list[ReportChase] = []
        counts = {"on_time": 0, "late": 0, "missing": 0, "early": 0, "not_yet": 0}
        for unit in owing:
            officer = people[f"report-{unit.code}"]
            for period in expected_periods(schedule, unit.unit_type, first, last, set()):
                due = period.due_at
                opened = datetime.combine(period.start, datetime.min.time(), tzinfo=due.tzinfo)
                if due > now:  # not due yet: about half are in already
                    if rng.random() < 0.5:
                        counts["not_yet"] += 1
                        continue
                    filed = opened + (min(now, due) - opened) * rng.uniform(0.3, 0.99)
                    counts["early"] += 1
                else:
                    draw = rng.random()
                    if draw >= LATE:
                        counts["missing"] += 1
                        chases.append(_chase(ReportChase, unit, period))
                        continue
                    if draw >= ON_TIME:
                        filed = due + timedelta(minutes=rng.randint(30, 72 * 60))
                        if filed >= now:
                            counts["missing"] += 1
                            chases.append(_chase(ReportChase, unit, period))
                            continue
                        counts["late"] += 1
                        chases.append(_chase(ReportChase, unit, period))
                    else:
                        filed = max(opened, due - timedelta(minutes=rng.randint(15, 72 * 60)))
                        counts["on_time"] += 1
                zero = rng.random() < 0.3
                signed = filed < now - timedelta(days=1)
                reports.append(
                    InfoReport(
                        unit=unit,
                        unit_path=unit.path,
                        kind=ReportKind.ZERO if zero else ReportKind.ROUTINE,
                        cadence=period.cadence.value,
                        period_start=period.start,
                        period_end=period.end,
                        due_at=due,
                        on_time=filed <= due,
                        title=f"{unit.name}{period.label}信访维稳情况",
                        content="本期无情况。"
                        if zero
                        else "本期排查矛盾纠纷若干起，均已调处；重点人员稳控在位。",
                        status=ReportStatus.SIGNED if signed else ReportStatus.SUBMITTED,
                        to_unit_id=unit.parent_id,
                        filed_by=officer,
                        filed_at=filed,
                        signed_by=signer if signed else None,
                        signed_at=filed + timedelta(hours=2) if signed else None,
                    )
                )
        InfoReport.objects.bulk_create(reports, batch_size=2000)
        events = []
        for report in reports:
            events.append(
                InfoReportEvent(
                    report=report,
                    action="file",
                    from_status="",
                    to_status=ReportStatus.SUBMITTED,
                    actor=report.filed_by,
                    data={"kind": report.kind, "to_unit": report.to_unit_id, "skipped": []},
                    created_at=report.filed_at,
                )
            )
            if report.signed_at is not None:
                events.append(
                    InfoReportEvent(
                        report=report,
                        action="sign",
                        from_status=ReportStatus.SUBMITTED,
                        to_status=ReportStatus.SIGNED,
                        actor=signer,
                        created_at=report.signed_at,
                    )
                )
        InfoReportEvent.objects.bulk_create(events, batch_size=5000)
        ReportChase.objects.bulk_create(chases, batch_size=2000, ignore_conflicts=True)
        audit_record(
            actor=None,
            username="bench/seed_reports.py",
            event=AuditEvent.RECORD_CREATED,
            target_type="inforeports.inforeport",
            target_label=f"基准测试信息报告 {first:%Y-%m-%d}—{last:%Y-%m-%d}",
            units=len(owing),
            reports=len(reports),
            chases=len(chases),
        )

    # incidents, through the service and the machine (each its own transaction)
    open_before = Incident.objects.exclude(status=IncidentStatus.CLOSED).filter(
        unit_path__startswith=county.path
    )
    wanted_incidents = max(0, args.incidents - open_before.count())
    places = units[: args.units]
    registered = reported = 0
    for n in range(wanted_incidents):
        place = rng.choice(places)
        kind = rng.choice(INCIDENT_KINDS)
        headcount = rng.choice((3, 8, 15, 25, 40, 60, 120, 350)) if kind != "extreme" else 1
        learned = now - timedelta(minutes=rng.randint(5, 36 * 60))
        incident = incident_register(
            actor=signer,
            unit=place.pk,
            title=f"{place.name}{INCIDENT_TITLES[kind]}",
            kind=kind,
            learned_at=learned,
            occurred_at=learned - timedelta(minutes=rng.randint(5, 40)),
            place=f"{place.name}村委会门前"
            if place.unit_type in ("village", "community")
            else f"{place.name}政府门口",
            headcount=headcount,
            demands="要求尽快解决" + INCIDENT_TITLES[kind][-6:],
        )
        registered += 1
        if n % 3:
            incident_transition(
                incident=incident,
                action="report",
                actor=signer,
                kind="first",
                situation=f"{place.name}约{headcount}人聚集。",
                measures="已派工作组到场疏导。",
                impact="现场秩序平稳。",
            )
            reported += 1

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
        "units_reporting": len(owing),
        "reports": len(reports),
        "events": len(events),
        "chases": len(chases),
        **counts,
        "incidents_registered": registered,
        "incidents_reported": reported,
        "incidents_open": Incident.objects.exclude(status=IncidentStatus.CLOSED)
        .filter(unit_path__startswith=county.path)
        .count(),
    }


def _chase(model, unit, period):  # type: ignore[no-untyped-def]
    return model(
        unit=unit,
        unit_path=unit.path,
        cadence=period.cadence.value,
        period_start=period.start,
        due_at=period.due_at,
        chased_at=period.due_at + timedelta(minutes=1),
    )


if __name__ == "__main__":
    main()
