#!/usr/bin/env python3
"""Key persons (重点人员) for the benchmark: a register of 20,000 persons across the county, and the
alarm's cost measured in-process.

Run it on a database filled by `manage.py seed_demo` (the 1,000,000-petition file). It writes, in
bulk (no transition per person):

- `--persons` (default 20,000) key persons spread over every active unit of 青山县 (townships,
  streets, villages, communities, departments, offices), so that 城关镇 and its villages hold about
  one in twenty; each with a valid and distinct 18-character ID number (GB 11643 check digit), a
  phone, a category of the installation's list, a risk (红 5 %, 橙 15 %, 黄 30 %, 蓝 50 %), a plan
  visited every 7, 15 or 30 days, a last visit within 1.25 times that and its `next_visit_due` (end
  of that day + the plan's days, local: about one in five is overdue), owners among the demo users
  (城关镇's: 张分管 or 赵书记 and 李承办, 陈村干部, 褚村干部 or 吴值班; elsewhere 冯县领导 and
  郑县接访), 2 % under 24-hour monitoring, 8 % removed (已息访稳定) and 1 % awaiting approval;
- one in ten takes the identity (name, ID number, phone) of a petitioner already in the database,
  linked to their record, so that the alarm has real people to find among the petitions;
- one 列管 event per person. No visit clock (`Deadline`) rows: the register reads
  `next_visit_due`, and a sweep on the benchmark database would only send their alerts.

One audit entry records the load; ANALYZE of the key-person tables ends it. It writes
`<data dir>/keypersons-bench.json`.

    .venv/bin/python bench/seed_keypersons.py --data-dir /tmp/bench-data [--persons 20000] [--replace]

With `--alarm` it seeds nothing and times, in this process, `alarm.matches(...)` on the
petitioners of randomly chosen registered petitions (what `alarm.on_petition_changed` asks of the
register for every new petition), the same call on a petition whose petitioner is a key person,
and the whole receiver on a petition of nobody in the register; it prints measure.py's table:

    .venv/bin/python bench/seed_keypersons.py --data-dir /tmp/bench-data --alarm [-n 500]

Refuses a county that already has key persons unless `--replace` (which deletes them, with their
visits, alarms and history, first: benchmark data only).
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COUNTY, TOWNSHIP = "341122", "341122101"
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌辉波宁燕海林峰亮"
RISKS = (("red", 0.05), ("orange", 0.20), ("yellow", 0.50), ("blue", 1.0))  # cumulative
MATTERS = {
    "veteran": (
        "反映参战退役军人优抚待遇未落实",
        "要求落实优抚待遇",
        "包案领导每月走访，协调退役军人事务部门复核待遇",
    ),
    "teacher": (
        "反映原民办教师教龄补贴问题",
        "要求补发教龄补贴",
        "宣讲政策，协调教育部门答复，节日前后重点关注",
    ),
    "landless": ("反映征地补偿款分配不公", "要求重新分配补偿款", "协调自然资源部门核查，落实社保兜底"),
    "long_term": ("多年反映宅基地纠纷，已经终结仍重复上访", "要求重新处理", "包案领导定期接谈，做好思想疏导"),
    "litigation": ("对法院判决不服，多次到县上访", "要求再审", "引导依法申诉，司法所定期走访"),
    "labour": ("反映被拖欠工资", "要求支付工资", "协调人社部门督促用人单位支付，跟踪回访"),
    "other": ("反映邻里纠纷长期未解决", "要求处理相邻关系", "村调委会调解，定期回访"),
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", default=os.environ.get("XINFANG_DATA_DIR", str(ROOT / "var")))
    parser.add_argument("--persons", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--replace", action="store_true", help="delete the county's key persons first")
    parser.add_argument("--alarm", action="store_true", help="seed nothing; time the alarm's look-up")
    parser.add_argument("-n", "--runs", type=int, default=500, help="with --alarm: timed calls per row")
    parser.add_argument("--warmup", type=int, default=20, help="with --alarm: untimed calls per row first")
    args = parser.parse_args()

    os.environ["XINFANG_DATA_DIR"] = str(Path(args.data_dir).resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    if args.alarm:
        time_alarm(args)
        return
    started = time.monotonic()
    info = seed(args)
    info["seconds"] = round(time.monotonic() - started, 1)
    path = Path(os.environ["XINFANG_DATA_DIR"]) / "keypersons-bench.json"
    path.write_text(json.dumps(info, ensure_ascii=False, indent=2))
    sys.stdout.write(json.dumps(info, ensure_ascii=False) + "\n")


def id_number(region: str, born: date, serial: int) -> str:
    first17 = f"{region}{born:%Y%m%d}{serial:03d}"
    return first17 + ID_CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def _risk(rng: random.Random) -> str:
    draw = rng.random()
    return next(code for code, upto in RISKS if draw < upto)


def _fresh_ids(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    """`count` distinct valid ID numbers of the county, none of them in `taken` (checked by the caller
    against the petitioners too)."""
    found: list[str] = []
    while len(found) < count:
        born = date(1940, 1, 1) + timedelta(days=rng.randrange(60 * 365))
        candidate = id_number(COUNTY, born, rng.randrange(1000))
        if candidate not in taken:
            taken.add(candidate)
            found.append(candidate)
    return found


def seed(args: argparse.Namespace) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from xinfang.accounts.models import User
    from xinfang.audit.models import AuditEvent
    from xinfang.audit.services import audit_record
    from xinfang.keypersons.choices import PersonStatus
    from xinfang.keypersons.models import KeyPerson, KeyPersonCategory, KeyPersonEvent
    from xinfang.organisation.models import Unit
    from xinfang.petitions.models import Petitioner

    rng = random.Random(args.seed)
    now = timezone.now()
    county = Unit.objects.get(code=COUNTY)
    township = Unit.objects.get(code=TOWNSHIP)
    units = list(Unit.objects.filter(path__startswith=county.path, is_active=True).order_by("path"))
    categories = list(KeyPersonCategory.objects.filter(active=True))
    people = {u.username: u for u in User.objects.filter(username__in=_OWNERS)}
    missing = [name for name in _OWNERS if name not in people]
    if missing:
        raise SystemExit(f"缺少演示账号 {missing}：请先运行 manage.py seed_demo。")
    here_leaders = [people["leader"], people["principal"]]
    here_staff = [people[n] for n in ("handler", "village-handler", "village2-handler", "duty")]
    there_leader, there_staff = people["county-leader"], people["county-clerk"]

    with transaction.atomic():
        existing = KeyPerson.objects.filter(unit_path__startswith=county.path)
        if existing.exists():
            if not args.replace:
                raise SystemExit(f"县内已有 {existing.count()} 名重点人员；加 --replace 重新生成。")
            existing.delete()  # their visits, alarms, events and group memberships cascade

        # one in ten: a petitioner already in the database (name, ID number, phone), linked
        borrowed_count = args.persons // 10
        top = Petitioner.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        borrowed: dict[str, tuple[int, str, str]] = {}
        while top and len(borrowed) < borrowed_count:
            picks = [rng.randint(1, top) for _ in range(2000)]
            for pk, name, number, phone in (
                Petitioner.objects.filter(pk__in=picks)
                .exclude(id_number="")
                .exclude(phone="")
                .values_list("pk", "name", "id_number", "phone")
            ):
                if number not in borrowed and len(borrowed) < borrowed_count:
                    borrowed[number] = (pk, name, phone)
        # the rest: new ID numbers, none of them a petitioner's (a chance hit would blur the bench)
        taken = set(borrowed)
        fresh: list[str] = []
        while len(fresh) < args.persons - len(borrowed):
            batch = _fresh_ids(rng, args.persons - len(borrowed) - len(fresh), taken)
            known: set[str] = set()
            for start in range(0, len(batch), 900):
                known |= set(
                    Petitioner.objects.filter(id_number__in=batch[start : start + 900]).values_list(
                        "id_number", flat=True
                    )
                )
            fresh.extend(n for n in batch if n not in known)

        identities = [(n, *borrowed[n]) for n in borrowed] + [(n, None, "", "") for n in fresh]
        rng.shuffle(identities)
        persons: list[KeyPerson] = []
        counts = {"removed": 0, "removal_requested": 0, "monitored": 0, "overdue": 0, "城关镇": 0}
        phones: set[str] = set()
        for number, petitioner_id, name, phone in identities:
            unit = rng.choice(units)
            here = unit.path.startswith(township.path)
            counts["城关镇"] += here
            category = rng.choice(categories)
            matter, demands, plan = MATTERS.get(category.code, MATTERS["other"])
            if not name:
                name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
            while not phone or phone in phones:
                phone = f"1{rng.choice('3578')}{rng.randrange(10)}{rng.randrange(100_000_000):08d}"
            phones.add(phone)
            days = rng.choice((7, 15, 15, 30, 30, 30))
            created = now - timedelta(days=rng.randint(60, 3 * 365), minutes=rng.randint(0, 600))
            visited = now - timedelta(days=rng.uniform(0, days * 1.25))  # 1 in 5 overdue
            due = datetime.combine(
                timezone.localdate(visited) + timedelta(days=days),
                clock.max,
                tzinfo=timezone.get_current_timezone(),
            )
            draw = rng.random()
            status = (
                PersonStatus.REMOVED
                if draw < 0.08
                else PersonStatus.REMOVAL_REQUESTED
                if draw < 0.09
                else PersonStatus.ACTIVE
            )
            monitored = status != PersonStatus.REMOVED and rng.random() < 0.02
            case_owner = rng.choice(here_leaders) if here else there_leader
            staff = rng.choice(here_staff) if here else there_staff
            counts["removed"] += status == PersonStatus.REMOVED
            counts["removal_requested"] += status == PersonStatus.REMOVAL_REQUESTED
            counts["monitored"] += monitored
            counts["overdue"] += status != PersonStatus.REMOVED and due < now
            persons.append(
                KeyPerson(
                    unit=unit,
                    unit_path=unit.path,
                    petitioner_id=petitioner_id,
                    name=name,
                    id_number=number,
                    phone=phone,
                    address=f"{unit.name}{rng.randint(1, 12)}组",
                    category=category,
                    risk=_risk(rng),
                    matter=matter,
                    demands=demands,
                    plan=plan,
                    contact_days=days,
                    assistance="纳入低保" if rng.random() < 0.2 else "",
                    case_owner=case_owner,
                    stability_owner=staff,
                    location=f"{unit.name}家中",
                    monitored=monitored,
                    monitor=staff if monitored else None,
                    status=status,
                    removal_reason="诉求已解决，息诉罢访" if status != PersonStatus.ACTIVE else "",
                    removal_requested_by=case_owner if status != PersonStatus.ACTIVE else None,
                    last_visit_at=visited,
                    next_visit_due=None if status == PersonStatus.REMOVED else due,
                    created_by=there_staff if not here else people["clerk"],
                    created_at=created,
                )
            )
        KeyPerson.objects.bulk_create(persons, batch_size=2000)
        KeyPersonEvent.objects.bulk_create(
            [
                KeyPersonEvent(
                    person=p,
                    action="enter",
                    from_status="",
                    to_status=PersonStatus.ACTIVE,
                    actor=p.created_by,
                    data={"category": p.category.code, "risk": p.risk, "contact_days": p.contact_days},
                    created_at=p.created_at,
                )
                for p in persons
            ],
            batch_size=5000,
        )
        audit_record(
            actor=None,
            username="bench/seed_keypersons.py",
            event=AuditEvent.RECORD_CREATED,
            target_type="keypersons.keyperson",
            target_label=f"基准测试重点人员 {len(persons)} 名",
            persons=len(persons),
            borrowed=len(borrowed),
        )

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE keypersons_keyperson")
            cursor.execute("ANALYZE keypersons_keypersonevent")

    return {
        "county": county.pk,
        "unit": township.pk,
        "unit_name": township.name,
        "units": len(units),
        "persons": len(persons),
        "petitioners_borrowed": len(borrowed),
        **counts,
        "sample_id_numbers": [p.id_number for p in persons if p.petitioner_id][:5],
    }


_OWNERS = (
    "clerk",
    "leader",
    "principal",
    "handler",
    "village-handler",
    "village2-handler",
    "duty",
    "county-leader",
    "county-clerk",
)


# --- the alarm's cost, in this process -------------------------------------------------------------


def _timed(name: str, call, runs: int, warmup: int, note: str = ""):  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(ROOT / "bench"))
    from measure import Result  # a script beside measure.py: its table, its row

    result = Result(name, note=note)
    for n in range(warmup + runs):
        started = time.perf_counter()
        call(n)
        if n >= warmup:
            result.timings.append((time.perf_counter() - started) * 1000)
    return result


def time_alarm(args: argparse.Namespace) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from xinfang.keypersons import alarm
    from xinfang.keypersons.models import KeyPerson
    from xinfang.petitions.models import Petition, PetitionPetitioner

    rng = random.Random(args.seed)
    persons = KeyPerson.objects.count()
    petitions = Petition.objects.count()
    top = Petition.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    wanted = args.runs + args.warmup
    # registrations' petitioners as the receiver reads them: random petitions with at least one
    samples: list[tuple[int, list[str], list[tuple[str, str]]]] = []
    while len(samples) < wanted:
        picks = [rng.randint(1, top) for _ in range(wanted * 2)]
        people: dict[int, list[tuple[str, str, str]]] = {}
        for petition_id, number, name, phone in PetitionPetitioner.objects.filter(
            petition_id__in=picks[:900]
        ).values_list("petition_id", "petitioner__id_number", "petitioner__name", "petitioner__phone"):
            people.setdefault(petition_id, []).append((number, name, phone))
        for petition_id, rows in people.items():
            if len(samples) < wanted:
                samples.append((petition_id, [r[0] for r in rows], [(r[1], r[2]) for r in rows]))
    found = [s for s in samples if alarm.matches(id_numbers=s[1], name_phones=s[2])]
    nobody = [s for s in samples if s not in found]
    watched = list(
        KeyPerson.objects.filter(petitioner__isnull=False, status="active").values_list(
            "id_number", "name", "phone"
        )[:wanted]
    )
    sizes = [len(s[1]) for s in nobody]

    def nobody_call(n: int) -> None:
        _, ids, pairs = nobody[n % len(nobody)]
        alarm.matches(id_numbers=ids, name_phones=pairs)

    def hit_call(n: int) -> None:
        number, name, phone = watched[n % len(watched)]
        assert alarm.matches(id_numbers=[number], name_phones=[(name, phone)])

    # the receiver on a new petition: its petitioners are in memory then (registration just wrote
    # them), so the petitions are read beforehand with theirs
    ready = list(
        Petition.objects.filter(pk__in=[s[0] for s in nobody]).prefetch_related(
            "petitioner_links__petitioner"
        )
    )

    def receiver_call(n: int) -> None:
        alarm.on_petition_changed(before=None, petition=ready[n % len(ready)])

    rows = [
        _timed(
            "预警比对 `alarm.matches(...)`（一件登记的信访人，无匹配）",
            nobody_call,
            args.runs,
            args.warmup,
            f"平均每件 {statistics.mean(sizes):.2f} 名信访人",
        ),
        _timed(
            "预警比对 `alarm.matches(...)`（信访人是重点人员：命中一名）", hit_call, args.runs, args.warmup
        ),
        _timed(
            "新信访件的预警接收器 `alarm.on_petition_changed`（无匹配）",
            receiver_call,
            args.runs,
            args.warmup,
            "信访人已在内存中，如登记时",
        ),
    ]
    with CaptureQueriesContext(connection) as queries:
        nobody_call(0)
    [statement] = [q["sql"] for q in queries.captured_queries]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + statement)
        plan = [str(row[-1]) for row in cursor.fetchall()]
    sys.stdout.write(
        f"Database: {connection.vendor} {connection.settings_dict['NAME']}, {petitions:,} petitions, "
        f"{persons:,} key persons; {len(found)} of {len(samples)} sampled petitions match someone\n"
        f"In-process (one Python, no server), {args.runs} calls per row after {args.warmup} warm-up\n\n"
        "| Operation | n | median ms | p95 ms | note |\n|---|---:|---:|---:|---|\n"
    )
    for result in rows:
        sys.stdout.write(result.row() + "\n")
    sys.stdout.write("\nQuery plan of the look-up: " + "; ".join(plan) + "\n")


if __name__ == "__main__":
    main()
