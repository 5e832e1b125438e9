"""`manage.py stats_rebuild [--compact-only]`: recomputes the summary tables from the petitions.

Needed once after the tables are introduced on a database that already holds petitions (the
tables by problem and responsible unit wait for it after an upgrade), and
whenever petitions were written around the services (a restore, a manual SQL fix). The nightly
job only folds old deadlines (`--compact-only` does the same by hand).
"""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xinfang.stats.services import stats_compact, stats_rebuild


class Command(BaseCommand):
    help = "重建统计汇总表（信访件按登记单位、问题属地、承办单位及月份、渠道、类别的汇总，以及在办件按期限的汇总）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--compact-only", action="store_true", help="只归并已过期的期限行，不重建")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        if options["compact_only"]:
            folded = stats_compact(actor=None)
            self.stdout.write(f"已归并 {folded:,} 行，用时 {time.monotonic() - started:.1f} 秒。")
            return
        result = stats_rebuild(actor=None)
        self.stdout.write(
            f"已重建：{result.petitions:,} 件信访事项，月度汇总 {result.monthly_rows:,} 行，"
            f"在办件汇总 {result.open_rows:,} 行（{result.horizon:%Y-%m-%d} 前到期的已归并）；"
            f"按问题属地、承办单位：月度汇总 {result.unit_monthly_rows:,} 行，在办件汇总 {result.unit_open_rows:,} 行；"
            f"用时 {time.monotonic() - started:.1f} 秒。"
        )
