"""Proposes supervisions for overdue petitions (the daily job, for cron and testing)."""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xinfang.supervision.services import PROPOSAL_BATCH, supervision_propose_overdue


class Command(BaseCommand):
    help = "为超过期限且尚未督办的信访事项生成待确认的督办提议（每日任务，可重复执行）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today", type=date.fromisoformat, default=None, help="按该日期计算（YYYY-MM-DD）"
        )
        parser.add_argument("--batch", type=int, default=PROPOSAL_BATCH, help="每批处理的信访事项数")

    def handle(self, *args: Any, **options: Any) -> None:
        count = supervision_propose_overdue(actor=None, today=options["today"], batch_size=options["batch"])
        self.stdout.write(f"新增督办提议 {count} 件，待信访部门确认。")
