"""The notices (文书) of a petition: their layouts, placeholders and sample values, the
placeholders every notice of a petition shares, and the petition as an owner of notices.
`register()` is called from PetitionsConfig.ready; supervision reuses `petition_context` for its
督查督办通知单, which it files under the petition."""

from functools import partial
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.dates import date_cn
from xinfang.documents.defaults import NoticeLayout, build_notice
from xinfang.documents.registry import (
    DocumentKindSpec,
    DocumentOwnerSpec,
    register_document_kind,
    register_document_owner,
)

from .models import OWNER_TYPE

ANONYMOUS_PETITIONER = "匿名信访人"

# The placeholders every notice of a petition shares (filled by `petition_context`).
PETITION_PLACEHOLDERS: tuple[tuple[str, str], ...] = (
    ("petition_number", "信访件编号"),
    ("petitioner_names", "信访人姓名（匿名时为“匿名信访人”）"),
    ("subject", "信访事项标题"),
    ("content", "反映的主要问题和诉求"),
    ("received_date_cn", "收到信访事项的日期"),
    ("channel_label", "来源渠道，如 来信、来访"),
    ("category_name", "问题类别"),
)

PETITION_SAMPLES: dict[str, Any] = {
    "petition_number": "341122101-2026-000001",
    "petitioner_names": "张三",
    "subject": "反映拖欠工资问题",
    "content": "某建筑公司拖欠农民工工资三个月，要求尽快支付。",
    "received_date_cn": "2026年11月1日",
    "channel_label": "来信",
    "category_name": "劳动社保/拖欠工资",
    "days": 30,
}


def petition_context(owner: models.Model) -> dict[str, Any]:
    """The placeholders a notice takes from its petition."""
    petition: Any = owner
    names = "" if petition.is_anonymous else petition.petitioner_names
    return {
        "petition_number": petition.number,
        "petitioner_names": names or ANONYMOUS_PETITIONER,
        "subject": petition.subject,
        "content": petition.content,
        "received_date_cn": date_cn(timezone.localdate(petition.received_at)),
        "channel_label": petition.get_channel_display(),
        "category_name": str(petition.category),
    }


# What a notice addressed to the unit the matter complains about says instead of who complained
# and what they wrote in full (domain.md §3.12); `identity_protected` keeps such notices visible
# to that unit's users, who see no other notice of the matter (selectors.identity_hidden).
PROTECTED_PETITIONER = "信访人"
PROTECTED_CONTENT = "（信访人身份及联系方式依法保护，反映内容详见标题，办理中如需核实请与本机关联系）"


def protected_context(petition: Any, addressee: Any) -> dict[str, Any]:
    """Overrides for a notice to `addressee` (a unit): none, unless it is the complained-about
    unit (or one below it)."""
    from .selectors import routes_to_complained

    if addressee is None or not routes_to_complained(petition, addressee):
        return {}
    return {
        "petitioner_names": PROTECTED_PETITIONER,
        "content": PROTECTED_CONTENT,
        "identity_protected": True,
    }


PETITIONER = "{{ petitioner_names }}："
TO_UNIT = "{{ to_unit }}："
MATTER = "您于{{ received_date_cn }}反映的“{{ subject }}”一事（编号 {{ petition_number }}）"
NOTE = "{% if note %}说明：{{ note }}{% endif %}"


LAYOUTS: dict[str, NoticeLayout] = {
    "acceptance_notice": NoticeLayout(
        title="信访事项受理告知单",
        addressee=PETITIONER,
        paragraphs=(
            MATTER + "，本机关已依法受理，将在{{ handling_deadline_cn }}前办结并书面答复。",
            "根据《信访工作条例》第二十三条、第三十二条的规定，信访事项应当自受理之日起60日内办结；"
            "情况复杂的，经本机关负责人批准，可以适当延长办理期限，但延长期限不得超过30日，并告知您延期理由。",
            "办理期间，请您依法有序反映诉求；如有新的情况或者证据，可以向本机关补充提供。",
        ),
        closing="特此告知。",
    ),
    "rejection_notice": NoticeLayout(
        title="信访事项不予受理告知单",
        addressee=PETITIONER,
        paragraphs=(
            MATTER + "，经审查，因{{ ground_label }}，根据《信访工作条例》第二十三条、第二十五条的规定，"
            "本机关决定不予受理。",
            NOTE,
            "依法应当通过诉讼、仲裁、行政复议等法定途径解决的，请您向有关机关提出；"
            "属于其他机关、单位职权范围的，请您向有权处理的机关、单位提出。",
        ),
        closing="特此告知。",
    ),
    "decline_notice": NoticeLayout(
        title="信访事项不再受理告知单",
        addressee=PETITIONER,
        paragraphs=(
            MATTER + "，{% if original_number %}与编号为 {{ original_number }} 的信访事项属同一事项"
            "（{{ original_fact }}），{% endif %}经审查，因{{ ground_label }}，"
            "根据《信访工作条例》第三十五条、第三十六条的规定，"
            "各级党委和政府信访部门和其他机关、单位不再受理。",
            NOTE,
            "请您遵守信访秩序，依法理性表达诉求。",
        ),
        closing="特此告知。",
    ),
    "transfer_notice": NoticeLayout(
        title="信访事项转送办理通知单",
        addressee=TO_UNIT,
        paragraphs=(
            "现将{{ petitioner_names }}于{{ received_date_cn }}反映的“{{ subject }}”一事"
            "（编号 {{ petition_number }}，来源：{{ channel_label }}，类别：{{ category_name }}）转送你单位。"
            "根据《信访工作条例》第二十二条、第二十三条的规定，请依法依规处理，"
            "并于{{ deadline_cn }}前将受理情况书面告知信访人，同时抄告本机关。",
            "反映的主要问题和诉求：{{ content }}",
            "{% if note %}其他要求：{{ note }}{% endif %}",
            "如认为该事项不属于你单位职权范围，请自收到本通知之日起5个工作日内提出异议，并详细说明理由。",
        ),
    ),
    "assignment_notice": NoticeLayout(
        title="信访事项交办通知单",
        addressee=TO_UNIT,
        paragraphs=(
            "现将{{ petitioner_names }}于{{ received_date_cn }}反映的“{{ subject }}”一事"
            "（编号 {{ petition_number }}）交由你单位办理，承办人：{{ handler_name }}。"
            "根据《信访工作条例》第二十二条的规定，请认真调查核实，依法依规妥善处理，"
            "并于{{ deadline_cn }}前将办理结果以办结报告形式报送本机关。",
            "反映的主要问题和诉求：{{ content }}",
            "{% if note %}交办要求：{{ note }}{% endif %}",
            "办结报告应当做到事实清楚、定性准确、处理恰当、手续完备；逾期未报送的，本机关将予以督办。",
        ),
    ),
    "extension_notice": NoticeLayout(
        title="信访事项延期办理告知单",
        addressee=PETITIONER,
        paragraphs=(
            MATTER + "，本机关已依法受理。因{{ reason }}，根据《信访工作条例》第三十二条的规定，"
            "经本机关负责人批准，办理期限延长{{ days }}日，延长后的办理期限至{{ new_deadline_cn }}。",
            "本机关将在延长后的期限内办结并书面答复，请您理解和支持。",
        ),
        closing="特此告知。",
    ),
    "handling_opinion": NoticeLayout(
        title="信访事项处理意见书",
        addressee=PETITIONER,
        paragraphs=(
            MATTER + "，本机关依法受理后进行了调查核实。根据《信访工作条例》第三十二条的规定，"
            "现出具处理意见如下：",
            "一、信访请求：{{ content }}",
            "二、处理意见（{{ outcome_label }}）：{{ text }}",
            "三、如对本处理意见不服，根据《信访工作条例》第三十五条的规定，您可以自收到本意见书之日起30日内"
            "向{{ review_unit }}请求复查（请于{{ review_window_cn }}前提出）。",
            "本意见书送达日期：{{ delivered_on_cn }}。",
        ),
    ),
    "review_opinion": NoticeLayout(
        title="信访事项复查意见书",
        addressee=PETITIONER,
        paragraphs=(
            "您对“{{ subject }}”一事（编号 {{ petition_number }}）的处理意见不服，向本机关请求复查。"
            "本机关根据《信访工作条例》第三十五条的规定进行了复查，现提出复查意见如下：",
            "复查意见（{{ outcome_label }}）：{{ text }}",
            "如对本复查意见不服，根据《信访工作条例》第三十六条的规定，您可以自收到本意见书之日起30日内"
            "向{{ rereview_unit }}请求复核（请于{{ rereview_window_cn }}前提出）。",
        ),
    ),
    "rereview_opinion": NoticeLayout(
        title="信访事项复核意见书",
        addressee=PETITIONER,
        paragraphs=(
            "您对“{{ subject }}”一事（编号 {{ petition_number }}）的复查意见不服，向本机关请求复核。"
            "本机关根据《信访工作条例》第三十六条的规定进行了复核，现提出复核意见如下：",
            "复核意见（{{ outcome_label }}）：{{ text }}",
            "根据《信访工作条例》第三十六条的规定，您对本复核意见不服，仍然以同一事实和理由提出投诉请求的，"
            "各级党委和政府信访部门和其他机关、单位不再受理。",
        ),
    ),
    "closure_report": NoticeLayout(
        title="信访事项办结报告",
        addressee="",
        paragraphs=(
            "关于{{ petitioner_names }}于{{ received_date_cn }}反映的“{{ subject }}”一事"
            "（编号 {{ petition_number }}），根据《信访工作条例》第二十二条、第三十二条的规定，"
            "现将办理情况报告如下：",
            "一、反映的主要问题：{{ content }}",
            "二、办理情况及结果：{{ report }}",
            "三、承办单位：{{ handling_unit }}；承办人：{{ handler_name }}。",
        ),
        closing="以上报告，请审核。",
    ),
    "hearing_notice": NoticeLayout(
        title="信访事项听证会议通知单",
        addressee=PETITIONER,
        paragraphs=(
            "关于您反映的“{{ subject }}”一事（编号 {{ petition_number }}），根据《信访工作条例》"
            "第三十二条的规定，本机关决定举行听证。现将有关事项通知如下：",
            "一、听证时间：{{ hearing_at_cn }}",
            "二、听证地点：{{ place }}",
            "三、参加人员：{{ participants }}",
            "四、请您（或者您推选的代表）携带身份证件及有关证据材料按时参加；因故不能参加的，请提前告知本机关。",
            "{% if note %}五、其他事项：{{ note }}{% endif %}",
        ),
        closing="特此通知。",
    ),
}


# code → (label, abbreviation inside the number, the kind's own placeholders)
KINDS: dict[str, tuple[str, str, list[tuple[str, str]]]] = {
    "acceptance_notice": ("受理告知单", "受", [("handling_deadline_cn", "办结期限")]),
    "rejection_notice": (
        "不予受理告知单",
        "不受",
        [("ground_label", "不予受理的理由"), ("note", "补充说明")],
    ),
    "decline_notice": (
        "不再受理告知单",
        "不再",
        [
            ("ground_label", "不再受理的理由"),
            ("original_number", "原信访事项编号"),
            ("original_fact", "原信访事项的办理情况（答复、复查、复核及期限）"),
            ("note", "补充说明"),
        ],
    ),
    "transfer_notice": (
        "转送办理通知单",
        "转",
        [("to_unit", "接收转送的单位"), ("deadline_cn", "告知受理情况的期限"), ("note", "其他要求")],
    ),
    "assignment_notice": (
        "交办通知单",
        "交",
        [
            ("to_unit", "承办单位"),
            ("handler_name", "承办人"),
            ("deadline_cn", "报送办结报告的期限"),
            ("note", "交办要求"),
        ],
    ),
    "extension_notice": (
        "延期办理告知单",
        "延",
        [("days", "延长的天数"), ("reason", "延期理由"), ("new_deadline_cn", "延长后的办结期限")],
    ),
    "handling_opinion": (
        "处理意见书",
        "处",
        [
            ("outcome_label", "处理结果：支持、解释或不予支持"),
            ("text", "处理意见正文"),
            ("delivered_on_cn", "送达日期"),
            ("review_window_cn", "请求复查的截止日期"),
            ("review_unit", "复查机关"),
        ],
    ),
    "review_opinion": (
        "复查意见书",
        "复查",
        [
            ("outcome_label", "复查结果"),
            ("text", "复查意见正文"),
            ("rereview_window_cn", "请求复核的截止日期"),
            ("rereview_unit", "复核机关"),
        ],
    ),
    "rereview_opinion": ("复核意见书", "复核", [("outcome_label", "复核结果"), ("text", "复核意见正文")]),
    "closure_report": (
        "办结报告",
        "结",
        [("report", "办理情况及结果"), ("handler_name", "承办人"), ("handling_unit", "承办单位")],
    ),
    "hearing_notice": (
        "听证会议通知单",
        "听",
        [
            ("hearing_at_cn", "听证时间"),
            ("place", "听证地点"),
            ("participants", "参加人员"),
            ("note", "其他事项"),
        ],
    ),
}


def _visible_ids(actor: User) -> QuerySet[Any] | None:
    """A notice of a petition is visible exactly when its petition is."""
    from xinfang.accounts.permissions import has_capability

    from .selectors import petitions_visible_to

    if not has_capability(actor, "petitions.view"):
        return None
    return petitions_visible_to(actor).values("pk")


def _withheld_ids(actor: User) -> QuerySet[Any] | None:
    """Petitions whose petitioner the actor may not identify: only their protected notices show."""
    from .selectors import protected_petition_ids

    return protected_petition_ids(actor)


def _reference(owner: models.Model) -> str:
    return str(getattr(owner, "number", ""))


def _url(owner_id: int) -> str:
    return reverse("petitions:detail", args=[owner_id])


def register() -> None:
    register_document_owner(
        DocumentOwnerSpec(
            owner_type=OWNER_TYPE,
            label="信访件",
            visible_ids=_visible_ids,
            reference=_reference,
            url=_url,
            audit_key="petition",
            withheld_ids=_withheld_ids,
        )
    )
    for code, (label, abbreviation, own) in KINDS.items():
        register_document_kind(
            DocumentKindSpec(
                code=code,
                label=label,
                abbreviation=abbreviation,
                default_template=partial(build_notice, LAYOUTS[code]),
                placeholders=[*PETITION_PLACEHOLDERS, *own],
                sample_context=PETITION_SAMPLES,
                owner_context=petition_context,
            )
        )
