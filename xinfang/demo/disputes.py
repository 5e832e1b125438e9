"""城关镇's mediation work for the demo (矛盾纠纷调处): disputes at every stage, each taken through the
real dispute machine at its own past moment (`clock.simulated_now`), so the 司法确认 window, the
return visits (one overdue), the chain and the figures are true to the calendar:

- 东风村 宅基地 (三类, village committee, full procedure): written agreement effective 40 days ago,
  one term performed, the 30-day window over (no application), the visit due in about 5 months;
- 东风村 土地承包 (二类, the township committee, 孙调解): agreement effective 25 days ago, the
  司法确认 window ending in a few days, 申请 recorded;
- 红星村 婚姻家庭 (simple procedure): an oral agreement 8 months ago, performed, visited, closed;
- 东风村 劳资 (一类 by headcount): an oral agreement 40 days ago whose one-month return visit is
  overdue;
- 东风村 相邻用水: climbed the village's four levels and passed up to the township centre with the
  three conditions (矛盾上交), awaiting a mediator there;
- 东风村 损害赔偿: mediation failed, referred to litigation;
- 东风村 劳资 (35 people, 一类 → the principal leader): registered two days ago, awaiting a mediator.

Nothing is loaded when the township already has disputes."""

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.exceptions import ApplicationError
from xinfang.deadlines.engine import LOCAL_TZ
from xinfang.disputes.machine import dispute_transition
from xinfang.disputes.models import Dispute
from xinfang.disputes.services import dispute_register
from xinfang.organisation.models import Unit

from .clock import simulated_now
from .services import TOWNSHIP

DONGFENG, HONGXING = "341122101201", "341122101202"
IDS = ("341122198001011238", "341122197503152714", "341122199005203020", "341122196812240019")


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ)


def _party(name: str, phone: str, address: str, id_number: str = "") -> dict[str, str]:
    return {"name": name, "phone": phone, "address": address, "id_number": id_number}


class _Story:
    """One dispute's steps, each at its moment."""

    def __init__(self, people: dict[str, User], today: date) -> None:
        self.people, self.today = people, today
        self.dispute: Dispute | None = None

    def at(self, days_ago: int, hour: int, call: Callable[[], Any]) -> None:
        with simulated_now(_at(self.today - timedelta(days=days_ago), hour)):
            result = call()
            if isinstance(result, Dispute):
                self.dispute = result

    def register(self, days_ago: int, actor: str, unit: str, **fields: Any) -> None:
        self.at(
            days_ago,
            9,
            lambda: dispute_register(
                actor=self.people[actor], unit=Unit.objects.get(code=unit).pk, source="screening", **fields
            ),
        )

    def step(self, days_ago: int, hour: int, action: str, actor: str, **fields: Any) -> None:
        def run() -> Dispute:
            assert self.dispute is not None
            return dispute_transition(dispute=self.dispute, action=action, actor=self.people[actor], **fields)

        self.at(days_ago, hour, run)

    def session(self, days_ago: int, actor: str, place: str, attendees: str, record: str) -> None:
        moment = _at(self.today - timedelta(days=days_ago), 9, 30)
        self.step(
            days_ago, 11, "record_session", actor, at=moment, place=place, attendees=attendees, record=record
        )

    def written(self, days_ago: int, actor: str, terms: str, how: str, where: str, by_days: int) -> None:
        self.step(days_ago, 14, "record_outcome", actor, outcome="agreed", agreement_form="written")
        assert self.dispute is not None
        self.step(
            days_ago,
            15,
            "draft_agreement",
            actor,
            facts=self.dispute.facts,
            disputed_items=self.dispute.demands,
            responsibility="经调查，双方各有过错，以本协议约定为准。",
            terms=terms,
            performance_how=how,
            performance_where=where,
            performance_by=self.today - timedelta(days=days_ago) + timedelta(days=by_days),
        )
        parties = list(self.dispute.parties.values_list("pk", flat=True))
        self.step(
            days_ago, 16, "make_effective", actor, signed_parties=parties, mediator_signed=True, seal=True
        )


def demo_disputes_load() -> int:
    """Loads 城关镇's demo disputes; answers how many were registered (0 when it had some)."""
    if not settings.DEMO_MODE:
        raise ApplicationError("当前为生产配置，不允许加载演示数据。")
    township = Unit.objects.get(code=TOWNSHIP)
    if Dispute.objects.filter(unit_path__startswith=township.path).exists():
        return 0
    names = ["village-handler", "village2-handler", "mediator", "clerk", "principal"]
    people = {u.username: u for u in User.objects.filter(username__in=names).select_related("unit")}
    today = timezone.localdate()
    count = 0

    # 东风村 宅基地: the village committee's written agreement, effective 40 days ago
    s = _Story(people, today)
    s.register(
        45, "village-handler", DONGFENG, kind="neighbour", place="东风村一组",
        facts="李某修建院墙占用张某宅基地约2平方米，双方多次争吵。", demands="拆除越界院墙，恢复原状",
        people=2, amount=3000, parties=[_party("张建国", "13905510011", "东风村一组", IDS[0]),
                                        _party("李秀英", "13905510012", "东风村一组")],
    )  # fmt: skip
    s.step(44, 10, "assign_mediator", "village-handler", mediator=people["village-handler"].pk)
    s.step(43, 10, "investigate", "village-handler", findings="会同村民小组长现场丈量，院墙越界约0.8米。")
    s.session(
        41,
        "village-handler",
        "东风村村委会",
        "张建国、李秀英、村调委会陈村干部",
        "双方陈述，调解员释法说理，李某同意后移院墙。",
    )
    s.written(
        40,
        "village-handler",
        "李秀英于30日内将院墙后移0.8米\n张建国不再追究其他责任",
        "李秀英自行拆除重建",
        "东风村一组",
        30,
    )
    assert s.dispute is not None
    term = s.dispute.agreements.get().terms.order_by("order").last()
    s.step(20, 10, "mark_performed", "village-handler", term=term.pk if term else 0,
           performed_on=today - timedelta(days=20), evidence="张建国签字确认")  # fmt: skip
    count += 1

    # 东风村 土地承包 (二类): the township committee; the 30-day window ends within days
    s = _Story(people, today)
    s.register(
        30, "village-handler", DONGFENG, kind="land_contract", place="东风村三组",
        facts="两户对承包地边界各执一词，涉及补偿款约2万元。", demands="明确边界，分配补偿款",
        people=6, amount=20000, parties=[_party("王大军", "13905510021", "东风村三组", IDS[1]),
                                         _party("王小军", "13905510022", "东风村三组")],
    )  # fmt: skip
    s.step(29, 10, "assign_mediator", "clerk", mediator=people["mediator"].pk)
    s.step(28, 10, "join", "mediator", joint="judicial")
    s.session(
        26,
        "mediator",
        "城关镇综治中心调解室",
        "王大军、王小军、司法所、孙调解",
        "对照二轮承包合同和确权图，双方认可边界。",
    )
    s.written(
        25,
        "mediator",
        "以确权图为准确定边界\n补偿款按面积比例分配\n双方不再就此事上访",
        "补偿款由村委会转账",
        "东风村村委会",
        15,
    )
    s.step(5, 10, "record_confirmation", "mediator", result="applied", court="青山县人民法院城关人民法庭")
    count += 1

    # 红星村 婚姻家庭: simple procedure, performed and visited long ago
    s = _Story(people, today)
    s.register(
        240, "village2-handler", HONGXING, kind="marriage", place="红星村二组",
        facts="夫妻因赡养老人问题争吵，女方回娘家。", demands="调和家庭矛盾", people=2, procedure="simple",
        parties=[_party("赵红梅", "13905510031", "红星村二组"), _party("钱卫东", "13905510032", "红星村二组")],
    )  # fmt: skip
    s.step(240, 10, "assign_mediator", "village2-handler", mediator=people["village2-handler"].pk)
    s.step(239, 10, "record_outcome", "village2-handler", outcome="agreed",
           oral_terms="双方轮流照顾老人，钱卫东当面道歉")  # fmt: skip
    s.step(
        230,
        10,
        "mark_performed",
        "village2-handler",
        performed_on=today - timedelta(days=230),
        evidence="入户核实",
    )
    s.step(60, 10, "record_visit", "village2-handler", satisfaction="satisfied", note="家庭和睦，双方满意")
    s.step(60, 11, "close", "village2-handler", note="履行完毕，回访满意")
    count += 1

    # 东风村 劳资 (一类 by headcount, the principal's): oral agreement 40 days ago, visit overdue
    s = _Story(people, today)
    s.register(
        42, "village-handler", DONGFENG, kind="labour", place="东风村砖厂", procedure="simple",
        facts="砖厂拖欠32名工人工资约9万元。", demands="结清工资", people=32, amount=90000,
        parties=[_party("东风砖厂", "05515510041", "东风村", ""), _party("孙立新（工人代表）", "13905510042", "东风村四组")],
    )  # fmt: skip
    s.step(41, 10, "assign_mediator", "principal", mediator=people["mediator"].pk)
    s.step(40, 15, "record_outcome", "mediator", outcome="agreed", oral_terms="砖厂于春节前分两次结清工资")
    count += 1

    # 东风村 相邻用水: passed up to the centre with the three conditions
    s = _Story(people, today)
    s.register(
        12, "village-handler", DONGFENG, kind="neighbour", place="东风村二组水渠",
        facts="上下游农户因灌溉用水轮次发生争执。", demands="重新排定用水轮次", people=4,
        parties=[_party("周长海", "13905510051", "东风村二组", IDS[3]), _party("吴友才", "13905510052", "东风村二组")],
    )  # fmt: skip
    s.step(11, 10, "assign_mediator", "village-handler", mediator=people["village-handler"].pk)
    s.session(10, "village-handler", "东风村二组", "周长海、吴友才、村调委会", "双方对轮次各不相让。")
    for days, label in ((8, "村主要领导"), (6, "驻村干部"), (4, "驻村第一书记")):
        s.step(days, 10, "escalate", "village-handler", note=f"提请{label}调处")
    s.step(
        2, 10, "escalate", "village-handler", note="上交镇综治中心",
        party_request="双方书面申请由镇里调解", committee_opinion="经查水渠属集体所有，建议按面积排定轮次",
        why_unsolvable="涉及两个村民小组的用水，村内无法统一",
    )  # fmt: skip
    count += 1

    # 东风村 损害赔偿: failed, referred to litigation
    s = _Story(people, today)
    s.register(
        20, "village-handler", DONGFENG, kind="damages", place="东风村村道",
        facts="电动车与行人相撞致行人骨折，医疗费约1.2万元。", demands="赔偿医疗费、误工费", people=2, amount=12000,
        parties=[_party("郑家宝", "13905510061", "东风村五组"), _party("冯素珍", "13905510062", "东风村五组")],
    )  # fmt: skip
    s.step(19, 10, "assign_mediator", "clerk", mediator=people["mediator"].pk)
    s.session(17, "mediator", "城关镇综治中心调解室", "郑家宝、冯素珍、孙调解", "双方对误工费数额分歧较大。")
    s.step(15, 10, "record_outcome", "mediator", outcome="failed", note="赔偿数额分歧较大，调解不成")
    s.step(15, 11, "refer", "mediator", to="litigation", note="告知当事人可向人民法院起诉")
    count += 1

    # 东风村 劳资 (35 people): registered two days ago, the principal's to assign
    s = _Story(people, today)
    s.register(
        2, "village-handler", DONGFENG, kind="labour", place="东风村养殖场",
        facts="养殖场拖欠35名务工人员工资。", demands="结清工资", people=35, amount=120000,
        parties=[_party("东风养殖场", "05515510071", "东风村"), _party("陈树林（工人代表）", "13905510072", "东风村六组")],
    )  # fmt: skip
    count += 1
    return count
