"""Units (单位) and their tree: county → township/street → village/community, plus departments."""

from django.db import models


class UnitType(models.TextChoices):
    COUNTY = "county", "县/区"
    TOWNSHIP = "township", "乡镇"
    STREET = "street", "街道"
    MANAGEMENT_AREA = "management_area", "管理区"
    VILLAGE = "village", "村"
    COMMUNITY = "community", "社区"
    DEPARTMENT = "department", "职能部门"
    PETITION_OFFICE = "petition_office", "信访办/综治信访维稳中心"
    HOSPITAL = "hospital", "医院"
    HOSPITAL_SECTION = "hospital_section", "科室"
    SCHOOL = "school", "学校"
    COMPANY = "company", "企业"
    OTHER = "other", "其他"


class Unit(models.Model):
    """A unit of the tree. `path` is the materialised chain of ids ("/1/4/17/") so that a
    subtree is one indexed prefix query, whatever its depth."""

    name = models.CharField("名称", max_length=100)
    code = models.CharField("单位代码", max_length=30, unique=True)
    unit_type = models.CharField("类型", max_length=30, choices=UnitType.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    is_active = models.BooleanField("启用", default=True)

    class Meta:
        ordering = ["path"]
        verbose_name = "单位"
        constraints = [
            models.CheckConstraint(condition=~models.Q(code=""), name="unit_code_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

    def is_descendant_of(self, other: "Unit") -> bool:
        """This unit is `other` or lies below it."""
        return other.covers(self.path)

    def covers(self, path: str) -> bool:
        """The unit at `path` is this one or lies below it: the one "at or above" test."""
        return path.startswith(self.path)

    @staticmethod
    def covers_path(path: str, unit: "Unit | None") -> bool:
        """`unit` (None: no unit, covers nothing) is the unit at `path` or above it."""
        return unit is not None and path.startswith(unit.path)
