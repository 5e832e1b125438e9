"""The demo township's stability work (维稳): contingency plans, the villages' information reports
of the last weeks, two signs (苗头信息) and an incident in progress, so that after `make run` the
信息报送 and 突发事件 pages of 城关镇 and 青山县 have something in them.

- Plans: 城关镇's 群体性事件处置预案 (聚集, 堵路) and 个人极端行为处置预案, each with tasks for the
  principal leader, the leader in charge, the front desk, the information officer and the duty
  room (`incidents.services.plan_save`, by 张分管).
- Reports: the three villages' weekly reports of this week and the three before, each filed by the
  village's information officer at a past moment (刘信息 of 东风村 always on time; 红星村 one week
  late; 柳河村 one week late and last week not at all), 城关镇's own half-monthly report, and the
  chase (催报) the sweep made at each Friday's cut-off in between. 红星村 and 柳河村 get an
  information officer account (`village2-informant`, `village3-informant`) if they have none.
- Signs: 东风村 reported a planned gathering two days ago (signed for and forwarded to the county
  by 王接访); 红星村 reported a boundary quarrel yesterday (waiting to be signed for).
- An incident: people of 东风村 gathered at the township's gate 50 minutes ago (Ⅲ级, from the sign):
  registered, the plan activated, 赵书记 on site in time, the first report filed, 现场处置 under way,
  the next follow-up due in about an hour and a half.

Every step goes through the services and the machines as the demo users would take it, under
`clock.simulated_now` at its own past moment relative to now, so the clocks, the on-time flags, the
timelines and the audit log say what really happened. Each part is loaded only into a township that
has none yet (plans, reports, incidents), so running it twice adds nothing. Only in demo mode.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.accounts.services import user_create, user_set_roles
from xinfang.core.exceptions import ApplicationError
from xinfang.deadlines.engine import LOCAL_TZ
from xinfang.incidents.machine import incident_transition
from xinfang.incidents.models import ContingencyPlan, Incident
from xinfang.incidents.services import incident_register, plan_save
from xinfang.inforeports.clocks import chase
from xinfang.inforeports.machine import report_transition
from xinfang.inforeports.models import InfoReport
from xinfang.inforeports.services import report_file
from xinfang.organisation.models import Unit

from .clock import simulated_now
from .services import TOWNSHIP

DONGFENG, HONGXING, LIUHE = "341122101201", "341122101202", "341122101203"

# the villages' information officers the demo organisation lacks: (username, full name, unit code)
INFORMANTS: tuple[tuple[str, str, str], ...] = (
    ("village2-informant", "卫信息", HONGXING),
    ("village3-informant", "蒋信息", LIUHE),
)
PLAN_AUTHOR = "leader"
SIGNED_AFTER = timedelta(hours=2)  # the office signs for a report two hours after it came in

GATHERING_PLAN = (
    "群体性事件处置预案",
    ["gathering", "blocking"],
    [
        ("主要领导20分钟内赶到现场，统一指挥处置", Role.PRINCIPAL),
        ("分管领导带领工作组面对面听取诉求，疏导劝返", Role.LEADER),
        ("统一答复口径，未经领导小组同意不接受媒体采访", Role.LEADER),
        ("接访员登记诉求、核实身份，现场做好政策解释", Role.CLERK),
        ("信息员按首报、续报、终报时限报送事件信息", Role.INFORMANT),
        ("值班室保持通讯畅通，及时上传下达领导批示", Role.DUTY),
    ],
)
EXTREME_PLAN = (
    "个人极端行为处置预案",
    ["extreme"],
    [
        ("立即报警并通知医疗急救，控制现场、疏散围观人员", Role.DUTY),
        ("主要领导赶到现场，稳定当事人情绪", Role.PRINCIPAL),
        ("分管领导组织亲属劝解和心理疏导", Role.LEADER),
        ("接访员查明当事人的信访诉求及办理情况", Role.CLERK),
        ("信息员即时报告现场情况，事后报送终报", Role.INFORMANT),
    ],
)

# each village's weekly report, per week before this one (0 = this week): the day after Monday
# and the time it was filed, or None for a week it filed nothing
ROUTINE = "routine"
ZERO = "zero"
WEEKS: dict[str, dict[int, tuple[int, int, int, str] | None]] = {
    # (days after the week's Monday, hour, minute, kind)
    DONGFENG: {
        0: (0, 10, 0, ROUTINE),
        1: (4, 10, 0, ROUTINE),
        2: (4, 9, 30, ROUTINE),
        3: (3, 16, 0, ROUTINE),
    },
    HONGXING: {0: (3, 15, 0, ZERO), 1: (3, 15, 0, ZERO), 2: (7, 9, 30, ROUTINE), 3: (4, 11, 0, ZERO)},
    LIUHE: {0: (4, 15, 40, ROUTINE), 1: None, 2: (4, 15, 40, ROUTINE), 3: (4, 17, 20, ROUTINE)},
}
WEEKLY_TEXT = {
    DONGFENG: "本周排查矛盾纠纷3起，已化解2起；三组村民对征地补偿标准仍有意见，已安排专人跟进。",
    HONGXING: "本周排查矛盾纠纷2起（土地承包、邻里纠纷），均已调解；重点人员在家，情绪稳定。",
    LIUHE: "本周排查矛盾纠纷1起（邻里用水纠纷），已调解；无进京赴省、越级上访苗头。",
}


@dataclass(frozen=True)
class DemoStabilityResult:
    plans_created: int = 0
    reports_filed: int = 0
    incidents_registered: int = 0
    accounts_created: int = 0


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ)


def _people(names: list[str]) -> dict[str, User]:
    return {u.username: u for u in User.objects.filter(username__in=names).select_related("unit")}


def _informants() -> int:
    """An information officer in each village that has none (the demo password)."""
    created = 0
    units = {u.code: u for u in Unit.objects.filter(code__in=[code for *_, code in INFORMANTS])}
    for username, full_name, code in INFORMANTS:
        if User.objects.filter(username=username).exists():
            continue
        if User.objects.filter(unit__code=code, role_assignments__role=Role.INFORMANT).exists():
            continue
        user = user_create(
            actor=None,
            username=username,
            full_name=full_name,
            unit=units[code],
            password=settings.DEMO_PASSWORD,
            must_change_password=False,
        )
        user_set_roles(actor=None, user=user, roles={Role.INFORMANT})
        created += 1
    return created


def _informant_of(code: str) -> User:
    found = (
        User.objects.filter(unit__code=code, role_assignments__role=Role.INFORMANT, is_active=True)
        .select_related("unit")
        .order_by("pk")
        .first()
    )
    if found is None:
        raise ApplicationError(f"演示单位 {code} 没有信息员账号。")
    return found


def _plans(township: Unit, now: datetime) -> dict[str, ContingencyPlan]:
    """The township's two plans (none are added to a township that has any)."""
    existing = {p.name: p for p in ContingencyPlan.objects.filter(unit=township)}
    if existing:
        return existing
    author = _people([PLAN_AUTHOR])[PLAN_AUTHOR]
    made = {}
    with simulated_now(now - timedelta(days=30)):
        for name, kinds, tasks in (GATHERING_PLAN, EXTREME_PLAN):
            made[name] = plan_save(
                actor=author,
                unit=township.pk,
                name=name,
                kinds=list(kinds),
                tasks=[{"title": title, "role": role.value} for title, role in tasks],
            )
    return made


Step = tuple[datetime, int, Callable[[], Any]]


def _report_steps(township: Unit, now: datetime) -> list[Step]:
    """The villages' weekly reports, the township's half-monthly one and the chase at each
    Friday's cut-off, each at its moment (only moments already past)."""
    today = timezone.localdate(now)
    this_monday = today - timedelta(days=today.weekday())
    steps: list[Step] = []
    order = 0
    office = _people(["clerk", "county-clerk"])
    for code, weeks in WEEKS.items():
        officer = _informant_of(code)
        for weeks_ago, filed in weeks.items():
            if filed is None:
                continue
            monday = this_monday - timedelta(weeks=weeks_ago)
            days, hour, minute, kind = filed
            moment = _at(monday + timedelta(days=days), hour, minute)
            fields: dict[str, Any] = {
                "kind": kind,
                "cadence": "weekly",
                "period": monday,
                "title": f"{officer.unit.name if officer.unit else ''}{monday:%m月%d日}当周信访维稳情况",
            }
            if kind == ROUTINE:
                fields["content"] = WEEKLY_TEXT[code]
            order += 1
            steps.append((moment, order, _filer(officer, fields)))
            if weeks_ago:  # the township's front desk signed for the past weeks' reports
                order += 1
                steps.append((moment + SIGNED_AFTER, order, _signer(code, monday, office["clerk"])))
    # the chase the sweep made at each Friday's cut-off since the oldest week
    for weeks_ago in range(max(max(w) for w in WEEKS.values()), -1, -1):
        friday = this_monday - timedelta(weeks=weeks_ago) + timedelta(days=4)
        moment = _at(friday, 16, 1)
        order += 1
        steps.append((moment, order, _chaser(moment)))
    # 城关镇's half-monthly report of the last half whose cut-off has passed, filed that morning
    township_officer = _informant_of(township.code)
    last_half = today.replace(day=15) if today.day > 15 else today.replace(day=1) - timedelta(days=1)
    order += 1
    steps.append(
        (
            _at(last_half, 11, 0),
            order,
            _filer(
                township_officer,
                {
                    "kind": ROUTINE,
                    "cadence": "half_monthly",
                    "period": last_half,
                    "title": f"城关镇{last_half:%m月}{'上' if last_half.day == 15 else '下'}半月信访维稳工作情况",
                    "content": "半月内受理信访事项12件，办结9件；排查化解矛盾纠纷7起；重点人员稳控在位。",
                },
            ),
        )
    )
    order += 1
    steps.append(
        (
            _at(last_half, 11, 0) + SIGNED_AFTER,
            order,
            _signer(township.code, last_half, office["county-clerk"]),
        )
    )
    return [step for step in steps if step[0] < now]


def _signer(code: str, day: date, clerk: User) -> Callable[[], Any]:
    """Signing for the periodic report of `code` for the period holding `day`."""

    def sign() -> Any:
        report = InfoReport.objects.get(
            unit__code=code,
            period_start__lte=day,
            period_end__gte=day,
            cadence__in=["weekly", "half_monthly"],
        )
        return report_transition(report=report, action="sign", actor=clerk)

    return sign


def _chaser(moment: datetime) -> Callable[[], Any]:
    return lambda: chase(now=moment)


def _filer(officer: User, fields: dict[str, Any]) -> Callable[[], Any]:
    return lambda: report_file(actor=officer, **fields)


def _run(steps: list[Step]) -> int:
    """Runs each step at its moment, in the order of their moments; returns how many reports
    were filed."""
    before = InfoReport.objects.count()
    for moment, _, step in sorted(steps, key=lambda s: (s[0], s[1])):
        with simulated_now(moment):
            step()
    return InfoReport.objects.count() - before


def _signs(now: datetime) -> InfoReport:
    """Two signs: 东风村's, signed for and forwarded to the county; 红星村's, waiting. Returns
    东风村's (the incident below grew out of it)."""
    people = _people(["clerk"])
    clerk = people["clerk"]
    two_days_ago = timezone.localdate(now) - timedelta(days=2)
    with simulated_now(_at(two_days_ago, 10, 5)):
        sign = report_file(
            actor=_informant_of(DONGFENG),
            kind="early_sign",
            title="东风村三组部分村民拟集体到镇政府反映征地补偿问题",
            content="据村民小组长反映，三组约30名村民对征地补偿款发放进度不满，商议近日到镇政府集体反映。",
            subjects="东风村三组村民",
            headcount=30,
            expected_at=_at(two_days_ago + timedelta(days=2), 9, 0),
            place="城关镇人民政府",
            demands="加快发放征地补偿款，提高补偿标准",
            risk="medium",
        )
    with simulated_now(_at(two_days_ago, 10, 40)):
        sign = report_transition(report=sign, action="sign", actor=clerk, note="已阅，请村里做好稳控")
    with simulated_now(_at(two_days_ago, 11, 20)):
        sign = report_transition(
            report=sign,
            action="forward",
            actor=clerk,
            note="经核实情况属实，镇里已安排分管领导包保，正与县自然资源局对接补偿款拨付。",
        )
    yesterday = timezone.localdate(now) - timedelta(days=1)
    with simulated_now(_at(yesterday, 15, 10)):
        report_file(
            actor=_informant_of(HONGXING),
            kind="early_sign",
            title="红星村两户村民宅基地边界纠纷矛盾激化",
            content="红星村五组两户村民因宅基地边界问题多次争吵，昨日发生推搡，村调委会正在调解。",
            subjects="红星村五组村民两户",
            headcount=2,
            place="红星村五组",
            demands="重新确认宅基地边界",
            risk="low",
        )
    return sign


def _incident(now: datetime, sign: InfoReport | None, plan: ContingencyPlan | None) -> Incident:
    """东风村's people at the township's gate: registered, plan activated, the principal leader on
    site in time, the first report filed, 现场处置 under way."""
    people = _people(["clerk", "leader", "principal", "informant"])
    clerk, leader = people["clerk"], people["leader"]
    learned = now - timedelta(minutes=50)

    def act(minutes_ago: int, actor: User, action: str, **fields: Any) -> None:
        with simulated_now(now - timedelta(minutes=minutes_ago)):
            incident_transition(incident=incident, action=action, actor=actor, **fields)

    with simulated_now(now - timedelta(minutes=46)):
        incident = incident_register(
            actor=clerk,
            title="东风村村民在镇政府门口聚集反映征地补偿问题",
            kind="gathering",
            learned_at=learned,
            occurred_at=learned - timedelta(minutes=10),
            place="城关镇人民政府大门口",
            headcount=35,
            demands="加快发放征地补偿款，提高补偿标准",
            involved_units=[Unit.objects.get(code=DONGFENG).pk],
            key_persons="东风村三组村民代表2人",
            sign=sign.pk if sign is not None else None,
        )
    if plan is not None:
        act(42, leader, "activate_plan", plan=plan.pk, note="按预案分工立即到岗")
    act(33, people["principal"], "arrive", note="赵书记已到现场，与村民代表座谈")
    act(
        20,
        clerk,
        "report",
        kind="first",
        situation=(
            f"{timezone.localtime(learned - timedelta(minutes=10)):%H时%M分}，东风村三组村民约35人聚集在城关镇"
            "人民政府大门口，反映征地补偿款发放进度慢、补偿标准低等问题。"
        ),
        measures="镇党委书记已到现场，分管领导带领工作组与村民代表座谈，派出所民警维持秩序。",
        impact="现场秩序总体平稳，未发生冲突，未堵塞交通；部分村民情绪激动，正在疏导。",
        other="已联系县自然资源局到场解释补偿政策。",
    )
    if plan is not None:
        act(15, leader, "on_site", note="工作组与村民代表座谈，现场秩序平稳")
        task = incident.tasks.filter(role=Role.PRINCIPAL).first()
        if task is not None:
            act(14, people["principal"], "complete_task", task=task.pk, result="已到现场统一指挥")
        act(
            10,
            leader,
            "set_line",
            text="补偿款将于本月底前拨付到位，标准按县政府公布的文件执行，有疑问可到镇政府咨询。",
        )
    return incident


@transaction.atomic
def _id_number(region: str, born: str, serial: int) -> str:
    from xinfang.petitions.validators import id_number_check_char

    first17 = f"{region}{born}{serial:03d}"
    return first17 + id_number_check_char(first17)


# (name, category, risk, contact days, matter, plan, monitored)
KEY_PERSONS = (
    (
        "王建国",
        "veteran",
        "orange",
        15,
        "反映参战退役军人优抚待遇落实问题",
        "每半月走访一次，协调民政落实优抚金，重要节点前见面谈心。",
        False,
    ),
    (
        "李秀英",
        "teacher",
        "yellow",
        30,
        "要求解决原民办教师教龄补贴",
        "每月走访，按政策解释教龄补贴标准，困难时申请临时救助。",
        False,
    ),
    (
        "赵大海",
        "landless",
        "red",
        7,
        "反映征地补偿款分配不公",
        "每周走访，村两委专人联系，配合重新核对分配名单，敏感时期24小时稳控。",
        True,
    ),
)


def _key_persons(now: datetime) -> int:
    """Three persons on 城关镇's register, entered a month ago and visited since."""
    from xinfang.keypersons.machine import person_transition
    from xinfang.keypersons.models import KeyPerson
    from xinfang.keypersons.services import person_enter

    township = Unit.objects.get(code=TOWNSHIP)
    if KeyPerson.objects.filter(unit_path__startswith=township.path).exists():
        return 0
    people = _people(["clerk", "leader", "village-handler", "handler"])
    for i, (name, category, risk, days, matter, plan, monitored) in enumerate(KEY_PERSONS, 1):
        with simulated_now(now - timedelta(days=35)):
            person = person_enter(
                actor=people["clerk"],
                name=name,
                id_number=_id_number("341122", f"19{50 + i * 7}0{i}1{i}", 100 + i),
                phone=f"1390551{i:04d}",
                category=category,
                risk=risk,
                matter=matter,
                plan=plan,
                contact_days=days,
                case_owner=people["leader"].pk,
                stability_owner=people["village-handler"].pk,
                location="城关镇东风村",
            )
        with simulated_now(now - timedelta(days=min(days - 2, 10))):
            person = person_transition(
                person=person,
                action="visit",
                actor=people["village-handler"],
                location="家中",
                state="情绪平稳",
            )
        if monitored:
            with simulated_now(now - timedelta(days=2)):
                person_transition(
                    person=person,
                    action="start_monitoring",
                    actor=people["clerk"],
                    monitor=people["handler"].pk,
                    note="全国两会期间专人稳控",
                )
            with simulated_now(now - timedelta(hours=2)):  # today's movement report (动态)
                person_transition(
                    person=person,
                    action="visit",
                    actor=people["handler"],
                    location="村委会",
                    state="在家务农，情绪平稳",
                )
    return len(KEY_PERSONS)


def demo_stability_load() -> DemoStabilityResult:
    """Loads what 城关镇 has none of yet: the plans, the reports and signs, the incident."""
    if not settings.DEMO_MODE:
        raise ApplicationError("当前为生产配置，不允许加载演示数据。")
    now = timezone.now()
    township = Unit.objects.get(code=TOWNSHIP)
    accounts = _informants()
    plans_before = ContingencyPlan.objects.filter(unit=township).count()
    plans = _plans(township, now)
    plans_created = ContingencyPlan.objects.filter(unit=township).count() - plans_before
    filed = 0
    sign: InfoReport | None = None
    if not InfoReport.objects.filter(unit_path__startswith=township.path).exists():
        filed = _run(_report_steps(township, now))
        sign = _signs(now)
        filed += 3  # two signs and the township's forwarded one
    registered = 0
    if not Incident.objects.filter(unit_path__startswith=township.path).exists():
        _incident(now, sign, plans.get(GATHERING_PLAN[0]))
        registered = 1
    _key_persons(now)
    return DemoStabilityResult(
        plans_created=plans_created,
        reports_filed=filed,
        incidents_registered=registered,
        accounts_created=accounts,
    )
