"""Builders shared by the notice tests: a template made in the test, and a notice's text."""

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from xinfang.documents.models import Document
from xinfang.documents.services import document_generate, document_render

# One kind-specific value per kind that its default template must show.
MARKERS: dict[str, dict[str, Any]] = {
    "acceptance_notice": {"handling_deadline_cn": "2027年1月22日"},
    "rejection_notice": {
        "ground_label": "应当通过诉讼、仲裁、行政复议等法定途径解决",
        "note": "请向法院起诉",
    },
    "decline_notice": {"ground_label": "未在规定期限内申请复查或者复核", "note": "逾期"},
    "transfer_notice": {"to_unit": "城关派出所", "deadline_cn": "2026年12月8日", "note": ""},
    "assignment_notice": {
        "to_unit": "城关司法所",
        "handler_name": "李承办",
        "deadline_cn": "2026年12月20日",
        "note": "",
    },
    "extension_notice": {
        "days": 30,
        "reason": "需要多部门联合调查",
        "new_deadline_cn": "2027年2月21日",
    },
    "handling_opinion": {
        "outcome_label": "支持",
        "text": "责令该公司十日内支付拖欠工资",
        "delivered_on_cn": "2026年12月1日",
        "review_window_cn": "2026年12月31日",
        "review_unit": "青山县",
    },
    "review_opinion": {
        "outcome_label": "不予支持",
        "text": "维持原处理意见",
        "rereview_window_cn": "2027年1月31日",
        "rereview_unit": "青山市",
    },
    "rereview_opinion": {"outcome_label": "解释", "text": "复核维持复查意见"},
    "closure_report": {
        "report": "工资已全部支付到位",
        "handler_name": "李承办",
        "handling_unit": "城关镇",
    },
    "hearing_notice": {
        "hearing_at_cn": "2026年12月10日上午9时",
        "place": "城关镇政府三楼会议室",
        "participants": "信访人、城关镇、县人社局代表",
        "note": "",
    },
    "supervision_notice": {
        "to_unit": "城关司法所",
        "trigger_label": "逾期未办结",
        "method_label": "发函督办",
        "deadline_cn": "2026年12月15日",
        "note": "",
    },
    "incident_report": {
        "to_unit": "青山县",
        "report_kind_label": "首报",
        "seq": 1,
        "situation": "12月3日8时40分，东风村村民约40人聚集在镇政府门口",
        "measures": "镇党委书记已到场疏导",
        "impact": "现场秩序平稳",
        "other": "无。",
        "written_at_cn": "2026年12月03日 09时45分",
        "writer": "王接访",
    },
    "mediation_agreement": {
        "dispute_number": "纠纷20261203-00001",
        "parties_text": "张甲，住东风村一组；李乙，住东风村二组",
        "facts": "李乙修建院墙占用张甲宅基地约2平方米",
        "disputed_items": "院墙的拆除",
        "responsibility": "李乙负主要责任",
        "terms_text": "一、李乙于12月20日前将院墙后移2米",
        "performance_how": "自行拆除",
        "performance_where": "东风村一组",
        "performance_by_cn": "2026年12月20日",
        "copies": 3,
        "signature_line": "张甲　　李乙",
        "mediator": "孙调解",
    },
}

# The value of MARKERS[kind] that the test looks for in the rendered text.
MARKER_KEYS: dict[str, str] = {
    "acceptance_notice": "handling_deadline_cn",
    "rejection_notice": "ground_label",
    "decline_notice": "ground_label",
    "transfer_notice": "to_unit",
    "assignment_notice": "handler_name",
    "extension_notice": "reason",
    "handling_opinion": "text",
    "review_opinion": "rereview_unit",
    "rereview_opinion": "text",
    "closure_report": "report",
    "hearing_notice": "place",
    "supervision_notice": "method_label",
    "incident_report": "situation",
    "mediation_agreement": "terms_text",
}


def docx_bytes(*paragraphs: str) -> bytes:
    from docx import Document as WordDocument

    word = WordDocument()
    for text in paragraphs:
        word.add_paragraph(text)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


def upload(content: bytes, name: str = "模板.docx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def text_of(document: Document) -> str:
    """The notice's text, rendered first if its step's transaction has not committed (a test's
    transaction never does; a download renders the same way, see `document_file_open`)."""
    from docx import Document as WordDocument

    if not document.is_rendered:
        document = document_render(document.pk)
    with document.file.open("rb") as handle:
        word = WordDocument(io.BytesIO(handle.read()))
    return "\n".join(p.text for p in word.paragraphs)


def generate(actor: Any, petition: Any = None, kind: str = "acceptance_notice", **kwargs: Any) -> Document:
    unit = kwargs.pop("unit", None) or (petition.unit if petition is not None else actor.unit)
    context = kwargs.pop("context", MARKERS[kind])
    # as if the caller's transaction committed: the file is rendered then
    with TestCase.captureOnCommitCallbacks(execute=True):
        document = document_generate(
            kind=kind, unit=unit, actor=actor, owner=petition, context=context, **kwargs
        )
    document.refresh_from_db()
    return document


def zip_bomb_docx(megabytes: int = 120) -> bytes:
    """A valid template plus one member of `megabytes` of zeros: a few hundred KB on disk."""
    import zipfile

    buffer = io.BytesIO(docx_bytes("受理告知单 {{ number }}"))
    with (
        zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("word/media/zeros.bin", "w", force_zip64=True) as member,
    ):
        chunk = bytes(1024 * 1024)
        for _ in range(megabytes):
            member.write(chunk)
    return buffer.getvalue()
