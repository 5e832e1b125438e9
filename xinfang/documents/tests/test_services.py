"""Generation of notices (numbering, rendering, audit) and the replacement of templates."""

import hashlib

import pytest
from django.db import transaction
from django.test import TestCase
from django.utils import timezone

from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.documents import services
from xinfang.documents.defaults import default_template_bytes
from xinfang.documents.models import Document, DocumentTemplate
from xinfang.documents.registry import document_kind, document_kinds, kind_label
from xinfang.documents.services import (
    PLACEHOLDERS,
    TemplateProblem,
    render_docx,
    template_replace,
    template_reset,
)
from xinfang.petitions.tests.factories import register

from .helpers import MARKER_KEYS, MARKERS, docx_bytes, generate, text_of, upload, zip_bomb_docx

VILLAGE = "341122101201"


NOT_OF_PETITIONS = frozenset({"incident_report", "mediation_agreement"})


@pytest.mark.parametrize("kind", [k.code for k in document_kinds()])
def test_every_default_template_renders_with_its_placeholders_filled(clerk, kind):
    # given
    petition = register(clerk, subject="反映拖欠工资问题")
    year = timezone.localdate().year
    # when
    document = generate(clerk, petition, kind)
    # then
    text = text_of(document)
    assert "城关镇" in text
    assert document.number in text
    assert str(MARKERS[kind][MARKER_KEYS[kind]]) in text
    if kind not in NOT_OF_PETITIONS:  # an incident's report names no petition nor the 条例
        assert "反映拖欠工资问题" in text
        assert "信访工作条例" in text
    assert "{{" not in text
    assert "{%" not in text
    # a mediation committee's agreement is no petition office's notice: 城关镇调〔2026〕1号
    assert document.number.startswith("城关镇调" if kind == "mediation_agreement" else "城关镇信")
    assert document.number.endswith(f"〔{year}〕1号")
    assert document.original_name == f"{kind_label(kind)}-{document.number}.docx"
    assert document.template_sha256 == hashlib.sha256(default_template_bytes(kind)).hexdigest()


def test_number_follows_the_official_format(clerk):
    petition = register(clerk)
    document = generate(clerk, petition)
    assert document.number == f"城关镇信受〔{timezone.localdate().year}〕1号"


def test_numbers_are_sequential_per_unit_kind_and_year(clerk, unit_by_code):
    # given
    petition = register(clerk)
    # when
    first = generate(clerk, petition)
    second = generate(clerk, petition)
    rejection = generate(clerk, petition, "rejection_notice")
    elsewhere = generate(clerk, petition, unit=unit_by_code(VILLAGE))
    # then
    year = timezone.localdate().year
    assert first.number == f"城关镇信受〔{year}〕1号"
    assert second.number == f"城关镇信受〔{year}〕2号"
    assert rejection.number == f"城关镇信不受〔{year}〕1号"
    assert elsewhere.number == f"东风村信受〔{year}〕1号"


def test_a_rolled_back_generation_leaves_no_gap_in_the_numbers(clerk):
    # given
    petition = register(clerk)

    # when
    def failing_transition() -> None:
        with transaction.atomic():
            generate(clerk, petition)
            raise RuntimeError("the caller's transition failed")

    with pytest.raises(RuntimeError):
        failing_transition()
    document = generate(clerk, petition)
    # then
    assert document.number.endswith("〕1号")
    assert Document.objects.count() == 1


def test_generation_is_audited_with_kind_number_and_petition(clerk):
    petition = register(clerk)
    document = generate(clerk, petition, event_id=42)
    entry = AuditEntry.objects.get(event=AuditEvent.DOCUMENT_GENERATED)
    assert entry.actor == clerk
    assert entry.target_id == str(document.pk)
    assert entry.extra_data["kind"] == "acceptance_notice"
    assert entry.extra_data["number"] == document.number
    assert entry.extra_data["petition"] == petition.number
    assert document.event_id == 42
    assert document.unit_path == petition.unit.path


def test_stored_file_matches_recorded_size_and_sha256(clerk):
    document = generate(clerk, register(clerk))
    with document.file.open("rb") as handle:
        content = handle.read()
    assert document.file.name.startswith(f"documents/{timezone.now():%Y}/")
    assert document.size == len(content)
    assert document.sha256 == hashlib.sha256(content).hexdigest()


def test_anonymous_petition_is_addressed_to_an_anonymous_petitioner(clerk):
    petition = register(clerk, anonymous=True, petitioners=[])
    text = text_of(generate(clerk, petition))
    assert "匿名信访人：" in text


def test_a_missing_kind_specific_key_renders_empty(clerk):
    text = text_of(generate(clerk, register(clerk), context={}))
    assert "将在前办结" in text


def test_caller_context_wins_and_xml_special_characters_survive(clerk):
    petition = register(clerk, subject="A<B & C 的问题")
    text = text_of(
        generate(clerk, petition, context={"unit_name": "城关镇人民政府", "handling_deadline_cn": "x"})
    )
    assert "城关镇人民政府信访事项受理告知单" in text
    assert "“A<B & C 的问题”" in text


def test_multi_line_text_keeps_its_line_breaks(clerk):
    petition = register(clerk)
    text = text_of(generate(clerk, petition, "closure_report", context={"report": "第一点\r\n第二点"}))
    assert "第一点\n第二点" in text


def test_a_notice_without_petition_uses_the_common_keys_only(clerk):
    document = generate(clerk, None, "supervision_notice")
    assert document.owner_id is None
    assert "城关镇信访事项督查督办通知单" in text_of(document)


def test_default_templates_are_deterministic():
    for kind in [k.code for k in document_kinds()]:
        assert document_kind(kind).default_template() == default_template_bytes(kind)


def test_placeholders_list_common_and_specific_keys():
    assert [name for name, _ in PLACEHOLDERS["acceptance_notice"]][:3] == ["unit_name", "number", "date_cn"]
    assert ("handling_deadline_cn", "办结期限") in PLACEHOLDERS["acceptance_notice"]
    assert set(PLACEHOLDERS) == {k.code for k in document_kinds()}


# --- templates -----------------------------------------------------------------------------------


def test_an_uploaded_template_is_used_by_the_next_generation(clerk, sysadmin):
    # given
    content = docx_bytes("自定义模板 {{ number }}", "致{{ petitioner_names }}")
    # when
    row = template_replace(kind="acceptance_notice", upload=upload(content), actor=sysadmin)
    document = generate(clerk, register(clerk))
    # then
    text = text_of(document)
    assert f"自定义模板 {document.number}" in text
    assert "致张三" in text
    assert document.template_sha256 == hashlib.sha256(content).hexdigest() == row.sha256
    entry = AuditEntry.objects.get(event=AuditEvent.TEMPLATE_CHANGED)
    assert (
        entry.extra_data["old_sha256"]
        == hashlib.sha256(default_template_bytes("acceptance_notice")).hexdigest()
    )
    assert entry.extra_data["new_sha256"] == row.sha256


def test_replacing_again_keeps_one_row_and_audits_the_previous_upload(sysadmin):
    first = template_replace(
        kind="closure_report", upload=upload(docx_bytes("一 {{ number }}")), actor=sysadmin
    )
    old_sha256 = first.sha256
    second = template_replace(
        kind="closure_report", upload=upload(docx_bytes("二 {{ number }}")), actor=sysadmin
    )
    assert DocumentTemplate.objects.count() == 1
    latest = AuditEntry.objects.filter(event=AuditEvent.TEMPLATE_CHANGED).order_by("-id").first()
    assert latest.extra_data["old_sha256"] == old_sha256
    assert latest.extra_data["new_sha256"] == second.sha256


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("模板.docx", b"this is not a zip", "文件不是有效的 Word 文档"),
        ("模板.doc", b"whatever", "只能上传 Word 文档（.docx 格式）"),
        ("模板.docx", docx_bytes("标题", "第二段", "自定义 {{ number }"), "模板语法错误：第 3 段"),
        ("模板.docx", docx_bytes("{% if note %}未结束"), "模板语法错误"),
        ("模板.docx", docx_bytes("{{ secret_key }}"), "{{ secret_key }}"),
    ],
)
def test_a_bad_upload_is_refused_in_chinese_and_changes_nothing(sysadmin, name, content, message):
    # when
    with pytest.raises(TemplateProblem) as refused:
        template_replace(kind="acceptance_notice", upload=upload(content, name), actor=sysadmin)
    # then
    assert message in refused.value.message
    assert refused.value.extra["file"] == refused.value.message
    assert not DocumentTemplate.objects.exists()
    assert not AuditEntry.objects.filter(event=AuditEvent.TEMPLATE_CHANGED).exists()


def test_a_zip_without_word_document_is_refused(sysadmin):
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(TemplateProblem, match="word/document.xml"):
        template_replace(kind="acceptance_notice", upload=upload(buffer.getvalue()), actor=sysadmin)


def test_an_upload_over_five_megabytes_is_refused(sysadmin):
    with pytest.raises(TemplateProblem, match="不能超过 5 MB"):
        template_replace(
            kind="acceptance_notice", upload=upload(b"0" * (5 * 1024 * 1024 + 1)), actor=sysadmin
        )


def test_a_zip_bomb_template_is_refused_before_it_is_parsed(sysadmin, monkeypatch):
    # given: 120 MB of zeros inside a file of a few hundred KB
    content = zip_bomb_docx(120)
    assert len(content) < 1024 * 1024
    parsed = []
    monkeypatch.setattr(services, "_template_parts_xml", lambda data: parsed.append(data) or [])
    # when
    with pytest.raises(TemplateProblem) as refused:
        template_replace(kind="acceptance_notice", upload=upload(content), actor=sysadmin)
    # then
    assert "Word 文档解压后过大" in refused.value.message
    assert refused.value.extra["file"] == refused.value.message
    assert parsed == []
    assert not DocumentTemplate.objects.exists()


def test_a_template_of_too_many_members_is_refused(sysadmin):
    import io
    import zipfile

    buffer = io.BytesIO(docx_bytes("受理告知单"))
    with zipfile.ZipFile(buffer, "a") as archive:
        for index in range(services.TEMPLATE_MAX_MEMBERS):
            archive.writestr(f"extra/part{index}.xml", "")
    with pytest.raises(TemplateProblem, match="Word 文档包含的部件过多"):
        template_replace(kind="acceptance_notice", upload=upload(buffer.getvalue()), actor=sysadmin)


def test_a_zip_bomb_stored_as_a_template_is_not_unpacked_when_rendering():
    from jinja2 import TemplateError

    with pytest.raises(TemplateError, match="Word 文档解压后过大"):
        render_docx(zip_bomb_docx(30), {})


def test_the_prepared_template_cache_is_bounded():
    # given
    template = docx_bytes("受理告知单 {{ number }}")
    services._PREPARED.clear()
    # when
    for index in range(40):
        render_docx(template, {"number": index}, digest=f"digest-{index}")
    # then
    assert 0 < len(services._PREPARED) <= 32


def test_reset_goes_back_to_the_default_and_is_audited(clerk, sysadmin):
    # given
    template_replace(
        kind="acceptance_notice", upload=upload(docx_bytes("自定义模板 {{ number }}")), actor=sysadmin
    )
    # when
    template_reset(kind="acceptance_notice", actor=sysadmin)
    document = generate(clerk, register(clerk))
    # then
    assert not DocumentTemplate.objects.exists()
    assert "自定义模板" not in text_of(document)
    assert "信访事项受理告知单" in text_of(document)
    entries = AuditEntry.objects.filter(event=AuditEvent.TEMPLATE_CHANGED).order_by("id")
    assert [e.extra_data["action"] for e in entries] == ["replace", "reset"]


def test_reset_of_a_default_template_does_nothing(sysadmin):
    template_reset(kind="hearing_notice", actor=sysadmin)
    assert not AuditEntry.objects.filter(event=AuditEvent.TEMPLATE_CHANGED).exists()


# --- rendering after the commit ----------------------------------------------------------------


def test_a_notice_is_recorded_in_the_transaction_and_rendered_once_it_commits(clerk):
    # given
    petition = register(clerk)
    # when
    with TestCase.captureOnCommitCallbacks(execute=True), transaction.atomic():
        document = services.document_generate(
            kind="acceptance_notice", unit=clerk.unit, actor=clerk, owner=petition, context={}
        )
        recorded = Document.objects.get(pk=document.pk)
        # then: numbered and kept with its context, no file yet
        assert recorded.number.endswith("1号")
        assert (recorded.is_rendered, recorded.file.name, recorded.size) == (False, "", 0)
        assert recorded.context["petition_number"] == petition.number
    # then: rendered after the commit, from the kept context
    rendered = Document.objects.get(pk=document.pk)
    assert rendered.is_rendered
    with rendered.file.open("rb") as handle:
        content = handle.read()
    assert (len(content), hashlib.sha256(content).hexdigest()) == (rendered.size, rendered.sha256)
    assert petition.number in text_of(rendered)


def test_a_notice_whose_rendering_failed_after_the_commit_is_rendered_when_opened(clerk, monkeypatch):
    # given: the rendering after the commit fails once
    petition = register(clerk)
    real = services.render_docx
    calls = []

    def failing_once(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            raise OSError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "render_docx", failing_once)
    with TestCase.captureOnCommitCallbacks(execute=True):
        document = services.document_generate(
            kind="acceptance_notice", unit=clerk.unit, actor=clerk, owner=petition, context={}
        )
    assert not Document.objects.get(pk=document.pk).is_rendered
    # when
    with services.document_file_open(actor=clerk, document=document) as handle:
        content = handle.read()
    # then
    stored = Document.objects.get(pk=document.pk)
    assert stored.is_rendered
    assert stored.sha256 == hashlib.sha256(content).hexdigest()
    assert AuditEntry.objects.filter(event=AuditEvent.DOWNLOAD, target_id=str(document.pk)).exists()


def test_a_template_that_cannot_render_still_refuses_the_step_before_anything_is_written(clerk):
    # given: a stored template whose file is gone
    petition = register(clerk)
    services._PREPARED.clear()
    template_replace(kind="acceptance_notice", upload=upload(docx_bytes("{{ unit_name }}")), actor=clerk)
    row = DocumentTemplate.objects.get(kind="acceptance_notice")
    row.file.storage.delete(row.file.name)
    services._PREPARED.clear()
    # when / then
    with pytest.raises(services.ApplicationError, match="模板文件缺失"), transaction.atomic():
        services.document_generate(
            kind="acceptance_notice", unit=clerk.unit, actor=clerk, owner=petition, context={}
        )
    assert not Document.objects.filter(kind="acceptance_notice").exists()


def test_a_step_renders_its_notice_after_its_transaction_ended(clerk, monkeypatch):
    """The write lock (SQLite takes it at BEGIN IMMEDIATE) is not held while a notice renders:
    rendering runs in none of the step's transactions (only the test's own remains open)."""
    from django.db import connection

    from xinfang.petitions.workflow import petition_transition

    petition = register(clerk)
    real = services.render_docx
    outside = len(connection.atomic_blocks)
    seen = []

    def recording(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(len(connection.atomic_blocks))
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "render_docx", recording)
    # when
    with TestCase.captureOnCommitCallbacks(execute=True):
        petition_transition(petition=petition, action="accept", actor=clerk)
        assert seen == []
    # then
    assert seen == [outside]
    notice = Document.objects.get(owner_id=petition.pk, kind="acceptance_notice")
    assert notice.is_rendered
    assert notice.size > 0
