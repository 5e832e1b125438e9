"""Pages: download and preview of a notice (scope, audit), the petition partial, and the
template administration."""

import hashlib

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.documents.defaults import default_template_bytes
from xinfang.documents.models import DocumentTemplate
from xinfang.documents.registry import document_kinds
from xinfang.documents.selectors import documents_for_owner
from xinfang.petitions.tests.factories import register

from .helpers import docx_bytes, generate, text_of, upload

VILLAGE = "341122101201"


def _downloads():
    return AuditEntry.objects.filter(event=AuditEvent.DOWNLOAD)


# --- download and preview --------------------------------------------------------------------------


def test_download_answers_the_file_with_a_utf8_filename_and_is_audited(client, clerk):
    # given
    document = generate(clerk, register(clerk))
    client.force_login(clerk)
    # when
    response = client.get(reverse("documents:download", args=[document.pk]))
    # then
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert hashlib.sha256(content).hexdigest() == document.sha256
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert "%E5%8F%97%E7%90%86%E5%91%8A%E7%9F%A5%E5%8D%95" in response["Content-Disposition"]  # 受理告知单
    entry = _downloads().get()
    assert entry.extra_data["mode"] == "download"
    assert entry.extra_data["number"] == document.number
    assert entry.extra_data["kind"] == "acceptance_notice"


def test_preview_shows_the_notice_text_inside_the_layout_and_is_audited(client, clerk):
    # given
    document = generate(clerk, register(clerk, subject="反映拖欠工资问题"))
    client.force_login(clerk)
    # when
    response = client.get(reverse("documents:preview", args=[document.pk]))
    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "本机关已依法受理，将在2027年1月22日前办结并书面答复" in page
    assert "反映拖欠工资问题" in page
    assert reverse("documents:download", args=[document.pk]) in page
    assert "信访维稳工作平台" in page  # the base layout
    assert _downloads().get().extra_data["mode"] == "preview"


def test_preview_neutralises_script_links_of_a_template():
    from xinfang.documents.views import docx_to_html

    html = docx_to_html(_docx_with_link("javascript:alert(1)"))
    assert "javascript:" not in html


def test_preview_ignores_a_style_map_embedded_in_the_template():
    import io

    import mammoth

    from xinfang.documents.views import docx_to_html

    # given: a template whose own style map turns every paragraph into a script
    buffer = io.BytesIO(docx_bytes("alert(document.cookie)"))
    mammoth.embed_style_map(buffer, "p => script:fresh")
    # when
    html = docx_to_html(buffer.getvalue())
    # then
    assert "<script" not in html
    assert html == "<p>alert(document.cookie)</p>"


def test_preview_html_is_sanitised_whatever_mammoth_answers(monkeypatch):
    import mammoth
    from mammoth.results import Result

    from xinfang.documents.views import docx_to_html

    # given
    poisoned = (
        "<script>alert(1)</script><p onclick=x style='color:red' class=c>t</p>"
        '<iframe src="javascript:alert(2)"></iframe><img src=x onerror=alert(3)>'
        '<a href="javascript:alert(4)">链接</a><table><tr><td colspan="2" onmouseover=y>格</td></tr></table>'
    )
    monkeypatch.setattr(mammoth, "convert_to_html", lambda *args, **kwargs: Result(poisoned, []))
    # when
    html = docx_to_html(b"ignored")
    # then
    assert "<script" not in html
    assert "alert(1)" not in html
    assert "<iframe" not in html
    assert "<img" not in html
    assert "<a" not in html
    assert "onclick" not in html
    assert "onerror" not in html
    assert "onmouseover" not in html
    assert "style" not in html
    assert "class" not in html
    assert "javascript:" not in html
    assert "<p>t</p>" in html
    assert '<td colspan="2">格</td>' in html


def test_the_preview_page_of_a_poisoned_notice_runs_no_script(client, clerk, monkeypatch):
    import mammoth
    from mammoth.results import Result

    # given
    document = generate(clerk, register(clerk))
    client.force_login(clerk)
    poisoned = Result("<script>alert(1)</script><p onclick=x>正文</p>", [])
    monkeypatch.setattr(mammoth, "convert_to_html", lambda *args, **kwargs: poisoned)
    # when
    response = client.get(reverse("documents:preview", args=[document.pk]))
    # then
    page = response.content.decode()
    assert "alert(1)" not in page
    assert "<p>正文</p>" in page
    assert "onclick" not in page


def _docx_with_link(target: str) -> bytes:
    """A .docx whose only paragraph is a hyperlink to `target`."""
    import io

    from docx import Document as WordDocument
    from docx.opc.constants import RELATIONSHIP_TYPE
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    word = WordDocument()
    paragraph = word.add_paragraph()
    rel = paragraph.part.relate_to(target, RELATIONSHIP_TYPE.HYPERLINK, is_external=True)
    link = OxmlElement("w:hyperlink")
    link.set(qn("r:id"), rel)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "点我"
    run.append(text)
    link.append(run)
    paragraph._p.append(link)
    buffer = io.BytesIO()
    word.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("route", ["documents:download", "documents:preview"])
def test_a_notice_of_a_petition_outside_scope_answers_404_and_is_not_audited(
    client, clerk, village2_handler, route
):
    # given
    document = generate(clerk, register(clerk))
    client.force_login(village2_handler)
    # when
    response = client.get(reverse(route, args=[document.pk]))
    # then
    assert response.status_code == 404
    assert not _downloads().exists()


def test_a_handler_of_the_petitions_unit_may_download(client, clerk, handler):
    document = generate(clerk, register(clerk))
    client.force_login(handler)
    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 200


def test_a_missing_notice_answers_404(client, clerk):
    client.force_login(clerk)
    assert client.get(reverse("documents:download", args=[999999])).status_code == 404


def test_a_notice_without_petition_follows_its_units_scope(
    client, village_handler, village2_handler, unit_by_code
):
    # given
    document = generate(village_handler, None, "supervision_notice", unit=unit_by_code(VILLAGE))
    # when
    client.force_login(village_handler)
    own = client.get(reverse("documents:preview", args=[document.pk]))
    client.force_login(village2_handler)
    other = client.get(reverse("documents:preview", args=[document.pk]))
    # then
    assert own.status_code == 200
    assert other.status_code == 404


def test_anonymous_user_is_sent_to_login(client, clerk):
    document = generate(clerk, register(clerk))
    response = client.get(reverse("documents:download", args=[document.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_petition_documents_are_listed_oldest_first_in_two_queries(clerk, django_assert_num_queries):
    # given
    petition = register(clerk)
    first = generate(clerk, petition)
    second = generate(clerk, petition, "extension_notice")
    # when
    with django_assert_num_queries(2):  # the scope check, then the notices with their authors
        documents = list(
            documents_for_owner(actor=clerk, owner_type="petitions.petition", owner_id=petition.pk)
        )
        names = [d.created_by.full_name for d in documents]
    # then
    assert documents == [first, second]
    assert names == ["王接访", "王接访"]


def test_petition_documents_of_a_petition_outside_scope_raise_not_found(clerk, village2_handler):
    from xinfang.core.exceptions import NotFound

    petition = register(clerk)
    with pytest.raises(NotFound):
        documents_for_owner(actor=village2_handler, owner_type="petitions.petition", owner_id=petition.pk)


def test_the_petition_partial_lists_each_notice_with_preview_and_download(clerk):
    petition = register(clerk)
    document = generate(clerk, petition)
    html = render_to_string("documents/_petition_documents.html", {"documents": [document]})
    assert "受理告知单" in html
    assert document.number in html
    assert "王接访" in html
    assert reverse("documents:preview", args=[document.pk]) in html
    assert reverse("documents:download", args=[document.pk]) in html


# --- template administration -----------------------------------------------------------------------


def test_template_page_is_refused_to_a_clerk(client, clerk):
    client.force_login(clerk)
    assert client.get(reverse("documents:templates")).status_code == 403


def test_template_page_lists_every_kind_with_its_placeholders_for_the_sysadmin(client, sysadmin):
    client.force_login(sysadmin)
    response = client.get(reverse("documents:templates"))
    assert response.status_code == 200
    page = response.content.decode()
    for label in [k.label for k in document_kinds()]:
        assert label in page
    assert "handling_deadline_cn" in page
    assert page.count("默认</span>") == len(document_kinds())


def test_sysadmin_downloads_the_default_template(client, sysadmin):
    client.force_login(sysadmin)
    response = client.get(reverse("documents:template_download", args=["hearing_notice"]))
    assert response.status_code == 200
    assert response.content == default_template_bytes("hearing_notice")


def test_sysadmin_replaces_a_template_through_the_page(client, sysadmin, clerk):
    # given
    client.force_login(sysadmin)
    content = docx_bytes("自定义模板 {{ number }}")
    # when
    response = client.post(
        reverse("documents:template_upload", args=["acceptance_notice"]),
        {"file": upload(content, "新模板.docx")},
    )
    # then
    assert response.status_code == 302
    page = client.get(reverse("documents:templates")).content.decode()
    assert "已更换" in page
    assert "新模板.docx" in page
    assert "系统管理员" in page
    download = client.get(reverse("documents:template_download", args=["acceptance_notice"]))
    assert download.content == content
    document = generate(clerk, register(clerk))
    assert f"自定义模板 {document.number}" in text_of(document)


def test_a_broken_upload_through_the_page_shows_the_reason_and_changes_nothing(client, sysadmin):
    client.force_login(sysadmin)
    response = client.post(
        reverse("documents:template_upload", args=["acceptance_notice"]),
        {"file": upload(docx_bytes("{{ number }"))},
    )
    assert response.status_code == 422
    assert "模板语法错误" in response.content.decode()
    assert not DocumentTemplate.objects.exists()


def test_a_clerk_cannot_upload_a_template(client, clerk):
    client.force_login(clerk)
    response = client.post(
        reverse("documents:template_upload", args=["acceptance_notice"]), {"file": upload(docx_bytes("x"))}
    )
    assert response.status_code == 403
    assert not DocumentTemplate.objects.exists()


def test_sysadmin_resets_a_template_through_the_page(client, sysadmin):
    client.force_login(sysadmin)
    client.post(
        reverse("documents:template_upload", args=["acceptance_notice"]),
        {"file": upload(docx_bytes("自定义模板 {{ number }}"))},
    )
    response = client.post(reverse("documents:template_reset", args=["acceptance_notice"]), follow=True)
    assert "已恢复为默认模板" in response.content.decode()
    assert not DocumentTemplate.objects.exists()


def test_an_unknown_kind_answers_404(client, sysadmin):
    client.force_login(sysadmin)
    assert client.get(reverse("documents:template_download", args=["no_such_kind"])).status_code == 404
