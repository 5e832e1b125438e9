"""Checks of personal data: 身份证号 (GB 11643-1999) and phone numbers; masking for lists."""

import re
from datetime import date

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
ID_PATTERN = re.compile(r"^\d{17}[\dX]$", re.ASCII)
PHONE_PATTERN = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|\d{7,8})$", re.ASCII)
# a mainland mobile number (what an SMS can reach): 11 digits, 13x–19x
MOBILE_PATTERN = re.compile(r"^1[3-9]\d{9}$", re.ASCII)


def id_number_check_char(first17: str) -> str:
    return ID_CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def id_number_problem(value: str) -> str | None:
    """None when `value` is a valid 18-character resident ID number, else the Chinese reason."""
    value = (value or "").strip().upper()
    if len(value) != 18:
        return f"身份证号应为 18 位，当前为 {len(value)} 位。"
    if not ID_PATTERN.match(value):
        return "身份证号前 17 位应为数字，最后一位为数字或 X。"
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return f"身份证号中的出生日期 {value[6:14]} 不是有效日期。"
    expected = id_number_check_char(value[:17])
    if value[17] != expected:
        return f"身份证号校验位错误（按 GB 11643 应为 {expected}），请核对。"
    return None


def normalise_id_number(value: str) -> str:
    return (value or "").strip().upper()


def is_mobile(value: str) -> bool:
    return bool(MOBILE_PATTERN.match((value or "").strip()))


def phone_problem(value: str) -> str | None:
    value = (value or "").strip()
    if value and not PHONE_PATTERN.match(value):
        return "联系电话格式不正确，应为 11 位手机号或带区号的固定电话。"
    return None


def mask_name(name: str) -> str:
    """张三 → 张*, 张小三 → 张*三, 欧阳小明 → 欧**明."""
    if not name:
        return ""
    if len(name) <= 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_phone(phone: str) -> str:
    if not phone:
        return ""
    if len(phone) >= 11:
        return phone[:3] + "****" + phone[-4:]
    return phone[:2] + "*" * max(len(phone) - 4, 1) + phone[-2:]


def mask_id_number(value: str) -> str:
    if not value:
        return ""
    return value[:6] + "*" * 8 + value[-4:] if len(value) == 18 else "*" * len(value)


IDENTIFIER_QUERY_PATTERN = re.compile(r"^[\d\s()+-]*\d[\d\s()+-]*[Xx]?$", re.ASCII)


def is_identifier_query(query: str) -> bool:
    """A search for a 身份证号 or a phone number: digits (with the separators of a phone number),
    an ID number ending in X included. Such a search must match only the whole identifier."""
    return bool(IDENTIFIER_QUERY_PATTERN.match((query or "").strip()))


def is_whole_identifier(query: str) -> bool:
    """Could `query` be a whole ID number or phone number (not just the first digits of one)?"""
    query = (query or "").strip()
    return bool(ID_PATTERN.match(normalise_id_number(query)) or PHONE_PATTERN.match(query))


def mask_searched_identifier(query: str) -> str:
    """How the audit log keeps a searched identifier: the first 3 and the last 2 characters."""
    query = (query or "").strip()
    if len(query) <= 7:
        return "*" * len(query)
    return query[:3] + "*" * (len(query) - 5) + query[-2:]


def mask_address(address: str) -> str:
    if not address:
        return ""
    return address[:6] + "****" if len(address) > 6 else address[:2] + "****"
