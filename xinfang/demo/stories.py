"""The stories of the demo office's sample matters: who registers a matter, where, which steps
it went through, and how long ago it last moved. `matters.demo_matters_load` plays them.

A step's fields are what a user would type on the petition page; units, people and dates are
named here (`UnitRef`, `UserRef`, `Today`, `Later`) and looked up when the step is taken, on the
step's own day.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from xinfang.petitions.choices import Channel
from xinfang.petitions.workflow import REPORT_CHECKS

from .services import TOWNSHIP

# the demo tree's units the stories name
EAST_WIND, RED_STAR, WILLOW = "341122101201", "341122101202", "341122101203"  # 东风村, 红星村, 柳河村
RIVER_WEST, EAST_TOWN = "341122102", "341122001"  # 河西乡, 东城街道
LABOUR_BUREAU = "341122R01"  # 青山县人力资源和社会保障局
# 城关派出所: an organ under the township, so it answers in its own name, the township reviews
# and the county re-reviews (a village only investigates; its township answers and the county reviews)
STATION = "341122101P"
VILLAGES = (EAST_WIND, RED_STAR)
TOWNSHIP_PLACES = (TOWNSHIP, EAST_WIND, RED_STAR, WILLOW)
# 河西村, 桃园村 (河西乡); 石桥村, 新庄村 (石桥镇); 东城社区, 文昌社区 (东城街道); 县人民医院; 东风村
COMMUNITIES = ("341122001301", "341122001302")
COUNTY_PLACES = (
    "341122102201",
    "341122102202",
    "341122103201",
    "341122103202",
    *COMMUNITIES,
    "341122H01",
    EAST_WIND,
)

CLERK, COUNTY_CLERK = "clerk", "county-clerk"


@dataclass(frozen=True)
class UnitRef:
    code: str


@dataclass(frozen=True)
class UserRef:
    username: str


@dataclass(frozen=True)
class Today:
    """The step's own day (a delivery or application date), plus `days` calendar days."""

    days: int = 0


@dataclass(frozen=True)
class Later:
    """A moment `days` calendar days after the step, at `hour` o'clock (a hearing's time)."""

    days: int
    hour: int = 9


@dataclass(frozen=True)
class Beat:
    """One step of a story, `gap` working days after the one before (0: the same day).

    `register` registers the matter; `repeat` registers it again as a 重复件 of the matter so far
    (same people, same words), and the steps after it act on the new one."""

    action: str
    gap: int = 1
    fields: Mapping[str, Any] = field(default_factory=dict)


REGISTER = Beat("register", 0)


@dataclass(frozen=True)
class Story:
    """One sample matter. `slack` is the range of calendar days between its last step and today:
    a matter whose clock runs out within that time is overdue today."""

    name: str
    weight: float
    registrar: str
    places: tuple[str, ...]
    slack: tuple[int, int]
    steps: tuple[Beat, ...] = ()
    channel: str = ""
    collective: bool = False

    @property
    def beats(self) -> tuple[Beat, ...]:
        return (REGISTER, *self.steps)


ANSWERS = {
    "support": "经调查核实，信访人反映的问题基本属实，诉求合理。已责成有关方面限期解决，并将落实情况告知信访人。",
    "explain": "经调查核实，有关政策和处理情况已向信访人当面解释说明，信访人表示理解。",
    "not_support": "经调查核实，信访人的诉求缺乏政策和法律依据，依法不予支持，已向信访人说明理由。",
}
REPORTS = (
    "经走访调查、查阅资料，信访人反映的情况基本属实。已约谈相关责任人，督促其于月底前落实，信访人表示认可。",
    "经实地核查，问题已整改到位，并向信访人反馈了处理结果。",
    "经调查，信访人反映的问题部分属实，已会同村委会提出处理意见，建议书面答复信访人。",
)


def assign(unit: str, handler: str | None, *, gap: int = 1, deadline: int | None = None) -> Beat:
    """交办 to `unit` (and its `handler`), with a 交办期限 `deadline` days after the step."""
    fields: dict[str, Any] = {"unit": UnitRef(unit), "note": "请认真调查核实，按期办结并报告办理结果。"}
    if handler:
        fields["handler"] = UserRef(handler)
    if deadline is not None:
        fields["deadline"] = Today(deadline)
    return Beat("assign", gap, fields)


def report(gap: int = 15) -> Beat:
    return Beat("submit_report", gap, {"report": REPORTS[gap % len(REPORTS)]})


def approve(gap: int = 2) -> Beat:
    return Beat("approve_report", gap, {"checks": list(REPORT_CHECKS), "note": "同意，请按程序书面答复。"})


def answer(outcome: str, gap: int = 2) -> Beat:
    return Beat("answer", gap, {"outcome": outcome, "text": ANSWERS[outcome], "delivered_on": Today()})


def decide(action: str, outcome: str, gap: int = 15) -> Beat:
    return Beat(action, gap, {"outcome": outcome, "text": ANSWERS[outcome], "delivered_on": Today()})


def request(action: str, gap: int = 8) -> Beat:
    reason = "信访人对处理意见不服，认为事实认定有误，请求上一级机关复查。"
    if action == "request_rereview":
        reason = "信访人对复查意见仍不服，请求复核。"
    return Beat(action, gap, {"requested_on": Today(), "reason": reason})


def handled(unit: str, handler: str, outcome: str = "explain", report_gap: int = 15) -> tuple[Beat, ...]:
    """交办 → 办结报告 → 审核通过 → 答复."""
    return (assign(unit, handler), report(report_gap), approve(), answer(outcome))


def listed(unit: str, person: str) -> Beat:
    """挂牌督办 with its 六定 (the case leader, the responsible unit and person, the supervising
    unit and person, the time limit) and two of the 五包 done."""
    return Beat(
        "list_supervision",
        2,
        {
            "trigger": "deadline_missed",
            "method": "visit",
            "case_leader": UserRef("leader"),
            "responsible_unit": UnitRef(unit),
            "responsible_person": UserRef(person),
            "supervising_unit": UnitRef(TOWNSHIP),
            "supervisor": UserRef("supervisor"),
            "time_limit": Today(20),
            "packages": ["know_situation", "educate_persuade"],
            "note": "久拖未决，挂牌督办，落实六定五包。",
        },
    )


def transfer(unit: str, note: str) -> Beat:
    return Beat("transfer", 1, {"unit": UnitRef(unit), "note": note})


def decline(ground: str, note: str, gap: int = 1) -> Beat:
    return Beat("decline_again", gap, {"ground": ground, "note": note})


ACCEPT = Beat("accept", 1, {"note": "属于本机关职权范围，予以受理。"})
REJECT = Beat(
    "reject",
    2,
    {
        "ground": "legal_channel",
        "note": "该事项属于劳动争议，应当通过劳动仲裁、诉讼等法定途径解决，已告知信访人。",
    },
)
VISIT = Beat("record_visit", 4, {"satisfaction": "satisfied", "note": "电话回访，信访人对处理结果表示满意。"})
VISIT_BASIC = Beat("record_visit", 4, {"satisfaction": "basically_satisfied", "note": "上门回访。"})
VISIT_UNHAPPY = Beat(
    "record_visit",
    3,
    {"satisfaction": "dissatisfied", "note": "电话回访，信访人对处理意见不满意，表示将申请复查。"},
)
LATE_ACCEPT = Beat("accept", 13, {"note": "经核实属于本机关职权范围，予以受理。"})
CLOSE = Beat("close", 1, {"note": "已答复并回访，予以办结。"})
RETURN = Beat("return_report", 2, {"reason": "办结报告未附调查笔录，事实认定不清，请补充调查后重新报告。"})
EXTENSION = Beat(
    "request_extension", 20, {"days": 15, "reason": "案情复杂，涉及多个部门，需进一步调查核实。"}
)
EXTENSION_OK = Beat("approve_extension", 1, {"note": "同意延期 15 日。"})
SUPERVISE = Beat(
    "supervise",
    12,
    {
        "trigger": "deadline_missed",
        "method": "letter",
        "note": "该件已超过交办期限，请于 5 个工作日内办结并报告办理情况。",
    },
)
SUPERVISION_REPORT = Beat(
    "answer_supervision", 3, {"report": "已完成调查，处理意见已报镇审核，近日书面答复信访人。"}
)
SUPERVISION_CLOSE = Beat("close_supervision", 2, {"note": "办理情况属实，督办事项办结。"})
HEARING = Beat(
    "schedule_hearing",
    10,
    {
        "held_at": Later(7, 9),
        "place": "城关镇人民政府三楼会议室",
        "participants": "镇司法所、村委会代表、法律顾问、信访人及其代理人",
        "note": "争议较大，组织听证。",
    },
)
HEARING_DONE = Beat(
    "finish_hearing", 8, {"record": "听证会按期举行，各方充分陈述，听证员一致认为应维持原处理意见。"}
)
OWNERSHIP = Beat("take_ownership", 1, {"note": "集体访，由分管领导包案。"})
INSTRUCTION = Beat("instruct", 1, {"text": "请镇综治中心牵头，会同村委会妥善处理，及时化解，防止矛盾激化。"})
OBJECTION = Beat("object", 2, {"reason": "该事项属于县人力资源和社会保障局职责范围，不属于本镇职权。"})
FINALISED = "该事项已经复核终结，信访人以同一事实和理由再次提出。"
WINDOW_PASSED = "信访人未在收到处理意见之日起 30 日内申请复查。"

# fmt: off
STORIES: tuple[Story, ...] = (
    # 已登记: new, and letters nobody decided on within 15 days (overdue)
    Story("new", 18, CLERK, TOWNSHIP_PLACES, (0, 8)),
    Story("new-county", 5, COUNTY_CLERK, COUNTY_PLACES, (0, 6)),
    Story("new-overdue", 6, CLERK, TOWNSHIP_PLACES, (18, 40), channel=Channel.LETTER),
    # 已受理 by the office itself; 不予受理
    Story("accepted", 10, CLERK, TOWNSHIP_PLACES, (1, 20), (ACCEPT,)),
    Story("accepted-late", 3, CLERK, TOWNSHIP_PLACES, (1, 20), (LATE_ACCEPT,), channel=Channel.LETTER),
    Story("rejected", 7, CLERK, TOWNSHIP_PLACES, (1, 80), (REJECT,)),
    # 已转送: the county to a township or a street; the township to a county bureau
    Story("transferred", 10, COUNTY_CLERK, COUNTY_PLACES[:4], (1, 25), (transfer(RIVER_WEST, "属地管理，转送河西乡处理。"),)),
    Story("transferred-street", 4, COUNTY_CLERK, COMMUNITIES, (1, 25), (transfer(EAST_TOWN, "属地管理，转送东城街道处理。"),)),
    Story("transferred-bureau", 5, CLERK, TOWNSHIP_PLACES, (1, 30), (transfer(LABOUR_BUREAU, "属于劳动保障部门职责。"),)),
    # 已交办: to a village and its handler, to one with no handler yet, late on its 交办期限
    Story("assigned", 10, CLERK, VILLAGES, (1, 15), (assign(EAST_WIND, "village-handler"),)),
    Story("assigned-unclaimed", 5, CLERK, (WILLOW,), (1, 10), (assign(WILLOW, None),)),
    Story("assigned-late", 5, CLERK, VILLAGES, (20, 40), (assign(RED_STAR, "village2-handler", deadline=10),)),
    # 延期: waiting for the leader, and granted
    Story("extension-waiting", 4, CLERK, VILLAGES, (0, 5), (assign(EAST_WIND, "village-handler"), EXTENSION)),
    Story("extended", 3, CLERK, (TOWNSHIP,), (1, 10), (assign(TOWNSHIP, "handler"), EXTENSION, EXTENSION_OK)),
    # 办理中 (a report sent back), 待审核, 待答复
    Story("returned", 8, CLERK, VILLAGES, (1, 20), (assign(EAST_WIND, "village-handler"), report(), RETURN)),
    Story("report-pending", 9, CLERK, VILLAGES, (0, 6), (assign(RED_STAR, "village2-handler"), report(12))),
    Story("report-pending-county", 5, COUNTY_CLERK, (TOWNSHIP,), (0, 6), (assign(TOWNSHIP, "handler"), report(18))),
    Story("approved", 4, CLERK, (TOWNSHIP,), (0, 4), (assign(TOWNSHIP, "handler"), report(), approve())),
    # a village's approved report: the township's front desk answers it in the township's name
    Story("approved-village", 3, CLERK, VILLAGES, (0, 4), (assign(EAST_WIND, "village-handler"), report(), approve())),
    # 已答复, and 已办结 after a return visit
    Story("answered", 14, CLERK, VILLAGES, (1, 25), handled(EAST_WIND, "village-handler")),
    Story("answered-county", 6, COUNTY_CLERK, (TOWNSHIP,), (1, 25), handled(TOWNSHIP, "handler", "support")),
    Story("closed", 30, CLERK, TOWNSHIP_PLACES, (1, 90), (*handled(RED_STAR, "village2-handler", "support"), VISIT, CLOSE)),
    Story("closed-township", 12, CLERK, (TOWNSHIP,), (1, 90), (*handled(TOWNSHIP, "handler", "explain", 10), VISIT_BASIC, CLOSE)),
    Story("closed-late", 4, CLERK, VILLAGES, (1, 30), (*handled(EAST_WIND, "village-handler", "support", 48), VISIT, CLOSE)),
    # 复查中 (decided by the county: the township answered), 复核中 (a station's answer, reviewed by the
    # township, re-reviewed by the county), and re-reviewed (final)
    Story("review", 6, CLERK, (EAST_WIND,), (1, 40), (
        *handled(EAST_WIND, "village-handler", "not_support"), VISIT_UNHAPPY, request("request_review", 5))),
    Story("review-county", 3, COUNTY_CLERK, (TOWNSHIP,), (1, 20), (*handled(TOWNSHIP, "handler", "not_support"), request("request_review"))),
    Story("reviewed", 3, CLERK, (EAST_WIND,), (1, 25), (
        *handled(EAST_WIND, "village-handler", "not_support"), VISIT_UNHAPPY, request("request_review", 5),
        decide("decide_review", "explain"))),
    Story("rereview", 3, CLERK, (EAST_WIND,), (1, 15), (
        *handled(STATION, "station-handler", "not_support"), request("request_review"),
        decide("decide_review", "not_support"), request("request_rereview"))),
    # 不再受理: the same matter again after the re-review ended it, and after the window passed
    Story("declined-final", 3, CLERK, (EAST_WIND,), (1, 20), (
        *handled(STATION, "station-handler", "not_support", 10), request("request_review", 5),
        decide("decide_review", "not_support", 10), request("request_rereview", 5),
        decide("decide_rereview", "not_support", 10), Beat("repeat", 12), decline("finalised", FINALISED))),
    Story("declined-window", 2, CLERK, (TOWNSHIP,), (1, 20), (
        *handled(TOWNSHIP, "handler", "not_support", 10), VISIT_BASIC, CLOSE, Beat("repeat", 30),
        decline("window_passed", WINDOW_PASSED))),
    # 督办 of a late assignment: opened (with a leader's 批示), reported, closed; one 挂牌督办
    Story("supervised", 5, CLERK, VILLAGES, (0, 3), (
        assign(RED_STAR, "village2-handler", deadline=10), Beat("instruct", 11, INSTRUCTION.fields), Beat("supervise", 1, SUPERVISE.fields))),
    Story("supervision-reported", 3, CLERK, VILLAGES, (0, 3), (
        assign(EAST_WIND, "village-handler", deadline=10), SUPERVISE, SUPERVISION_REPORT)),
    Story("supervision-closed", 3, CLERK, VILLAGES, (0, 3), (
        assign(EAST_WIND, "village-handler", deadline=10), SUPERVISE, SUPERVISION_REPORT, SUPERVISION_CLOSE, report(1))),
    Story("listed", 2, CLERK, (RED_STAR,), (8, 15), (
        assign(RED_STAR, "village2-handler", deadline=10), listed(RED_STAR, "village2-handler")),
        channel=Channel.VISIT, collective=True),
    # 听证: scheduled (held next week), and held before the report
    Story("hearing", 2, CLERK, (TOWNSHIP,), (1, 4), (assign(TOWNSHIP, "handler"), HEARING)),
    Story("heard", 2, CLERK, (TOWNSHIP,), (0, 5), (assign(TOWNSHIP, "handler"), HEARING, HEARING_DONE, report(3))),
    # 领导包案 of a collective visit; 异议: the township returns a county assignment
    Story("leader-owned", 3, CLERK, (TOWNSHIP, EAST_WIND), (1, 20), (OWNERSHIP, INSTRUCTION, assign(TOWNSHIP, "handler")),
          channel=Channel.VISIT, collective=True),
    Story("objected", 2, COUNTY_CLERK, (TOWNSHIP,), (1, 10), (assign(TOWNSHIP, None), OBJECTION)),
)
# fmt: on
