"""Units (单位) and their tree: county → township/street → village/community, plus departments."""

from django.conf import settings
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


# Which unit types are organs (有权处理的机关): they accept matters in their own name, issue the
# notices to the petitioner (受理、延期、处理意见、复查 / 复核意见) and are the ones reviewed. A
# village, a community, a 管理区 or a section investigates and reports to the organ above it.
# Offices change this per type (`UnitTypeSetting`); these are the defaults.
ANSWERS_BY_DEFAULT: dict[str, bool] = {
    UnitType.COUNTY: True,
    UnitType.TOWNSHIP: True,
    UnitType.STREET: True,
    UnitType.MANAGEMENT_AREA: False,
    UnitType.VILLAGE: False,
    UnitType.COMMUNITY: False,
    UnitType.DEPARTMENT: True,
    UnitType.PETITION_OFFICE: True,
    UnitType.HOSPITAL: True,
    UnitType.HOSPITAL_SECTION: False,
    UnitType.SCHOOL: True,
    UnitType.COMPANY: True,
    UnitType.OTHER: True,
}


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
    # 所属机关: the nearest unit at or above this one whose type is an organ (itself when it is
    # one; None when there is none above). Kept by `services.organs_recompute` whenever a unit is
    # created or retyped or the unit-type setting changes, so the petition procedure reads it by
    # a join instead of walking the tree.
    organ = models.ForeignKey(
        "self", verbose_name="所属机关", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

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

    @property
    def answering_organ(self) -> "Unit":
        """The organ that accepts and answers for this unit (itself, or the organ above it; a unit
        with no organ above answers for itself)."""
        return self.organ or self

    @staticmethod
    def covers_path(path: str, unit: "Unit | None") -> bool:
        """`unit` (None: no unit, covers nothing) is the unit at `path` or above it."""
        return unit is not None and path.startswith(unit.path)


class UnitTypeSetting(models.Model):
    """Whether units of one type are organs (有权处理的机关). A type without a row takes
    `ANSWERS_BY_DEFAULT`. Written only by `services.unit_types_save`."""

    unit_type = models.CharField("单位类型", max_length=30, choices=UnitType.choices, unique=True)
    answers = models.BooleanField("有权处理的机关")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="修改人", null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("修改时间")

    class Meta:
        verbose_name = "单位类型设置"

    def __str__(self) -> str:
        return f"{self.get_unit_type_display()}：{'有权处理' if self.answers else '不作为机关答复'}"
