from django.db import models

from xinfang.deadlines.periods import Cadence


class ScreeningKind(models.TextChoices):
    REGULAR = "regular", "定期排查"
    QUARTERLY = "quarterly", "季度三个排查"
    KEY = "key", "重点排查"
    SPECIAL = "special", "专项排查"


# the kinds a unit type's schedule sets (a special screening is opened by an office, not scheduled)
SCHEDULED_KINDS = (ScreeningKind.REGULAR, ScreeningKind.QUARTERLY, ScreeningKind.KEY)


class RegularCadence(models.TextChoices):
    """How often a unit type screens regularly (定期排查)."""

    WEEKLY = Cadence.WEEKLY.value, "每周"
    HALF_MONTHLY = Cadence.HALF_MONTHLY.value, "每半月"
    MONTHLY = Cadence.MONTHLY.value, "每月"


class RoundCadence(models.TextChoices):
    """A round's cadence: the regular ones and the quarter ("" for key and special rounds)."""

    WEEKLY = Cadence.WEEKLY.value, "每周"
    HALF_MONTHLY = Cadence.HALF_MONTHLY.value, "每半月"
    MONTHLY = Cadence.MONTHLY.value, "每月"
    QUARTERLY = Cadence.QUARTERLY.value, "每季度"


class SpecialField(models.TextChoices):
    """The high-risk fields a special screening (专项排查) looks into (domain.md §8)."""

    LAND = "land", "征地拆迁"
    LABOUR = "labour", "劳动争议"
    FOREST = "forest", "山林权属"
    ELECTION = "election", "村级换届"
    RELOCATION = "relocation", "移民搬迁"
    OTHER = "other", "其他"


class RoundStatus(models.TextChoices):
    FILED = "filed", "已报送"


class ItemOrigin(models.TextChoices):
    FOUND = "found", "本轮排查发现"
    CARRIED = "carried", "往期结转"
