"""The summary tables against a brute-force recount, after random registrations and random
valid transitions (chosen with `allowed_actions`), over three "days" months apart so that
acceptance and handling clocks end both in time and late."""

import random
from datetime import timedelta
from typing import Any

import pytest
from django.db.models import Sum
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.exceptions import ApplicationError
from xinfang.organisation.models import Unit
from xinfang.petitions.models import Petition
from xinfang.petitions.services import PetitionerInput
from xinfang.petitions.tests.factories import VALID_IDS, register
from xinfang.petitions.workflow import Action, allowed_actions, petition_transition
from xinfang.stats.choices import Dimension
from xinfang.stats.models import (
    MonthlyCategoryTally,
    MonthlyChannelTally,
    MonthlyTally,
    OpenCategoryTally,
    OpenTally,
    UnitMonthlyCategoryTally,
    UnitMonthlyTally,
    UnitOpenTally,
)
from xinfang.stats.selectors import (
    TOP_CATEGORIES,
    StatsFilter,
    month_key,
    month_shift,
    stats_overview,
    stats_table,
)
from xinfang.stats.services import stats_compact, stats_rebuild

from . import recount

CODES = ("0101", "0102", "0201", "0203", "0301", "0401", "0503", "0801", "0901", "1202", "9901")
CHANNELS = ("letter", "visit", "call", "online", "reception_day", "referral")
ACTORS = (
    "clerk",
    "county-clerk",
    "handler",
    "leader",
    "county-leader",
    "principal",
    "village-handler",
    "village2-handler",
)
TABLES = (MonthlyTally, MonthlyCategoryTally, MonthlyChannelTally, OpenTally, OpenCategoryTally)
UNIT_TABLES = (UnitMonthlyTally, UnitMonthlyCategoryTally, UnitOpenTally)


class Clock:
    """Moves `timezone.now` forward (the services, the engine and the recount all read it)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.monkeypatch = monkeypatch
        self.real = timezone.now
        self.offset = timedelta()

    def advance(self, days: int) -> None:
        self.offset += timedelta(days=days)
        offset, real = self.offset, self.real
        self.monkeypatch.setattr(timezone, "now", lambda: real() + offset)


def _fields(
    action: str, rng: random.Random, units: dict[str, Unit], users: dict[str, User]
) -> dict[str, Any]:
    today = timezone.localdate()
    answer = {
        "outcome": rng.choice(["support", "explain", "not_support"]),
        "text": "经核查处理。",
        "delivered_on": today,
    }
    return {
        "reject": {"ground": "legal_channel"},
        "decline_again": {"ground": "window_passed"},
        "transfer": {"unit": rng.choice([units["east"], units["department"]]).pk},
        "assign": {"unit": units["east"].pk, "handler": users["village-handler"].pk},
        "object": {"reason": "不属于本单位职权范围"},
        "submit_report": {"report": "已调查核实并协调解决。"},
        "return_report": {"reason": "事实不清"},
        "answer": answer,
        "decide_review": answer,
        "decide_rereview": answer,
        "request_extension": {"days": rng.randint(5, 30), "reason": "情况复杂"},
        "schedule_hearing": {
            "held_at": (timezone.now() + timedelta(days=3)).isoformat(),
            "place": "镇政府会议室",
            "participants": "村委会、司法所",
        },
        "finish_hearing": {"record": "听证完毕"},
        "request_review": {"requested_on": today, "reason": "不服处理意见"},
        "request_rereview": {"requested_on": today, "reason": "不服复查意见"},
        "record_visit": {"satisfaction": rng.choice(["satisfied", "basically_satisfied", "dissatisfied"])},
        "instruct": {"text": "抓紧办理"},
        "mark_invalid": {"reason": "广告信息"},
    }.get(action, {})


def _register_some(rng: random.Random, users: dict[str, User], units: dict[str, Unit], count: int) -> None:
    now = timezone.now()
    for i in range(count):
        actor = users[rng.choice(["clerk", "clerk", "county-clerk"])]
        earlier = list(Petition.objects.filter(unit=actor.unit).values_list("pk", flat=True))
        flags = [f for f in ("collective", "skip_level", "urgent") if rng.random() < 0.25]
        extra: dict[str, Any] = {}
        if rng.random() < 0.08:
            extra["original_status"] = "closed"  # a historic ledger (导入)
        register(
            actor,
            problem_unit=units["east"] if actor.unit == units["township"] else units["township"],
            received_at=now - timedelta(days=rng.choice([0, 1, 3, 10, 20, 35, 70, 200, 370, 400])),
            channel=rng.choice(CHANNELS),
            category=rng.choice(CODES),
            flags=flags,
            repeat_of=rng.choice(earlier) if earlier and rng.random() < 0.2 else None,
            referral_kind="transfer",
            referral_office="安庆市信访局",
            petitioners=[
                PetitionerInput(
                    name=f"信访人{i}", gender="male", id_number=VALID_IDS[i % 4], phone="13812345678"
                )
            ],
            **extra,
        )


FORWARD = {"accept", "assign", "submit_report", "approve_report", "answer", "record_visit", "close",
           "request_review", "decide_review", "request_rereview", "decide_rereview"}  # fmt: skip


def _act_randomly(rng: random.Random, users: dict[str, User], units: dict[str, Unit], steps: int) -> int:
    """`steps` transitions, each by a user and an action `allowed_actions` offers on a random
    petition, steps forward along the procedure three times as likely as the others."""
    done = 0
    ids = list(Petition.objects.values_list("pk", flat=True))
    for _ in range(steps):
        petition = Petition.objects.select_related(
            "unit", "handling_unit", "answered_unit__parent", "review_unit", "category"
        ).get(pk=rng.choice(ids))
        offers = [
            (name, a)
            for name in ACTORS
            for a in allowed_actions(petition, users[name])
            if a in Action.values  # the procedure's own steps; other apps' actions have their own tests
        ]
        if not offers:
            continue
        weights = [3 if action in FORWARD else 1 for _, action in offers]
        name, action = rng.choices(offers, weights=weights)[0]
        try:
            petition_transition(
                petition=petition, action=action, actor=users[name], **_fields(action, rng, units, users)
            )
            done += 1
        except ApplicationError:
            pass  # a field rule (e.g. a unit outside the actor's scope): refused, nothing written
    return done


def _assert_dashboard_matches(actor: User, unit: Unit, *, months: int) -> None:
    today = timezone.localdate()
    last = month_key(today)
    first = month_shift(last, 1 - months)
    overview = stats_overview(
        actor=actor, unit=unit, month_from=first, month_to=last, today=today, ranking_by=Dimension.REGISTERED
    )
    expected = recount.dashboard(unit, first=first, last=last, today=today, until=overview.warning_until)
    assert {f.key: f.count for f in overview.open_by_step} == expected["open_by_step"]
    assert overview.open_total == sum(expected["open_by_step"].values())
    assert overview.overdue.count == expected["overdue"]
    assert overview.due_soon.count == expected["due_soon"]
    assert {r.channel: (r.this_month, r.last_month, r.last_year) for r in overview.channels} == expected[
        "channels"
    ]
    assert [n for _, n in overview.trend] == expected["trend"]
    top = sorted(expected["categories"].items(), key=lambda item: (-item[1], item[0]))[:TOP_CATEGORIES]
    assert [(f.key, f.count) for f in overview.top_categories] == top
    assert {r.unit_id: r.overdue for r in overview.units_by_overdue} == expected["units_overdue"]
    assert overview.collective.count == expected["collective"]
    assert overview.skip_level.count == expected["skip_level"]
    measures = expected["measures"]
    assert overview.intake == measures["intake"]
    rates = {r.key: (r.numerator, r.denominator) for r in overview.rates}
    assert rates == {
        "timely_acceptance": (measures["accept_timely"], measures["accept_decided"]),
        "on_time_completion": (measures["answer_timely"], measures["answered"]),
        "first_once": (measures["first_once"], measures["first_closed"]),
        "satisfaction": (measures["satisfied"], measures["evaluated"]),
        "repeat": (measures["repeat"], measures["intake"]),
    }


def _assert_table_matches(actor: User, unit: Unit, *, first: int, last: int, channel: str, code: str) -> None:
    from xinfang.petitions.models import Category

    category = Category.objects.get(code=code) if code else None
    today = timezone.localdate()
    table = stats_table(
        actor=actor,
        filters=StatsFilter(unit=unit, month_from=first, month_to=last, category=category, channel=channel),
        today=today,
    )
    extra: dict[str, Any] = {}
    if channel:
        extra["channel"] = channel
    if category:
        extra["category__in"] = [category, *category.children.all()]

    def expected(scope: Any) -> tuple[dict[str, int], int]:
        period = Petition.objects.filter(scope, recount.month_range(first, last), **extra)
        return recount.measures(period), recount.overdue(scope & _q(**extra), today)

    for row in table.units:
        scope = (
            _q(unit=unit)
            if row.key == unit.pk
            else _q(unit__path__startswith=Unit.objects.get(pk=row.key).path)
        )
        assert (row.measures, row.overdue) == expected(scope), row.name
    assert (table.total.measures, table.total.overdue) == expected(recount.subtree(unit))


def _q(**kwargs: Any) -> Any:
    from django.db.models import Q

    return Q(**kwargs)


def _rows(model: Any) -> set[tuple[Any, ...]]:
    fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
    measures = [f for f in fields if f in ("count", "intake")]
    return {tuple(row) for row in model.objects.exclude(**{measures[0]: 0}).values_list(*fields)}


def _play(
    seed: int, monkeypatch: pytest.MonkeyPatch, unit_by_code: Any
) -> tuple[dict[str, User], dict[str, Unit]]:
    """Three rounds a few weeks apart of random registrations and transitions, the nightly fold
    mid-way; the clock ends two days after the last round."""
    rng = random.Random(seed)
    clock = Clock(monkeypatch)
    users = {u.username: u for u in User.objects.select_related("unit").filter(username__in=ACTORS)}
    units = {
        "east": unit_by_code("341122101201"),
        "township": unit_by_code("341122101"),
        "county": unit_by_code("341122"),
        "department": unit_by_code("341122M01"),
    }
    for days in (0, 20, 75):
        clock.advance(days)
        _register_some(rng, users, units, 14)
        _act_randomly(rng, users, units, 140)
        if days == 20:
            stats_compact(actor=None)  # the nightly fold, mid-way
    clock.advance(2)
    return users, units


@pytest.mark.parametrize("seed", [1, 2])
def test_every_figure_equals_a_recount_after_random_registrations_and_transitions(
    demo, monkeypatch, unit_by_code, seed
):
    # given / when
    users, units = _play(seed, monkeypatch, unit_by_code)
    # then: the dashboard of the county and of the township, and the statistics tables
    for months in (1, 6, 20):
        _assert_dashboard_matches(users["county-leader"], units["county"], months=months)
        _assert_dashboard_matches(users["leader"], units["township"], months=months)
    last = month_key(timezone.localdate())
    for channel, code in (("", ""), ("visit", ""), ("", "01"), ("letter", "02")):
        _assert_table_matches(
            users["county-leader"],
            units["county"],
            first=month_shift(last, -14),
            last=last,
            channel=channel,
            code=code,
        )
    # and a rebuild from scratch writes the same rows as the hooks did (after the same fold)
    stats_compact(actor=None)
    maintained = {model: _rows(model) for model in TABLES}
    stats_rebuild(actor=None)
    assert {model: _rows(model) for model in TABLES} == maintained
    assert MonthlyTally.objects.aggregate(n=Sum("intake"))["n"] == Petition.objects.count()


# --- by problem unit (问题属地) and by responsible unit (承办单位) ------------------------------


def _under(dimension: str, unit: Unit, *, exact: bool) -> Any:
    """The petitions that count for `unit` (its subtree, or `exact`ly its own level)."""
    if dimension == Dimension.PROBLEM:
        return _q(problem_unit=unit) if exact else _q(problem_unit__path__startswith=unit.path)
    if exact:
        return _q(handling_unit=unit) | _q(handling_unit__isnull=True, unit=unit)
    return _q(handling_unit__path__startswith=unit.path) | _q(
        handling_unit__isnull=True, unit__path__startswith=unit.path
    )


def _assert_unit_table_matches(
    actor: User, unit: Unit, dimension: str, *, first: int, last: int, channel: str, code: str
) -> None:
    from xinfang.petitions.models import Category
    from xinfang.petitions.selectors import petitions_visible_to

    category = Category.objects.get(code=code) if code else None
    today = timezone.localdate()
    filters = StatsFilter(
        unit=unit, month_from=first, month_to=last, category=category, channel=channel, dimension=dimension
    )
    table = stats_table(actor=actor, filters=filters, today=today)
    extra: dict[str, Any] = {}
    if channel:
        extra["channel"] = channel
    if category:
        extra["category__in"] = [category, *category.children.all()]
    visible = _q(pk__in=petitions_visible_to(actor).values("pk"))

    def expected(scope: Any) -> tuple[dict[str, int], int]:
        period = Petition.objects.filter(visible, scope, recount.month_range(first, last), **extra)
        return recount.measures(period), recount.overdue(visible & scope & _q(**extra), today)

    for row in table.units:
        scope = _under(dimension, Unit.objects.get(pk=row.key), exact=row.key == unit.pk)
        assert (row.measures, row.overdue) == expected(scope), (dimension, unit.name, row.name)
    assert (table.total.measures, table.total.overdue) == expected(_under(dimension, unit, exact=False))
    for row in table.categories:
        of_category = _q(category__code=row.key) | _q(category__parent__code=row.key)
        assert (row.measures, row.overdue) == expected(_under(dimension, unit, exact=False) & of_category)


@pytest.mark.parametrize("seed", [1, 3])
def test_figures_by_problem_and_responsible_unit_equal_a_recount_within_the_readers_scope(
    demo, monkeypatch, unit_by_code, seed
):
    # given / when
    users, units = _play(seed, monkeypatch, unit_by_code)
    last = month_key(timezone.localdate())
    # then: every row of the county's, the township's and the village's tables, as their readers
    # see them (a matter registered and handled above the township is not the township's)
    for dimension in (Dimension.PROBLEM, Dimension.HANDLING):
        for reader, unit in (("county-leader", "county"), ("leader", "township"), ("leader", "east")):
            for channel, code in (("", ""), ("visit", ""), ("", "01"), ("letter", "02")):
                _assert_unit_table_matches(
                    users[reader],
                    units[unit],
                    dimension,
                    first=month_shift(last, -14),
                    last=last,
                    channel=channel,
                    code=code,
                )
    # and the dashboard ranks units by the overdue matters they are responsible for
    from xinfang.petitions.selectors import petitions_visible_to

    today = timezone.localdate()
    for reader, unit in (("county-leader", units["county"]), ("leader", units["township"])):
        overview = stats_overview(actor=users[reader], unit=unit, month_from=last, month_to=last, today=today)
        visible = _q(pk__in=petitions_visible_to(users[reader]).values("pk"))
        expected = {
            child.pk: recount.overdue(visible & _under(Dimension.HANDLING, child, exact=child == unit), today)
            for child in [unit, *Unit.objects.filter(parent=unit)]
        }
        assert overview.ranking_by == Dimension.HANDLING
        assert {r.unit_id: r.overdue for r in overview.units_by_overdue} == {
            pk: n for pk, n in expected.items() if n
        }
    # and a rebuild from scratch writes the same rows as the hooks did (after the same fold)
    stats_compact(actor=None)
    maintained = {model: _rows(model) for model in UNIT_TABLES}
    stats_rebuild(actor=None)
    assert {model: _rows(model) for model in UNIT_TABLES} == maintained
