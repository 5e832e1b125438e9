"""`manage.py seed_demo --petitions N`: fills a database with N realistic petitions for benchmarks.

What it writes is what `petition_register` writes for each petition (petition, petitioners and
links, number and its sequence, current deadline, open `Deadline`, search document), but in bulk:
plain tuples through `cursor.executemany` in one transaction per batch, because the ORM (even
`bulk_create`) is several times too slow for a million rows. One audit entry records the load.

- The demo organisation and accounts are loaded first (`demo_load`), then the benchmark tree under
  青山县: 20 townships (the demo's four and 16 more), 15 villages or communities each, 15
  departments, and a clerk account (接访员, `clerk-<unit code>`, demo password) in every township
  and department. 城关镇 gets its proportional share, so the demo `clerk` and `leader` see a
  realistic register; `county-leader` sees every petition.
- On a database that already holds petitions the command refuses, unless `--append` is given;
  appended petitions continue the ids and the gap-free numbers.
- On SQLite, outside a transaction (not in tests), the load runs with `synchronous=OFF` and a
  1 GiB page cache, and ends with `ANALYZE` so the query planner knows the tables' sizes.
"""

import multiprocessing
import random
import time
import traceback
from collections.abc import Iterator
from datetime import date, datetime
from queue import Empty
from typing import Any, cast

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Field, Max, Model
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.accounts.services import user_create, user_set_roles
from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record
from xinfang.core.exceptions import ApplicationError
from xinfang.deadlines.engine import compute_deadline
from xinfang.deadlines.models import Deadline
from xinfang.deadlines.selectors import calendar_load
from xinfang.demo.services import COUNTY, TOWNSHIP, demo_load
from xinfang.organisation.models import Unit, UnitType
from xinfang.organisation.services import unit_create
from xinfang.petitions import seeding
from xinfang.petitions.models import (
    OWNER_TYPE,
    Category,
    NumberSequence,
    Petition,
    Petitioner,
    PetitionPetitioner,
    SearchDocument,
)
from xinfang.petitions.seeding import Adapters, Batch, DayDeadline, PlaceUnit, RegisteringUnit
from xinfang.stats.services import stats_rebuild

SEARCH_TABLE = "petitions_search"
SEARCH_TRIGGER = "petitions_search_ai"
SQLITE_LOAD_PRAGMAS = ("PRAGMA synchronous=OFF", "PRAGMA cache_size=-1048576")
SQLITE_NORMAL_PRAGMAS = ("PRAGMA synchronous=NORMAL", "PRAGMA cache_size=-65536")


class Command(BaseCommand):
    help = "生成大量逼真的演示信访件（用于性能测试和演示；仅演示模式）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--petitions", type=int, required=True, help="要生成的信访件数量")
        parser.add_argument("--batch", type=int, default=20_000, help="每个事务写入的件数（默认 20000）")
        parser.add_argument("--seed", type=int, default=42, help="随机数种子（默认 42）")
        parser.add_argument("--append", action="store_true", help="库中已有信访件时仍追加")

    def handle(self, *args: Any, **options: Any) -> None:
        count, batch_size = options["petitions"], options["batch"]
        if count < 1 or batch_size < 1:
            raise CommandError("--petitions 和 --batch 须为正整数。")
        if not settings.DEMO_MODE:
            raise CommandError("当前为生产配置，不允许生成演示数据。")
        existing = Petition.objects.count()
        if existing and not options["append"]:
            raise CommandError(
                f"数据库中已有 {existing} 件信访事项，未写入任何数据。"
                "如确需在其后追加，请加 --append；如需干净的性能测试库，请换一个 XINFANG_DATA_DIR 并先 migrate。"
            )
        started = time.monotonic()
        try:
            loader = Loader(rng=random.Random(options["seed"]), write=self._say)
            loaded = loader.load(count=count, batch_size=batch_size)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        elapsed = time.monotonic() - started
        self._say(
            f"完成：共写入 {loaded:,} 件信访事项（原有 {existing:,} 件），用时 {elapsed:.1f} 秒，"
            f"平均每秒 {loaded / max(elapsed, 0.001):,.0f} 件。"
        )

    def _say(self, message: str) -> None:
        """Progress goes out line by line, also when stdout is a file (`… > seed.log`)."""
        self.stdout.write(message)
        self.stdout.flush()


class TableWriter:
    """INSERT of the generator's columns; model fields it does not fill get their default."""

    def __init__(self, model: type[Model], fields: tuple[str, ...]) -> None:
        opts = model._meta
        given = [cast("Field[Any, Any]", opts.get_field(name)) for name in fields]  # concrete columns
        given_names = {f.attname for f in given}
        rest = [
            f
            for f in opts.concrete_fields
            if f.attname not in given_names
            and not (f.primary_key and f.get_internal_type().endswith("AutoField"))
        ]
        self.tail = tuple(f.get_db_prep_save(f.get_default(), connection) for f in rest)
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in [*given, *rest])  # type: ignore[arg-type]
        placeholders = ", ".join(["%s"] * (len(given) + len(rest)))
        self.sql = f"INSERT INTO {quote(opts.db_table)} ({columns}) VALUES ({placeholders})"
        self.table = opts.db_table
        self.rows = 0
        self.seconds = 0.0

    def write(self, cursor: Any, rows: list[tuple]) -> None:
        if not rows:
            return
        started = time.monotonic()
        if self.tail:
            rows = [row + self.tail for row in rows]
        cursor.executemany(self.sql, rows)
        self.rows += len(rows)
        self.seconds += time.monotonic() - started


class Loader:
    def __init__(self, *, rng: random.Random, write: Any) -> None:
        self.rng = rng
        self.write = write
        self.is_sqlite = connection.vendor == "sqlite"
        self.adapters = seeding.sqlite_adapters() if self.is_sqlite else _postgresql_adapters()
        self.writers = [
            (Petitioner, TableWriter(Petitioner, seeding.PETITIONER_FIELDS), "petitioners"),
            (Petition, TableWriter(Petition, seeding.PETITION_FIELDS), "petitions"),
            (PetitionPetitioner, TableWriter(PetitionPetitioner, seeding.LINK_FIELDS), "links"),
            (SearchDocument, TableWriter(SearchDocument, seeding.SEARCH_FIELDS), "search"),
            (Deadline, TableWriter(Deadline, seeding.DEADLINE_FIELDS), "deadlines"),
        ]
        self.search_trigger = _search_trigger_sql() if self.is_sqlite else ""
        self.search_seconds = 0.0

    def load(self, *, count: int, batch_size: int, now: datetime | None = None) -> int:
        """Loads `count` petitions received over the 3 years up to `now`; returns how many."""
        demo_load()
        units, complained = self._organisation()
        tuned = self.is_sqlite and not connection.in_atomic_block
        if tuned:
            _pragmas(SQLITE_LOAD_PRAGMAS)
        try:
            loaded = self._petitions(
                units, complained, count=count, batch_size=batch_size, now=now or timezone.now()
            )
        finally:
            if tuned:
                _pragmas(SQLITE_NORMAL_PRAGMAS)
        started = time.monotonic()
        tallies = stats_rebuild(actor=None)  # stats: summary tables of what was just loaded
        self.write(f"统计汇总表：{tallies.monthly_rows:,} 行，用时 {time.monotonic() - started:.1f} 秒。")
        self._finish(loaded)
        return loaded

    # -- the organisation ---------------------------------------------------------------------

    @transaction.atomic
    def _organisation(self) -> tuple[list[RegisteringUnit], list[int]]:
        """The benchmark tree and its clerks, created through the services where missing."""
        started = time.monotonic()
        county = Unit.objects.get(code=COUNTY)
        by_code = {u.code: u for u in Unit.objects.filter(path__startswith=county.path)}
        self._created_units = 0
        units: list[RegisteringUnit] = []
        share = seeding.TOWNSHIP_SHARE / sum(
            seeding.TOWNSHIP_WEIGHTS.get(code, 1.0) for code, _, _ in seeding.TOWNSHIPS
        )
        all_places: list[PlaceUnit] = []
        for code, name, kind in seeding.TOWNSHIPS:
            township = self._unit(by_code, code, name, kind, county)
            places = (
                PlaceUnit(id=township.pk, township=name, village="", path=township.path),
                *self._villages(by_code, township),
            )
            all_places.extend(places)
            units.append(self._registering(township, places, share * seeding.TOWNSHIP_WEIGHTS.get(code, 1.0)))
        share = seeding.DEPARTMENT_SHARE / sum(
            seeding.DEPARTMENT_WEIGHTS.get(code, 1.0) for code, _, _ in seeding.DEPARTMENTS
        )
        complained = []
        for code, name, categories in seeding.DEPARTMENTS:
            department = self._unit(by_code, code, name, UnitType.DEPARTMENT, county)
            complained.append(department.pk)
            place = (PlaceUnit(id=department.pk, township="", village="", path=department.path),)
            weight = share * seeding.DEPARTMENT_WEIGHTS.get(code, 1.0)
            units.append(self._registering(department, place, weight, categories))
        units.append(self._registering(county, tuple(all_places), seeding.COUNTY_SHARE))
        self.write(
            f"单位：{len(all_places)} 个乡镇和村（社区）、{len(seeding.DEPARTMENTS)} 个部门，"
            f"新建 {self._created_units} 个；{len(units)} 个登记单位，用时 {time.monotonic() - started:.1f} 秒。"
        )
        return units, complained

    def _unit(self, by_code: dict[str, Unit], code: str, name: str, unit_type: str, parent: Unit) -> Unit:
        if code not in by_code:
            by_code[code] = unit_create(actor=None, name=name, code=code, unit_type=unit_type, parent=parent)
            self._created_units += 1
        return by_code[code]

    def _villages(self, by_code: dict[str, Unit], township: Unit) -> list[PlaceUnit]:
        """15 villages (a street: communities) per township: the demo's, then new ones."""
        is_street = township.unit_type == UnitType.STREET
        unit_type = UnitType.COMMUNITY if is_street else UnitType.VILLAGE
        names = list(seeding.COMMUNITY_NAMES if is_street else seeding.VILLAGE_NAMES)
        random.Random(township.code).shuffle(names)
        children = [u for u in by_code.values() if u.parent_id == township.pk and u.unit_type == unit_type]
        used = {u.name for u in children}
        suffix = "社区" if is_street else "村"
        fresh = (n + suffix for n in names if n + suffix not in used)
        number = 1
        while len(children) < seeding.VILLAGES_PER_TOWNSHIP:
            code = f"{township.code}{3 if is_street else 2}{number:02d}"
            number += 1
            if code not in by_code:
                children.append(self._unit(by_code, code, next(fresh), unit_type, township))
        children.sort(key=lambda u: u.code)
        return [
            PlaceUnit(id=u.pk, township=township.name, village=u.name, path=u.path)
            for u in children[: seeding.VILLAGES_PER_TOWNSHIP]
        ]

    def _registering(
        self, unit: Unit, places: tuple[PlaceUnit, ...], weight: float, categories: tuple[str, ...] = ()
    ) -> RegisteringUnit:
        return RegisteringUnit(
            id=unit.pk,
            code=unit.code,
            path=unit.path,
            clerk_id=self._clerk(unit).pk,
            weight=weight,
            places=places,
            categories=categories,
        )

    def _clerk(self, unit: Unit) -> User:
        """The unit's 接访员: the demo accounts for the county and 城关镇, else `clerk-<code>`."""
        username = {COUNTY: "county-clerk", TOWNSHIP: "clerk"}.get(unit.code, f"clerk-{unit.code}")
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(
                actor=None,
                username=username,
                full_name=f"{unit.name}接访员",
                unit=unit,
                password=settings.DEMO_PASSWORD,
                must_change_password=False,
            )
            user_set_roles(actor=None, user=user, roles={Role.CLERK})
        return user

    # -- the petitions ------------------------------------------------------------------------

    def _petitions(
        self,
        units: list[RegisteringUnit],
        complained: list[int],
        *,
        count: int,
        batch_size: int,
        now: datetime,
    ) -> int:
        calendar = calendar_load()

        def deadline_for(day: date) -> DayDeadline:
            result = compute_deadline(
                start=day, amount=15, unit="calendar_days", calendar=calendar, rule="acceptance"
            )
            return DayDeadline(
                due_date=self.adapters.date(result.due_date),  # type: ignore[arg-type]  # a day rule has one
                missing_years=self.adapters.json(list(result.missing_years)),
                calendar_version=result.calendar_version,
                explanation=self.adapters.json(list(result.explanation)),
            )

        sequences = {
            (unit_id, year): value
            for unit_id, year, value in NumberSequence.objects.filter(
                unit_id__in=[u.id for u in units]
            ).values_list("unit_id", "year", "last_value")
        }
        generator = seeding.PetitionGenerator(
            rng=self.rng,
            units=units,
            categories=dict(Category.objects.values_list("code", "pk")),
            complained_units=complained,
            now=now,
            first_petition_id=_next_id(Petition),
            first_petitioner_id=_next_id(Petitioner),
            sequences=sequences,
            deadline_for=deadline_for,
            adapters=self.adapters,
        )
        started = time.monotonic()
        loaded = 0
        generated = Generated(generator, count, batch_size)
        for batch in generated:
            self._write(batch)
            loaded += len(batch)
            elapsed = time.monotonic() - started
            self.write(
                f"  已写入 {loaded:>9,} / {count:,} 件（{loaded / count:4.0%}），用时 {elapsed:6.1f} 秒，"
                f"每秒 {loaded / max(elapsed, 0.001):,.0f} 件"
            )
        self._sequences_save(generated.sequences)
        spent = [f"{w.table} {w.rows:,} 行 {w.seconds:.1f} 秒" for _, w, _ in self.writers]
        if self.search_trigger:
            spent.append(f"全文索引 {self.search_seconds:.1f} 秒")
        self.write(f"写入耗时：{'；'.join(spent)}。")
        return loaded

    @transaction.atomic
    def _write(self, batch: Batch) -> None:
        with connection.cursor() as cursor:
            if self.search_trigger:
                cursor.execute(f"DROP TRIGGER {SEARCH_TRIGGER}")
            for _, writer, name in self.writers:
                writer.write(cursor, getattr(batch, name))
            if self.search_trigger:
                started = time.monotonic()
                cursor.executemany(f"INSERT INTO {SEARCH_TABLE}(rowid, tokens) VALUES (%s, %s)", batch.search)
                cursor.execute(self.search_trigger)
                self.search_seconds += time.monotonic() - started

    def _sequences_save(self, sequences: dict[tuple[int, int], int]) -> None:
        """Later registrations continue each unit's yearly sequence where the load stopped."""
        with transaction.atomic():
            for (unit_id, year), value in sequences.items():
                NumberSequence.objects.update_or_create(
                    unit_id=unit_id, year=year, defaults={"last_value": value}
                )

    def _finish(self, loaded: int) -> None:
        if not self.is_sqlite:
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), [m for m, _, _ in self.writers]):
                    cursor.execute(sql)
        audit_record(
            actor=None,
            event=AuditEvent.RECORD_CREATED,
            target_type=OWNER_TYPE,
            target_label=f"演示数据 {loaded} 件",
            username="seed_demo",
            petitions=loaded,
        )
        if not connection.in_atomic_block:
            started = time.monotonic()
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
            self.write(f"ANALYZE 用时 {time.monotonic() - started:.1f} 秒。")


def _search_trigger_sql() -> str:
    """The FTS5 insert trigger's SQL when it is the one migration 0002 creates, else "".

    The trigger costs about 70 µs a row, a plain `executemany` into the FTS5 table about 15: each
    batch drops it, indexes its rows directly and creates it again, all in the batch's
    transaction, so that an interrupted load never leaves the table without its trigger. A
    different trigger (the schema moved on) is left alone and does the indexing itself.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = %s", [SEARCH_TRIGGER])
        row = cursor.fetchone()
    expected = f"INSERT INTO {SEARCH_TABLE}(rowid, tokens) VALUES (new.petition_id, new.tokens); END"
    if row and " ".join(row[0].split()).endswith(expected):
        return row[0]
    return ""


class Generated:
    """The generator's batches, made in a forked child process where the platform forks.

    Generating a batch costs about as much as writing it; on SQLite writing holds the GIL for the
    binding of every row, so a thread would not help, a second process does (the machine has two
    cores). The child touches no database; it sends the batches back pickled and, at the end, the
    numbering state the loader saves as NumberSequence rows.
    """

    def __init__(self, generator: seeding.PetitionGenerator, count: int, batch_size: int) -> None:
        self.generator = generator
        self.count = count
        self.batch_size = batch_size
        self.sequences = generator.sequences

    def __iter__(self) -> Iterator[Batch]:
        if self.count <= self.batch_size or "fork" not in multiprocessing.get_all_start_methods():
            yield from self.generator.batches(self.count, self.batch_size)
            return
        context = multiprocessing.get_context("fork")
        queue = context.Queue(maxsize=3)
        child = context.Process(target=self._produce, args=(queue,), name="seed-generator", daemon=True)
        child.start()
        try:
            while True:
                try:
                    kind, payload = queue.get(timeout=5)
                except Empty:
                    if child.is_alive():
                        continue
                    raise CommandError(f"生成数据的子进程意外退出（退出码 {child.exitcode}）。") from None
                if kind == "batch":
                    yield payload
                elif kind == "done":
                    self.sequences.update(payload)
                    return
                else:
                    raise CommandError(f"生成数据的子进程出错：\n{payload}")
        finally:
            if child.is_alive():
                child.terminate()
            child.join(timeout=5)

    def _produce(self, queue: Any) -> None:
        try:
            for batch in self.generator.batches(self.count, self.batch_size):
                queue.put(("batch", batch))
            queue.put(("done", self.generator.sequences))
        except Exception:  # noqa: BLE001 - reported to the parent, which raises it
            queue.put(("error", traceback.format_exc()))
        queue.close()
        queue.join_thread()


def _next_id(model: type[Model]) -> int:
    """The first free id; on SQLite also past ids handed out before and deleted (AUTOINCREMENT)."""
    last = model._default_manager.aggregate(last=Max("pk"))["last"] or 0
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [model._meta.db_table])
            row = cursor.fetchone()
            last = max(last, row[0] if row else 0)
    return last + 1


def _pragmas(statements: tuple[str, ...]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _postgresql_adapters() -> Adapters:
    from psycopg.types.json import Jsonb

    return Adapters(datetime=lambda value: value, date=lambda value: value, json=Jsonb)
