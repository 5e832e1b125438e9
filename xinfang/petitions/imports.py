"""Import of historic ledgers (.xlsx, the columns of the 登记台账 export).

Every row goes through `petition_register`, inside its own savepoint: a good row is registered
(new number, status 已登记, first-inquiry person = the importing clerk), a bad row is reported with
the service's Chinese reasons and leaves nothing behind. A row is a matter the ledger already
decided: it is not asked whether it repeats an earlier petition (关联为重复件 / 不是同一事项), as a
registration on the page or through the API is; it is registered without a repeat link.
"""

import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db import transaction
from django.utils import timezone

from xinfang.core.exceptions import ApplicationError, ValidationFailed
from xinfang.core.requests import RequestMeta
from xinfang.core.spreadsheets import xlsx_row
from xinfang.organisation.selectors import units_visible_to

from .choices import Channel, PetitionStatus, ReferralKind
from .selectors import category_tree
from .services import PetitionerInput, PetitionInput, petition_register

REQUIRED_COLUMNS = ("收到时间", "来源渠道", "信访人", "问题类别", "标题", "主要问题和诉求", "问题属地")
OPTIONAL_COLUMNS = ("编号", "状态", "身份证号", "联系电话", "上级机关", "上级文号")
STATUS_BY_LABEL = {label: value for value, label in PetitionStatus.choices}
TEMPLATE_COLUMNS = (
    "收到时间",
    "来源渠道",
    "信访人",
    "身份证号",
    "联系电话",
    "问题类别",
    "标题",
    "主要问题和诉求",
    "问题属地",
    "上级机关",
    "上级文号",
)
MAX_IMPORT_ROWS = 2000
ANONYMOUS_CHANNELS = (Channel.LETTER, Channel.CALL, Channel.ONLINE)
DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
)
NAME_SEPARATORS = re.compile(r"[、,，;；\s]+")
ERROR_COLUMNS = {
    "received_at": "收到时间",
    "channel": "来源渠道",
    "category": "问题类别",
    "problem_unit": "问题属地",
    "subject": "标题",
    "content": "主要问题和诉求",
    "petitioners": "信访人",
    "anonymous": "信访人",
    "name": "信访人",
    "id_number": "身份证号",
    "phone": "联系电话",
    "gender": "信访人",
    "referral_kind": "来源渠道",
    "referral_office": "上级机关",
    "original_number": "编号",
    "original_status": "状态",
}


@dataclass
class ImportRow:
    row_number: int
    number: str = ""
    petition_id: int | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.petition_id is not None


@dataclass
class ImportResult:
    rows: list[ImportRow]

    @property
    def created(self) -> int:
        return sum(row.ok for row in self.rows)

    @property
    def failed(self) -> int:
        return len(self.rows) - self.created


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _received_at(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time.min)
    else:
        text = _text(value)
        for pattern in DATETIME_FORMATS:
            try:
                moment = datetime.strptime(text, pattern)  # noqa: DTZ007 - made aware below
                break
            except ValueError:
                continue
        else:
            return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _channel(label: str) -> tuple[str, str]:
    """(channel, referral kind) from a Chinese label as the export writes it, or a code."""
    for kind in ReferralKind:
        if label == kind.label:
            return Channel.REFERRAL, kind.value
    for channel in Channel:
        if label in (channel.label, channel.value):
            return channel.value, ""
    return label, ""


class _Lookups:
    """Category and unit names resolved once per file, not once per row."""

    def __init__(self, actor: Any) -> None:
        self.categories: dict[str, str] = {}
        tree = category_tree()
        for category in tree:
            self.categories[category.code] = category.code
            self.categories[str(category)] = category.code
        for category in tree:  # a child's short name wins over a first-level class of the same name
            if category.parent_id:
                self.categories.setdefault(category.name, category.code)
        for category in tree:
            self.categories.setdefault(category.name, category.code)
        self.units: dict[str, int] = {}
        for pk, code, name in units_visible_to(actor).values_list("pk", "code", "name"):
            self.units[code] = pk
            self.units.setdefault(name, pk)

    def category(self, value: str) -> str:
        return self.categories.get(value, value or "")

    def unit(self, value: str) -> int | None:
        return self.units.get(value)


def _petitioners(names: str, ids: str, phones: str) -> list[PetitionerInput]:
    """Names split on 、 or commas; ID numbers and phones go to the names in the same order.
    Masked values (a re-imported export: 110105********002X) are left out."""
    people = [n for n in NAME_SEPARATORS.split(names) if n]
    id_list = [v for v in NAME_SEPARATORS.split(ids) if v]
    phone_list = [v for v in NAME_SEPARATORS.split(phones) if v]
    result = []
    for index, name in enumerate(people):
        id_number = id_list[index] if index < len(id_list) else ""
        phone = phone_list[index] if index < len(phone_list) else ""
        result.append(
            PetitionerInput(
                name=name,
                id_number="" if "*" in id_number else id_number,
                phone="" if "*" in phone else phone,
            )
        )
    return result


def _row_input(values: dict[str, str], raw_received: Any, lookups: _Lookups) -> PetitionInput:
    channel, referral_kind = _channel(values.get("来源渠道", ""))
    names = values.get("信访人", "")
    anonymous = names in ("", "匿名") and channel in ANONYMOUS_CHANNELS
    people = (
        [] if names == "匿名" else _petitioners(names, values.get("身份证号", ""), values.get("联系电话", ""))
    )
    return PetitionInput(
        channel=channel,
        received_at=_received_at(raw_received),
        subject=values.get("标题", ""),
        content=values.get("主要问题和诉求", ""),
        category=lookups.category(values.get("问题类别", "")),
        problem_unit=lookups.unit(values.get("问题属地", "")),
        petitioners=people,
        anonymous=anonymous,
        headcount=max(len(people), 1),
        referral_kind=referral_kind,
        referral_office=values.get("上级机关", ""),
        referral_number=values.get("上级文号", ""),
        original_number=values.get("编号", ""),
        original_status=STATUS_BY_LABEL.get(values.get("状态", ""), values.get("状态", "")),
        imported=True,
    )


def _problems(error: ApplicationError) -> list[str]:
    if not error.extra:
        return [error.message]
    problems = []
    for key, message in error.extra.items():
        column = ERROR_COLUMNS.get(key.split(".")[-1]) or ERROR_COLUMNS.get(key.split(".")[0])
        problems.append(f"{column}：{message}" if column else str(message))
    return problems


def _read_sheet(content: bytes) -> tuple[list[str], list[tuple[int, tuple[Any, ...]]]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ValidationFailed(
            "文件无法读取，请上传 .xlsx 格式的台账（可下载本页的模板）。", {"file": "文件无法读取。"}
        ) from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_text(value) for value in next(rows, ())]
    data = []
    for number, values in enumerate(rows, start=2):
        if any(_text(value) for value in values):
            data.append((number, values))
            if len(data) > MAX_IMPORT_ROWS:
                message = f"单个文件最多导入 {MAX_IMPORT_ROWS} 行，请拆分后分批导入。"
                raise ValidationFailed(message, {"file": message})
    workbook.close()
    return header, data


def register_import(*, actor: Any, content: bytes, request_meta: RequestMeta | None = None) -> ImportResult:
    """Registers every good row of the file and reports every bad one; see the module docstring."""
    header, data = _read_sheet(content)
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        message = f"表头缺少必填列：{'、'.join(missing)}。第一行应为列名，可下载模板对照。"
        raise ValidationFailed(message, {"file": message})
    positions = {name: index for index, name in enumerate(header) if name}
    lookups = _Lookups(actor)
    results = []
    for row_number, values in data:
        cells = {name: values[index] if index < len(values) else None for name, index in positions.items()}
        row = ImportRow(row_number=row_number)
        texts = {name: _text(value) for name, value in cells.items()}
        data_input = _row_input(texts, cells.get("收到时间"), lookups)
        if data_input.received_at is None and texts.get("收到时间"):
            row.problems.append("收到时间：格式不正确，应为日期时间（如 2025-03-01 09:30）。")
            results.append(row)
            continue
        try:
            with transaction.atomic():
                petition = petition_register(actor=actor, data=data_input, request_meta=request_meta)
        except ApplicationError as error:
            row.problems.extend(_problems(error))
        else:
            row.petition_id = petition.pk
            row.number = petition.number
        results.append(row)
    return ImportResult(rows=results)


def import_template_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "登记台账"
    sheet.append(xlsx_row(sheet, TEMPLATE_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFGHIJK", (18, 12, 16, 22, 16, 18, 30, 50, 16, 20, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    notes = workbook.create_sheet("填写说明")
    for line in (
        ("列名", "说明"),
        ("收到时间", "必填。日期时间，如 2025-03-01 09:30。"),
        ("来源渠道", "必填。来信、来访、来电、网上信访、领导接待日、上级转送、上级交办之一。"),
        ("信访人", "必填。多人用“、”分隔；匿名来信、来电、网上信访填“匿名”。"),
        ("身份证号", "选填。多人时按信访人顺序用“、”分隔；须符合 GB 11643 校验。"),
        ("联系电话", "选填。多人时按信访人顺序用“、”分隔。"),
        ("问题类别", "必填。类别代码（如 0201）或名称（如 拖欠工资、劳动保障/拖欠工资）。"),
        ("标题", "必填。不超过 200 字。"),
        ("主要问题和诉求", "必填。"),
        ("问题属地", "必填。您权限范围内的单位代码或名称。"),
        ("上级机关", "上级转送、交办件必填。"),
        ("上级文号", "选填。"),
        ("编号", "选填。历史台账的原编号，保留不变（不得与已有编号重复）；留空则由系统编号。"),
        (
            "状态",
            "选填。如 已办结、已答复、办理中；留空为“已登记”。已办结、不予受理、不再受理、已转送的事项不再计算期限。",
        ),
        ("", "首问责任人为导入人；当前期限等其余列会被忽略。"),
    ):
        notes.append(xlsx_row(notes, line))
    notes.column_dimensions["A"].width = 16
    notes.column_dimensions["B"].width = 90
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
