from django.db import models

from xinfang.deadlines.periods import Cadence


class ReportKind(models.TextChoices):
    EARLY_SIGN = "early_sign", "苗头信息"
    ROUTINE = "routine", "定期报告"
    ZERO = "zero", "零报告"
    DAILY = "daily", "日报"
    IMMEDIATE = "immediate", "即时报告"


# the kinds that answer an expected report of a period (routine, daily, or "nothing to report")
PERIODIC_KINDS = frozenset({ReportKind.ROUTINE, ReportKind.ZERO, ReportKind.DAILY})


class CadenceChoice(models.TextChoices):
    WEEKLY = Cadence.WEEKLY.value, "周报"
    HALF_MONTHLY = Cadence.HALF_MONTHLY.value, "半月报"
    MONTHLY = Cadence.MONTHLY.value, "月报"
    DAILY = Cadence.DAILY.value, "日报"


class ReportStatus(models.TextChoices):
    SUBMITTED = "submitted", "待签收"
    SIGNED = "signed", "已签收"
    RETURNED = "returned", "已退回"
    FORWARDED = "forwarded", "已上报"


class Risk(models.TextChoices):
    HIGH = "high", "高"
    MEDIUM = "medium", "中"
    LOW = "low", "低"
