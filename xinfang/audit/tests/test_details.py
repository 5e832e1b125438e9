"""The audit page reads as text: who acted, on which petition (by number), what changed; never a
raw reference such as {'petitioners': [1]} and never a petitioner's name (issue 17)."""

import csv
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from xinfang.accounts.models import User
from xinfang.accounts.services import user_set_roles, user_update
from xinfang.audit.details import readable_entries
from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.audit.services import audit_record
from xinfang.organisation.models import Unit
from xinfang.petitions.services import PetitionerInput, attachment_add, petition_personal_data_viewed
from xinfang.petitions.tests.factories import register
from xinfang.petitions.workflow import petition_transition

NAME = "欧阳小明"
PAGE = reverse("audit:entry_list")


def _page(client, auditor, **params) -> str:
    client.force_login(auditor)
    response = client.get(PAGE, params)
    assert response.status_code == 200
    return response.content.decode()


def _latest(event: AuditEvent) -> AuditEntry:
    return AuditEntry.objects.filter(event=event).latest("id")


def _text(entry: AuditEntry) -> str:
    return readable_entries([entry])[0].text


def test_a_view_of_personal_data_names_the_petition_and_the_petitioner_by_number(clerk):
    # given
    petition = register(clerk, petitioners=[PetitionerInput(name=NAME, phone="13712345678")])
    petitioner_id = petition.petitioner_links.get().petitioner_id
    # when
    petition_personal_data_viewed(actor=clerk, petition=petition, part="timeline")
    row = readable_entries([_latest(AuditEvent.PERSONAL_DATA_VIEWED)])[0]
    # then
    assert row.actor == "王接访（clerk）"
    assert row.target == f"信访事项 {petition.number}"
    assert row.text == f"信访人：信访人#{petitioner_id}；查看内容：办理时间线"


def test_the_page_shows_readable_details_instead_of_raw_references(client, auditor, clerk):
    # given
    petition = register(clerk, petitioners=[PetitionerInput(name=NAME, phone="13712345678")])
    petition_personal_data_viewed(actor=clerk, petition=petition)
    # when
    body = _page(client, auditor, event=AuditEvent.PERSONAL_DATA_VIEWED)
    # then
    assert "{&#x27;petitioners&#x27;" not in body
    assert "{'petitioners'" not in body
    assert f"信访人#{petition.petitioner_links.get().petitioner_id}" in body
    assert petition.number in body
    assert "王接访（clerk）" in body
    assert NAME not in body


def test_a_step_reads_as_its_label_and_the_change_of_state(clerk):
    # given
    petition = register(clerk)
    # when
    petition = petition_transition(petition=petition, action="accept", actor=clerk)
    # then
    text = _text(_latest(AuditEvent.STATE_TRANSITION))
    assert text.startswith("操作：受理；状态：已登记 → 已受理；办理期限届满日：")
    assert "event_id" not in text


def test_an_assignment_names_the_unit_and_the_handler(clerk):
    # given
    petition = petition_transition(petition=register(clerk), action="accept", actor=clerk)
    village = Unit.objects.get(code="341122101201")
    handler = User.objects.get(username="village-handler")
    # when
    petition_transition(petition=petition, action="assign", actor=clerk, unit=village.pk, handler=handler.pk)
    # then
    text = _text(_latest(AuditEvent.STATE_TRANSITION))
    assert "操作：交办" in text
    assert "转送或交办单位：东风村" in text
    assert "承办人：陈村干部" in text


def test_a_repeat_names_the_earlier_petition_by_its_number(clerk):
    # given
    first = register(clerk)
    # when
    register(clerk, repeat_of=first.pk)
    # then
    text = _text(_latest(AuditEvent.RECORD_CREATED))
    assert f"重复件关联：{first.number}" in text
    assert "来源渠道：来信" in text


def test_a_changed_user_reads_field_by_field_with_unit_names_and_role_labels(sysadmin, secadmin, clerk):
    # given
    county = Unit.objects.get(code="341122")
    # when
    user_update(actor=sysadmin, user=clerk, full_name="王新", unit=county, phone="", is_active=True)
    changed = _latest(AuditEvent.USER_CHANGED)
    user_set_roles(actor=secadmin, user=clerk, roles={"clerk", "handler"})
    roles = _latest(AuditEvent.ROLES_CHANGED)
    # then
    assert _text(changed) == "姓名：王接访 → 王新；所属单位：城关镇 → 青山县"
    assert _text(roles) == "角色：接访员 → 接访员、承办人"
    assert readable_entries([roles])[0].target == "用户 王新"


def test_an_attachment_download_shows_the_file_type_not_its_name(clerk):
    # given
    petition = register(clerk)
    upload = SimpleUploadedFile(f"{NAME}身份证.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    # when
    attachment_add(actor=clerk, petition=petition, uploaded_file=upload)
    # then
    text = _text(_latest(AuditEvent.RECORD_CHANGED))
    assert "新增附件：pdf 文件" in text
    assert NAME not in text


def test_unknown_keys_and_odd_values_never_break_the_page(client, auditor, clerk):
    # given: an entry written by hand, with values of every JSON type
    audit_record(
        actor=None,
        username="job",
        event=AuditEvent.RECORD_CHANGED,
        target_type="nowhere.thing",
        something={"nested": [1, None, True]},
        number=3,
        petitioners=["x", 2],
        owner_type="petitions.petition",
        owner_id=999999,
    )
    # when
    body = _page(client, auditor)
    # then
    assert "信访人#2" in body
    assert "信访事项#999999" in body


def test_the_page_reads_its_references_with_a_fixed_number_of_queries(client, auditor, clerk):
    # given: three entries naming petitions, petitioners, units and people
    def write(count: int) -> None:
        petition = register(clerk)
        for _ in range(count):
            petition_personal_data_viewed(actor=clerk, petition=petition)
            register(clerk, repeat_of=petition.pk)

    write(2)
    client.force_login(auditor)
    petitions = {"target_type": "petitions.petition"}
    client.get(PAGE, petitions)  # the session's first request reads the security policy once
    with CaptureQueriesContext(connection) as few:
        client.get(PAGE, petitions)
    # when: many more entries, naming other petitions
    write(20)
    with CaptureQueriesContext(connection) as many:
        response = client.get(PAGE, petitions)
    # then
    assert response.status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
    assert response.content.decode().count("重复件关联：") >= 20


def test_the_csv_export_has_the_readable_details_too(client, auditor, clerk):
    # given
    petition = register(clerk, petitioners=[PetitionerInput(name=NAME, phone="13712345678")])
    petition_personal_data_viewed(actor=clerk, petition=petition)
    client.force_login(auditor)
    # when
    response = client.get(reverse("audit:entry_export"), {"event": AuditEvent.PERSONAL_DATA_VIEWED})
    # then
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][-1] == "说明"
    assert rows[1][-1] == f"信访人：信访人#{petition.petitioner_links.get().petitioner_id}"
