from django.db import models


class PersonStatus(models.TextChoices):
    ACTIVE = "active", "在册"
    REMOVAL_REQUESTED = "removal_requested", "息访待批准"
    REMOVED = "removed", "已息访稳定"


class Risk(models.TextChoices):
    RED = "red", "红色"
    ORANGE = "orange", "橙色"
    YELLOW = "yellow", "黄色"
    BLUE = "blue", "蓝色"


class HitSource(models.TextChoices):
    PETITION = "petition", "信访登记"
    DUTY = "duty", "值班记录"
    INCIDENT = "incident", "突发事件"
