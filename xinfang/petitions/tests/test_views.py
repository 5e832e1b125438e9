"""The register's pages: list (scope, masking, filters, query count), registration, detail,
petitioner page, attachments."""

import hashlib
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.organisation.models import Unit
from xinfang.petitions.models import Attachment, Petition, Petitioner
from xinfang.petitions.services import PetitionerInput

from .factories import VALID_IDS, register

TOWNSHIP = "341122101"
VILLAGE = "341122101201"
VILLAGE2 = "341122101202"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"


def _registration(**overrides):
    """A POST body of the registration page for a signed letter."""
    data = {
        "channel": "letter",
        "received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "visit_kind": "individual",
        "petitioner_name": "李四",
        "petitioner_gender": "male",
        "petitioner_id_number": VALID_IDS[1],
        "petitioner_phone": "13900001111",
        "petitioner_address": "城关镇红星村5组",
        "petitioner_workplace": "务农",
        "category": "0201",
        "problem_unit": str(Unit.objects.get(code=TOWNSHIP).pk),
        "subject": "反映工地拖欠工资问题",
        "content": "某工地拖欠工资两个月，要求支付。",
    }
    data.update(overrides)
    return data


# --- the register -------------------------------------------------------------------------------


def test_village_handler_sees_only_the_villages_petitions_and_leader_sees_all(
    client, clerk, leader, village_handler, village_handler_clerk
):
    # given
    in_village = register(village_handler_clerk, subject="东风村修路占地补偿")
    in_township = register(clerk, subject="城关镇市场噪声扰民")
    # when
    client.force_login(village_handler)
    village_page = client.get(reverse("petitions:register")).content.decode()
    client.force_login(leader)
    leader_page = client.get(reverse("petitions:register")).content.decode()
    # then
    assert in_village.number in village_page
    assert in_township.number not in village_page
    assert in_village.number in leader_page
    assert in_township.number in leader_page


def test_register_masks_names_and_shows_no_id_or_phone(client, clerk):
    # given
    petition = register(
        clerk,
        petitioners=[PetitionerInput(name="王小明", id_number=VALID_IDS[2], phone="13712345678")],
    )
    client.force_login(clerk)
    # when
    html = client.get(reverse("petitions:register")).content.decode()
    # then
    assert petition.number in html
    assert "王*明" in html
    assert "王小明" not in html
    assert VALID_IDS[2] not in html
    assert "13712345678" not in html


def test_register_page_query_count_does_not_grow_with_rows(client, clerk, django_assert_max_num_queries):
    # given
    for i in range(30):
        register(
            clerk,
            subject=f"反映问题第{i}件",
            petitioners=[PetitionerInput(name=f"赵{i}号", phone=f"1380000{i:04d}")],
        )
    client.force_login(clerk)
    # when: session, user, policy, roles, unit, categories, unit filter, category ids, count, rows,
    # and the session's idle-time update (3), and the calendar revision behind the deadline light; the inbox badge;
    # the calendar revision again for the missing-holidays note
    with django_assert_max_num_queries(18):
        response = client.get(reverse("petitions:register"), {"status": "open", "category": "02"})
    # then
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="register-row"') == 25


def test_register_search_box_finds_by_a_word_of_the_subject(client, clerk):
    # given
    wages = register(clerk, subject="反映建筑公司拖欠工资", content="农民工工资未付。")
    pollution = register(clerk, subject="化工厂废水污染农田", content="要求治理。", category="0901")
    client.force_login(clerk)
    # when
    html = client.get(reverse("petitions:register"), {"q": "拖欠工资"}).content.decode()
    # then
    assert wages.number in html
    assert pollution.number not in html


def test_register_filters_by_flag_channel_and_overdue(client, clerk):
    # given
    urgent_call = register(clerk, channel="call", flags=["urgent"], subject="紧急来电")
    old_letter = register(clerk, received_at=timezone.now() - timedelta(days=40), subject="陈年来信")
    client.force_login(clerk)
    # when
    urgent = client.get(
        reverse("petitions:register"), {"flags": "urgent", "channel": "call"}
    ).content.decode()
    overdue = client.get(reverse("petitions:register"), {"overdue": "on"}).content.decode()
    # then
    assert urgent_call.number in urgent
    assert old_letter.number not in urgent
    assert old_letter.number in overdue
    assert urgent_call.number not in overdue
    assert 'data-light="danger"' in overdue


def test_register_answers_a_partial_to_htmx(client, clerk):
    # given
    register(clerk)
    client.force_login(clerk)
    # when
    response = client.get(reverse("petitions:register"), {"q": "工资"}, HTTP_HX_REQUEST="true")
    # then
    html = response.content.decode()
    assert 'id="register-results"' in html
    assert "<html" not in html
    assert "export.xlsx?q=%E5%B7%A5%E8%B5%84" in html


def test_register_page_needs_login_and_view_capability(client, sysadmin):
    # when
    anonymous = client.get(reverse("petitions:register"))
    client.force_login(sysadmin)
    administrator = client.get(reverse("petitions:register"))
    # then
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]
    assert administrator.status_code == 403


# --- registration -------------------------------------------------------------------------------


def test_clerk_registers_a_letter_and_lands_on_its_detail_page(client, clerk):
    # given
    client.force_login(clerk)
    # when
    response = client.post(reverse("petitions:create"), _registration(), follow=True)
    # then
    petition = Petition.objects.get()
    assert response.redirect_chain[-1][0] == reverse("petitions:detail", args=[petition.pk])
    assert f"登记成功，信访件编号 {petition.number}。" in response.content.decode()
    assert petition.registered_by == clerk
    assert petition.petitioner_names == "李四"
    person = Petitioner.objects.get()
    assert (person.id_number, person.phone, person.workplace) == (VALID_IDS[1], "13900001111", "务农")


def test_registration_page_renders_for_clerk_and_is_refused_to_handler(client, clerk, handler):
    # when
    client.force_login(clerk)
    page = client.get(reverse("petitions:create"))
    client.force_login(handler)
    refused = client.get(reverse("petitions:create"))
    # then
    assert page.status_code == 200
    assert "登记信访事项" in page.content.decode()
    assert refused.status_code == 403


def test_registration_errors_show_in_chinese_next_to_fields_and_write_nothing(client, clerk):
    # given
    client.force_login(clerk)
    audit_before = AuditEntry.objects.count()
    # when
    response = client.post(
        reverse("petitions:create"),
        _registration(petitioner_id_number="110105194912310021", subject="", category=""),
    )
    # then
    html = response.content.decode()
    assert response.status_code == 422
    assert "登记信息有误，请按提示修改。" in html
    assert 'data-field="petitioner_id_number">身份证号校验位错误（按 GB 11643 应为 X），请核对。' in html
    assert 'data-field="subject">请填写标题。' in html
    assert 'data-field="category">问题类别不存在或已停用。' in html
    assert Petition.objects.count() == 0
    assert Petitioner.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before


def test_collective_visit_registers_headcount_and_representatives(client, clerk):
    # given
    client.force_login(clerk)
    body = _registration(
        channel="visit",
        visit_kind="collective",
        headcount="30",
        subject="村民集体反映征地拆迁补偿",
        category="0101",
        rep0_name="甲代表",
        rep0_id_number=VALID_IDS[0],
        rep1_name="乙代表",
        rep1_phone="13811112222",
        rep3_name="丙代表",
    )
    # when
    response = client.post(reverse("petitions:create"), body)
    # then
    assert response.status_code == 302
    petition = Petition.objects.get()
    assert petition.is_collective is True
    assert petition.headcount == 30
    links = list(petition.petitioner_links.select_related("petitioner"))
    assert [link.petitioner.name for link in links] == ["甲代表", "乙代表", "丙代表"]
    assert all(link.is_representative for link in links)
    assert "李四" not in petition.petitioner_names


def test_collective_visit_error_lands_on_the_representatives_row(client, clerk):
    # given
    client.force_login(clerk)
    body = _registration(
        channel="visit",
        visit_kind="collective",
        headcount="8",
        rep0_name="甲",
        rep2_name="丙",
        rep2_phone="12",
    )
    # when
    html = client.post(reverse("petitions:create"), body).content.decode()
    # then
    assert "联系电话格式不正确" in html
    assert re.search(r'<input[^>]*name="rep2_phone"[^>]*is-invalid', html)
    assert Petition.objects.count() == 0


def test_anonymous_letter_registers_without_petitioner(client, clerk):
    # given
    client.force_login(clerk)
    # when
    response = client.post(
        reverse("petitions:create"),
        _registration(anonymous="on", subject="匿名举报河道污染", category="0901"),
    )
    # then
    assert response.status_code == 302
    petition = Petition.objects.get()
    assert petition.is_anonymous is True
    assert petition.petitioner_links.count() == 0
    assert Petitioner.objects.count() == 0


def test_anonymous_is_ignored_for_a_visit_and_the_visitor_is_required(client, clerk):
    # given
    client.force_login(clerk)
    # when
    response = client.post(
        reverse("petitions:create"), _registration(channel="visit", anonymous="on", petitioner_name="")
    )
    # then
    assert "请填写信访人姓名。" in response.content.decode()
    assert Petition.objects.count() == 0


def test_referral_needs_the_higher_office(client, clerk):
    # given
    client.force_login(clerk)
    # when
    refused = client.post(reverse("petitions:create"), _registration(channel="referral"))
    accepted = client.post(
        reverse("petitions:create"),
        _registration(
            channel="referral",
            referral_kind="assign",
            referral_office="青山县信访局",
            referral_number="青信交〔2026〕12号",
            referral_deadline="2026-12-31",
        ),
    )
    # then
    assert "请注明是上级转送还是上级交办。" in refused.content.decode()
    assert "请填写转送或交办的上级机关。" in refused.content.decode()
    assert accepted.status_code == 302
    petition = Petition.objects.get()
    assert (petition.referral_kind, petition.referral_office) == ("assign", "青山县信访局")


# --- attachments ---------------------------------------------------------------------------------


def test_registration_stores_attachments_with_sha256_and_audits_them(client, clerk):
    # given
    client.force_login(clerk)
    scan = SimpleUploadedFile("来信扫描件.pdf", PDF, content_type="application/pdf")
    photo = SimpleUploadedFile("现场.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, content_type="image/png")
    # when
    response = client.post(reverse("petitions:create"), {**_registration(), "attachments": [scan, photo]})
    # then
    assert response.status_code == 302
    petition = Petition.objects.get()
    attachments = list(petition.attachments.order_by("original_name"))
    assert [a.original_name for a in attachments] == ["来信扫描件.pdf", "现场.png"]
    assert attachments[0].sha256 == hashlib.sha256(PDF).hexdigest()
    assert attachments[0].content_type == "application/pdf"
    assert not attachments[0].file.name.endswith("来信扫描件.pdf")  # stored under a random name
    assert AuditEntry.objects.filter(event=AuditEvent.RECORD_CHANGED, target_id=str(petition.pk)).count() == 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("病毒.exe", b"MZ" + b"0" * 10, "类型不允许，只能上传 PDF、JPG、PNG、MP3、M4A、WAV、DOC、DOCX 文件"),
        ("伪装.pdf", b"MZ" + b"0" * 10, "内容与扩展名不符"),
        ("太大.pdf", PDF + b"0" * (20 * 1024 * 1024), "超过 20 MB"),
    ],
)
def test_attachment_of_wrong_type_or_size_is_refused_and_nothing_written(
    client, clerk, name, content, message
):
    # given
    client.force_login(clerk)
    upload = SimpleUploadedFile(name, content)
    # when
    response = client.post(reverse("petitions:create"), {**_registration(), "attachments": [upload]})
    # then
    assert message in response.content.decode()
    assert Petition.objects.count() == 0
    assert Attachment.objects.count() == 0


def test_attachment_download_is_audited_and_hidden_outside_scope(client, clerk, village2_handler):
    # given
    client.force_login(clerk)
    client.post(
        reverse("petitions:create"),
        {**_registration(), "attachments": [SimpleUploadedFile("扫描件.pdf", PDF)]},
    )
    attachment = Attachment.objects.get()
    url = reverse("petitions:attachment_download", args=[attachment.petition_id, attachment.pk])
    downloads_before = AuditEntry.objects.filter(event=AuditEvent.DOWNLOAD).count()
    # when
    response = client.get(url)
    client.force_login(village2_handler)
    outside = client.get(url)
    # then
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert "attachment" in response["Content-Disposition"]
    assert AuditEntry.objects.filter(event=AuditEvent.DOWNLOAD).count() == downloads_before + 1
    assert outside.status_code == 404
    assert AuditEntry.objects.filter(event=AuditEvent.DOWNLOAD).count() == downloads_before + 1


def test_attachment_of_another_petition_is_not_served_through_this_one(client, clerk):
    # given
    client.force_login(clerk)
    client.post(
        reverse("petitions:create"), {**_registration(), "attachments": [SimpleUploadedFile("a.pdf", PDF)]}
    )
    other = register(clerk)
    attachment = Attachment.objects.get()
    # when
    response = client.get(reverse("petitions:attachment_download", args=[other.pk, attachment.pk]))
    # then
    assert response.status_code == 404


# --- detail pages --------------------------------------------------------------------------------


def test_detail_shows_full_personal_data_and_audits_the_view(client, clerk):
    # given
    petition = register(
        clerk, petitioners=[PetitionerInput(name="王小明", id_number=VALID_IDS[2], phone="13712345678")]
    )
    client.force_login(clerk)
    viewed_before = AuditEntry.objects.filter(event=AuditEvent.PERSONAL_DATA_VIEWED).count()
    # when
    html = client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()
    # then
    assert "王小明" in html
    assert VALID_IDS[2] in html
    assert "13712345678" in html
    assert petition.number in html
    viewed = AuditEntry.objects.filter(event=AuditEvent.PERSONAL_DATA_VIEWED)
    assert viewed.count() == viewed_before + 1
    assert viewed.latest("id").target_id == str(petition.pk)


def test_detail_query_count_is_pinned(client, clerk, django_assert_max_num_queries):
    # given
    petition = register(
        clerk,
        petitioners=[PetitionerInput(name=f"联名{i}", phone=f"1390000000{i}") for i in range(4)],
    )
    client.force_login(clerk)
    # when: 14 for the page as registered, plus co-units, documents and, for the clerk who may
    # route it, the unit and handler pickers of 交办 and 转送; one for the calendar behind the light; the inbox badge;
    # the supervision card (督办); the calendar again for the missing-holidays note; the earlier
    # matters 不再受理 may refer to (one query)
    # ; the key-person notes (one query: any alarm about this petition); the disputes' note (one
    # query: a dispute opened from this petition, 访调对接)
    with django_assert_max_num_queries(26):
        response = client.get(reverse("petitions:detail", args=[petition.pk]))
    # then
    assert response.status_code == 200


def test_detail_outside_scope_answers_404_and_audits_nothing(client, village_handler_clerk, village2_handler):
    # given
    petition = register(village_handler_clerk)
    client.force_login(village2_handler)
    viewed_before = AuditEntry.objects.filter(event=AuditEvent.PERSONAL_DATA_VIEWED).count()
    # when
    response = client.get(reverse("petitions:detail", args=[petition.pk]))
    # then
    assert response.status_code == 404
    assert AuditEntry.objects.filter(event=AuditEvent.PERSONAL_DATA_VIEWED).count() == viewed_before


def test_petitioner_page_shows_data_petitions_and_repeat_count(client, clerk):
    # given
    first = register(clerk)
    register(clerk, repeat_of=first.pk, subject="再次反映拖欠工资")
    person = Petitioner.objects.get()
    client.force_login(clerk)
    viewed_before = AuditEntry.objects.filter(event=AuditEvent.PERSONAL_DATA_VIEWED).count()
    # when
    html = client.get(reverse("petitions:petitioner_detail", args=[person.pk])).content.decode()
    # then
    assert VALID_IDS[0] in html
    assert first.number in html
    assert "再次反映拖欠工资" in html
    assert "1 次" in html
    assert AuditEntry.objects.filter(event=AuditEvent.PERSONAL_DATA_VIEWED).count() == viewed_before + 1


# --- htmx helpers of the registration page -------------------------------------------------------


def test_autocomplete_offers_petitioners_in_scope_masked(client, clerk, village_handler_clerk):
    # given
    register(clerk, petitioners=[PetitionerInput(name="张建国", id_number=VALID_IDS[3], phone="13655556666")])
    register(village_handler_clerk, petitioners=[PetitionerInput(name="张建华", phone="13677778888")])
    client.force_login(village_handler_clerk)
    # when
    html = client.get(
        reverse("petitions:petitioner_autocomplete"), {"petitioner_name": "张建"}
    ).content.decode()
    # then
    assert "张*华" in html
    assert "张*国" not in html  # registered by the township: outside the village clerk's scope
    assert "13677778888" not in html
    assert "136****8888" in html


def test_picking_a_petitioner_fills_the_fields_and_is_audited(client, clerk):
    # given
    register(clerk, petitioners=[PetitionerInput(name="张建国", id_number=VALID_IDS[3], phone="13655556666")])
    person = Petitioner.objects.get()
    client.force_login(clerk)
    viewed_before = AuditEntry.objects.filter(event=AuditEvent.PERSONAL_DATA_VIEWED).count()
    # when
    response = client.get(reverse("petitions:petitioner_pick", args=[person.pk]))
    # then
    html = response.content.decode()
    assert f'value="{VALID_IDS[3]}"' in html
    assert 'value="13655556666"' in html
    assert response["HX-Trigger-After-Settle"] == "petitioner-picked"
    assert AuditEntry.objects.filter(event=AuditEvent.PERSONAL_DATA_VIEWED).count() == viewed_before + 1


def test_repeat_check_offers_the_earlier_petition_and_registration_links_it(client, clerk):
    # given
    earlier = register(clerk)
    client.force_login(clerk)
    # when
    check = client.get(
        reverse("petitions:repeat_check"), {"petitioner_id_number": VALID_IDS[0], "category": "0201"}
    ).content.decode()
    response = client.post(
        reverse("petitions:create"),
        _registration(petitioner_name="张三", petitioner_id_number=VALID_IDS[0], repeat_of=str(earlier.pk)),
    )
    # then
    assert earlier.number in check
    assert "关联为重复件" in check
    assert f'value="{earlier.pk}"' in check
    assert response.status_code == 302
    newest = Petition.objects.latest("id")
    assert newest.repeat_of == earlier


def test_repeat_check_is_quiet_for_another_category(client, clerk):
    # given
    earlier = register(clerk)
    client.force_login(clerk)
    # when
    html = client.get(
        reverse("petitions:repeat_check"), {"petitioner_id_number": VALID_IDS[0], "category": "0901"}
    ).content.decode()
    # then
    assert earlier.number not in html


# --- the step forms after a refusal (issue 17) ------------------------------------------------


def test_a_refused_step_keeps_what_was_typed_and_says_each_thing_once(client, clerk, leader, unit_by_code):
    from xinfang.petitions.workflow import petition_transition

    # given: a matter assigned, its report approved, waiting for the answer
    petition = register(clerk)
    village_handler = User.objects.get(username="village-handler")
    village = unit_by_code("341122101201")
    petition = petition_transition(petition=petition, action="accept", actor=clerk)
    petition = petition_transition(
        petition=petition, action="assign", actor=clerk, unit=village.pk, handler=village_handler.pk
    )
    client.force_login(village_handler)
    # when: an extension beyond the 30 days the law allows
    response = client.post(
        reverse("petitions:action", args=[petition.pk, "request_extension"]),
        {"days": "45", "reason": "情况复杂，需补充调查取证"},
    )
    # then: the page again (not a redirect), the form open with the text typed, one message each
    page = response.content.decode()
    assert response.status_code == 422
    assert "情况复杂，需补充调查取证" in page
    assert 'value="45"' in page
    assert 'data-testid="error-request_extension-days"' in page
    assert "；" not in "".join(m.message for m in response.context["messages"])


def test_a_handler_who_objects_is_sent_back_to_the_queue(client, clerk, unit_by_code):
    from xinfang.petitions.workflow import petition_transition

    petition = register(clerk)
    village_handler = User.objects.get(username="village-handler")
    petition = petition_transition(petition=petition, action="accept", actor=clerk)
    petition = petition_transition(
        petition=petition,
        action="assign",
        actor=clerk,
        unit=unit_by_code("341122101201").pk,
        handler=village_handler.pk,
    )
    client.force_login(village_handler)
    response = client.post(
        reverse("petitions:action", args=[petition.pk, "object"]),
        {"reason": "应转交县生态环境分局"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("workbench:home")
    assert "已提出异议" in response.content.decode()


def test_the_assign_form_tags_each_handler_with_their_unit(client, clerk, unit_by_code):
    petition = register(clerk)
    client.force_login(clerk)
    page = client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()
    village = unit_by_code("341122101201")
    assert f'data-group="{village.pk}"' in page
    assert 'data-group-by="assign-unit"' in page


def test_the_routing_forms_ask_for_a_reason_to_route_to_the_complained_unit_only_when_there_is_one(
    client, clerk
):
    client.force_login(clerk)
    plain = register(clerk)
    page = client.get(reverse("petitions:detail", args=[plain.pk])).content.decode()
    assert "交被反映单位办理的理由" not in page
    about = register(clerk, complained_unit=clerk.unit.pk)
    page = client.get(reverse("petitions:detail", args=[about.pk])).content.decode()
    assert "交被反映单位办理的理由" in page
