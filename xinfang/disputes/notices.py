"""The written mediation agreement (调解协议书, 人民调解法第二十九条) as a document kind: the parties'
particulars, the main facts, the disputed items and each party's responsibility, the agreed terms,
how, where and by when they are performed, and the lines for the parties' and the mediator's
signatures and the committee's seal; one copy per party plus one kept. Issued in the name of the
committee's unit (东风村人民调解委员会调解协议书), numbered per unit and year (东风村调〔2026〕1号),
filed under the dispute. The template is editable on the 文书模板 page like every kind."""

from functools import partial
from typing import Any

from django.db import models

from xinfang.documents.defaults import NoticeLayout, build_notice
from xinfang.documents.registry import (
    DocumentKindSpec,
    DocumentOwnerSpec,
    register_document_kind,
    register_document_owner,
)

from .models import OWNER_TYPE

KIND = "mediation_agreement"

PLACEHOLDERS: tuple[tuple[str, str], ...] = (
    ("dispute_number", "纠纷编号"),
    ("parties_text", "当事人基本情况"),
    ("facts", "纠纷主要事实"),
    ("disputed_items", "争议事项"),
    ("responsibility", "各方当事人的责任"),
    ("terms_text", "协议内容（各条款）"),
    ("performance_how", "履行方式"),
    ("performance_where", "履行地点"),
    ("performance_by_cn", "履行期限"),
    ("copies", "份数"),
    ("signature_line", "当事人签名栏"),
    ("mediator", "人民调解员"),
)

SAMPLES: dict[str, Any] = {
    "dispute_number": "纠纷20261203-00001",
    "parties_text": "甲方：张某，男，身份证号 3411**********1234，住东风村一组；乙方：李某，女，住东风村二组",
    "facts": "2026年11月，乙方修建院墙时占用甲方宅基地约2平方米，双方发生争执。",
    "disputed_items": "院墙占用宅基地的拆除和赔偿。",
    "responsibility": "乙方未经测量擅自施工，负主要责任；甲方言语过激，负次要责任。",
    "terms_text": "一、乙方于12月20日前将院墙后移2米；二、甲方不再追究乙方其他责任。",
    "performance_how": "乙方自行拆除重建",
    "performance_where": "东风村一组甲方宅基地",
    "performance_by_cn": "2026年12月20日",
    "copies": 3,
    "signature_line": "张某　　李某",
    "mediator": "孙调解",
}

LAYOUT = NoticeLayout(
    title="人民调解委员会调解协议书",
    addressee="",
    paragraphs=(
        "编号：{{ dispute_number }}",
        "当事人：{{ parties_text }}。",
        "纠纷主要事实：{{ facts }}",
        "争议事项：{{ disputed_items }}",
        "各方当事人的责任：{{ responsibility }}",
        "经调解，各方当事人自愿达成如下协议：{{ terms_text }}",
        "履行方式：{{ performance_how }}；履行地点：{{ performance_where }}；"
        "履行期限：{{ performance_by_cn }}前履行完毕。",
        "本协议自各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起生效，"
        "具有法律约束力，当事人应当按照约定履行。当事人可以自本协议生效之日起三十日内共同向人民法院申请司法确认。",
        "本协议一式{{ copies }}份，当事人各执一份，人民调解委员会留存一份。",
        "当事人（签名、盖章或者按指印）：{{ signature_line }}",
        "人民调解员（签名）：{{ mediator }}",
    ),
    closing="{{ unit_name }}人民调解委员会（印章）",
)


def owner_context(owner: models.Model) -> dict[str, Any]:
    from .models import Dispute

    if not isinstance(owner, Dispute):
        return {}
    return {"dispute_number": owner.number}


def _visible(actor: Any) -> Any:
    from .selectors import disputes_visible_to

    return disputes_visible_to(actor).values("pk")


def _reference(owner: models.Model) -> str:
    return str(getattr(owner, "number", ""))


def _url(owner_id: int) -> str:
    from django.urls import reverse

    return reverse("disputes:detail", args=[owner_id])


def register() -> None:
    register_document_kind(
        DocumentKindSpec(
            code=KIND,
            label="人民调解协议书",
            abbreviation="调",
            prefix="",
            default_template=partial(build_notice, LAYOUT),
            placeholders=PLACEHOLDERS,
            sample_context=SAMPLES,
            owner_context=owner_context,
        )
    )
    register_document_owner(
        DocumentOwnerSpec(
            owner_type=OWNER_TYPE,
            label="矛盾纠纷",
            visible_ids=_visible,
            reference=_reference,
            url=_url,
            audit_key="dispute",
        )
    )
