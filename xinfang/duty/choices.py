"""The states and kinds of duty (值班)."""

from django.db import models


class RosterStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"


class ShiftStatus(models.TextChoices):
    PLANNED = "planned", "待上岗"
    ON_DUTY = "on_duty", "值班中"
    HANDED_OVER = "handed_over", "待接班"
    CLOSED = "closed", "已交班"


class MemberKind(models.TextChoices):
    LEADER = "leader", "带班领导"
    STAFF = "staff", "值班员"


class LeaveStatus(models.TextChoices):
    NONE = "", "—"
    REQUESTED = "requested", "请假待批"
    APPROVED = "approved", "已准假"  # replaced by a substitute (替班)


class EntryKind(models.TextChoices):
    CALL = "call", "来电"
    VISIT = "visit", "来访"


class EntryStatus(models.TextChoices):
    OPEN = "open", "待办结"
    ANSWERED = "answered", "当场答复（咨询）"
    REGISTERED = "registered", "已登记为信访件"
    CLOSED = "closed", "已办结"


class ItemKind(models.TextChoices):
    ENTRY = "entry", "未办结的值班记录"
    URGENT = "urgent", "未确认的紧急事项"
    PETITION = "petition", "本班登记未交办的信访件"
    INCIDENT = "incident", "未结束的突发事件（待续报）"
    NOTE = "note", "交班说明事项"


class ItemStatus(models.TextChoices):
    PENDING = "pending", "待接收"
    ACCEPTED = "accepted", "已接收"
    RETURNED = "returned", "已退回"
    SETTLED = "settled", "已由交班人办结"


SETTLED_ITEMS = frozenset({ItemStatus.ACCEPTED, ItemStatus.SETTLED})
