"""Imports the national holiday schedule from the installed `chinesecalendar` package.

Run after upgrading the package (it gains next year's schedule each November). Adds missing days
and years, corrects rows the package owns, never touches rows an administrator entered.
"""

from typing import Any

from django.core.management.base import BaseCommand

from xinfang.deadlines.services import calendar_sync_from_package


class Command(BaseCommand):
    help = "从 chinesecalendar 包导入国家法定节假日安排（不覆盖管理员录入的记录）。"

    def handle(self, *args: Any, **options: Any) -> None:
        report = calendar_sync_from_package(actor=None)
        self.stdout.write(
            f"新增 {report.added} 天，更正 {report.updated} 天，删除 {report.removed} 天，"
            f"保留管理员录入 {report.kept_admin} 天。"
        )
        if report.years_added:
            years = "、".join(str(year) for year in report.years_added)
            self.stdout.write(self.style.SUCCESS(f"新增年度：{years}。"))
        if report.years_left_incomplete:
            years = "、".join(str(year) for year in report.years_left_incomplete)
            self.stdout.write(
                self.style.WARNING(
                    f"{years} 年已有管理员录入的记录且未标记完整，请在“节假日设置”中核对后标记。"
                )
            )
