from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from xinfang.core.exceptions import ApplicationError
from xinfang.demo.disputes import demo_disputes_load
from xinfang.demo.duty import demo_duty_load
from xinfang.demo.matters import demo_matters_load
from xinfang.demo.portal import DEMO_CODE, demo_online_load
from xinfang.demo.services import DEMO_ACCOUNTS, demo_load
from xinfang.demo.stability import INFORMANTS, demo_stability_load
from xinfang.portal import codes


class Command(BaseCommand):
    help = "加载演示组织机构、每个角色一个演示账号、数百件示例信访件、城关镇本月及下月的值班表和维稳示例（仅演示模式；重复运行不会重复创建）。"

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--quiet-logins", action="store_true", help="不打印演示账号")
        parser.add_argument(
            "--without-matters",
            action="store_true",
            help="不加载示例信访件、值班表和维稳示例（预案、信息报送、突发事件）",
        )

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        try:
            result = demo_load()
            matters = None if options["without_matters"] else demo_matters_load()
            duty = None if options["without_matters"] else demo_duty_load()
            stability = None if options["without_matters"] else demo_stability_load()
            disputes = None if options["without_matters"] else demo_disputes_load()
            online = None if options["without_matters"] else demo_online_load()
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"演示数据：新建单位 {result.units_created} 个，新建账号 {result.users_created} 个。"
        )
        if matters is not None and matters.skipped:
            self.stdout.write("库中已有信访件，未再加载示例信访件。")
        elif matters is not None:
            self.stdout.write(
                f"示例信访件：{matters.petitions} 件，办理步骤 {matters.steps} 步，用时 {matters.seconds:.1f} 秒。"
            )
            for refusal in matters.refused:
                self.stderr.write(f"  未能完成的示例步骤：{refusal}")
        if duty is not None:
            self.stdout.write(f"城关镇值班表：本月及下月已发布（本次发布 {duty.months_published} 个月）。")
            if duty.periods_created:
                self.stdout.write(f"敏感时期：新增演示数据 {duty.periods_created} 个（元旦、全国两会）。")
        if stability is not None:
            self.stdout.write(
                f"城关镇维稳示例：新增应急预案 {stability.plans_created} 个，信息报告 {stability.reports_filed} 份，"
                f"突发事件 {stability.incidents_registered} 起。"
            )
        if disputes:
            self.stdout.write(f"城关镇矛盾纠纷示例：{disputes} 件（调解、协议、回访、上交各阶段）。")
        if online:
            self.stdout.write(
                f"网上信访示例（/portal/track/）：信访件编号 {online}，查询码 {codes.shown(DEMO_CODE)}。"
            )
        if options["quiet_logins"]:
            return
        self.stdout.write("演示账号（密码均为 DEMO_PASSWORD，默认 Demo@2026）：")
        for username, full_name, _, role in DEMO_ACCOUNTS:
            self.stdout.write(f"  {username:<18} {full_name:<8} {role.label}")
        if stability is not None:
            for username, full_name, _ in INFORMANTS:
                self.stdout.write(f"  {username:<18} {full_name:<8} 信息员")
        self.stdout.write(f"  当前密码：{settings.DEMO_PASSWORD}")
