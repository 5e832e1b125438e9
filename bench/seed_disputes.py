#!/usr/bin/env python3
"""Disputes (矛盾纠纷) for the benchmark: a year of a county's mediation work.

Run it on a database filled by `manage.py seed_demo` (the 1,000,000-petition file). It writes, in
bulk (no transition per dispute), `--disputes` (default 100,000) disputes registered over the last
365 days, spread over every active unit of 青山县 (so 城关镇 and its villages hold about one in
twenty), each with two parties and one 登记 event:

- kinds of the installation's list; class by the settings' thresholds from a drawn amount and
  headcount; route and first level as the machine decides (village committee, township, police,
  principal leader);
- status: 8 % 待调解, 12 % 调解中, 3 % 协议拟定中, 25 % 协议履行中, 20 % 已履行, 22 % 已结案,
  6 % 调解不成, 4 % 已导出; mediated (参调) from 调解中 on; agreed for the performing ones;
- 3 % passed up to the township's centre (levels 5–7);
- a return visit due by class (1, 3, 6 months) for the agreed ones, with a visit recorded for
  most performed and closed ones (80 % 满意, 15 % 基本满意, 5 % 不满意).

No clock (`Deadline`) rows: the figures read the dispute's own columns. One audit entry records the
load; ANALYZE ends it. It writes `<data dir>/disputes-bench.json`.

    .venv/bin/python bench/seed_disputes.py --data-dir /tmp/bench-data [--disputes 100000] [--replace]
"""

import argparse
import json
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COUNTY, TOWNSHIP = "341122", "341122101"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌辉波宁燕海林峰亮"
STATUSES = (  # cumulative
    ("registered", 0.08),
    ("mediating", 0.20),
    ("drafting", 0.23),
    ("performing", 0.48),
    ("performed", 0.68),
    ("closed", 0.90),
    ("failed", 0.96),
    ("referred", 1.0),
)
AGREED = {"performing", "performed", "closed"}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", default=os.environ.get("XINFANG_DATA_DIR", str(ROOT / "var")))
    parser.add_argument("--disputes", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--replace", action="store_true", help="delete the county's disputes first")
    args = parser.parse_args()

    os.environ["XINFANG_DATA_DIR"] = str(Path(args.data_dir).resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    started = time.monotonic()
    info = seed(args)
    info["seconds"] = round(time.monotonic() - started, 1)
    path = Path(os.environ["XINFANG_DATA_DIR"]) / "disputes-bench.json"
    path.write_text(json.dumps(info, ensure_ascii=False, indent=2))
    sys.stdout.write(json.dumps(info, ensure_ascii=False) + "\n")


def _status(rng: random.Random) -> str:
    draw = rng.random()
    return next(code for code, upto in STATUSES if draw < upto)


def seed(args: argparse.Namespace) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from xinfang.accounts.models import User
    from xinfang.audit.models import AuditEvent
    from xinfang.audit.services import audit_record
    from xinfang.deadlines.engine import months_after
    from xinfang.disputes.choices import Outcome, Satisfaction
    from xinfang.disputes.machine import VILLAGE_TYPES, first_level
    from xinfang.disputes.machine import _route as route_of
    from xinfang.disputes.models import (
        Dispute,
        DisputeEvent,
        DisputeKind,
        DisputeParty,
        DisputeSetting,
        DisputeVisit,
    )
    from xinfang.organisation.models import Unit

    rng = random.Random(args.seed)
    now = timezone.now()
    today = timezone.localdate(now)
    setting = DisputeSetting.load()
    county = Unit.objects.get(code=COUNTY)
    township = Unit.objects.get(code=TOWNSHIP)
    units = list(
        Unit.objects.filter(path__startswith=county.path, is_active=True)
        .select_related("organ")
        .order_by("path")
    )
    kinds = list(DisputeKind.objects.filter(active=True))
    registrar = User.objects.get(username="clerk")
    mediator = User.objects.get(username="mediator")
    counts: dict[str, int] = {"城关镇": 0, "passed_up": 0, "visits": 0, "visits_overdue": 0}

    with transaction.atomic():
        existing = Dispute.objects.filter(unit_path__startswith=county.path)
        if existing.exists():
            if not args.replace:
                raise SystemExit(f"县内已有 {existing.count()} 件矛盾纠纷；加 --replace 重新生成。")
            existing.delete()  # parties, sessions, agreements, visits and history cascade

        disputes: list[Dispute] = []
        for _ in range(args.disputes):
            unit = rng.choice(units)
            counts["城关镇"] += unit.path.startswith(township.path)
            kind = rng.choice(kinds)
            amount = rng.choice((0, 500, 2000, 8000, 15000, 60000, 150000))
            people = rng.choice((2, 2, 2, 3, 4, 6, 12, 35))
            dispute_class = setting.class_of(amount=amount, people=people)
            sudden = rng.random() < 0.01
            route = route_of(kind, dispute_class, sudden, unit)
            level = first_level(route, setting)
            handling = unit if route == "village" else (unit.organ or unit)
            status = _status(rng)
            registered = now - timedelta(days=rng.uniform(0, 365))
            mediated = registered + timedelta(days=rng.uniform(0, 5)) if status != "registered" else None
            passed = unit.unit_type in VILLAGE_TYPES and rng.random() < 0.03
            if passed:
                level, handling = rng.choice((5, 5, 5, 6, 7)), unit.organ or unit
                counts["passed_up"] += 1
            effective = (
                mediated + timedelta(days=rng.uniform(1, 20)) if status in AGREED and mediated else None
            )
            next_visit = None
            if effective is not None:
                months = setting.visit_months(dispute_class)
                next_visit = months_after(timezone.localdate(effective), months)
            disputes.append(
                Dispute(
                    unit=unit,
                    unit_path=unit.path,
                    handling_unit=handling,
                    kind=kind,
                    place=f"{unit.name}{rng.randint(1, 12)}组",
                    people=people,
                    amount=amount or None,
                    facts=f"{kind.name}：双方因{kind.name[:2]}问题发生争执，多次协商未果。",
                    demands="请求调解，依法依规解决",
                    risk=rng.choice(("low", "low", "medium", "high")),
                    dispute_class=dispute_class,
                    sudden=sudden,
                    route=route,
                    level=level,
                    passed_up=passed,
                    procedure=rng.choice(("full", "full", "simple")),
                    source=rng.choice(("screening", "screening", "walk_in", "sign", "petition", "duty")),
                    status=status,
                    mediator=mediator if mediated else None,
                    outcome=Outcome.AGREED
                    if status in AGREED
                    else ("failed" if status in ("failed", "referred") else ""),
                    agreement_form="written" if effective else "",
                    effective_at=effective,
                    next_visit_due=next_visit,
                    registered_by=registrar,
                    registered_at=registered,
                    mediated_at=mediated,
                    closed_at=now if status == "closed" else None,
                )
            )
        Dispute.objects.bulk_create(disputes, batch_size=2000)
        parties: list[DisputeParty] = []
        events: list[DisputeEvent] = []
        visits: list[DisputeVisit] = []
        for dispute in disputes:
            for order in range(2):
                name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
                phone = f"1{rng.choice('3578')}{rng.randrange(10)}{rng.randrange(100_000_000):08d}"
                parties.append(
                    DisputeParty(dispute=dispute, name=name, phone=phone, address=dispute.place, order=order)
                )
            events.append(
                DisputeEvent(
                    dispute=dispute,
                    action="register",
                    from_status="",
                    to_status="registered",
                    actor=registrar,
                    data={"kind": dispute.kind.code, "dispute_class": dispute.dispute_class},
                    created_at=dispute.registered_at,
                )
            )
            due = dispute.next_visit_due
            if (
                due is not None
                and dispute.status in ("performed", "closed")
                and due <= today
                and rng.random() < 0.9
            ):
                draw = rng.random()
                satisfaction = (
                    Satisfaction.SATISFIED
                    if draw < 0.8
                    else Satisfaction.BASIC
                    if draw < 0.95
                    else Satisfaction.UNSATISFIED
                )
                at = now - timedelta(days=(today - due).days) if due < today else now
                visits.append(
                    DisputeVisit(
                        dispute=dispute, due=due, at=at, by=mediator, satisfaction=satisfaction, note="回访"
                    )
                )
                dispute.visited_at, dispute.satisfaction = at, satisfaction
            elif due is not None and due < today:
                counts["visits_overdue"] += 1
        DisputeParty.objects.bulk_create(parties, batch_size=5000)
        DisputeEvent.objects.bulk_create(events, batch_size=5000)
        DisputeVisit.objects.bulk_create(visits, batch_size=5000)
        Dispute.objects.bulk_update(
            [d for d in disputes if d.visited_at is not None], ["visited_at", "satisfaction"], batch_size=2000
        )
        counts["visits"] = len(visits)
        audit_record(
            actor=None,
            username="bench/seed_disputes.py",
            event=AuditEvent.RECORD_CREATED,
            target_type="disputes.dispute",
            target_label=f"基准测试矛盾纠纷 {len(disputes)} 件",
            disputes=len(disputes),
        )

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for table in (
                "disputes_dispute",
                "disputes_disputeparty",
                "disputes_disputevisit",
                "disputes_disputeevent",
            ):
                cursor.execute(f"ANALYZE {table}")

    return {
        "county": county.pk,
        "unit": township.pk,
        "unit_name": township.name,
        "units": len(units),
        "disputes": len(disputes),
        "from": str(today - timedelta(days=365)),
        "to": str(today),
        **counts,
    }


if __name__ == "__main__":
    main()
