"""Runs the deadline sweep once, with every owner's scan (for cron or by hand)."""

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xinfang.deadlines.engine import LOCAL_TZ
from xinfang.deadlines.sweep import SWEEP_BATCH_SIZE, deadlines_sweep


class Command(BaseCommand):
    help = "检查到期和临期的期限，交由各业务发送提醒（可重复运行，不会重复提醒）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=SWEEP_BATCH_SIZE, help="每批处理的期限数")
        parser.add_argument(
            "--at",
            default="",
            help="按这一时刻巡检（本地时间，如 2026-12-03 16:31），用于补做停机期间错过的巡检；默认为现在",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = None
        if options["at"]:
            try:
                now = datetime.strptime(options["at"], "%Y-%m-%d %H:%M").replace(tzinfo=LOCAL_TZ)
            except ValueError:
                raise CommandError("--at 的格式应为 YYYY-MM-DD HH:MM，如 2026-12-03 16:31。") from None
        result = deadlines_sweep(now=now, batch_size=max(1, options["batch_size"]), scans=True)
        self.stdout.write(
            f"逾期 {result.flagged} 项，检查 {result.scanned} 件，"
            f"新发提醒 {result.created} 条，用时 {result.seconds:.2f} 秒。"
        )
