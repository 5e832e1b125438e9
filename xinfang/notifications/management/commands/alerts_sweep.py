"""Runs the deadline alert sweep (临期/逾期提醒) once, for cron or by hand."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xinfang.notifications.services import SWEEP_BATCH_SIZE, alerts_sweep


class Command(BaseCommand):
    help = (
        "检查临期和逾期的信访件，向承办人、责任单位领导和登记单位接访员发送提醒（可重复运行，不会重复提醒）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=SWEEP_BATCH_SIZE, help="每批检查的信访件数")

    def handle(self, *args: Any, **options: Any) -> None:
        result = alerts_sweep(batch_size=max(1, options["batch_size"]))
        self.stdout.write(
            f"检查 {result.checked} 件（期限不晚于 {result.boundary:%Y-%m-%d}），"
            f"新发提醒 {result.created} 条，用时 {result.seconds:.2f} 秒。"
        )
