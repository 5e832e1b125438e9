#!/usr/bin/env python3
"""Duty (值班) data for the benchmark: a published roster for one month in each of 320 units.

Run it on a database filled by `manage.py seed_demo` (the 20 townships and 300 villages under
青山县 are the 320 units; on a smaller tree it first adds villages under the county until there
are 320). For each unit it writes, in bulk (no transition per shift):

- two 值班员 (role 值班员) and two leaders (分管领导) of its own, named and with phones, who sign in
  with the demo password (the hash of the demo `clerk`'s is copied: no PBKDF2 per user);
- the shifts of a day (白班 08:30 for 9 hours, 夜班 17:30 for 15 hours);
- the month's roster, published: 2 shifts a day, each with its 带班领导 and one 值班员 rotating;

so about 19,800 shifts and 39,700 people on them for a 31-day month. No sign-in or handover
clocks (`Deadline` rows) are started, as publishing would: nothing measured reads them, and a
sweep on the benchmark database would only send their alerts. One audit entry records the
load; ANALYZE ends it. It writes `<data dir>/duty-bench.json`, which `bench/measure.py` reads to
find the roster, the unit and the county it measures.

    .venv/bin/python bench/seed_duty.py --data-dir /tmp/bench-data [--month 2026-12] [--units 320]
    .venv/bin/python bench/seed_duty.py --data-dir /tmp/bench-data --period   # adds a 二级 敏感时期

With `--period` it also sets a county-wide sensitive period (二级, two 值班员 a shift) over three
days of the month, so that the coverage check has a raised rule to apply (and finds every unit
short on those days). Refuses a month that already has rosters for these units unless
`--replace` (which deletes them first: benchmark data only).
"""

import argparse
import json
import os
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COUNTY = "341122"
UNIT_TYPES = ("township", "street", "village", "community")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌辉波宁燕海林峰亮"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", default=os.environ.get("XINFANG_DATA_DIR", str(ROOT / "var")))
    parser.add_argument("--month", default="", help="YYYY-MM (default: this month)")
    parser.add_argument("--units", type=int, default=320)
    parser.add_argument(
        "--replace", action="store_true", help="delete this month's rosters of these units first"
    )
    parser.add_argument("--period", action="store_true", help="also set a county-wide 二级 sensitive period")
    args = parser.parse_args()

    os.environ["XINFANG_DATA_DIR"] = str(Path(args.data_dir).resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    started = time.monotonic()
    info = seed(args)
    info["seconds"] = round(time.monotonic() - started, 1)
    path = Path(os.environ["XINFANG_DATA_DIR"]) / "duty-bench.json"
    path.write_text(json.dumps(info, ensure_ascii=False, indent=2))
    sys.stdout.write(json.dumps(info, ensure_ascii=False) + "\n")


def seed(args: argparse.Namespace) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from xinfang.accounts.models import RoleAssignment, User
    from xinfang.accounts.roles import Role
    from xinfang.audit.models import AuditEvent
    from xinfang.audit.services import audit_record
    from xinfang.duty.choices import MemberKind, RosterStatus
    from xinfang.duty.models import DutySlot, RosterMonth, Shift, ShiftMember
    from xinfang.duty.selectors import month_bounds, next_month
    from xinfang.organisation.models import Unit
    from xinfang.organisation.services import unit_create

    today = timezone.localdate()
    first = date.fromisoformat(f"{args.month}-01") if args.month else today.replace(day=1)
    county = Unit.objects.get(code=COUNTY)
    clerk = User.objects.get(username="clerk")  # the demo password's hash, reused
    units = list(
        Unit.objects.filter(path__startswith=county.path, unit_type__in=UNIT_TYPES, is_active=True).order_by(
            "depth", "code"
        )[: args.units]
    )
    added = 0
    while len(units) < args.units:  # a small tree: more villages under the county
        added += 1
        code = f"{COUNTY}9{added:03d}"
        found = Unit.objects.filter(code=code).first()
        units.append(
            found
            or unit_create(
                actor=None, name=f"值班测试村{added:03d}", code=code, unit_type="village", parent=county
            )
        )
    ids = [u.pk for u in units]
    rng_phone = 13_800_000_000

    with transaction.atomic():
        existing = RosterMonth.objects.filter(unit_id__in=ids, month=first)
        if existing.exists():
            if not args.replace:
                raise SystemExit(
                    f"{existing.count()} 个单位已有 {first:%Y年%m月} 值班表；加 --replace 重新生成。"
                )
            ShiftMember.objects.filter(shift__roster__in=existing).delete()
            Shift.objects.filter(roster__in=existing).delete()
            existing.delete()

        # people: two leaders and two 值班员 per unit (created once, reused on a second run)
        wanted = {}
        for i, unit in enumerate(units):
            for kind, count in (("l", 2), ("s", 2)):
                for k in range(1, count + 1):
                    name = SURNAMES[(i * 7 + k * 3 + (kind == "s")) % len(SURNAMES)]
                    name += (
                        GIVEN[(i * 5 + k) % len(GIVEN)] + GIVEN[(i * 3 + k * 11 + (kind == "l")) % len(GIVEN)]
                    )
                    wanted[f"duty-{unit.code}-{kind}{k}"] = (unit, name, kind)
        have = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
        new_users = []
        for n, (username, (unit, name, _)) in enumerate(wanted.items()):
            if username not in have:
                new_users.append(
                    User(
                        username=username,
                        full_name=name,
                        unit=unit,
                        phone=str(rng_phone + n * 7919),
                        password=clerk.password,
                        is_active=True,
                        password_changed_at=timezone.now(),
                    )
                )
        User.objects.bulk_create(new_users, batch_size=2000)
        people = {u.username: u for u in User.objects.filter(username__in=wanted)}
        RoleAssignment.objects.bulk_create(
            [
                RoleAssignment(user=people[username], role=Role.LEADER if kind == "l" else Role.DUTY)
                for username, (_, _, kind) in wanted.items()
                if username not in have
            ],
            batch_size=2000,
        )

        # the shifts of a day
        DutySlot.objects.filter(unit_id__in=ids).delete()
        DutySlot.objects.bulk_create(
            [
                slot
                for unit in units
                for slot in (
                    DutySlot(unit=unit, label="白班", starts=clock(8, 30), minutes=540, order=0),
                    DutySlot(unit=unit, label="夜班", starts=clock(17, 30), minutes=900, order=1),
                )
            ],
            batch_size=2000,
        )

        # the month's rosters, published
        now = timezone.now()
        rosters = RosterMonth.objects.bulk_create(
            [
                RosterMonth(
                    unit=unit,
                    unit_path=unit.path,
                    month=first,
                    status=RosterStatus.PUBLISHED,
                    published_at=now,
                    published_by=people[f"duty-{unit.code}-l1"],
                    created_by=people[f"duty-{unit.code}-l1"],
                    created_at=now,
                )
                for unit in units
            ]
        )
        tz = timezone.get_current_timezone()
        end_month = next_month(first)
        shifts: list[Shift] = []
        staffing: list[tuple[int, int]] = []  # (leader, staff) user ids per shift, in order
        for unit, roster in zip(units, rosters, strict=True):
            leaders = [people[f"duty-{unit.code}-l{k}"].pk for k in (1, 2)]
            staff = [people[f"duty-{unit.code}-s{k}"].pk for k in (1, 2)]
            day, i = first, 0
            while day < end_month:
                for label, hour, minute, minutes in (("白班", 8, 30, 540), ("夜班", 17, 30, 900)):
                    start = timezone.make_aware(datetime.combine(day, clock(hour, minute)), tz)
                    shifts.append(
                        Shift(
                            roster=roster,
                            unit=unit,
                            unit_path=unit.path,
                            label=label,
                            starts_at=start,
                            ends_at=start + timedelta(minutes=minutes),
                            published=True,
                            leaders_serving=1,
                            staff_serving=1,
                        )
                    )
                    staffing.append((leaders[i % 2], staff[(i // 2 + i) % 2]))
                    i += 1
                day += timedelta(days=1)
        Shift.objects.bulk_create(shifts, batch_size=2000)
        members = []
        for shift, (leader, person) in zip(shifts, staffing, strict=True):
            members.append(ShiftMember(shift=shift, user_id=leader, kind=MemberKind.LEADER))
            members.append(ShiftMember(shift=shift, user_id=person, kind=MemberKind.STAFF))
        ShiftMember.objects.bulk_create(members, batch_size=5000)

        period = None
        if args.period:
            from xinfang.deadlines.models import SensitivePeriod

            period, _ = SensitivePeriod.objects.update_or_create(
                unit=county,
                name="本地重大活动（基准测试）",
                defaults={
                    "starts_on": first + timedelta(days=9),
                    "ends_on": first + timedelta(days=11),
                    "level": 2,
                    "reason": "基准测试：县级二级敏感时期，每班两名值班员",
                    "created_by": clerk,
                    "created_at": now,
                    "updated_at": now,
                },
            )
        audit_record(
            actor=None,
            username="bench/seed_duty.py",
            event=AuditEvent.RECORD_CREATED,
            target_type="duty.rostermonth",
            target_label=f"基准测试值班表 {first:%Y年%m月}",
            units=len(units),
            shifts=len(shifts),
        )
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    township = next((u for u in units if u.code == "341122101"), units[0])
    roster = next(r for u, r in zip(units, rosters, strict=True) if u.pk == township.pk)
    start, end = month_bounds(first)
    return {
        "month": f"{first:%Y-%m}",
        "from": first.isoformat(),
        "to": (end_month - timedelta(days=1)).isoformat(),
        "shift_from": timezone.localtime(start).isoformat(),
        "shift_to": timezone.localtime(end).isoformat(),
        "county": county.pk,
        "unit": township.pk,
        "unit_name": township.name,
        "roster": roster.pk,
        "units": len(units),
        "units_added": added,
        "users_added": len(new_users),
        "shifts": len(shifts),
        "members": len(members),
        "period": period.pk if period else None,
    }


if __name__ == "__main__":
    main()
