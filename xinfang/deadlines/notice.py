"""The State Council's annual holiday notice (国务院办公厅关于 XXXX 年部分节假日安排的通知), read
into days; and a date range, the fallback when a notice does not read.

Pure functions: no database, no clock. The notice's items keep the same sentence form year after
year:

    一、元旦：1月1日（周五）至3日（周日）放假调休，共3天。1月4日（周一）上班。
    二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。
        1月26日（周日）、2月8日（周六）上班。
    一、元旦：1月1日（周三）放假1天，不调休。
    一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。      (a year-crossing item)
    一、元旦：2012年1月1日至3日放假调休，共3天。2011年12月31日（星期六）上班。

Each item starts with its holiday's name and a colon; a clause naming 上班 gives 调休 workdays,
one naming 放假 (补休, 调休, 休息) gives days off, each day of a range "A至B" included. What the
notice itself states is checked, so that a notice pasted under the wrong year, or mistyped, is
refused before anything is saved: the weekday in brackets must be the date's weekday, "共N天"
must be the number of days off, a workday must fall on a weekend, no day may be given twice.
Every refusal is a `NoticeError` with a Chinese message naming the place in the text.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

from xinfang.core.exceptions import ValidationFailed

HOLIDAY = "holiday"
WORKDAY = "workday"
KIND_LABELS = {HOLIDAY: "放假", WORKDAY: "上班"}

MAX_TEXT_LENGTH = 5000
MAX_RANGE_DAYS = 31
MAX_NAME_LENGTH = 60
MIN_YEAR, MAX_YEAR = 2000, 2100
WEEKDAYS = "一二三四五六日"

HOLIDAY_NAMES = (
    "元旦",
    "春节",
    "清明节",
    "清明",
    "五一国际劳动节",
    "国际劳动节",
    "劳动节",
    "端午节",
    "端午",
    "中秋节",
    "中秋",
    "国庆节",
    "国庆",
)
_NAME = "|".join(HOLIDAY_NAMES)
# "六、国庆节、中秋节：" — the names, then a colon (NFKC has made it ":")
ITEM_HEADER = re.compile(rf"(?P<names>(?:{_NAME})(?:\s*[、和与及]\s*(?:{_NAME}))*)\s*:")
DATE = re.compile(
    r"(?:(?P<year>\d{4})\s*年\s*)?(?:(?P<month>\d{1,2})\s*月\s*)?(?P<day>\d{1,2})\s*[日号]"
    r"(?:\s*\((?P<note>[^()]*)\))?"
)
RANGE_JOINER = re.compile(r"^\s*(?:至|到|-|—|–|~|～)\s*$")
LIST_JOINER = re.compile(r"^\s*(?:、|和|及|,)?\s*$")
WEEKDAY_NOTE = re.compile(r"(?:周|星期|礼拜)([一二三四五六日天])")
STATED_DAYS = re.compile(r"(?:共|放假)\s*(\d{1,2})\s*天")
YEAR_IN_TITLE = re.compile(r"(\d{4})\s*年\s*(?:部分)?节假日")
YEAR_IN_OPENING = re.compile(r"现将\s*(\d{4})\s*年")
WORK_WORDS = ("上班",)
REST_WORDS = ("放假", "补休", "调休", "休息", "休假")


class NoticeError(ValidationFailed):
    """The text does not read as a notice, or contradicts itself; `message` says where."""

    def __init__(self, message: str, field: str = "text") -> None:
        super().__init__(message, {field: message})


@dataclass(frozen=True)
class ScheduleDay:
    date: date
    kind: str  # HOLIDAY or WORKDAY, the values of CalendarDay.Kind
    name: str

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def weekday(self) -> str:
        return f"星期{WEEKDAYS[self.date.weekday()]}"


@dataclass(frozen=True)
class NoticeItem:
    name: str
    holidays: tuple[date, ...]
    workdays: tuple[date, ...]
    stated_days: int | None  # "共8天", "放假1天"; None when the item states no count


@dataclass(frozen=True)
class Schedule:
    year: int
    items: tuple[NoticeItem, ...]

    @property
    def days(self) -> list[ScheduleDay]:
        found = [
            ScheduleDay(day, kind, item.name)
            for item in self.items
            for kind, days in ((HOLIDAY, item.holidays), (WORKDAY, item.workdays))
            for day in days
        ]
        return sorted(found, key=lambda entry: entry.date)


# --- reading a notice --------------------------------------------------------------------------


def parse_holiday_notice(text: str, *, year: int | None = None) -> Schedule:
    """The days a notice gives. `year` is the year it is for; None: read from the notice's
    title or opening sentence (then one of them must be in the text)."""
    text = _checked_text(text)
    year = _notice_year(text, year)
    headers = list(ITEM_HEADER.finditer(text))
    if not headers:
        raise NoticeError(
            "未识别出任何节日安排。请粘贴通知正文，每一项以节日名称和冒号开头，例如"
            "“一、元旦：1月1日（周五）至3日（周日）放假调休，共3天。”；也可以改用下方的日期范围录入。"
        )
    items = []
    for index, header in enumerate(headers):
        end = headers[index + 1].start() if index + 1 < len(headers) else len(text)
        name = re.sub(r"\s+", "", header["names"])
        items.append(_item(name, text[header.end() : end], year))
    _check_no_day_twice(items)
    return Schedule(year=year, items=tuple(items))


def _checked_text(text: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise NoticeError("请粘贴通知正文。")
    if len(text) > MAX_TEXT_LENGTH:
        raise NoticeError(f"通知文本不能超过 {MAX_TEXT_LENGTH} 个字（当前 {len(text)} 个字），请只粘贴正文。")
    # full-width digits, brackets, colons and commas become their ASCII forms
    return unicodedata.normalize("NFKC", text)


def _notice_year(text: str, year: int | None) -> int:
    stated = YEAR_IN_TITLE.search(text) or YEAR_IN_OPENING.search(text)
    stated_year = int(stated.group(1)) if stated else None
    if year is None and stated_year is None:
        raise NoticeError("未能从文本中识别出年份，请选择通知所属的年份。", "year")
    if year is not None and stated_year is not None and stated_year != year:
        raise NoticeError(f"通知正文写的是 {stated_year} 年，与所选的 {year} 年不一致，请核对。", "year")
    chosen = year if year is not None else stated_year
    assert chosen is not None
    if not MIN_YEAR <= chosen <= MAX_YEAR:
        raise NoticeError(f"年份须在 {MIN_YEAR} 至 {MAX_YEAR} 之间。", "year")
    return chosen


def _sentences(body: str) -> list[str]:
    return [part.strip() for part in re.split(r"[。;\n\r]+", body) if part.strip()]


def _kind_of(clause: str) -> str | None:
    if any(word in clause for word in WORK_WORDS):
        return WORKDAY
    if any(word in clause for word in REST_WORDS):
        return HOLIDAY
    return None


def _kind_after(clauses: list[str]) -> str | None:
    """ "1月1日至3日，放假调休": the kind of dates may come in the next clause without dates."""
    for clause in clauses:
        if DATE.search(clause):
            return None
        if kind := _kind_of(clause):
            return kind
    return None


def _item(name: str, body: str, year: int) -> NoticeItem:
    holidays: list[date] = []
    workdays: list[date] = []
    stated: int | None = None
    for sentence in _sentences(body):
        clauses = [clause for clause in sentence.split(",") if clause.strip()]
        for index, clause in enumerate(clauses):
            if count := STATED_DAYS.search(clause):
                stated = int(count.group(1))
            if not DATE.search(clause):
                continue
            kind = _kind_of(clause) or _kind_after(clauses[index + 1 :])
            if kind is None:
                if _kind_of(sentence) is None:
                    continue  # a date outside the schedule: the notice's own date, a signature
                raise NoticeError(f"{name}：无法判断“{clause.strip()}”中的日期是放假还是上班。")
            (holidays if kind == HOLIDAY else workdays).extend(_dates(clause, year, name))
    if not holidays:
        raise NoticeError(f"{name}：没有识别出放假日期，请核对这一项的文字。")
    for day in workdays:
        if day.weekday() < 5:
            raise NoticeError(
                f"{name}：{_cn(day)}是星期{WEEKDAYS[day.weekday()]}，调休上班日应为星期六或星期日，请核对。"
            )
    if stated is not None and stated != len(set(holidays)):
        raise NoticeError(
            f"{name}：识别出的放假日期共 {len(set(holidays))} 天（{_span(holidays)}），"
            f"与通知所写的“共{stated}天”不符，请核对。"
        )
    return NoticeItem(
        name=name,
        holidays=tuple(sorted(set(holidays))),
        workdays=tuple(sorted(set(workdays))),
        stated_days=stated,
    )


def _dates(clause: str, year: int, name: str) -> list[date]:
    """Every day a clause names: single days and the days of ranges, a list joined by 、."""
    matches = list(DATE.finditer(clause))
    found: list[date] = []
    current_year, current_month = year, None
    previous: date | None = None
    range_open = False
    for index, match in enumerate(matches):
        between = clause[matches[index - 1].end() : match.start()] if index else ""
        joins_range = bool(index) and bool(RANGE_JOINER.match(between))
        if index and not joins_range and not LIST_JOINER.match(between):
            previous, range_open = None, False
        explicit_year = int(match["year"]) if match["year"] else None
        month = int(match["month"]) if match["month"] else current_month
        if month is None:
            raise NoticeError(f"{name}：“{_as_written(match.group(0))}”缺少月份。")
        day_year = explicit_year or current_year
        if (
            joins_range
            and previous is not None
            and explicit_year is None
            and (previous.month, month) == (12, 1)
        ):
            day_year = previous.year + 1  # 12月31日至1月2日: the range runs into the next year
        day = _valid_date(day_year, month, int(match["day"]), match.group(0), name, year)
        _check_weekday(day, match["note"], match.group(0), name)
        if joins_range and previous is not None and not range_open:
            found.extend(_range(previous, day, name)[1:])
            range_open = True
        else:
            found.append(day)
            range_open = False
        previous, current_year, current_month = day, day.year, day.month
    return found


def _valid_date(year: int, month: int, day: int, written: str, name: str, notice_year: int) -> date:
    try:
        found = date(year, month, day)
    except ValueError:
        raise NoticeError(f"{name}：“{_as_written(written)}”不是有效日期。") from None
    if abs(found.year - notice_year) > 1:
        raise NoticeError(f"{name}：“{_as_written(written)}”不在 {notice_year} 年前后，请核对年份。")
    return found


def _check_weekday(day: date, note: str | None, written: str, name: str) -> None:
    stated = WEEKDAY_NOTE.search(note or "")
    if stated is None:
        return
    wanted = WEEKDAYS.index("日" if stated.group(1) == "天" else stated.group(1))
    if day.weekday() != wanted:
        raise NoticeError(
            f"{name}：{_cn(day)}是星期{WEEKDAYS[day.weekday()]}，与通知所写“{_as_written(written)}”不符，"
            "请核对年份或日期。"
        )


def _range(start: date, end: date, name: str) -> list[date]:
    if end < start:
        raise NoticeError(f"{name}：{_cn(start)}至{_cn(end)}，结束日期早于开始日期。")
    length = (end - start).days + 1
    if length > MAX_RANGE_DAYS:
        raise NoticeError(
            f"{name}：{_cn(start)}至{_cn(end)}共 {length} 天，超过 {MAX_RANGE_DAYS} 天，请核对。"
        )
    return [start + timedelta(days=offset) for offset in range(length)]


def _check_no_day_twice(items: list[NoticeItem]) -> None:
    seen: dict[date, tuple[str, str]] = {}
    for item in items:
        for kind, days in ((HOLIDAY, item.holidays), (WORKDAY, item.workdays)):
            for day in days:
                if day in seen:
                    other_name, other_kind = seen[day]
                    raise NoticeError(
                        f"{_cn(day)}在“{other_name}”中为{KIND_LABELS[other_kind]}，"
                        f"在“{item.name}”中又为{KIND_LABELS[kind]}，同一天不能出现两次，请核对。"
                    )
                seen[day] = (item.name, kind)


def _as_written(text: str) -> str:
    """A piece of the normalised text as the notice prints it (full-width brackets)."""
    return text.strip().replace("(", "（").replace(")", "）")


def _cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _span(days: list[date]) -> str:
    ordered = sorted(set(days))
    return _cn(ordered[0]) if len(ordered) == 1 else f"{_cn(ordered[0])}至{_cn(ordered[-1])}"


# --- the fallback: a date range ---------------------------------------------------------------


def range_schedule(*, start: date, end: date, kind: str, name: str) -> list[ScheduleDay]:
    """Every day from `start` to `end` (both included) as `kind`, named `name`. Workdays must be
    weekends (a Monday–Friday is a workday already); at most 31 days."""
    name = (name or "").strip()
    if kind not in KIND_LABELS:
        raise NoticeError("请选择类型：放假或上班。", "kind")
    if not name:
        raise NoticeError("请填写节日名称，例如 国庆节。", "name")
    if len(name) > MAX_NAME_LENGTH:
        raise NoticeError(f"节日名称不能超过 {MAX_NAME_LENGTH} 个字。", "name")
    for field, day in (("start", start), ("end", end)):
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            raise NoticeError(f"日期须在 {MIN_YEAR} 年至 {MAX_YEAR} 年之间。", field)
    if end < start:
        raise NoticeError("结束日期不能早于开始日期。", "end")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise NoticeError(f"一次最多录入 {MAX_RANGE_DAYS} 天，请分段录入。", "end")
    days = [start + timedelta(days=offset) for offset in range((end - start).days + 1)]
    if kind == WORKDAY and (weekdays := [day for day in days if day.weekday() < 5]):
        listed = "、".join(f"{day.month}月{day.day}日" for day in weekdays[:5])
        raise NoticeError(
            f"调休上班日须为星期六或星期日；{listed}{'等' if len(weekdays) > 5 else ''}是周一至周五，本来就是工作日。",
            "kind",
        )
    return [ScheduleDay(day, kind, name) for day in days]
