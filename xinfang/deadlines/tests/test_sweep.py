"""The one deadline sweep, seen from an owner type of its own ("tests.example") with a 60-minute
rule and a handler that records what it got; rules in hours on the 期限规则 page; and the layer
rule: deadlines and notifications import no kind of case."""

import ast
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from xinfang.deadlines.engine import end_of_day
from xinfang.deadlines.models import Deadline
from xinfang.deadlines.registry import (
    ScanResult,
    register_clock_handler,
    register_rule,
    unregister_clock_handler,
    unregister_rule,
)
from xinfang.deadlines.rules import RuleDefinition
from xinfang.deadlines.selectors import rule_for
from xinfang.deadlines.services import deadline_create, deadline_extend, rule_setting_save
from xinfang.deadlines.sweep import deadlines_sweep

pytestmark = pytest.mark.django_db

OWNER = "tests.example"
RULE = RuleDefinition("tests_reply", "测试答复时限", 60, "minutes", True, "收到之日")
HOURS_RULE = RuleDefinition("tests_hours", "测试小时时限", 2, "hours", True, "收到之时")


class RecordingHandler:
    scan_minutes = 30

    def __init__(self) -> None:
        self.overdue_calls: list[list[int]] = []

    def overdue(self, deadlines: Sequence[Deadline], *, now: datetime) -> int:
        self.overdue_calls.append([deadline.pk for deadline in deadlines])
        return 0

    def scan(self, *, now: datetime) -> ScanResult | None:
        return None


@pytest.fixture
def handler() -> Iterator[RecordingHandler]:
    recorder = RecordingHandler()
    register_rule(RULE)
    register_rule(HOURS_RULE)
    register_clock_handler(OWNER, recorder)
    yield recorder
    unregister_clock_handler(OWNER)
    unregister_rule(RULE.code)
    unregister_rule(HOURS_RULE.code)


def _sixty_minutes(start: datetime) -> Deadline:
    spec = rule_for(RULE.code, "")
    return deadline_create(
        owner_type=OWNER, owner_id=1, rule=RULE.code, start=start, amount=spec.amount, unit=spec.unit
    )


def test_a_sixty_minute_clock_is_handed_over_once_when_it_has_run_out(handler):
    # given
    start = timezone.now().replace(microsecond=0)
    clock = _sixty_minutes(start)
    assert clock.due_at == start + timedelta(minutes=60)

    # when / then: nothing a minute before, once just after, nothing more on the next run
    assert deadlines_sweep(now=start + timedelta(minutes=59), scans=False).flagged == 0
    assert handler.overdue_calls == []
    assert deadlines_sweep(now=start + timedelta(minutes=61), scans=False).flagged == 1
    assert handler.overdue_calls == [[clock.pk]]
    assert deadlines_sweep(now=start + timedelta(minutes=62), scans=False).flagged == 0
    assert handler.overdue_calls == [[clock.pk]]
    clock.refresh_from_db()
    assert clock.overdue_flagged_at == start + timedelta(minutes=61)


def test_a_closed_clock_is_never_handed_over(handler):
    # given
    start = timezone.now().replace(microsecond=0)
    clock = _sixty_minutes(start)
    Deadline.objects.filter(pk=clock.pk).update(is_open=False)

    # when
    result = deadlines_sweep(now=start + timedelta(hours=2), scans=False)

    # then
    assert (result.flagged, handler.overdue_calls) == (0, [])


def test_batches_hand_over_every_clock_once(handler):
    # given
    start = timezone.now().replace(microsecond=0)
    clocks = [_sixty_minutes(start + timedelta(seconds=offset)) for offset in (0, 0, 1, 2, 3)]

    # when
    result = deadlines_sweep(now=start + timedelta(hours=1, minutes=1), batch_size=2, scans=False)

    # then
    assert result.flagged == 5
    assert sorted(pk for call in handler.overdue_calls for pk in call) == sorted(c.pk for c in clocks)
    assert [len(call) for call in handler.overdue_calls] == [2, 2, 1]


def test_a_new_due_time_is_handed_over_again(demo, handler):
    # given: a day-unit clock of the owner, overdue and handed over
    clock = deadline_create(
        owner_type=OWNER,
        owner_id=2,
        rule="tests_days",
        start=date(2026, 9, 1),
        amount=5,
        unit="calendar_days",
    )
    after_due = clock.due_at + timedelta(seconds=1)
    deadlines_sweep(now=after_due, scans=False)

    # when: extended by 3 days, then that passes too
    clock = deadline_extend(deadline=clock, days=3, actor=None)
    first = deadlines_sweep(now=after_due, scans=False)
    second = deadlines_sweep(now=clock.due_at + timedelta(seconds=1), scans=False)

    # then
    assert (first.flagged, second.flagged) == (0, 1)
    assert handler.overdue_calls == [[clock.pk], [clock.pk]]


def test_a_day_unit_clock_is_due_at_the_end_of_its_due_day():
    # when
    clock = deadline_create(
        owner_type=OWNER, owner_id=3, rule="x", start=date(2026, 9, 18), amount=15, unit="calendar_days"
    )

    # then
    assert clock.due_date == date(2026, 10, 8)
    assert clock.due_at == end_of_day(date(2026, 10, 8))
    assert timezone.localtime(clock.due_at).strftime("%H:%M:%S") == "23:59:59"


def test_a_sweep_with_nothing_due_is_one_query(handler, django_assert_num_queries):
    # given
    _sixty_minutes(timezone.now())

    # then
    with django_assert_num_queries(1):
        deadlines_sweep(now=timezone.now(), scans=False)


# --- rules in hours ------------------------------------------------------------------------------


def test_a_rule_in_hours_is_on_the_rules_page_and_takes_a_shorter_target_in_minutes(
    handler, client, sysadmin
):
    # given
    client.force_login(sysadmin)

    # when
    page = client.get(reverse("deadlines:rules")).content.decode()
    rule_setting_save(actor=sysadmin, unit_type="", rule=HOURS_RULE.code, amount=90, unit="minutes")

    # then
    assert "测试小时时限" in page
    assert "2 个小时" in page
    spec = rule_for(HOURS_RULE.code, "")
    assert (spec.amount, spec.unit, spec.source) == (90, "minutes", "installation")


@pytest.mark.parametrize(
    ("amount", "unit", "field", "message"),
    [
        (121, "minutes", "amount", "内部时限不能长于法定时限（2 个小时）。"),
        (3, "hours", "amount", "内部时限不能长于法定时限（2 个小时）。"),
        (1, "working_days", "unit", "单位须为小时或分钟。"),
    ],
)
def test_a_target_in_hours_is_never_longer_than_the_law(handler, sysadmin, amount, unit, field, message):
    from xinfang.core.exceptions import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        rule_setting_save(actor=sysadmin, unit_type="", rule=HOURS_RULE.code, amount=amount, unit=unit)
    assert caught.value.extra == {field: message}


# --- layers --------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
KINDS_OF_CASE = {"petitions", "supervision"}


@pytest.mark.parametrize("app", ["deadlines", "notifications"])
def test_shared_machinery_imports_no_kind_of_case(app):
    found = set()
    for path in (ROOT / app).rglob("*.py"):
        if {"tests", "migrations"} & set(path.relative_to(ROOT).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            if module and module.startswith("xinfang.") and module.split(".")[1] in KINDS_OF_CASE:
                found.add(str(path.relative_to(ROOT)))
    assert found == set()
