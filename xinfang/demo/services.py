"""The demo organisation and one account per role, for `make run` and the browser tests.

Idempotent: units are matched by code and users by username, so running it twice changes
nothing. Refuses to run unless settings.DEMO_MODE is on (never in production settings).
"""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.accounts.services import user_create, user_set_roles
from xinfang.core.exceptions import ApplicationError
from xinfang.deadlines.models import DeadlineRuleSetting
from xinfang.deadlines.services import rule_setting_save
from xinfang.organisation.models import Unit, UnitType
from xinfang.organisation.services import unit_create

# (code, name, type, parent code)
DEMO_UNITS: tuple[tuple[str, str, str, str | None], ...] = (
    ("341122", "青山县", UnitType.COUNTY, None),
    ("341122X01", "青山县信访局", UnitType.PETITION_OFFICE, "341122"),
    ("341122G01", "青山县公安局", UnitType.DEPARTMENT, "341122"),
    ("341122S01", "青山县司法局", UnitType.DEPARTMENT, "341122"),
    ("341122M01", "青山县民政局", UnitType.DEPARTMENT, "341122"),
    ("341122Z01", "青山县自然资源局", UnitType.DEPARTMENT, "341122"),
    ("341122R01", "青山县人力资源和社会保障局", UnitType.DEPARTMENT, "341122"),
    ("341122W01", "青山县卫生健康委员会", UnitType.DEPARTMENT, "341122"),
    ("341122F01", "青山县人民法院", UnitType.DEPARTMENT, "341122"),
    ("341122101", "城关镇", UnitType.TOWNSHIP, "341122"),
    ("341122101X", "城关镇综治信访维稳中心", UnitType.PETITION_OFFICE, "341122101"),
    ("341122101P", "城关派出所", UnitType.DEPARTMENT, "341122101"),
    ("341122101S", "城关司法所", UnitType.DEPARTMENT, "341122101"),
    ("341122101201", "东风村", UnitType.VILLAGE, "341122101"),
    ("341122101202", "红星村", UnitType.VILLAGE, "341122101"),
    ("341122101203", "柳河村", UnitType.VILLAGE, "341122101"),
    ("341122102", "河西乡", UnitType.TOWNSHIP, "341122"),
    ("341122102201", "河西村", UnitType.VILLAGE, "341122102"),
    ("341122102202", "桃园村", UnitType.VILLAGE, "341122102"),
    ("341122103", "石桥镇", UnitType.TOWNSHIP, "341122"),
    ("341122103201", "石桥村", UnitType.VILLAGE, "341122103"),
    ("341122103202", "新庄村", UnitType.VILLAGE, "341122103"),
    ("341122001", "东城街道", UnitType.STREET, "341122"),
    ("341122001301", "东城社区", UnitType.COMMUNITY, "341122001"),
    ("341122001302", "文昌社区", UnitType.COMMUNITY, "341122001"),
    ("341122H01", "青山县人民医院", UnitType.HOSPITAL, "341122"),
    ("341122H01A", "院办", UnitType.HOSPITAL_SECTION, "341122H01"),
    ("341122H01B", "内科", UnitType.HOSPITAL_SECTION, "341122H01"),
)

TOWNSHIP = "341122101"
COUNTY = "341122"

# (username, full name, unit code, role)
DEMO_ACCOUNTS: tuple[tuple[str, str, str, Role], ...] = (
    ("clerk", "王接访", TOWNSHIP, Role.CLERK),
    ("handler", "李承办", TOWNSHIP, Role.HANDLER),
    ("leader", "张分管", TOWNSHIP, Role.LEADER),
    ("principal", "赵书记", TOWNSHIP, Role.PRINCIPAL),
    ("supervisor", "钱督办", TOWNSHIP, Role.SUPERVISOR),
    ("mediator", "孙调解", TOWNSHIP, Role.MEDIATOR),
    ("informant", "周信息", TOWNSHIP, Role.INFORMANT),
    ("duty", "吴值班", TOWNSHIP, Role.DUTY),
    ("county-clerk", "郑县接访", COUNTY, Role.CLERK),
    ("county-leader", "冯县领导", COUNTY, Role.LEADER),
    ("sysadmin", "系统管理员", COUNTY, Role.SYSADMIN),
    ("secadmin", "安全管理员", COUNTY, Role.SECADMIN),
    ("auditor", "审计管理员", COUNTY, Role.AUDITOR),
    ("village-handler", "陈村干部", "341122101201", Role.HANDLER),
    ("village2-handler", "褚村干部", "341122101202", Role.HANDLER),
    ("station-handler", "蒋民警", "341122101P", Role.HANDLER),
    ("village-informant", "刘信息", "341122101201", Role.INFORMANT),
)

# Internal targets (内部时限) set by the demo sysadmin: (unit type, rule, amount, unit, note)
DEMO_RULE_SETTINGS: tuple[tuple[str, str, int, str, str], ...] = (
    (UnitType.HOSPITAL, "handling", 7, "working_days", "院内规定：一般事项 7 个工作日内答复"),
    (UnitType.HOSPITAL, "handling_important", 15, "working_days", "院内规定：重要事项 15 个工作日内答复"),
    (UnitType.STREET, "handling", 7, "working_days", "街道初次信访事项 5–7 个工作日内办结"),
)


@dataclass(frozen=True)
class DemoResult:
    units_created: int
    users_created: int


@transaction.atomic
def demo_load(*, password: str | None = None) -> DemoResult:
    """Creates what is missing through the ordinary services, so the audit log shows it too."""
    if not settings.DEMO_MODE:
        raise ApplicationError("当前为生产配置，不允许加载演示数据。")
    codes = [code for code, *_ in DEMO_UNITS]
    units: dict[str, Unit] = {u.code: u for u in Unit.objects.filter(code__in=codes)}
    units_created = 0
    for code, name, unit_type, parent_code in DEMO_UNITS:
        if code not in units:
            units[code] = unit_create(
                actor=None,
                name=name,
                code=code,
                unit_type=unit_type,
                parent=units[parent_code] if parent_code else None,
            )
            units_created += 1
    usernames = [account[0] for account in DEMO_ACCOUNTS]
    existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    users_created = 0
    for username, full_name, unit_code, role in DEMO_ACCOUNTS:
        if username in existing:
            continue
        user = user_create(
            actor=None,
            username=username,
            full_name=full_name,
            unit=units[unit_code],
            password=password or settings.DEMO_PASSWORD,
            must_change_password=False,
        )
        user_set_roles(actor=None, user=user, roles={role})
        users_created += 1
    _demo_rule_settings()
    return DemoResult(units_created=units_created, users_created=users_created)


def _demo_rule_settings() -> None:
    """Sets only the targets that have no row yet, so an administrator's later change stays."""
    existing = set(DeadlineRuleSetting.objects.values_list("unit_type", "rule"))
    missing = [setting for setting in DEMO_RULE_SETTINGS if (setting[0], setting[1]) not in existing]
    if not missing:
        return
    sysadmin = User.objects.get(username="sysadmin")
    for unit_type, rule, amount, unit, note in missing:
        rule_setting_save(actor=sysadmin, unit_type=unit_type, rule=rule, amount=amount, unit=unit, note=note)
