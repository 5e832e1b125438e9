"""No retaliation (issue 15, domain.md §3.12): a matter that complains about a unit or a person
reaches that unit only on a leader's confirmation with a reason; the unit then sees it without
the petitioner's identity, contact data, attachments or the notices carrying them; the notices
sent to it name no one; the person complained about never sees it."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from xinfang.accounts.models import User
from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.documents.models import Document
from xinfang.documents.tests.helpers import text_of
from xinfang.petitions.models import Petition
from xinfang.petitions.services import attachment_add
from xinfang.petitions.workflow import petition_transition

from .factories import register

TOWNSHIP, VILLAGE = "341122101", "341122101201"
CONTENT = "镇里分管领导多次威胁我不准上访，要求依法查处。"


def _user(username: str) -> User:
    return User.objects.select_related("unit").get(username=username)


def _county_matter_about_the_township(county_clerk_user, unit_by_code) -> Petition:
    township = unit_by_code(TOWNSHIP)
    return register(
        county_clerk_user,
        problem_unit=township,
        complained_unit=township.pk,
        complained_user=_user("leader").pk,
        content=CONTENT,
    )


def _transfer_to_township(petition, unit_by_code, actor) -> Petition:
    return petition_transition(
        petition=petition,
        action="transfer",
        actor=actor,
        unit=unit_by_code(TOWNSHIP).pk,
        complained_reason="该镇为有权处理机关，县局跟踪督办",
    )


def test_routing_to_the_complained_unit_needs_a_leader_and_a_reason(
    api_client, county_clerk_user, county_leader, unit_by_code
):
    # given
    petition = _county_matter_about_the_township(county_clerk_user, unit_by_code)
    township = unit_by_code(TOWNSHIP)
    url = f"/api/v1/petitions/{petition.pk}/actions/transfer"
    # when: the clerk alone, then the leader without a reason
    by_clerk = api_client(county_clerk_user).post(url, {"unit": township.pk, "complained_reason": "x"})
    no_reason = api_client(county_leader).post(url, {"unit": township.pk})
    # then
    assert by_clerk.status_code == 403
    assert "领导确认" in by_clerk.json()["message"]
    assert no_reason.status_code == 422
    assert "complained_reason" in no_reason.json()["errors"]
    assert Petition.objects.get(pk=petition.pk).status == "registered"
    # when: the leader confirms with a reason
    done = api_client(county_leader).post(
        url, {"unit": township.pk, "complained_reason": "该镇为有权处理机关"}
    )
    # then: done, and the reason is in the audit log
    assert done.status_code == 200, done.content
    entry = AuditEntry.objects.filter(event=AuditEvent.STATE_TRANSITION, extra_data__action="transfer").get()
    assert entry.extra_data["to_complained"] is True
    assert entry.extra_data["complained_reason"] == "该镇为有权处理机关"
    assert entry.actor == county_leader


def test_routing_elsewhere_needs_no_confirmation(api_client, county_clerk_user, unit_by_code):
    petition = _county_matter_about_the_township(county_clerk_user, unit_by_code)
    other = unit_by_code("341122102")  # 河西乡
    response = api_client(county_clerk_user).post(
        f"/api/v1/petitions/{petition.pk}/actions/transfer", {"unit": other.pk}
    )
    assert response.status_code == 200, response.content


def test_the_complained_unit_sees_the_matter_without_the_petitioner(
    api_client, client, county_clerk_user, county_leader, clerk, unit_by_code
):
    # given: a county matter about 城关镇 with an attachment, transferred there on confirmation
    petition = _county_matter_about_the_township(county_clerk_user, unit_by_code)
    attachment_add(
        actor=county_clerk_user,
        petition=petition,
        uploaded_file=SimpleUploadedFile("信.pdf", b"%PDF-1.4 letter", content_type="application/pdf"),
    )
    _transfer_to_township(petition, unit_by_code, county_leader)
    api = api_client(clerk)  # 城关镇's clerk
    # when
    detail = api.get(f"/api/v1/petitions/{petition.pk}").json()
    listed = api.get("/api/v1/petitions").json()["items"]
    documents = api.get(f"/api/v1/petitions/{petition.pk}/documents").json()
    client.force_login(clerk)
    page = client.get(reverse("petitions:detail", args=[petition.pk])).content.decode()
    form = client.get(reverse("petitions:print_form", args=[petition.pk]))
    attachment = petition.attachments.get()
    download = client.get(reverse("petitions:attachment_download", args=[petition.pk, attachment.pk]))
    # then: the matter, but not who brought it
    assert detail["identity_protected"] is True
    assert (detail["petitioners"], detail["petitioner_names"], detail["attachments"]) == ([], [], [])
    assert detail["content"] == CONTENT  # the unit must be able to handle the matter itself
    (row,) = [r for r in listed if r["id"] == petition.pk]
    assert (row["petitioner_names"], row["identity_protected"]) == ([], True)
    assert "张三" not in page
    assert "13812345678" not in page
    assert 'data-testid="identity-protected"' in page
    assert form.status_code == download.status_code == 404
    # only the notice addressed to the unit, and it names no one
    assert [d["kind"] for d in documents] == ["transfer_notice"]
    notice = Document.objects.get(pk=documents[0]["id"])
    text = text_of(notice)
    assert "张三" not in text
    assert CONTENT not in text
    assert petition.number in text
    assert not AuditEntry.objects.filter(event=AuditEvent.PERSONAL_DATA_VIEWED, actor=clerk).exists()


def test_the_complained_unit_cannot_open_a_notice_that_names_the_petitioner(
    api_client, county_clerk_user, county_leader, clerk, unit_by_code
):
    # given: a county notice that names the petitioner (registered, then rejected by the county)
    petition = _county_matter_about_the_township(county_clerk_user, unit_by_code)
    _transfer_to_township(petition, unit_by_code, county_leader)
    named = Document.objects.create(
        kind="acceptance_notice",
        number="青山县信受〔2026〕99号",
        owner_type="petitions.petition",
        owner_id=petition.pk,
        owner_reference=petition.number,
        unit=county_clerk_user.unit,
        unit_path=county_clerk_user.unit.path,
        original_name="x.docx",
        template_sha256="0" * 64,
        context={"petitioner_names": "张三"},
        created_at=petition.created_at,
    )
    # when
    response = api_client(clerk).get(f"/api/v1/documents/{named.pk}/download")
    # then
    assert response.status_code == 404
    assert api_client(county_clerk_user).get(f"/api/v1/documents/{named.pk}/download").status_code == 200


def test_the_complained_person_never_sees_the_matter(
    api_client, county_clerk_user, county_leader, unit_by_code
):
    # given
    petition = _county_matter_about_the_township(county_clerk_user, unit_by_code)
    _transfer_to_township(petition, unit_by_code, county_leader)
    complained = _user("leader")
    api = api_client(complained)
    # when
    detail = api.get(f"/api/v1/petitions/{petition.pk}")
    listed = api.get("/api/v1/petitions").json()
    # then
    assert complained.named_in_complaints
    assert detail.status_code == 404
    assert petition.pk not in [r["id"] for r in listed["items"]]
    assert listed["count"] == 0
    # the rest of the township still sees it
    assert api_client(_user("clerk")).get(f"/api/v1/petitions/{petition.pk}").status_code == 200


def test_the_complained_person_cannot_be_its_handler(api_client, clerk, leader, unit_by_code):
    # given: the township's own matter about its handler 李承办
    handler = _user("handler")
    petition = register(clerk, complained_user=handler.pk)
    # when
    response = api_client(leader).post(
        f"/api/v1/petitions/{petition.pk}/actions/assign",
        {"unit": clerk.unit_id, "handler": handler.pk},
    )
    # then
    assert response.status_code == 422
    assert "被反映人" in response.json()["message"]


def test_assigning_to_the_complained_village_hides_the_petitioner_from_it(
    api_client, clerk, leader, unit_by_code, village_handler
):
    # given: the township's matter about 东风村
    village = unit_by_code(VILLAGE)
    petition = register(clerk, complained_unit=village.pk, content=CONTENT)
    url = f"/api/v1/petitions/{petition.pk}/actions/assign"
    # when: the clerk alone is refused; the leader confirms
    refused = api_client(clerk).post(url, {"unit": village.pk, "complained_reason": "村委会核实"})
    done = api_client(leader).post(url, {"unit": village.pk, "complained_reason": "村委会先行核实"})
    # then
    assert refused.status_code == 403
    assert done.status_code == 200, done.content
    detail = api_client(village_handler).get(f"/api/v1/petitions/{petition.pk}").json()
    assert (detail["identity_protected"], detail["petitioners"]) == (True, [])
    notice = Document.objects.get(owner_id=petition.pk, kind="assignment_notice")
    text = text_of(notice)
    assert "张三" not in text
    assert CONTENT not in text
    # the township itself still sees who complained
    assert api_client(clerk).get(f"/api/v1/petitions/{petition.pk}").json()["petitioners"]


def test_a_matter_brought_to_the_complained_unit_itself_is_not_hidden_from_it(api_client, clerk):
    # given: the petitioner came to 城关镇 about 城关镇
    petition = register(clerk, complained_unit=clerk.unit_id)
    # then
    assert petition.protected_path == ""
    assert api_client(clerk).get(f"/api/v1/petitions/{petition.pk}").json()["identity_protected"] is False


def test_the_register_form_offers_the_complained_person(client, clerk):
    client.force_login(clerk)
    page = client.get(reverse("petitions:create")).content.decode()
    assert 'name="complained_user"' in page
    assert "张分管（城关镇）" in page


def test_the_complained_unit_cannot_find_the_matter_by_the_petitioners_name(
    api_client, county_clerk_user, county_leader, clerk, unit_by_code
):
    # given
    petition = _county_matter_about_the_township(county_clerk_user, unit_by_code)
    _transfer_to_township(petition, unit_by_code, county_leader)
    api = api_client(clerk)
    # when
    by_name = api.get("/api/v1/petitions?q=张三").json()
    by_subject = api.get("/api/v1/petitions?q=拖欠工资").json()
    # then: found by what it is about, never by who brought it
    assert (by_name["count"], by_name["items"]) == (0, [])
    assert petition.pk in [r["id"] for r in by_subject["items"]]
    # the county finds it by the name
    assert api_client(county_clerk_user).get("/api/v1/petitions?q=张三").json()["count"] == 1


def test_the_complained_person_does_not_count_the_matter_in_a_search(
    api_client, county_clerk_user, county_leader, unit_by_code
):
    petition = _county_matter_about_the_township(county_clerk_user, unit_by_code)
    _transfer_to_township(petition, unit_by_code, county_leader)
    found = api_client(_user("leader")).get("/api/v1/petitions?q=拖欠工资").json()
    assert (found["count"], found["items"]) == (0, [])


def test_the_repeat_check_and_the_person_page_do_not_lead_the_complained_unit_to_the_matter(
    client, county_clerk_user, county_leader, clerk, unit_by_code
):
    # given: the township recorded 张三 earlier; the county's matter about the township reuses it
    from xinfang.petitions.selectors import petitioner_petitions, repeat_candidates
    from xinfang.petitions.tests.factories import VALID_IDS

    own = register(clerk)
    person = own.petitioner_links.get().petitioner
    petition = _county_matter_about_the_township(county_clerk_user, unit_by_code)
    assert petition.petitioner_links.get().petitioner_id == person.pk
    _transfer_to_township(petition, unit_by_code, county_leader)
    # when
    candidates = repeat_candidates(
        actor=clerk,
        id_numbers=[VALID_IDS[0]],
        name_phones=[],
        category="0201",
        received_at=petition.received_at,
    )
    listed = petitioner_petitions(actor=clerk, petitioner=person)
    # then
    assert petition.pk not in [c.pk for c in candidates]
    assert [p.pk for p in listed] == [own.pk]
