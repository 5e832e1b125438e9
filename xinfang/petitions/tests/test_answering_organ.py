"""The body that answers (有权处理的机关): the organ that accepted a matter issues every notice to
the petitioner (受理、延期、处理意见、复查意见) in its own name and is the one reviewed, one level
up. A village, community or section investigates and reports; the organ above it answers. Which
unit types are organs is a setting of the unit types (单位类型设置)."""

import pytest
from django.urls import reverse

from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.core.exceptions import PermissionDenied
from xinfang.documents.models import Document
from xinfang.organisation.models import Unit
from xinfang.organisation.services import unit_create, unit_types_save
from xinfang.petitions.models import Petition
from xinfang.petitions.workflow import OWNER_TYPE, allowed_actions
from xinfang.petitions.workflow.schemas import REPORT_CHECKS
from xinfang.workbench.selectors import todo_groups

from .alert_helpers import accepted, act, assigned, staff, today, user
from .factories import register

pytestmark = pytest.mark.usefixtures("demo")

TOWNSHIP, VILLAGE, COUNTY, POLICE = "341122101", "341122101201", "341122", "341122G01"


def _issuers(petition: Petition) -> dict[str, str]:
    """Each notice kind issued on the petition → the unit it was issued by."""
    rows = Document.objects.filter(owner_type=OWNER_TYPE, owner_id=petition.pk).select_related("unit")
    return {d.kind: d.unit.name for d in rows}


def _numbers(petition: Petition) -> dict[str, str]:
    rows = Document.objects.filter(owner_type=OWNER_TYPE, owner_id=petition.pk)
    return {d.kind: d.number for d in rows}


def _reported(petition: Petition) -> Petition:
    petition = act(petition, "submit_report", "village-handler", report="经入户核查，已协调解决。")
    return act(petition, "approve_report", "leader", checks=list(REPORT_CHECKS))


def test_a_village_investigates_and_the_township_issues_every_notice_and_answers():
    # given: the township accepts a matter and assigns it to 东风村, which asks for more time
    petition = act(assigned(), "request_extension", "village-handler", days=15, reason="需补充调查")
    petition = act(petition, "approve_extension", "leader")
    petition = _reported(petition)
    # then: the village may not answer; the township is offered it
    assert "answer" not in allowed_actions(petition, user("village-handler"))
    assert "answer" in allowed_actions(petition, user("clerk"))
    with pytest.raises(PermissionDenied, match="受理本件的机关"):
        act(petition, "answer", "village-handler", outcome="support", text="支持。", delivered_on=today())
    # when
    petition = act(petition, "answer", "clerk", outcome="support", text="支持。", delivered_on=today())
    # then: every notice to the petitioner is the township's, numbered as the township's
    issuers = _issuers(petition)
    for kind in ("acceptance_notice", "extension_notice", "handling_opinion"):
        assert issuers[kind] == "城关镇", (kind, issuers)
        assert _numbers(petition)[kind].startswith("城关镇信"), _numbers(petition)
    # the village's own paper is its report, and the township's assignment to it
    assert issuers["closure_report"] == "东风村"
    assert issuers["assignment_notice"] == "城关镇"
    assert petition.answered_unit.code == TOWNSHIP
    # and the opinion tells the petitioner to ask the county, one level above the township
    opinion = Document.objects.get(owner_type=OWNER_TYPE, owner_id=petition.pk, kind="handling_opinion")
    assert opinion.context["review_unit"] == "青山县"


def test_the_review_of_a_township_answer_lies_with_the_county():
    petition = act(
        _reported(assigned()), "answer", "clerk", outcome="explain", text="解释。", delivered_on=today()
    )
    # the township cannot register a review of its own answer; the county can
    assert "request_review" not in allowed_actions(petition, user("clerk"))
    petition = act(petition, "request_review", "county-clerk", requested_on=today(), reason="不服")
    assert petition.review_unit.code == COUNTY
    assert "decide_review" not in allowed_actions(petition, user("principal"))
    petition = act(
        petition, "decide_review", "county-leader", outcome="explain", text="维持。", delivered_on=today()
    )
    assert _issuers(petition)["review_opinion"] == "青山县"


def test_a_county_department_a_matter_was_transferred_to_accepts_answers_and_is_reviewed():
    # given: the township transfers the matter to 青山县公安局, whose front desk and handler act
    staff(POLICE, "police-clerk", "clerk")
    staff(POLICE, "police-handler", "handler")
    police = Unit.objects.get(code=POLICE)
    petition = act(register(user("clerk")), "transfer", "clerk", unit=police.pk, note="属公安机关职权")
    # when: the department accepts, assigns to its own handler, who reports and then answers
    petition = act(petition, "accept", "police-clerk")
    petition = act(petition, "assign", "police-clerk", unit=police.pk, handler=user("police-handler").pk)
    petition = act(petition, "submit_report", "police-handler", report="已查处。")
    petition = act(petition, "approve_report", "county-leader", checks=list(REPORT_CHECKS))
    petition = act(
        petition, "answer", "police-handler", outcome="support", text="支持。", delivered_on=today()
    )
    # then: the department's notices, and the county reviews
    issuers = _issuers(petition)
    assert issuers["acceptance_notice"] == issuers["handling_opinion"] == "青山县公安局"
    assert issuers["transfer_notice"] == "城关镇"
    petition = act(petition, "request_review", "county-clerk", requested_on=today(), reason="不服")
    assert petition.review_unit.code == COUNTY


def test_a_hospital_section_reports_and_the_hospital_answers():
    hospital = Unit.objects.get(code="341122H01")
    section = Unit.objects.get(code="341122H01B")
    assert (section.organ_id, hospital.organ_id) == (hospital.pk, hospital.pk)


def test_the_unit_type_setting_decides_which_units_are_organs(sysadmin):
    # given: an office that treats its villages as answering for themselves
    changed = unit_types_save(actor=sysadmin, answers={"village": True})
    village = Unit.objects.get(code=VILLAGE)
    assert village.organ_id == village.pk
    assert changed == Unit.objects.filter(unit_type="village").count()
    # when: a matter assigned to the village is reported and approved
    petition = _reported(assigned())
    # then: the village answers in its own name and the township reviews
    petition = act(
        petition, "answer", "village-handler", outcome="support", text="支持。", delivered_on=today()
    )
    assert _issuers(petition)["handling_opinion"] == "东风村"
    petition = act(petition, "request_review", "clerk", requested_on=today(), reason="不服")
    assert petition.review_unit.code == TOWNSHIP
    # and the change is audited, readable
    entry = AuditEntry.objects.filter(event=AuditEvent.UNIT_TYPES_CHANGED).latest("pk")
    assert entry.extra_data["organs"] == ["村"]
    # a new unit takes its organ from the setting and its parent
    unit_types_save(actor=sysadmin, answers={"village": False})
    township = Unit.objects.get(code=TOWNSHIP)
    new = unit_create(
        actor=sysadmin, name="新建村", code="341122101299", unit_type="village", parent=township
    )
    assert new.organ_id == township.pk


def test_the_setting_page_and_api_are_the_system_administrators(client, api_client, sysadmin, clerk):
    url = reverse("organisation:unit_types")
    client.force_login(clerk)
    assert client.get(url).status_code == 403
    assert api_client(clerk).get("/api/v1/units/types").status_code == 200
    response = api_client(clerk).put("/api/v1/units/types", {"answers": {"village": True}})
    assert response.status_code == 403
    client.force_login(sysadmin)
    page = client.get(url)
    assert page.status_code == 200
    assert "有权处理的机关" in page.content.decode()
    # every type but the village, ticked
    ticked = [t for t in ("county", "township", "street", "department", "petition_office") if t]
    response = client.post(url, {"answers": ticked})
    assert response.status_code == 302
    assert (
        Unit.objects.get(code="341122H01").organ_id == Unit.objects.get(code=COUNTY).pk
    )  # hospital unticked
    body = api_client(sysadmin).put("/api/v1/units/types", {"answers": {"hospital": True, "lake": True}})
    assert body.status_code == 422
    assert "没有这样的单位类型" in body.json()["errors"]["answers"]
    body = api_client(sysadmin).put("/api/v1/units/types", {"answers": {"hospital": True}})
    assert body.status_code == 200
    assert {t["unit_type"]: t["answers"] for t in body.json()}["hospital"] is True


def test_the_front_desk_is_told_and_finds_the_answer_in_its_todo_and_the_village_does_not():
    petition = _reported(assigned())
    clerk_kinds = {g.code: g for g in todo_groups(actor=user("clerk"))}
    assert [r.number for r in clerk_kinds["answer_reported"].rows] == [petition.number]
    village_kinds = {g.code for g in todo_groups(actor=user("village-handler"))}
    assert "answer" not in village_kinds
    # a matter the township handles itself stays with its named handler
    own = act(
        accepted(), "assign", "clerk", unit=Unit.objects.get(code=TOWNSHIP).pk, handler=user("handler").pk
    )
    own = act(own, "submit_report", "handler", report="已解决。")
    own = act(own, "approve_report", "leader", checks=list(REPORT_CHECKS))
    handler_kinds = {g.code: g for g in todo_groups(actor=user("handler"))}
    assert [r.number for r in handler_kinds["answer"].rows] == [own.number]
