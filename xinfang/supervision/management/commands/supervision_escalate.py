"""Escalates overdue supervisions one level up (the daily job, for cron and testing)."""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xinfang.supervision.services import supervision_escalate_overdue


class Command(BaseCommand):
    help = "将逾期未报告的督办事项升级至上一级督办（每日任务，可重复执行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today", type=date.fromisoformat, default=None, help="按该日期计算（YYYY-MM-DD）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = supervision_escalate_overdue(actor=None, today=options["today"])
        self.stdout.write(f"升级 {report.escalated} 件；已无上级单位、未能升级 {report.at_top} 件。")
