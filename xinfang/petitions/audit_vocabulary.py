"""How the petitions' audit entries read on the audit page: a petition by its number, a
petitioner as 信访人#id (never a name), the steps and states of the procedure by their labels."""

from collections.abc import Collection, Mapping
from pathlib import PurePath

from xinfang.audit.details import register_field, register_reference, register_target_type, register_values

from .choices import Channel, Outcome, PetitionStatus, Satisfaction
from .forms import FILTER_FLAGS
from .models import OWNER_TYPE, Petition

NOT_SHOWN = "已记录（审计页不显示，以免显示个人信息）"


def petition_numbers(ids: Collection[int]) -> Mapping[int, str]:
    return dict(Petition.objects.filter(pk__in=ids).values_list("pk", "number"))


def _file_type(name: str) -> str:
    """A file's name may name a person (张三身份证.jpg): the page shows its type only."""
    suffix = PurePath(name).suffix.lower()
    return f"{suffix[1:]} 文件" if suffix else "文件"


def register() -> None:
    from .workflow import MACHINE

    register_reference(OWNER_TYPE, petition_numbers)
    register_target_type("petitions.register", "信访登记簿")
    register_target_type("petitions.alert_sweep", "期限提醒")
    register_target_type("petitions.attachment", "附件")
    states = dict(PetitionStatus.choices)
    register_field("old", "状态", values=states, target_type=OWNER_TYPE)
    register_field("new", "状态", values=states, target_type=OWNER_TYPE)
    register_values("action", {code: step.label for code, step in MACHINE.steps.items()})
    register_values("action", {"petitioner_search": "按身份证号或电话查找信访人"})
    register_values(
        "kind", {"register_xlsx": "信访登记台账（Excel）", "registration_form": "信访事项登记表（Word）"}
    )
    register_values("source", {"api": "API", "repeat_check": "重复件检查", "autocomplete": "信访人自动补全"})
    register_field("petitioners", "信访人", reference="petitioner")
    register_field("repeat_of", "重复件关联", reference=OWNER_TYPE)
    register_field("not_repeat_of", "查重核对：不是同一事项", reference=OWNER_TYPE)
    register_field("original", "原信访件")
    register_field("petition", "信访件")  # the owner of a notice (documents: DocumentOwnerSpec.audit_key)
    register_field("imported", "导入")
    register_field("channel", "来源渠道", values=dict(Channel.choices))
    register_field("part", "查看内容", values={"timeline": "办理时间线", "documents": "文书列表"})
    register_field("identifiers", "查询号码")
    register_field("found", "查到")
    register_field("attachment", "附件", reference="petitions.attachment")
    register_field("attachment_added", "新增附件", values=_file_type)
    register_field("name", "附件", values=_file_type, target_type=OWNER_TYPE)
    # the steps' data (workflow.routing, workflow.handling, workflow.clocks)
    register_field("ground", "理由")
    register_field("unit", "转送或交办单位", reference="organisation.unit", target_type=OWNER_TYPE)
    register_field("handler", "承办人", reference="accounts.user")
    register_field("leader", "包案领导", reference="accounts.user")
    register_field("deadline", "交办期限")
    register_field("co_units", "协办单位")
    register_field("objection_until", "可提出异议至")
    register_field("returned_by", "退回单位")
    register_field("report", "办结报告", hidden=True)
    register_field("record", "听证记录", hidden=True)
    register_field("checks", "审核确认")
    register_field("outcome", "处理结果", values=dict(Outcome.choices))
    register_field("delivered_on", "送达日期")
    register_field("window_ends", "申请复查（复核）截止日")
    register_field("requested_on", "申请日期")
    register_field("review_unit", "复查（复核）机关")
    register_field("decide_by", "决定期限")
    register_field("new_deadline", "新期限")
    register_field("held_at", "听证时间")
    register_field("place", "听证地点")
    register_field("participants", "参加人员", mask=NOT_SHOWN)
    register_field("satisfaction", "满意度", values=dict(Satisfaction.choices))
    register_field("hint", "提示")
    for key, label in {
        "unit_name": "单位",
        "handler_name": "承办人",
        "leader_name": "包案领导",
        "ground_label": "理由",
        "outcome_label": "处理结果",
        "satisfaction_label": "满意度",
        "organ_name": "答复机关",
    }.items():
        register_field(key, label)  # the names the steps keep next to an id, read as they were
    # an export's filters (forms.filter_summary); the search words may name a person
    register_field("q", "关键词", mask=NOT_SHOWN)
    register_field("status", "状态", values={**states, "open": "在办", "ended": "已结束"})
    register_field("category", "问题类别（代码）")
    register_field("received_from", "收到日期自")
    register_field("received_to", "收到日期至")
    register_field("flags", "标记", values=dict(FILTER_FLAGS))
    register_field("overdue", "逾期")
    register_field("light", "期限状态", values={"red": "已逾期", "yellow": "临期", "green": "正常"})
    register_field("registered_unit", "登记单位", reference="organisation.unit")
