"""The vocabulary of supervision (督查督办, domain.md §5)."""

from django.db import models


class SupervisionKind(models.TextChoices):
    NORMAL = "normal", "督办"
    LISTED = "listed", "挂牌督办"


class SupervisionStatus(models.TextChoices):
    PROPOSED = "proposed", "待确认"
    OPEN = "open", "督办中"
    ANSWERED = "answered", "已报告"
    CLOSED = "closed", "已办结"
    ESCALATED = "escalated", "已升级"
    DISMISSED = "dismissed", "不予督办"  # a proposal the office declined (正当理由), with its reason


class Trigger(models.TextChoices):
    """督办事由."""

    DEADLINE_MISSED = "deadline_missed", "无正当理由超期未办结"
    NOT_REPORTED = "not_reported", "办理结果未按期报告"
    PROCEDURE = "procedure", "未按规定程序办理"
    SHIRKING = "shirking", "推诿、敷衍、拖延"
    NOT_EXECUTED = "not_executed", "处理意见未落实"
    OTHER = "other", "其他"


class Method(models.TextChoices):
    """督办方式."""

    PHONE = "phone", "电话督办"
    LETTER = "letter", "发函督办"
    VISIT = "visit", "派人督办"
    TALK = "talk", "约谈"


class FivePackage(models.TextChoices):
    """五包: what the case leader and the responsible person answer for in a listed matter."""

    KNOW_SITUATION = "know_situation", "了解情况"
    SOLVE_DIFFICULTY = "solve_difficulty", "解决困难"
    EDUCATE_PERSUADE = "educate_persuade", "教育疏导"
    KEEP_CONTROL = "keep_control", "稳控管理"
    HANDLE_BY_LAW = "handle_by_law", "依法处理"


# A supervision still waiting for the supervised unit (the petition may get at most one proposed).
ACTIVE_STATUSES = frozenset({SupervisionStatus.PROPOSED, SupervisionStatus.OPEN})
# A supervision whose matter is still in progress: it takes progress entries and may be delisted.
RUNNING_STATUSES = frozenset({SupervisionStatus.OPEN, SupervisionStatus.ANSWERED})
