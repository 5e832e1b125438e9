from django.db import models


class Channel(models.TextChoices):
    LETTER = "letter", "来信"
    VISIT = "visit", "来访"
    CALL = "call", "来电"
    ONLINE = "online", "网上信访"
    RECEPTION_DAY = "reception_day", "领导接待日"
    REFERRAL = "referral", "上级转送/交办"


class PetitionStatus(models.TextChoices):
    """The procedure's states (信访工作条例 arts. 17–36); workflow.TRANSITIONS moves between them."""

    REGISTERED = "registered", "已登记"
    ACCEPTED = "accepted", "已受理"
    NOT_ACCEPTED = "not_accepted", "不予受理"
    DECLINED_AGAIN = "declined_again", "不再受理"
    TRANSFERRED = "transferred", "已转送"
    ASSIGNED = "assigned", "已交办"
    HANDLING = "handling", "办理中"
    REPORT_PENDING = "report_pending", "待审核"
    APPROVED = "approved", "待答复"
    ANSWERED = "answered", "已答复"
    REVIEW = "review", "复查中"
    REREVIEW = "rereview", "复核中"
    CLOSED = "closed", "已办结"


CLOSED_STATUSES = frozenset(
    {
        PetitionStatus.NOT_ACCEPTED,
        PetitionStatus.DECLINED_AGAIN,
        PetitionStatus.CLOSED,
    }
)
OPEN_STATUSES = frozenset(PetitionStatus) - CLOSED_STATUSES


class Gender(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"
    UNKNOWN = "unknown", "未知"


class ReferralKind(models.TextChoices):
    TRANSFER = "transfer", "上级转送"
    ASSIGN = "assign", "上级交办"


class Outcome(models.TextChoices):
    """处理结果 of an answer, a review or a re-review (信访工作条例 art. 32)."""

    SUPPORT = "support", "支持"
    EXPLAIN = "explain", "解释"
    NOT_SUPPORT = "not_support", "不予支持"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASICALLY_SATISFIED = "basically_satisfied", "基本满意"
    DISSATISFIED = "dissatisfied", "不满意"
