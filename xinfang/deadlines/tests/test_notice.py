"""Reading the State Council's holiday notice (issue 17): the real 2025 and 2026 notices give the
days the State Council published, year-crossing items read, and what the notice states about
itself (weekdays, 共N天) is checked. Any text answers days or a Chinese NoticeError, nothing else."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xinfang.deadlines.notice import (
    MAX_TEXT_LENGTH,
    NoticeError,
    ScheduleDay,
    parse_holiday_notice,
    range_schedule,
)
from xinfang.deadlines.package import package_days

NOTICE_2025 = """国务院办公厅关于2025年部分节假日安排的通知
国办发明电〔2024〕12号

各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
　　经国务院批准，现将2025年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
　　一、元旦：1月1日（周三）放假1天，不调休。
　　二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。
　　三、清明节：4月4日（周五）至6日（周日）放假，共3天。
　　四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。
　　五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。
　　六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。
　　节假日期间，各地区、各部门要妥善安排好值班和安全、保卫等工作，遇有重大突发事件，要按规定及时报告并妥善处置，确保人民群众祥和平安度过节日假期。

国务院办公厅
2024年11月12日
"""

NOTICE_2026 = """国务院办公厅关于2026年部分节假日安排的通知
经国务院批准，现将2026年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
三、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
五、端午节：6月19日（周五）至21日（周日）放假，共3天。
六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。
节假日期间，各地区、各部门要妥善安排好值班和安全、保卫、疫情防控等工作，遇有重大突发事件，要按规定及时报告并妥善处置，确保人民群众祥和平安度过节日假期。
国务院办公厅
2025年11月4日
"""


def _published(first: date, last: date) -> set[tuple[date, str]]:
    """The days the State Council published, as the chinesecalendar package ships them."""
    return {(entry.date, entry.kind) for entry in package_days() if first <= entry.date <= last}


def _read(schedule) -> set[tuple[date, str]]:
    return {(day.date, day.kind) for day in schedule.days}


@pytest.mark.parametrize(("text", "year"), [(NOTICE_2025, 2025), (NOTICE_2026, 2026)])
def test_a_whole_notice_gives_the_published_days(text, year):
    # when: the year comes from the notice's title
    schedule = parse_holiday_notice(text)
    # then
    assert schedule.year == year
    assert _read(schedule) == _published(date(year, 1, 1), date(year, 12, 31))


def test_each_item_keeps_its_name_counts_and_workdays():
    schedule = parse_holiday_notice(NOTICE_2025)
    assert [
        (item.name, len(item.holidays), len(item.workdays), item.stated_days) for item in schedule.items
    ] == [
        ("元旦", 1, 0, 1),
        ("春节", 8, 2, 8),
        ("清明节", 3, 0, 3),
        ("劳动节", 5, 1, 5),
        ("端午节", 3, 0, 3),
        ("国庆节、中秋节", 8, 2, 8),
    ]
    spring = [day for day in schedule.days if day.name == "春节"]
    assert (spring[0].date, spring[0].kind, spring[0].weekday) == (date(2025, 1, 26), "workday", "星期日")
    assert (spring[1].date, spring[1].kind_label) == (date(2025, 1, 28), "放假")


def test_a_single_day_without_a_swap():
    schedule = parse_holiday_notice("元旦：1月1日（周三）放假1天，不调休。", year=2025)
    assert schedule.days == [ScheduleDay(date(2025, 1, 1), "holiday", "元旦")]


@pytest.mark.parametrize(
    ("text", "year", "first", "last"),
    [
        # the 2023 notice: the New Year holiday starts in the year before
        (
            "一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。",
            2023,
            date(2022, 12, 31),
            date(2023, 1, 2),
        ),
        # the 2012 notice: a workday in the year before
        (
            "一、元旦：2012年1月1日至3日放假调休，共3天。2011年12月31日（星期六）上班。",
            2012,
            date(2011, 12, 31),
            date(2012, 1, 3),
        ),
        # a range written without the second year runs into the next year
        ("元旦：2022年12月31日至1月2日放假调休，共3天。", 2023, date(2022, 12, 31), date(2023, 1, 2)),
    ],
)
def test_year_crossing_items(text, year, first, last):
    assert _read(parse_holiday_notice(text, year=year)) == _published(first, last)


def test_the_2023_notice_as_published():
    text = """一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。
二、春节：1月21日至27日放假调休，共7天。1月28日（星期六）、1月29日（星期日）上班。
三、清明节：4月5日放假，共1天。
四、劳动节：4月29日至5月3日放假调休，共5天。4月23日（星期日）、5月6日（星期六）上班。
五、端午节：6月22日至24日放假调休，共3天。6月25日（星期日）上班。
六、中秋节、国庆节：9月29日至10月6日放假调休，共8天。10月7日（星期六）、10月8日（星期日）上班。"""
    assert _read(parse_holiday_notice(text, year=2023)) == _published(date(2022, 12, 31), date(2023, 12, 29))


def test_a_day_off_in_lieu_reads_as_a_holiday():
    # the form of the 2017 notice
    schedule = parse_holiday_notice("元旦：1月1日放假，1月2日（星期一）补休。", year=2017)
    assert _read(schedule) == {(date(2017, 1, 1), "holiday"), (date(2017, 1, 2), "holiday")}


@pytest.mark.parametrize(
    ("text", "year", "message"),
    [
        ("", 2027, "请粘贴通知正文。"),
        ("   \n", 2027, "请粘贴通知正文。"),
        ("x" * (MAX_TEXT_LENGTH + 1), 2027, f"通知文本不能超过 {MAX_TEXT_LENGTH} 个字"),
        ("今年的假期安排另行通知。", 2027, "未识别出任何节日安排"),
        (NOTICE_2026, 2027, "通知正文写的是 2026 年，与所选的 2027 年不一致"),
        (NOTICE_2026.split("\n", 2)[2], 2027, "元旦：2027年1月1日是星期五，与通知所写“1月1日（周四）”不符"),
        (
            "元旦：1月1日（周五）至3日（周日）放假调休，共4天。",
            2027,
            "识别出的放假日期共 3 天（2027年1月1日至2027年1月3日），与通知所写的“共4天”不符",
        ),
        ("春节：2月30日放假。", 2027, "春节：“2月30日”不是有效日期。"),
        ("元旦：1月1日放假。1月4日上班。", 2027, "元旦：2027年1月4日是星期一，调休上班日应为星期六或星期日"),
        (
            "元旦：1月1日至3日放假。春节：1月3日放假。",
            2027,
            "2027年1月3日在“元旦”中为放假，在“春节”中又为放假",
        ),
        ("国庆节：10月7日至1日放假。", 2027, "结束日期早于开始日期"),
        ("国庆节：1日至7日放假。", 2027, "“1日”缺少月份"),
        ("国庆节：上班。", 2027, "国庆节：没有识别出放假日期"),
        ("元旦：1月1日至3日放假。", None, "未能从文本中识别出年份"),
    ],
)
def test_what_does_not_read_is_refused_in_chinese(text, year, message):
    with pytest.raises(NoticeError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_holiday_notice(text, year=year)


def test_full_width_digits_and_half_width_punctuation_read_alike():
    text = "元旦:１月１日(周五)至３日(周日)放假,共３天。"
    assert _read(parse_holiday_notice(text, year=2027)) == {
        (date(2027, 1, 1), "holiday"),
        (date(2027, 1, 2), "holiday"),
        (date(2027, 1, 3), "holiday"),
    }


# --- properties -----------------------------------------------------------------------------

NAMES = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
WEEKDAY_WORDS = ("周", "星期")


def _written(day: date, *, month: bool, year: bool, weekday: str) -> str:
    text = f"{day.year}年" if year else ""
    text += f"{day.month}月" if month else ""
    text += f"{day.day}日"
    if weekday:
        text += f"（{weekday}{'一二三四五六日'[day.weekday()]}）"
    return text


@st.composite
def notices(draw):
    """A notice in the State Council's sentence form, and the days it gives."""
    year = draw(st.integers(min_value=2001, max_value=2099))
    count = draw(st.integers(min_value=1, max_value=len(NAMES)))
    # items 40 days apart at most 9 days long, so no two items meet; the first may start in
    # the last days of the year before (元旦)
    first = date(year, 1, 1) - timedelta(days=draw(st.integers(min_value=0, max_value=2)))
    starts = [first + timedelta(days=40 * index + draw(st.integers(0, 20))) for index in range(count)]
    weekday = draw(st.sampled_from(("", *WEEKDAY_WORDS)))
    lines, expected = [], set()
    for index, start in enumerate(starts):
        name = NAMES[index]
        length = draw(st.integers(min_value=1, max_value=9))
        end = start + timedelta(days=length - 1)
        crossing = start.year != end.year or start.year != year
        text = _written(start, month=True, year=crossing, weekday=weekday)
        if length > 1:
            text += "至" + _written(
                end, month=end.month != start.month or crossing, year=crossing, weekday=weekday
            )
        text += f"放假调休，共{length}天。"
        days = {start + timedelta(days=offset) for offset in range(length)}
        expected |= {(day, "holiday") for day in days}
        weekends = [
            day
            for day in (start - timedelta(days=offset) for offset in range(2, 9))
            if day.weekday() >= 5 and day.year == year
        ] + [day for day in (end + timedelta(days=offset) for offset in range(2, 9)) if day.weekday() >= 5]
        used = {day for day, _ in expected}
        weekends = [day for day in weekends if day.year == year and day not in used]
        workdays = sorted(draw(st.sets(st.sampled_from(weekends), max_size=2))) if weekends else []
        if workdays:
            text += "、".join(
                _written(day, month=True, year=False, weekday=weekday or "周") for day in workdays
            )
            text += "上班。"
            expected |= {(day, "workday") for day in workdays}
        number = "一二三四五六七"[index]
        lines.append(f"{number}、{name}：{text}")
    title = f"国务院办公厅关于{year}年部分节假日安排的通知\n" if draw(st.booleans()) else ""
    return year, title + "\n".join(lines), expected


@settings(max_examples=300, deadline=None)
@given(notices())
def test_a_notice_in_the_usual_form_gives_exactly_its_days(notice):
    year, text, expected = notice
    schedule = parse_holiday_notice(text, year=year)
    assert _read(schedule) == expected


NOTICE_ALPHABET = st.sampled_from(
    list(
        "0123456789年月日号至到、，,。：:（）()周星期一二三四五六日天上班放假调休补休共元旦春节国庆中秋清明劳动端午\n -—～"
    )
)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(max_size=300), st.text(NOTICE_ALPHABET, max_size=200)))
def test_any_text_gives_days_or_a_chinese_refusal(text):
    try:
        schedule = parse_holiday_notice(text, year=2027)
    except NoticeError as error:
        refusal = error
    else:
        assert schedule.days
        assert all(abs(day.date.year - 2027) <= 1 for day in schedule.days)
        return
    assert refusal.message
    assert refusal.extra


# --- the date range fallback -----------------------------------------------------------------


def test_a_range_gives_every_day_of_it():
    days = range_schedule(start=date(2027, 10, 1), end=date(2027, 10, 7), kind="holiday", name="国庆节")
    assert [day.date.day for day in days] == [1, 2, 3, 4, 5, 6, 7]
    assert {day.name for day in days} == {"国庆节"}


@pytest.mark.parametrize(
    ("start", "end", "kind", "name", "message"),
    [
        (date(2027, 10, 7), date(2027, 10, 1), "holiday", "国庆节", "结束日期不能早于开始日期。"),
        (date(2027, 1, 1), date(2027, 2, 15), "holiday", "春节", "一次最多录入 31 天"),
        (
            date(2027, 10, 8),
            date(2027, 10, 10),
            "workday",
            "国庆节",
            "调休上班日须为星期六或星期日；10月8日是周一至周五",
        ),
        (date(2027, 10, 9), date(2027, 10, 9), "holiday", " ", "请填写节日名称"),
        (date(2027, 10, 9), date(2027, 10, 9), "rest", "国庆节", "请选择类型"),
    ],
)
def test_a_range_that_cannot_be_saved_is_refused_in_chinese(start, end, kind, name, message):
    with pytest.raises(NoticeError, match=message):
        range_schedule(start=start, end=end, kind=kind, name=name)
