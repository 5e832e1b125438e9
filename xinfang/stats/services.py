"""Writes of the summary tables: the hook the petition services call, the rebuild, the nightly
fold of old deadlines, and the audit entry of every statistics file that leaves the office.

A petition's contribution to the tables is a pure function of the petition and its stored clocks
(`stats_facts`). The petition services take the facts before a change and pass them with the
changed petition to `stats_petition_changed`, which moves the contribution from the old rows to the
new ones, in the caller's transaction. `stats_rebuild` recomputes every row from the petitions with
the same definitions (as SQL aggregates), so that the two paths can be compared with each other
and with a recount in the tests.
"""

from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear
from django.utils import timezone

from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record
from xinfang.core.requests import RequestMeta
from xinfang.deadlines.models import Deadline
from xinfang.organisation.models import Unit
from xinfang.petitions.choices import OPEN_STATUSES, PetitionStatus, Satisfaction
from xinfang.petitions.models import OWNER_TYPE, Petition  # OWNER_TYPE: Deadline.owner_type of its clocks

from .choices import Dimension
from .models import (
    MEASURES,
    NO_DEADLINE,
    PAST,
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

ACCEPTANCE_RULES = ("acceptance",)
HANDLING_RULES = ("handling", "handling_important")
SATISFIED = (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED)
# Clock states: no clock or still running / ended after its due day / ended on or before it.
CLOCK_RUNNING, CLOCK_LATE, CLOCK_TIMELY = 0, 1, 2
REBUILD_BATCH = 5000


UNIT_DIMENSIONS = (Dimension.PROBLEM, Dimension.HANDLING)  # the ways `UnitMonthlyTally` counts


@dataclass(frozen=True)
class PetitionFacts:
    """What one petition contributes to the summary tables."""

    unit_id: int
    unit_path: str
    month: int  # YYYYMM of received_at in Asia/Shanghai
    channel: str
    category_id: int  # the first-level category
    status: str
    due_date: date  # current_deadline, NO_DEADLINE when there is none
    measures: tuple[int, ...]  # in MEASURES order
    problem_path: str = ""  # 问题属地
    handling_path: str = ""  # 承办单位, "" before the matter is transferred or assigned

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


def path_ids(path: str) -> list[int]:
    """ "/1/7/45/" → [1, 7, 45]: the unit and every unit above it, from the top."""
    return [int(part) for part in path.strip("/").split("/") if part]


def _shared_depth(chain: list[int], other: list[int]) -> int:
    shared = 0
    for mine, theirs in zip(chain, other, strict=False):
        if mine != theirs:
            break
        shared += 1
    return shared - 1


def visible_depth(unit_path: str, *, registered_path: str, handling_path: str) -> int:
    """How deep along the chain of `unit_path` (a dimension unit) the petition is in scope: the
    users of a unit on that chain see it when the registering or the handling unit lies in their
    unit's subtree, i.e. when their unit is at this depth or above. -1: nobody on the chain."""
    chain = path_ids(unit_path)
    depths = [_shared_depth(chain, path_ids(registered_path))]
    if handling_path:
        depths.append(_shared_depth(chain, path_ids(handling_path)))
    return max(depths)


def _clock_state(rule: str | None, is_open: bool, closed_at: datetime | None, due: date | None) -> int:
    if rule is None or is_open or closed_at is None:
        return CLOCK_RUNNING
    if due is not None and timezone.localtime(closed_at).date() <= due:
        return CLOCK_TIMELY
    return CLOCK_LATE


def _clock_states(petition_id: int) -> tuple[int, int]:
    """(acceptance, handling) state of the petition's latest clock of each kind."""
    latest: dict[str, tuple[Any, ...]] = {}
    rows = Deadline.objects.filter(
        owner_type=OWNER_TYPE, owner_id=petition_id, rule__in=ACCEPTANCE_RULES + HANDLING_RULES
    ).order_by("pk")
    for rule, is_open, closed_at, due in rows.values_list("rule", "is_open", "closed_at", "due_date"):
        latest["acceptance" if rule in ACCEPTANCE_RULES else "handling"] = (rule, is_open, closed_at, due)
    none = (None, True, None, None)
    return _clock_state(*latest.get("acceptance", none)), _clock_state(*latest.get("handling", none))


def month_of(moment: datetime) -> int:
    local = timezone.localtime(moment)
    return local.year * 100 + local.month


def stats_facts(petition: Petition) -> PetitionFacts:
    """The petition's contribution as stored now (one query for its clocks)."""
    accept, answer = _clock_states(petition.pk)
    category = petition.category
    repeat = petition.repeat_of_id is not None
    first_closed = not repeat and petition.status == PetitionStatus.CLOSED
    values = {
        "intake": 1,
        "collective": petition.is_collective,
        "skip_level": petition.is_skip_level,
        "repeat": repeat,
        "accept_decided": accept != CLOCK_RUNNING,
        "accept_timely": accept == CLOCK_TIMELY,
        "answered": answer != CLOCK_RUNNING,
        "answer_timely": answer == CLOCK_TIMELY,
        "first_closed": first_closed,
        "first_once": first_closed and petition.review_stage == 0,
        "evaluated": bool(petition.satisfaction),
        "satisfied": petition.satisfaction in SATISFIED,
    }
    return PetitionFacts(
        unit_id=petition.unit_id,
        unit_path=petition.unit_path,
        month=month_of(petition.received_at),
        channel=petition.channel,
        category_id=category.parent_id or category.pk,
        status=petition.status,
        due_date=petition.current_deadline or NO_DEADLINE,
        measures=tuple(int(bool(values[name])) for name in MEASURES),
        # the same instance is snapshot before and after a step: one query for its problem unit
        problem_path=petition.problem_unit.path,
        handling_path=petition.handling_path,
    )


# --- moving a contribution between rows -------------------------------------------------------


def _add(
    model: type[models.Model], key: dict[str, Any], extra: dict[str, Any], deltas: dict[str, int]
) -> None:
    """Adds `deltas` to the row `key`, creating it (with `extra`) when missing: one upsert
    (INSERT … ON CONFLICT DO UPDATE, SQLite and PostgreSQL), so that concurrent writers meet in
    the unique key and a step of the procedure costs one statement per table."""
    deltas = {name: delta for name, delta in deltas.items() if delta}
    if not deltas:
        return
    meta = model._meta
    values: dict[str, Any] = {
        field.column: field.get_default()
        for field in meta.concrete_fields
        if not field.primary_key and field.has_default()
    }
    fields: dict[str, models.Field[Any, Any]] = {
        name: field
        for name in (*key, *extra, *deltas)
        if isinstance(field := meta.get_field(name), models.Field)
    }
    for name, value in {**key, **extra, **deltas}.items():
        values[fields[name].column] = fields[name].get_db_prep_value(value, connection)
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = list(values)
    conflict = ", ".join(quote(fields[name].column) for name in key)
    increments = ", ".join(
        f"{quote(column)} = {table}.{quote(column)} + excluded.{quote(column)}"
        for column in (fields[name].column for name in deltas)
    )
    sql = (
        f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))}) "
        f"ON CONFLICT ({conflict}) DO UPDATE SET {increments}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [values[c] for c in columns])


# The monthly tables and the facts that key their rows (besides unit and month).
MONTHLY_TABLES: tuple[tuple[type[models.Model], tuple[str, ...]], ...] = (
    (MonthlyTally, ("channel", "category_id")),
    (MonthlyCategoryTally, ("category_id",)),
    (MonthlyChannelTally, ("channel",)),
)


def _monthly_key(facts: PetitionFacts, fields: tuple[str, ...]) -> dict[str, Any]:
    return {"unit_id": facts.unit_id, "month": facts.month, **{name: getattr(facts, name) for name in fields}}


def _apply_monthly(before: PetitionFacts | None, after: PetitionFacts) -> None:
    for model, fields in MONTHLY_TABLES:
        extra = {"unit_path": after.unit_path}
        new_key = _monthly_key(after, fields)
        old_key = _monthly_key(before, fields) if before else None
        if old_key == new_key:
            assert before is not None
            differences = [a - b for a, b in zip(after.measures, before.measures, strict=True)]
            deltas = dict(zip(MEASURES, differences, strict=True))
            _add(model, new_key, extra, deltas)
            continue
        if before is not None and old_key is not None:
            _add(
                model,
                old_key,
                {"unit_path": before.unit_path},
                {n: -v for n, v in zip(MEASURES, before.measures, strict=True)},
            )
        _add(model, new_key, extra, dict(zip(MEASURES, after.measures, strict=True)))


def _open_keys(facts: PetitionFacts) -> list[tuple[type[models.Model], dict[str, Any]]]:
    return [
        (OpenTally, {"unit_id": facts.unit_id, "status": facts.status}),
        (
            OpenCategoryTally,
            {"unit_id": facts.unit_id, "channel": facts.channel, "category_id": facts.category_id},
        ),
    ]


def _open_remove(facts: PetitionFacts) -> None:
    """Takes one away from the petition's row; a due date before today may have been folded into
    PAST by `stats_compact` since it was added (the counts are interchangeable there)."""
    for model, key in _open_keys(facts):
        rows = model._default_manager.filter(**key, count__gte=1)
        if rows.filter(due_date=facts.due_date).update(count=F("count") - 1):
            continue
        if facts.due_date < timezone.localdate():
            rows.filter(due_date=PAST).update(count=F("count") - 1)


def _open_add(facts: PetitionFacts, horizon: date) -> None:
    due = PAST if facts.due_date < horizon else facts.due_date
    for model, key in _open_keys(facts):
        _add(model, {**key, "due_date": due}, {"unit_path": facts.unit_path}, {"count": 1})


def _open_changed(before: PetitionFacts | None, after: PetitionFacts) -> bool:
    old = (before.status, before.due_date) if before and before.is_open else None
    new = (after.status, after.due_date) if after.is_open else None
    return old != new


def _state() -> tuple[date, bool]:
    """(overdue horizon, whether the tables by problem and responsible unit are filled)."""
    row = TallyState.objects.filter(pk=1).values_list("overdue_horizon", "dimensions_ready").first()
    return row or (PAST, True)


def stats_petition_changed(*, before: PetitionFacts | None, petition: Petition) -> PetitionFacts:
    """Moves the petition's contribution from `before` (None: a new petition) to what it is now.
    Runs inside the caller's transaction, so the tables commit or roll back with the petition."""
    after = stats_facts(petition)
    if before == after:
        return after
    horizon, dimensions_ready = _state()
    _apply_monthly(before, after)
    if _open_changed(before, after):
        if before is not None and before.is_open:
            _open_remove(before)
        if after.is_open:
            _open_add(after, horizon)
    if dimensions_ready:
        _apply_unit_tallies(before, after, horizon)
    return after


# --- by problem unit and by responsible unit -----------------------------------------------------

# A row of the unit tables: its key, its parent unit, and what to add to it.
UnitRows = dict[tuple[Any, ...], tuple[int | None, list[int]]]
UNIT_MONTHLY_KEY = ("dimension", "unit_id", "visible_depth", "month", "channel", "category_id")
UNIT_CATEGORY_KEY = ("dimension", "unit_id", "visible_depth", "month", "category_id")
UNIT_OPEN_KEY = ("dimension", "unit_id", "visible_depth", "channel", "category_id", "due_date")


def _unit_chains(facts: PetitionFacts) -> tuple[tuple[str, list[int], int], ...]:
    """(dimension, the unit and the units above it, visible depth) for each unit dimension; a
    petition nobody on the chain may see (another tree's) is left out."""
    return _chains(facts.unit_path, facts.handling_path, facts.problem_path)


@lru_cache(maxsize=4096)
def _chains(unit_path: str, handling_path: str, problem_path: str) -> tuple[tuple[str, list[int], int], ...]:
    """The chains of a (registering, handling, problem) unit triple: few for many petitions."""
    chains = []
    for dimension in UNIT_DIMENSIONS:
        path = problem_path if dimension == Dimension.PROBLEM else handling_path or unit_path
        depth = visible_depth(path, registered_path=unit_path, handling_path=handling_path)
        if path and depth >= 0:
            chains.append((str(dimension), path_ids(path), depth))
    return tuple(chains)


def _into(rows: UnitRows, key: tuple[Any, ...], parent: int | None, values: Any, sign: int) -> None:
    current = rows.get(key)
    if current is None:
        rows[key] = (parent, [sign * v for v in values])
    else:
        for i, value in enumerate(values):
            current[1][i] += sign * value


def _unit_monthly_rows(facts: PetitionFacts, rows: UnitRows, sign: int) -> None:
    for dimension, chain, depth in _unit_chains(facts):
        for level, unit_id in enumerate(chain):
            key = (dimension, unit_id, depth, facts.month, facts.channel, facts.category_id)
            _into(rows, key, chain[level - 1] if level else None, facts.measures, sign)


def _unit_open_rows(facts: PetitionFacts, rows: UnitRows, sign: int, horizon: date) -> None:
    due = PAST if facts.due_date < horizon else facts.due_date
    for dimension, chain, depth in _unit_chains(facts):
        for level, unit_id in enumerate(chain):
            key = (dimension, unit_id, depth, facts.channel, facts.category_id, due)
            _into(rows, key, chain[level - 1] if level else None, (1,), sign)


def _without_channel(rows: UnitRows) -> UnitRows:
    """`UnitMonthlyTally` rows summed over the channel: the rows of `UnitMonthlyCategoryTally`."""
    folded: UnitRows = {}
    for (dimension, unit_id, depth, month, _channel, category_id), (parent, values) in rows.items():
        _into(folded, (dimension, unit_id, depth, month, category_id), parent, values, 1)
    return folded


def _unit_open_key(facts: PetitionFacts | None) -> tuple[Any, ...] | None:
    if facts is None or not facts.is_open:
        return None
    return (facts.due_date, facts.channel, facts.category_id, facts.problem_path, facts.handling_path)


def _apply_unit_tallies(before: PetitionFacts | None, after: PetitionFacts, horizon: date) -> None:
    """The petition's rows of `UnitMonthlyTally` and `UnitOpenTally`: the old contribution taken
    away and the new one added, merged per row, one upsert per table. An open row whose due date
    was folded into PAST meanwhile may go negative at its date; its sums over "due before today"
    stay right, and the nightly fold merges it."""
    monthly: UnitRows = {}
    if before is not None:
        _unit_monthly_rows(before, monthly, -1)
    _unit_monthly_rows(after, monthly, 1)
    _upsert_rows(UnitMonthlyTally, UNIT_MONTHLY_KEY, MEASURES, monthly)
    _upsert_rows(UnitMonthlyCategoryTally, UNIT_CATEGORY_KEY, MEASURES, _without_channel(monthly))
    if _unit_open_key(before) != _unit_open_key(after):
        open_rows: UnitRows = {}
        if before is not None and before.is_open:
            _unit_open_rows(before, open_rows, -1, horizon)
        if after.is_open:
            _unit_open_rows(after, open_rows, 1, horizon)
        _upsert_rows(UnitOpenTally, UNIT_OPEN_KEY, ("count",), open_rows)


def _upsert_rows(
    model: type[models.Model], key: tuple[str, ...], measures: tuple[str, ...], rows: UnitRows
) -> None:
    """Adds each row's values to it, creating it when missing: one INSERT … ON CONFLICT DO UPDATE
    for all rows (their keys are distinct); rows that change nothing are left out."""
    changed = [(k, parent, values) for k, (parent, values) in rows.items() if any(values)]
    if not changed:
        return
    meta = model._meta
    names = [*key, "parent_id", *measures]
    fields: dict[str, models.Field[Any, Any]] = {}
    for name in names:
        field = meta.get_field(name)
        assert isinstance(field, models.Field)
        fields[name] = field
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    column = {name: quote(str(fields[name].column)) for name in names}
    conflict = ", ".join(column[name] for name in key)
    increments = ", ".join(f"{column[n]} = {table}.{column[n]} + excluded.{column[n]}" for n in measures)
    row_sql = f"({', '.join(['%s'] * len(names))})"
    params: list[Any] = []
    for values_key, parent, values in changed:
        raw = [*values_key, parent, *values]
        params.extend(
            fields[name].get_db_prep_value(value, connection) for name, value in zip(names, raw, strict=True)
        )
    sql = (
        f"INSERT INTO {table} ({', '.join(column[name] for name in names)}) "
        f"VALUES {', '.join([row_sql] * len(changed))} "
        f"ON CONFLICT ({conflict}) DO UPDATE SET {increments}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- rebuild and fold ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RebuildResult:
    petitions: int
    monthly_rows: int
    open_rows: int
    horizon: date
    unit_monthly_rows: int = 0
    unit_open_rows: int = 0


def _clock_subquery(rules: tuple[str, ...]) -> Subquery:
    latest = (
        Deadline.objects.filter(owner_type=OWNER_TYPE, owner_id=OuterRef("pk"), rule__in=rules)
        .order_by("-pk")
        .annotate(
            state=Case(
                When(is_open=True, then=Value(CLOCK_RUNNING)),
                When(closed_at__isnull=True, then=Value(CLOCK_RUNNING)),
                When(due_date__isnull=False, closed_at__date__lte=F("due_date"), then=Value(CLOCK_TIMELY)),
                default=Value(CLOCK_LATE),
                output_field=IntegerField(),
            )
        )
        .values("state")[:1]
    )
    return Subquery(latest, output_field=IntegerField())


def _count_if(condition: Q) -> Sum:
    return Sum(Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField()))


def _petition_aggregates() -> dict[str, Any]:
    """The MEASURES as SQL aggregates over petitions annotated by `_annotated_petitions`."""
    first_closed = Q(repeat_of__isnull=True, status=PetitionStatus.CLOSED)
    return {
        "intake": Count("pk"),
        "collective": _count_if(Q(is_collective=True)),
        "skip_level": _count_if(Q(is_skip_level=True)),
        "repeat": _count_if(Q(repeat_of__isnull=False)),
        "accept_decided": _count_if(Q(accept_state__gt=CLOCK_RUNNING)),
        "accept_timely": _count_if(Q(accept_state=CLOCK_TIMELY)),
        "answered": _count_if(Q(answer_state__gt=CLOCK_RUNNING)),
        "answer_timely": _count_if(Q(answer_state=CLOCK_TIMELY)),
        "first_closed": _count_if(first_closed),
        "first_once": _count_if(first_closed & Q(review_stage=0)),
        "evaluated": _count_if(~Q(satisfaction="")),
        "satisfied": _count_if(Q(satisfaction__in=SATISFIED)),
    }


def _annotated_petitions() -> models.QuerySet[Petition]:
    return Petition.objects.annotate(
        month_key=ExtractYear("received_at") * 100 + ExtractMonth("received_at"),
        top_category=Coalesce("category__parent_id", "category_id"),
        accept_state=_clock_subquery(ACCEPTANCE_RULES),
        answer_state=_clock_subquery(HANDLING_RULES),
    )


def _bulk_insert(model: type[models.Model], rows: Any) -> int:
    written, batch = 0, []
    for row in rows:
        batch.append(model(**row))
        if len(batch) >= REBUILD_BATCH:
            model._default_manager.bulk_create(batch)
            written += len(batch)
            batch = []
    if batch:
        model._default_manager.bulk_create(batch)
        written += len(batch)
    return written


def _monthly_groups() -> Any:
    """The petitions grouped by month first, then by everything a monthly row of any table is
    keyed by (registering, handling and problem unit, channel, first-level category)."""
    rows = (
        _annotated_petitions()
        .values(  # type: ignore[misc]
            "month_key", "unit_id", "handling_unit_id", "problem_unit_id", "channel", "top_category"
        )
        .annotate(**_petition_aggregates())
        .order_by("month_key")
    )
    return rows.iterator(chunk_size=REBUILD_BATCH)


def _facts_of_group(
    row: dict[str, Any], paths: dict[int, str], month: int, due: date = NO_DEADLINE
) -> PetitionFacts:
    """A group of petitions as the facts they share (grouped by unit ids: paths are looked up
    here, which spares the grouping a join and long keys)."""
    handling = row["handling_unit_id"]
    return PetitionFacts(
        unit_id=row["unit_id"],
        unit_path=paths[row["unit_id"]],
        month=month,
        channel=row["channel"],
        category_id=row["top_category"],
        status="",
        due_date=due,
        measures=tuple(row[name] or 0 for name in MEASURES) if MEASURES[0] in row else (),
        problem_path=paths[row["problem_unit_id"]],
        handling_path=paths[handling] if handling else "",
    )


def _unit_paths() -> dict[int, str]:
    return dict(Unit.objects.values_list("pk", "path"))


def _insert_unit_rows(
    model: type[models.Model], key: tuple[str, ...], measures: tuple[str, ...], rows: UnitRows
) -> int:
    """Plain INSERTs of the rebuilt unit rows (executemany of tuples: a million model instances
    would take most of the rebuild)."""
    names = [*key, "parent_id", *measures]
    fields = [model._meta.get_field(name) for name in names]
    dates = {i for i, field in enumerate(fields) if isinstance(field, models.DateField)}
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(quote(str(getattr(field, 'column', name))) for field, name in zip(fields, names, strict=True))}) "
        f"VALUES ({', '.join(['%s'] * len(names))})"
    )

    def values(k: tuple[Any, ...], parent: int | None, measured: list[int]) -> list[Any]:
        row = [*k, parent, *measured]
        for i in dates:
            row[i] = connection.ops.adapt_datefield_value(row[i])
        return row

    batch = [values(k, parent, measured) for k, (parent, measured) in rows.items() if any(measured)]
    with connection.cursor() as cursor:
        for start in range(0, len(batch), REBUILD_BATCH):
            cursor.executemany(sql, batch[start : start + REBUILD_BATCH])
    return len(batch)


def _flush_monthly(registered: dict[tuple[Any, ...], list[Any]], units: UnitRows) -> tuple[int, int]:
    written = _bulk_insert(
        MonthlyTally,
        (
            {
                "unit_id": unit_id,
                "unit_path": path,
                "month": month,
                "channel": channel,
                "category_id": category,
                **dict(zip(MEASURES, values, strict=True)),
            }  # fmt: skip
            for (unit_id, path, month, channel, category), values in registered.items()
        ),
    )
    unit_written = _insert_unit_rows(UnitMonthlyTally, UNIT_MONTHLY_KEY, MEASURES, units)
    _insert_unit_rows(UnitMonthlyCategoryTally, UNIT_CATEGORY_KEY, MEASURES, _without_channel(units))
    registered.clear()
    units.clear()
    return written, unit_written


def _rebuild_monthly() -> tuple[int, int]:
    """MonthlyTally and UnitMonthlyTally from one grouped pass over the petitions, a month at a
    time (the rows of different months never meet, so memory stays one month's rows)."""
    registered: dict[tuple[Any, ...], list[Any]] = {}
    units: UnitRows = {}
    written = unit_written = 0
    current = None
    paths = _unit_paths()
    for row in _monthly_groups():
        month = row["month_key"]
        if month != current:
            counts = _flush_monthly(registered, units)
            written, unit_written = written + counts[0], unit_written + counts[1]
            current = month
        facts = _facts_of_group(row, paths, month)
        key = (facts.unit_id, facts.unit_path, month, facts.channel, facts.category_id)
        if key in registered:
            registered[key] = [a + b for a, b in zip(registered[key], facts.measures, strict=True)]
        else:
            registered[key] = list(facts.measures)
        _unit_monthly_rows(facts, units, 1)
    counts = _flush_monthly(registered, units)
    return written + counts[0], unit_written + counts[1]


def _monthly_rollup_rows(key: str) -> Any:
    """MonthlyTally summed over the other of channel and category."""
    sums = {name: Sum(name) for name in MEASURES}
    rows = MonthlyTally.objects.values("unit_id", "unit_path", "month", key).annotate(**sums).order_by()
    return rows.iterator(chunk_size=REBUILD_BATCH)


def _due_expression(horizon: date) -> Case:
    return Case(
        When(current_deadline__isnull=True, then=Value(NO_DEADLINE)),
        When(current_deadline__lt=horizon, then=Value(PAST)),
        default=F("current_deadline"),
        output_field=models.DateField(),
    )


def _open_rows(horizon: date, *, by_category: bool) -> Any:
    keys = ["unit_id", "unit_path", "due"]
    keys += ["channel", "top_category"] if by_category else ["status"]
    qs = Petition.objects.filter(status__in=OPEN_STATUSES)
    if by_category:
        qs = qs.annotate(top_category=Coalesce("category__parent_id", "category_id"))
    rows = qs.annotate(due=_due_expression(horizon)).values(*keys).annotate(count=Count("pk")).order_by()
    for row in rows.iterator(chunk_size=REBUILD_BATCH):
        row["due_date"] = row.pop("due")
        if by_category:
            row["category_id"] = row.pop("top_category")
        yield row


def _rebuild_unit_open(horizon: date) -> int:
    """UnitOpenTally from the open petitions grouped by due date first (a date at a time)."""
    rows = (
        Petition.objects.filter(status__in=OPEN_STATUSES)
        .annotate(top_category=Coalesce("category__parent_id", "category_id"), due=_due_expression(horizon))
        .values("due", "unit_id", "handling_unit_id", "problem_unit_id", "channel", "top_category")
        .annotate(count=Count("pk"))
        .order_by("due")
    )
    paths = _unit_paths()
    units: UnitRows = {}
    written = 0
    current = None

    def flush() -> int:
        count = _insert_unit_rows(UnitOpenTally, UNIT_OPEN_KEY, ("count",), units)
        units.clear()
        return count

    for row in rows.iterator(chunk_size=REBUILD_BATCH):
        if row["due"] != current:
            written += flush()
            current = row["due"]
        facts = _facts_of_group(row, paths, 0, row["due"])
        for dimension, chain, depth in _unit_chains(facts):
            for level, unit_id in enumerate(chain):
                key = (dimension, unit_id, depth, facts.channel, facts.category_id, row["due"])
                _into(units, key, chain[level - 1] if level else None, (row["count"],), 1)
    return written + flush()


def _analyze(tables: tuple[type[models.Model], ...]) -> None:
    """Fresh planner statistics for the rebuilt tables on SQLite (which has no autovacuum), so
    that it picks the scope or the due-date index by the size of the caller's scope."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for model in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


@transaction.atomic
def stats_rebuild(*, actor: Any, today: date | None = None) -> RebuildResult:
    """Recomputes every summary row from the petitions and their clocks (a full pass: about a
    minute per million petitions on SQLite). Open deadlines before `today` are folded into PAST."""
    horizon = today or timezone.localdate()
    tables = (
        MonthlyChannelTally,
        MonthlyCategoryTally,
        MonthlyTally,
        OpenCategoryTally,
        OpenTally,
        UnitMonthlyTally,
        UnitMonthlyCategoryTally,
        UnitOpenTally,
    )
    for model in tables:
        model.objects.all().delete()
    monthly, unit_monthly = _rebuild_monthly()
    _bulk_insert(MonthlyCategoryTally, _monthly_rollup_rows("category_id"))
    _bulk_insert(MonthlyChannelTally, _monthly_rollup_rows("channel"))
    open_rows = _bulk_insert(OpenTally, _open_rows(horizon, by_category=False))
    _bulk_insert(OpenCategoryTally, _open_rows(horizon, by_category=True))
    unit_open = _rebuild_unit_open(horizon)
    _analyze(tables)
    TallyState.objects.update_or_create(
        pk=1, defaults={"overdue_horizon": horizon, "rebuilt_at": timezone.now(), "dimensions_ready": True}
    )
    petitions = MonthlyTally.objects.aggregate(total=Sum("intake"))["total"] or 0
    audit_record(
        actor=actor,
        event=AuditEvent.RECORD_CHANGED,
        target_type="stats.tally",
        target_label="重建统计汇总表",
        username="" if actor else "system",
        petitions=petitions,
        monthly_rows=monthly,
        open_rows=open_rows,
        unit_monthly_rows=unit_monthly,
        unit_open_rows=unit_open,
        horizon=horizon,
    )
    return RebuildResult(
        petitions=petitions,
        monthly_rows=monthly,
        open_rows=open_rows,
        horizon=horizon,
        unit_monthly_rows=unit_monthly,
        unit_open_rows=unit_open,
    )


@transaction.atomic
def stats_compact(*, actor: Any, today: date | None = None) -> int:
    """Folds the open rows whose due date has passed into one PAST row per key (they stay overdue
    for ever after, whatever day it is), and moves the horizon to today. Idempotent; run nightly
    by a job (actor=None). Not audited: the fold changes no figure. Returns the rows folded."""
    today = today or timezone.localdate()
    state, _ = TallyState.objects.select_for_update().get_or_create(pk=1)
    folded = 0
    for model, keys, extra in (
        (OpenTally, ("unit_id", "status"), "unit_path"),
        (OpenCategoryTally, ("unit_id", "channel", "category_id"), "unit_path"),
        (UnitOpenTally, ("dimension", "unit_id", "visible_depth", "channel", "category_id"), "parent_id"),
    ):
        old = model.objects.filter(due_date__gt=PAST, due_date__lt=today)
        for row in old.values(*keys, extra).annotate(total=Sum("count")).order_by():
            total = row.pop("total")
            extra_value = row.pop(extra)
            _add(model, {**row, "due_date": PAST}, {extra: extra_value}, {"count": total})
        folded += old.delete()[0]
        model.objects.filter(count=0).delete()
    if today > state.overdue_horizon:
        state.overdue_horizon = today
        state.save(update_fields=["overdue_horizon"])
    # the unit tables are read through several indexes whose choice SQLite makes from statistics
    # (about a second at a million petitions); kept fresh even where nobody rebuilds
    _analyze((UnitMonthlyTally, UnitMonthlyCategoryTally, UnitOpenTally))
    return folded


def stats_exported(
    *, actor: Any, kind: str, filters: dict[str, Any], request_meta: RequestMeta | None = None, rows: int = 0
) -> None:
    """Every statistics file that leaves the office (统计表、通报、分析报告) is audited with its filters."""
    audit_record(
        actor=actor,
        event=AuditEvent.EXPORT,
        target_type="stats.report",
        target_label=kind,
        request_meta=request_meta,
        kind=kind,
        filters=filters,
        rows=rows,
    )
