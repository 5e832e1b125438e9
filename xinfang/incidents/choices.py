from django.db import models


class IncidentStatus(models.TextChoices):
    RECEIVED = "received", "接报"
    ACTIVATED = "activated", "启动预案"
    ON_SITE = "on_site", "现场处置"
    AFTERMATH = "aftermath", "善后"
    ACCOUNTABILITY = "accountability", "责任追究"
    CLOSED = "closed", "已结束"


OPEN_STATES = frozenset(
    {
        IncidentStatus.RECEIVED,
        IncidentStatus.ACTIVATED,
        IncidentStatus.ON_SITE,
        IncidentStatus.AFTERMATH,
        IncidentStatus.ACCOUNTABILITY,
    }
)


class IncidentKind(models.TextChoices):
    GATHERING = "gathering", "集体上访、聚集"
    BLOCKING = "blocking", "堵路、堵门"
    STORMING = "storming", "冲击党政机关"
    WAGES = "wages", "讨要工资"
    EXTREME = "extreme", "个人极端行为"
    OTHER = "other", "其他"


class Level(models.IntegerChoices):
    # Ⅰ is the gravest (特别重大), Ⅳ the least (一般)
    I = 1, "Ⅰ级（特别重大）"  # noqa: E741
    II = 2, "Ⅱ级（重大）"
    III = 3, "Ⅲ级（较大）"
    IV = 4, "Ⅳ级（一般）"


class ReportKind(models.TextChoices):
    FIRST = "first", "首报"
    FOLLOW_UP = "follow_up", "续报"
    FINAL = "final", "终报"


class Sanction(models.TextChoices):
    # domain.md / seeds 000-2/4, 001-5, 002: the sanctions the working rules name
    CRITICISM = "criticism", "批评教育"
    NOTICE = "notice", "通报批评"
    WARNING = "warning", "告诫"
    TALK = "talk", "诫勉谈话"
    RECTIFY = "rectify", "限期整改"
    SELF_REVIEW = "self_review", "书面检查"
    NO_AWARD = "no_award", "取消当年评先评优资格"
    DISCIPLINE = "discipline", "移送纪检监察机关（党纪政务处分）"
    LAW = "law", "移送司法机关"
    NONE = "none", "经查无需追究责任"
