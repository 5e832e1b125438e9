"""The time-limit engine on the real 2026 schedule: 中秋节 9/25–9/27, 国庆节 10/1–10/7, and the
调休 working weekends 2026-09-20 (Sunday) and 2026-10-10 (Saturday)."""

import json
from datetime import UTC, date, datetime

import pytest
from chinese_calendar import constants

from xinfang.deadlines.engine import (
    LOCAL_TZ,
    Calendar,
    DeadlineInputError,
    compute_deadline,
)

from .conftest import build_package_calendar, local

# --- the calendar -----------------------------------------------------------------------------


def test_package_lists_the_2026_working_weekends_the_tests_rely_on():
    # given / when
    workdays_2026 = sorted(day for day in constants.workdays if day.year == 2026)

    # then
    assert workdays_2026 == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]


@pytest.mark.parametrize(
    ("day", "is_working"),
    [
        (date(2026, 9, 20), True),  # Sunday, 调休上班
        (date(2026, 9, 24), True),
        (date(2026, 9, 25), False),  # 中秋节
        (date(2026, 9, 27), False),
        (date(2026, 9, 28), True),
        (date(2026, 10, 1), False),  # 国庆节
        (date(2026, 10, 7), False),
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # Saturday, 调休上班
        (date(2026, 10, 11), False),  # ordinary Sunday
    ],
)
def test_working_day_follows_holidays_and_working_weekends(national_calendar, day, is_working):
    # given / when / then
    assert national_calendar.is_working_day(day) is is_working


def test_year_without_data_falls_back_to_weekdays_minus_fixed_date_holidays(national_calendar):
    # given: 2027 is not in the package

    # when / then
    assert national_calendar.is_covered(2027) is False
    assert national_calendar.is_working_day(date(2027, 1, 1)) is False  # 元旦, a Friday
    assert national_calendar.is_working_day(date(2027, 5, 3)) is True  # only 5/1–5/2 are fixed
    assert national_calendar.is_working_day(date(2027, 10, 1)) is False
    assert national_calendar.is_working_day(date(2027, 10, 4)) is True
    assert national_calendar.is_working_day(date(2027, 10, 9)) is False  # Saturday


def test_rows_entered_for_an_incomplete_year_are_honoured():
    # given: an admin has entered 2027's 春节 Monday but not marked the year complete
    calendar = Calendar(
        holidays=frozenset({date(2027, 2, 8)}),
        workdays=frozenset({date(2027, 2, 20)}),
        covered_years=frozenset({2026}),
    )

    # when / then
    assert calendar.is_working_day(date(2027, 2, 8)) is False
    assert calendar.is_working_day(date(2027, 2, 20)) is True
    assert calendar.is_working_day(date(2027, 1, 1)) is False


def test_calendar_version_fingerprints_the_data():
    # given
    first = Calendar(holidays=frozenset({date(2026, 10, 1)}), covered_years=frozenset({2026}))
    same = Calendar(holidays=frozenset({date(2026, 10, 1)}), covered_years=frozenset({2026}))
    other = Calendar(holidays=frozenset({date(2026, 10, 2)}), covered_years=frozenset({2026}))

    # when / then
    assert first.version == same.version
    assert first.version != other.version
    assert len(first.version) == 40


# --- calendar days ----------------------------------------------------------------------------


def test_calendar_days_start_day_not_counted(national_calendar):
    # given / when
    result = compute_deadline(
        start=date(2026, 9, 24), amount=15, unit="calendar_days", calendar=national_calendar
    )

    # then
    assert result.due == date(2026, 10, 9)
    assert result.moved_from is None
    assert result.missing_years == ()
    assert "自 2026-09-24 次日起算 15 日（起算当日不计入），至 2026-10-09。" in result.explanation


def test_calendar_days_ending_in_national_day_move_to_first_working_day(national_calendar):
    # given: 9/18 + 15 days = 10/3, inside 国庆节

    # when
    result = compute_deadline(
        start=date(2026, 9, 18),
        amount=15,
        unit="calendar_days",
        calendar=national_calendar,
        rule="acceptance",
    )

    # then
    assert result.due == date(2026, 10, 8)
    assert result.moved_from == date(2026, 10, 3)
    assert result.rule == "acceptance"
    assert result.explanation == [
        "按自然日计算：期限 15 日。",
        "自 2026-09-18 次日起算 15 日（起算当日不计入），至 2026-10-03。",
        "末日 2026-10-03 为国庆节假日，依照民法典第二百零三条顺延至下一工作日 2026-10-08。",
    ]


def test_calendar_days_ending_in_mid_autumn_move_past_the_next_monday(national_calendar):
    # given: 9/10 + 15 = 9/25 (中秋节, Friday); 9/26–9/27 are part of the break

    # when
    result = compute_deadline(
        start=date(2026, 9, 10), amount=15, unit="calendar_days", calendar=national_calendar
    )

    # then
    assert result.due == date(2026, 9, 28)
    assert result.moved_from == date(2026, 9, 25)
    assert "末日 2026-09-25 为中秋节假日" in result.explanation[-1]


def test_calendar_days_ending_on_a_working_saturday_stay(national_calendar):
    # given: 9/25 + 15 = 10/10, a 调休 working Saturday

    # when
    result = compute_deadline(
        start=date(2026, 9, 25), amount=15, unit="calendar_days", calendar=national_calendar
    )

    # then
    assert result.due == date(2026, 10, 10)
    assert result.moved_from is None


def test_calendar_days_ending_on_an_ordinary_sunday_move_to_monday(national_calendar):
    # given: 10/17 + 15 = 11/1, a Sunday

    # when
    result = compute_deadline(
        start=date(2026, 10, 17), amount=15, unit="calendar_days", calendar=national_calendar
    )

    # then
    assert result.due == date(2026, 11, 2)
    assert result.moved_from == date(2026, 11, 1)
    assert "末日 2026-11-01 为星期日休息日" in result.explanation[-1]


def test_aware_datetime_start_counts_from_its_local_date(national_calendar):
    # given: 2026-09-23 20:00 UTC is 2026-09-24 04:00 in Shanghai
    received = datetime(2026, 9, 23, 20, 0, tzinfo=UTC)

    # when
    result = compute_deadline(start=received, amount=15, unit="calendar_days", calendar=national_calendar)

    # then
    assert result.start == date(2026, 9, 24)
    assert result.due == date(2026, 10, 9)


# --- working days -----------------------------------------------------------------------------


def test_working_days_count_the_working_sunday_before_mid_autumn(national_calendar):
    # given: Friday 9/18; 9/20 (Sunday) is a working day

    # when
    result = compute_deadline(
        start=date(2026, 9, 18), amount=5, unit="working_days", calendar=national_calendar
    )

    # then: 9/20, 9/21, 9/22, 9/23, 9/24
    assert result.due == date(2026, 9, 24)
    assert "调休上班日 2026-09-20 按工作日计入。" in result.explanation


def test_working_days_skip_both_holidays_and_count_the_working_saturday(national_calendar):
    # given: Thursday 9/24, just before 中秋节 and 国庆节

    # when
    five = compute_deadline(
        start=date(2026, 9, 24), amount=5, unit="working_days", calendar=national_calendar
    )
    six = compute_deadline(start=date(2026, 9, 24), amount=6, unit="working_days", calendar=national_calendar)

    # then: 9/28, 9/29, 9/30, 10/8, 10/9 — then the working Saturday 10/10
    assert five.due == date(2026, 10, 9)
    assert six.due == date(2026, 10, 10)
    assert "期间法定节假日 10 日（中秋节、国庆节）不计入。" in six.explanation
    assert "调休上班日 2026-10-10 按工作日计入。" in six.explanation


def test_working_days_starting_on_a_holiday_begin_after_it(national_calendar):
    # given / when
    result = compute_deadline(
        start=date(2026, 10, 3), amount=1, unit="working_days", calendar=national_calendar
    )

    # then
    assert result.due == date(2026, 10, 8)
    assert result.moved_from is None


# --- years without data -----------------------------------------------------------------------


def test_period_into_a_year_without_data_reports_the_missing_year(national_calendar):
    # given: 12/17 + 15 = 2027-01-01, a Friday and 元旦 by the fixed-date rule

    # when
    result = compute_deadline(
        start=date(2026, 12, 17), amount=15, unit="calendar_days", calendar=national_calendar
    )

    # then
    assert result.due == date(2027, 1, 4)
    assert result.moved_from == date(2027, 1, 1)
    assert result.missing_years == (2027,)
    assert "元旦假日（按固定日期推算）" in result.explanation[2]
    assert result.explanation[-1] == ("2027 年节假日数据缺失，按周一至周五及固定日期节日推算，结果仅供参考。")
    assert result.warning == result.explanation[-1]


def test_working_days_into_a_year_without_data_use_the_fallback(national_calendar):
    # given / when
    result = compute_deadline(
        start=date(2026, 12, 30), amount=3, unit="working_days", calendar=national_calendar
    )

    # then: 12/31, (1/1 元旦 fixed, 1/2–1/3 weekend), 1/4, 1/5
    assert result.due == date(2027, 1, 5)
    assert result.missing_years == (2027,)


def test_period_inside_a_covered_year_reports_nothing_missing(national_calendar):
    # given / when
    result = compute_deadline(
        start=date(2026, 12, 1), amount=20, unit="calendar_days", calendar=national_calendar
    )

    # then
    assert result.due == date(2026, 12, 21)
    assert result.missing_years == ()
    assert result.warning is None


def test_calendar_days_only_report_years_whose_days_decided_the_result():
    # given: a calendar covering 2026 only; the period starts in uncovered 2025
    calendar = build_package_calendar(drop_years=frozenset({2025}))

    # when
    result = compute_deadline(start=date(2025, 12, 20), amount=15, unit="calendar_days", calendar=calendar)

    # then: only the last day (in 2026) was looked up
    assert result.missing_years == ()


# --- pauses -----------------------------------------------------------------------------------


def test_paused_days_extend_a_calendar_day_period(national_calendar):
    # given: 3/2 + 10 = 3/12 (Thursday); 3/4 is paused

    # when
    result = compute_deadline(
        start=date(2026, 3, 2),
        amount=10,
        unit="calendar_days",
        calendar=national_calendar,
        pauses=[(date(2026, 3, 4), date(2026, 3, 4))],
    )

    # then
    assert result.due == date(2026, 3, 13)
    assert result.paused_days == 1
    assert "期间暂停计时 1 日（2026-03-04 至 2026-03-04），暂停日不计入期限。" in (result.explanation)


def test_paused_days_extend_a_working_day_period(national_calendar):
    # given: Monday 3/2, 5 working days = 3/9; 3/4–3/5 paused

    # when
    result = compute_deadline(
        start=date(2026, 3, 2),
        amount=5,
        unit="working_days",
        calendar=national_calendar,
        pauses=[(date(2026, 3, 4), date(2026, 3, 5))],
    )

    # then: 3/3, 3/6, 3/9, 3/10, 3/11
    assert result.due == date(2026, 3, 11)
    assert result.paused_days == 2


def test_pause_before_start_or_after_due_changes_nothing(national_calendar):
    # given
    pauses = [(date(2026, 2, 20), date(2026, 3, 2)), (date(2026, 3, 20), date(2026, 3, 25))]

    # when
    result = compute_deadline(
        start=date(2026, 3, 2),
        amount=10,
        unit="calendar_days",
        calendar=national_calendar,
        pauses=pauses,
    )

    # then
    assert result.due == date(2026, 3, 12)
    assert result.paused_days == 0


def test_overlapping_pauses_count_each_day_once(national_calendar):
    # given / when
    result = compute_deadline(
        start=date(2026, 3, 2),
        amount=10,
        unit="calendar_days",
        calendar=national_calendar,
        pauses=[(date(2026, 3, 4), date(2026, 3, 6)), (date(2026, 3, 5), date(2026, 3, 7))],
    )

    # then: 4 paused days, 3/12 + 4 = 3/16 (Monday)
    assert result.paused_days == 4
    assert result.due == date(2026, 3, 16)


def test_open_pause_leaves_the_due_date_unknown(national_calendar):
    # given: Monday 3/2, 5 working days; the clock stopped on 3/5 and has not restarted

    # when
    result = compute_deadline(
        start=date(2026, 3, 2),
        amount=5,
        unit="working_days",
        calendar=national_calendar,
        pauses=[(date(2026, 3, 5), None)],
    )

    # then
    assert result.due is None
    assert result.paused is True
    assert result.remaining == 3
    assert result.explanation[-1] == (
        "自 2026-03-05 起时钟暂停（暂停中），暂停前已计 2 个工作日，恢复计时后尚余 3 个工作日；"
        "恢复后重新计算期限。"
    )


def test_open_pause_after_the_period_ran_out_does_not_hide_the_due_date(national_calendar):
    # given / when
    result = compute_deadline(
        start=date(2026, 3, 2),
        amount=5,
        unit="calendar_days",
        calendar=national_calendar,
        pauses=[(date(2026, 3, 10), None)],
    )

    # then
    assert result.due == date(2026, 3, 9)
    assert result.paused is False


# --- extension --------------------------------------------------------------------------------


def test_extension_adds_days_and_still_moves_off_holidays(national_calendar):
    # given: 办理 60 days from 1/5, extended by 30: 1/5 + 90 = 4/5 (清明节)

    # when
    result = compute_deadline(
        start=date(2026, 1, 5),
        amount=60,
        unit="calendar_days",
        calendar=national_calendar,
        extension_days=30,
    )

    # then
    assert result.due == date(2026, 4, 7)
    assert result.moved_from == date(2026, 4, 5)
    assert result.extension_days == 30
    assert result.explanation[0] == "按自然日计算：期限 60 日，经批准延长 30 日，合计 90 日。"


def test_extension_of_working_days_adds_working_days(national_calendar):
    # given / when
    result = compute_deadline(
        start=date(2026, 3, 2),
        amount=5,
        unit="working_days",
        calendar=national_calendar,
        extension_days=3,
    )

    # then: 3/9 + 3 working days
    assert result.due == date(2026, 3, 12)


# --- hours and minutes ------------------------------------------------------------------------


def test_one_hour_report_rule_runs_through_a_holiday(national_calendar):
    # given: an incident at 09:00 on National Day

    # when
    result = compute_deadline(
        start=local(2026, 10, 1, 9, 0), amount=1, unit="hours", calendar=national_calendar
    )

    # then
    assert result.due == local(2026, 10, 1, 10, 0)
    assert result.due.tzinfo is not None
    assert result.missing_years == ()
    assert result.explanation[-1] == "时限届满时间为 2026-10-01 10:00。"


def test_twenty_minute_arrival_rule_crosses_midnight(national_calendar):
    # given / when
    result = compute_deadline(
        start=local(2026, 12, 31, 23, 50), amount=20, unit="minutes", calendar=national_calendar
    )

    # then
    assert result.due == local(2027, 1, 1, 0, 10)
    assert result.missing_years == ()


def test_minutes_result_is_in_shanghai_time(national_calendar):
    # given / when
    result = compute_deadline(
        start=datetime(2026, 10, 1, 1, 0, tzinfo=UTC),
        amount=20,
        unit="minutes",
        calendar=national_calendar,
    )

    # then
    assert result.due.utcoffset().total_seconds() == 8 * 3600
    assert result.due.hour == 9
    assert result.due.minute == 20


def test_paused_minutes_extend_the_time_limit(national_calendar):
    # given: 20 minutes from 09:00; the clock stopped 09:05–09:15

    # when
    result = compute_deadline(
        start=local(2026, 10, 1, 9, 0),
        amount=20,
        unit="minutes",
        calendar=national_calendar,
        pauses=[(local(2026, 10, 1, 9, 5), local(2026, 10, 1, 9, 15))],
    )

    # then
    assert result.due == local(2026, 10, 1, 9, 30)
    assert result.paused_minutes == 10


def test_pause_straddling_the_start_counts_only_its_part_after_start(national_calendar):
    # given / when
    result = compute_deadline(
        start=local(2026, 10, 1, 9, 0),
        amount=20,
        unit="minutes",
        calendar=national_calendar,
        pauses=[
            (local(2026, 10, 1, 8, 50), local(2026, 10, 1, 9, 5)),
            (local(2026, 10, 1, 11, 0), local(2026, 10, 1, 12, 0)),
        ],
    )

    # then: only 09:00–09:05 counts; the 11:00 pause is after the due time
    assert result.due == local(2026, 10, 1, 9, 25)
    assert result.paused_minutes == 5


def test_open_minute_pause_leaves_the_due_time_unknown(national_calendar):
    # given / when
    result = compute_deadline(
        start=local(2026, 10, 1, 9, 0),
        amount=60,
        unit="minutes",
        calendar=national_calendar,
        pauses=[(local(2026, 10, 1, 9, 45), None)],
    )

    # then
    assert result.due is None
    assert result.paused is True
    assert result.remaining == 15


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"amount": 0}, "amount", "期限数值须为 1 到 3650 之间的整数"),
        ({"amount": -5}, "amount", "期限数值须为 1 到 3650 之间的整数"),
        ({"amount": 3651}, "amount", "期限数值须为 1 到 3650 之间的整数"),
        ({"amount": "15"}, "amount", "期限数值须为"),
        ({"amount": True}, "amount", "期限数值须为"),
        ({"unit": "weeks"}, "unit", "期限单位须为自然日、工作日、小时、分钟或月之一"),
        ({"extension_days": -1}, "extension_days", "延长天数须为 0 到 3650"),
        ({"extension_days": 1.5}, "extension_days", "延长天数须为整数"),
        ({"start": "2026-09-24"}, "start", "起算日期须为日期"),
        (
            {"pauses": [(date(2026, 10, 5), date(2026, 10, 1))]},
            "pauses",
            "暂停的结束日期不能早于开始日期",
        ),
        (
            {"pauses": [(date(2026, 10, 5), None), (date(2026, 10, 8), None)]},
            "pauses",
            "只能有一个尚未结束的暂停",
        ),
    ],
)
def test_bad_day_input_is_refused_with_a_chinese_message(national_calendar, kwargs, field, message):
    # given
    arguments = {
        "start": date(2026, 9, 24),
        "amount": 15,
        "unit": "calendar_days",
        "calendar": national_calendar,
        **kwargs,
    }

    # when
    with pytest.raises(DeadlineInputError, match=message) as caught:
        compute_deadline(**arguments)

    # then
    assert caught.value.field == field
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"start": date(2026, 10, 1)}, "start", "起算时间须包含时刻"),
        ({"start": datetime(2026, 10, 1, 9, 0)}, "start", "起算时间须包含时区"),  # noqa: DTZ001
        ({"amount": 24 * 366 + 1, "unit": "hours"}, "amount", "期限数值须为 1 到 8784"),
        ({"extension_days": 1}, "extension_days", "按小时或分钟计算的时限不能延长"),
        ({"pauses": [(date(2026, 10, 1), None)]}, "pauses", "暂停起止须为带时区的时间"),
    ],
)
def test_bad_minute_input_is_refused_with_a_chinese_message(national_calendar, kwargs, field, message):
    # given
    arguments = {
        "start": local(2026, 10, 1, 9, 0),
        "amount": 20,
        "unit": "minutes",
        "calendar": national_calendar,
        **kwargs,
    }

    # when
    with pytest.raises(DeadlineInputError, match=message) as caught:
        compute_deadline(**arguments)

    # then
    assert caught.value.field == field


def test_datetime_pause_of_a_day_period_is_taken_as_its_local_date(national_calendar):
    # given / when
    result = compute_deadline(
        start=date(2026, 3, 2),
        amount=10,
        unit="calendar_days",
        calendar=national_calendar,
        pauses=[(local(2026, 3, 4, 9, 0), local(2026, 3, 4, 17, 0))],
    )

    # then
    assert result.due == date(2026, 3, 13)


def test_result_serialises_to_json(national_calendar):
    # given
    result = compute_deadline(
        start=date(2026, 9, 18), amount=15, unit="calendar_days", calendar=national_calendar
    )

    # when
    data = json.loads(json.dumps(result.to_dict(), ensure_ascii=False))

    # then
    assert data["due"] == "2026-10-08"
    assert data["moved_from"] == "2026-10-03"
    assert data["start"] == "2026-09-18"
    assert data["unit_label"] == "自然日"
    assert data["missing_years"] == []
    assert data["warning"] is None
    assert data["calendar_version"] == national_calendar.version


def test_minute_result_serialises_with_offset(national_calendar):
    # given / when
    data = compute_deadline(
        start=local(2026, 10, 1, 9, 0), amount=1, unit="hours", calendar=national_calendar
    ).to_dict()

    # then
    assert data["due"] == "2026-10-01T10:00:00+08:00"
    assert LOCAL_TZ.key == "Asia/Shanghai"
