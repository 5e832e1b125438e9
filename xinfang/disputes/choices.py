from django.db import models


class DisputeStatus(models.TextChoices):
    REGISTERED = "registered", "待调解"
    MEDIATING = "mediating", "调解中"
    DRAFTING = "drafting", "协议拟定中"
    PERFORMING = "performing", "协议履行中"
    PERFORMED = "performed", "已履行"
    FAILED = "failed", "调解不成"
    REFERRED = "referred", "已导出"  # to a court, arbitration, an administrative body, the petition procedure
    CLOSED = "closed", "已结案"


S = DisputeStatus
# a dispute still in the committee's hands: carried from one screening round into the next
OPEN_STATUSES = frozenset({S.REGISTERED, S.MEDIATING, S.DRAFTING, S.PERFORMING, S.FAILED})
# mediation took place (参调): a mediator was assigned or an outcome recorded
MEDIATED_STATUSES = frozenset(
    {S.MEDIATING, S.DRAFTING, S.PERFORMING, S.PERFORMED, S.FAILED, S.REFERRED, S.CLOSED}
)


class Nature(models.TextChoices):
    CIVIL = "civil", "民间纠纷"
    PUBLIC_ORDER = "public_order", "治安、刑事案件"


class Route(models.TextChoices):
    """Who takes a dispute first (篇五 and seed 003: 分级调处)."""

    VILLAGE = "village", "村（社区）调委会"
    TOWNSHIP = "township", "镇（街道）调委会"
    POLICE = "police", "派出所"
    PRINCIPAL = "principal", "镇（街道）主要领导"


class Procedure(models.TextChoices):
    SIMPLE = "simple", "简易程序"
    FULL = "full", "一般程序"


class Source(models.TextChoices):
    SCREENING = "screening", "排查发现"
    SIGN = "sign", "苗头信息"
    PETITION = "petition", "信访事项（访调对接）"
    DUTY = "duty", "值班记录"
    WALK_IN = "walk_in", "当事人申请"


class Risk(models.TextChoices):
    HIGH = "high", "高"
    MEDIUM = "medium", "中"
    LOW = "low", "低"


class PartyKind(models.TextChoices):
    PERSON = "person", "自然人"
    ORGANISATION = "organisation", "法人或其他组织"


class Outcome(models.TextChoices):
    AGREED = "agreed", "调解成功"
    FAILED = "failed", "调解不成"


class AgreementForm(models.TextChoices):
    ORAL = "oral", "口头协议"
    WRITTEN = "written", "书面协议"


class Destination(models.TextChoices):
    """Where a dispute went when mediation failed or an agreement was not performed."""

    LITIGATION = "litigation", "诉讼"
    ARBITRATION = "arbitration", "仲裁"
    ADMINISTRATIVE = "administrative", "行政处理"
    PETITION = "petition", "信访程序"
    INCIDENT = "incident", "突发事件处置"


class Joint(models.TextChoices):
    """The four horizontal units of joint mediation (四横: 联合调解)."""

    POLICE = "police", "派出所"
    JUDICIAL = "judicial", "司法所"
    COURT = "court", "人民法庭"
    PETITION = "petition", "信访办"


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class Confirmation(models.TextChoices):
    APPLIED = "applied", "已申请司法确认"
    CONFIRMED = "confirmed", "法院确认有效"
    REJECTED = "rejected", "法院驳回申请"
    NOT_APPLIED = "not_applied", "未申请"
