"""The ways the statistics count a petition for a unit (统计口径)."""

from django.db import models


class Dimension(models.TextChoices):
    REGISTERED = "registered", "按登记单位"
    PROBLEM = "problem", "按问题属地"
    HANDLING = "handling", "按承办单位"


# How each way reads in the table headings and the notes of the files.
DIMENSION_NOTES = {
    Dimension.REGISTERED: "按登记单位统计：信访件计入登记它的单位，下级单位计入其所属单位。",
    Dimension.PROBLEM: "按问题属地统计：信访件计入其问题属地，村（社区）的行是问题属地为该村（社区）及其下级的信访件。",
    Dimension.HANDLING: (
        "按承办单位统计：信访件计入转送、交办给的承办单位，尚未转送、交办的计入登记单位；下级单位计入其所属单位。"
    ),
}
