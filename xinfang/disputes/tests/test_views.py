"""The dispute pages (矛盾纠纷调处): the list in scope with the parties masked and its pinned query
count, the register form (five party rows, blank ones ignored, refusals at their fields), the case
file in full and audited on every rendering (404 outside scope), a whole mediation walked through
the act endpoint (refusals re-render the page in Chinese: 409 for a skipped level and a missing
signature), a failed mediation into the petition procedure, 访调对接 from a petition's page, the
figures and their workbook, and the settings."""

import io
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from xinfang.audit.details import readable_entries
from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.disputes.models import OWNER_TYPE, Agreement, Dispute, DisputeSetting
from xinfang.documents.models import Document
from xinfang.petitions.models import Petition
from xinfang.petitions.services import PetitionerInput
from xinfang.petitions.tests.factories import VALID_IDS
from xinfang.petitions.tests.factories import register as register_petition

from .helpers import DONGFENG, HONGXING, PARTY_A, PARTY_B, TOWNSHIP, register, step, unit, user

pytestmark = pytest.mark.usefixtures("demo")


def login(client, username: str):  # type: ignore[no-untyped-def]
    client.force_login(user(username))
    return client


def viewed(dispute: Dispute) -> int:
    return AuditEntry.objects.filter(
        event=AuditEvent.PERSONAL_DATA_VIEWED, target_type=OWNER_TYPE, target_id=str(dispute.pk)
    ).count()


def local(moment: Any) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%dT%H:%M}"


def form(**over: Any) -> dict[str, Any]:
    """The register form as a browser posts it: five party rows, the last three blank."""
    data: dict[str, Any] = {
        "unit": str(unit(DONGFENG).pk),
        "kind": "neighbour",
        "place": "东风村一组",
        "facts": "李乙修建院墙占用张甲宅基地约2平方米。",
        "demands": "拆除院墙，恢复原状",
        "people": "2",
        "amount": "3000",
        "risk": "low",
        "dispute_class": "",
        "procedure": "full",
        "source": "walk_in",
    }
    for index in range(5):
        party = [PARTY_A, PARTY_B][index] if index < 2 else {}
        for name in ("name", "id_number", "phone", "address"):
            data[f"party-{index}-{name}"] = party.get(name, "")
        data[f"party-{index}-kind"] = "person"
    data.update(over)
    return data


def section(html: str, testid: str) -> str:
    return html.split(f'data-testid="{testid}"', 1)[1].split("</section>", 1)[0]


# --- the list ------------------------------------------------------------------------------------


def test_the_list_masks_the_parties_and_shows_the_level_from_the_chain(client):
    dispute = register()
    big = register(amount=200000)  # 一类: to the township's principal leader
    response = login(client, "clerk").get("/disputes/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="dispute-row"') == 2
    assert "张*、李*" in html
    assert "张甲" not in html
    assert "李乙" not in html
    assert VALID_IDS[2] not in html
    rows = html.split('data-testid="dispute-row"')[1:]
    newest, older = rows
    assert big.number in newest
    assert "一类" in newest
    assert "镇（街道）主要领导" in newest
    assert "镇主要领导" in newest  # the chain's last level
    assert dispute.number in older
    assert "三类" in older
    assert "村综治主任" in older
    assert "邻里纠纷" in older
    assert 'href="/disputes/new/"' in html  # 登记纠纷


def test_the_filters_and_an_overdue_visit_in_red(client):
    dispute = register()
    other = register(amount=20000)  # 二类
    Dispute.objects.filter(pk=dispute.pk).update(
        status="performing", next_visit_due=timezone.localdate() - timedelta(days=2)
    )
    login(client, "clerk")
    html = client.get("/disputes/").content.decode()
    overdue = next(r for r in html.split('data-testid="dispute-row"')[1:] if dispute.number in r)
    assert 'data-testid="visit-overdue"' in overdue
    assert "已逾期" in overdue
    only = client.get("/disputes/?visit_overdue=on").content.decode()
    assert dispute.number in only
    assert other.number not in only
    second = client.get("/disputes/?dispute_class=2").content.decode()
    assert other.number in second
    assert dispute.number not in second
    assert dispute.number not in client.get("/disputes/?status=registered").content.decode()
    hongxing = client.get(f"/disputes/?unit={unit(HONGXING).pk}").content.decode()
    assert "没有符合条件的矛盾纠纷" in hongxing
    assert client.get("/disputes/?unit=nonsense&dispute_class=9").status_code == 200  # ignored


def test_a_village_sees_its_own_and_a_role_without_the_capability_gets_403(client):
    mine = register()
    theirs = register("village2-handler", HONGXING)
    html = login(client, "village-handler").get("/disputes/").content.decode()
    assert mine.number in html
    assert theirs.number not in html
    assert login(client, "sysadmin").get("/disputes/").status_code == 403
    assert login(client, "auditor").get(f"/disputes/{mine.pk}/").status_code == 403


def test_the_list_takes_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    register()
    login(client, "clerk")
    client.get("/disputes/")
    with django_assert_max_num_queries(14) as first:
        client.get("/disputes/")
    for _ in range(5):
        register(parties=[PARTY_A, PARTY_B, {"name": "王丙"}])
    with django_assert_max_num_queries(len(first.captured_queries)):
        html = client.get("/disputes/?kind=neighbour").content.decode()
    assert html.count('data-testid="dispute-row"') == 6


def test_the_list_is_paged_in_25s(client):
    for _ in range(26):
        register()
    login(client, "clerk")
    assert client.get("/disputes/").content.decode().count('data-testid="dispute-row"') == 25
    assert client.get("/disputes/?page=2").content.decode().count('data-testid="dispute-row"') == 1


# --- registering ---------------------------------------------------------------------------------------


def test_the_register_form_registers_a_dispute_ignoring_blank_rows(client):
    login(client, "village-handler")
    page = client.get("/disputes/new/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('data-testid="party-row"') == 5
    assert "东风村" in html
    assert "邻里纠纷" in html
    response = client.post("/disputes/new/", form())
    assert response.status_code == 302
    dispute = Dispute.objects.get()
    assert response["Location"] == f"/disputes/{dispute.pk}/"
    assert dispute.unit.code == DONGFENG
    assert dispute.route == "village"
    assert dispute.dispute_class == 3  # by rule: 3000 yuan, 2 people
    assert [p.name for p in dispute.parties.all()] == ["张甲", "李乙"]
    shown = client.get(response["Location"]).content.decode()
    assert f"已登记矛盾纠纷 {dispute.number}" in shown


def test_a_refused_registration_says_why_at_the_field_and_keeps_what_was_typed(client):
    login(client, "village-handler")
    bad_id = "110101199003070512"  # the check digit is wrong
    response = client.post(
        "/disputes/new/",
        form(**{"party-0-name": "", "party-0-id_number": "", "party-0-phone": "", "party-0-address": ""},
             **{"party-3-name": "王丙", "party-3-id_number": bad_id, "party-3-phone": "12"}),
    )  # fmt: skip
    assert response.status_code == 422
    html = response.content.decode()
    assert "第2位当事人" in html  # the machine's `parties[1]` is the form's fourth row
    assert 'data-testid="error-party-3-id_number"' in html
    assert 'data-testid="error-party-3-phone"' in html
    assert f'value="{bad_id}"' in html
    assert not Dispute.objects.exists()
    # a row without a name, and the other fields checked in the same answer
    response = client.post("/disputes/new/", form(place="", **{"party-1-name": ""}))
    assert response.status_code == 422
    html = response.content.decode()
    assert 'data-testid="error-party-1-name"' in html
    assert "请填写第2位当事人的姓名或名称。" in html
    assert 'data-testid="error-register-place"' in html
    # no party at all
    blank = {f"party-{i}-{n}": "" for i in range(5) for n in ("name", "id_number", "phone", "address")}
    response = client.post("/disputes/new/", form(**blank))
    assert response.status_code == 422
    assert 'data-testid="error-parties"' in response.content.decode()
    # a unit outside scope
    response = client.post("/disputes/new/", form(unit=str(unit(HONGXING).pk)))
    assert response.status_code == 422
    assert "发生单位须为本单位或下级单位。" in response.content.decode()
    assert not Dispute.objects.exists()


# --- the case file ---------------------------------------------------------------------------------------


def test_the_case_file_shows_the_parties_in_full_and_every_view_is_audited(client):
    dispute = register()
    response = login(client, "village-handler").get(f"/disputes/{dispute.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "张甲" in html
    assert VALID_IDS[2] in html
    assert PARTY_A["phone"] in html
    assert "李乙修建院墙" in html
    assert 'data-testid="chain-current"' in html
    assert "1. 村综治主任" in section(html, "chain").split('data-testid="chain-current"')[1][:40]
    assert "尚未指定" in section(html, "handling")
    for action in ("assign_mediator", "join", "escalate", "refer"):
        assert f'data-testid="form-{action}"' in html, action
    assert 'data-testid="form-record_outcome"' not in html  # no mediator yet
    assert "登记" in section(html, "timeline")
    assert viewed(dispute) == 1
    client.get(f"/disputes/{dispute.pk}/")
    assert viewed(dispute) == 2
    # the mediators offered: the village's own people first, then the township centre's
    options = html.split('id="assign_mediator-mediator"')[1].split("</select>")[0]
    assert options.index("陈村干部") < options.index("孙调解")


def test_a_dispute_of_another_village_is_404_and_the_attempt_audited(client):
    dispute = register()
    login(client, "village2-handler")
    assert client.get(f"/disputes/{dispute.pk}/").status_code == 404
    assert client.post(f"/disputes/{dispute.pk}/act/investigate/", {"findings": "走访"}).status_code == 404
    assert viewed(dispute) == 0
    assert AuditEntry.objects.filter(event=AuditEvent.ACCESS_DENIED, target_id=str(dispute.pk)).exists()
    assert client.get("/disputes/99999999/").status_code == 404


def test_a_step_not_on_the_page_is_404(client):
    dispute = register()
    login(client, "village-handler")
    for action in ("register", "link", "nonsense"):
        assert client.post(f"/disputes/{dispute.pk}/act/{action}/", {}).status_code == 404


def test_the_case_file_takes_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    dispute = register()
    login(client, "village-handler")
    client.get(f"/disputes/{dispute.pk}/")
    now = timezone.now()

    def grow(n: int) -> None:
        for i in range(n):
            step(
                dispute,
                "record_session",
                at=now - timedelta(hours=i + 1),
                place=f"村委会{i}",
                attendees="张甲、李乙",
                record="各方陈述",
            )
            step(dispute, "investigate", findings=f"走访邻居{i}")

    dispute = step(dispute, "assign_mediator", mediator=user("village-handler").pk)
    grow(1)
    with django_assert_max_num_queries(21) as first:
        client.get(f"/disputes/{dispute.pk}/")
    grow(3)
    with django_assert_max_num_queries(len(first.captured_queries)):
        html = client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert html.count('data-testid="session-row"') == 4


# --- a whole mediation through the page -------------------------------------------------------------------


def test_a_mediation_walked_through_the_act_endpoint(client):
    login(client, "village-handler")
    assert client.post("/disputes/new/", form()).status_code == 302
    dispute = Dispute.objects.get()
    base = f"/disputes/{dispute.pk}"
    me = user("village-handler")
    # 指定调解员
    response = client.post(f"{base}/act/assign_mediator/", {"mediator": me.pk})
    assert response.status_code == 302
    assert response["Location"] == f"{base}/"
    html = client.get(f"{base}/").content.decode()
    assert f"已指定调解员，并通知本人：{dispute.number}。" in html
    assert "陈村干部" in section(html, "handling")
    # 一般程序: no outcome before a session
    refused = client.post(f"{base}/act/record_outcome/", {"outcome": "agreed", "agreement_form": "written"})
    assert refused.status_code == 409
    assert "一般程序须先记录至少一次调解会" in refused.content.decode()
    # 调解会
    at = local(timezone.now() - timedelta(hours=2))
    response = client.post(
        f"{base}/act/record_session/",
        {"at": at, "place": "东风村村委会", "attendees": "张甲、李乙、陈村干部", "record": "双方同意协商"},
    )
    assert response.status_code == 302
    # 上交: skipping a level is refused, the page again with the message
    refused = client.post(f"{base}/act/escalate/", {"to_level": "3", "note": "协商不下"})
    assert refused.status_code == 409
    html = refused.content.decode()
    assert "不得越级上交" in html
    assert "只能上交至村主要领导" in html
    assert Dispute.objects.get().level == 1
    # the outcome: agreed, a written agreement to draft
    response = client.post(f"{base}/act/record_outcome/", {"outcome": "agreed", "agreement_form": "written"})
    assert response.status_code == 302
    assert Dispute.objects.get().status == "drafting"
    # the draft: a refused one keeps what was typed
    draft = {
        "facts": "李乙修建院墙占用张甲宅基地约2平方米。",
        "disputed_items": "院墙的拆除",
        "responsibility": "李乙负主要责任",
        "terms": "李乙于月底前将院墙后移2米\n张甲不再追究",
        "performance_how": "李乙自行拆除重建",
        "performance_where": "东风村一组",
        "performance_by": f"{timezone.localdate() - timedelta(days=1):%Y-%m-%d}",
    }
    refused = client.post(f"{base}/act/draft_agreement/", draft)
    assert refused.status_code == 422
    html = refused.content.decode()
    assert html.count("履行期限不能早于今天。") == 1  # at the field (said once)
    assert 'data-testid="error-draft_agreement-performance_by"' in html
    assert "李乙自行拆除重建" in section(html, "dispute-actions")
    draft["performance_by"] = f"{timezone.localdate() + timedelta(days=20):%Y-%m-%d}"
    assert client.post(f"{base}/act/draft_agreement/", draft).status_code == 302
    agreement = Agreement.objects.get()
    assert agreement.terms.count() == 2
    document = Document.objects.get(owner_type=OWNER_TYPE, owner_id=dispute.pk)
    html = client.get(f"{base}/").content.decode()
    assert 'data-testid="agreement-draft"' in html
    assert f'href="/documents/{document.pk}/download/"' in section(html, "documents")
    assert "第 1 版" in section(html, "documents")
    # 协议生效: refused while a party has not signed
    a, b = (p.pk for p in dispute.parties.all())
    refused = client.post(
        f"{base}/act/make_effective/", {"signed_parties": [a], "mediator_signed": "true", "seal": "true"}
    )
    assert refused.status_code == 409
    html = refused.content.decode()
    assert "尚未签名" in html
    assert "李乙" in html.split("尚未签名", 1)[1][:40]
    assert Dispute.objects.get().status == "drafting"
    response = client.post(
        f"{base}/act/make_effective/", {"signed_parties": [a, b], "mediator_signed": "true", "seal": "true"}
    )
    assert response.status_code == 302
    dispute = Dispute.objects.get()
    assert dispute.status == "performing"
    assert dispute.confirmation_ends is not None
    assert dispute.next_visit_due is not None
    html = client.get(f"{base}/").content.decode()
    assert 'data-testid="agreement-effective"' in html
    assert f"{dispute.confirmation_ends:%Y-%m-%d}" in section(html, "handling")
    assert f"{dispute.next_visit_due:%Y-%m-%d}" in section(html, "handling")
    # 登记履行: the terms not performed yet are offered
    terms = html.split('id="mark_performed-term"')[1].split("</select>")[0]
    assert "第1条" in terms
    assert "第2条" in terms
    timeline = section(html, "timeline")
    for label in ("登记", "指定调解员", "调解会", "记录调解结果", "拟定调解协议书", "协议生效"):
        assert label in timeline, label
    # every step audited, read in Chinese on the audit page
    entries = list(AuditEntry.objects.filter(event=AuditEvent.STATE_TRANSITION, target_type=OWNER_TYPE))
    texts = [r.text for r in readable_entries(entries)]
    assert any("指定调解员" in t and "陈村干部" in t for t in texts), texts
    assert any("调解结果：调解成功" in t and "书面协议" in t for t in texts), texts
    assert not any("张甲" in t for t in texts)


def test_a_failed_mediation_goes_into_the_petition_procedure(client):
    dispute = register(procedure="simple")
    dispute = step(dispute, "assign_mediator", mediator=user("village-handler").pk)
    dispute = step(dispute, "record_outcome", outcome="failed", note="双方分歧较大")
    # a village handler may not register petitions: no such form for them
    html = login(client, "village-handler").get(f"/disputes/{dispute.pk}/").content.decode()
    assert 'data-testid="form-petition"' not in html
    login(client, "clerk")
    html = client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert 'data-testid="form-petition"' in html
    refused = client.post(f"/disputes/{dispute.pk}/to-petition/", {"category": ""})
    assert refused.status_code == 422
    assert 'data-testid="error-petition-category"' in refused.content.decode()
    response = client.post(f"/disputes/{dispute.pk}/to-petition/", {"category": "0201"})
    assert response.status_code == 302
    petition = Petition.objects.get()
    assert response["Location"] == f"/petitions/{petition.pk}/"
    dispute.refresh_from_db()
    assert dispute.status == "referred"
    html = client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert f'href="/petitions/{petition.pk}/"' in section(html, "particulars")


# --- 访调对接 ----------------------------------------------------------------------------------------------


def test_a_petition_becomes_a_dispute_from_its_page(client):
    petition = register_petition(
        user("clerk"),
        problem_unit=unit(DONGFENG),
        subject="邻居占用宅基地",
        petitioners=[
            PetitionerInput(name="赵丁", id_number=VALID_IDS[1], phone="13800000001", address="东风村")
        ],
    )
    login(client, "clerk")
    page = client.get(f"/petitions/{petition.pk}/").content.decode()
    assert "转入矛盾纠纷调处（访调对接）" in page
    assert f'href="/disputes/from-petition/{petition.pk}/"' in page
    form_page = client.get(f"/disputes/from-petition/{petition.pk}/")
    assert form_page.status_code == 200
    html = form_page.content.decode()
    assert 'value="赵丁"' in html
    assert VALID_IDS[1] in html
    assert "邻居占用宅基地" in html
    assert 'name="source"' not in html
    data = form(**{"party-0-name": "赵丁", "party-0-id_number": VALID_IDS[1], "party-0-phone": "13800000001"})
    data.pop("unit")
    response = client.post(f"/disputes/from-petition/{petition.pk}/", data)
    assert response.status_code == 302
    dispute = Dispute.objects.get()
    assert (dispute.source, dispute.source_id, dispute.source_number) == (
        "petition",
        petition.pk,
        petition.number,
    )
    assert dispute.unit.code == DONGFENG
    html = client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert f'href="/petitions/{petition.pk}/"' in section(html, "particulars")
    page = client.get(f"/petitions/{petition.pk}/").content.decode()
    assert "已转入人民调解" in page
    assert f'href="/disputes/{dispute.pk}/"' in page
    assert "访调对接" not in page
    # once only: the form goes to the dispute
    again = client.get(f"/disputes/from-petition/{petition.pk}/")
    assert again.status_code == 302
    assert again["Location"] == f"/disputes/{dispute.pk}/"


def test_the_petition_note_is_only_for_those_who_register_disputes(client):
    petition = register_petition(user("clerk"), problem_unit=unit(TOWNSHIP))
    page = login(client, "supervisor").get(f"/petitions/{petition.pk}/").content.decode()
    assert "访调对接" not in page  # a supervisor reads disputes, registers none
    assert login(client, "supervisor").get(f"/disputes/from-petition/{petition.pk}/").status_code == 403


# --- the figures ---------------------------------------------------------------------------------------------


def test_the_figures_page_and_its_workbook(client):
    from openpyxl import load_workbook

    dispute = register()
    step(dispute, "assign_mediator", mediator=user("village-handler").pk)
    register("village2-handler", HONGXING)
    login(client, "leader")
    response = client.get("/disputes/stats/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "城关镇" in html
    rows = html.split('data-testid="stats-row"')[1:]
    assert any("东风村" in r for r in rows)
    total = html.split('data-testid="stats-total"')[1].split("</tr>")[0]
    assert "50.0%" in total  # 参调率 1 of 2, below 98 %: red
    assert 'data-testid="below-target"' in total
    year = timezone.localdate().year
    assert f"{year}年1月1日 至 {year}年12月31日" in html
    export = client.get(
        f"/disputes/stats/export.xlsx?unit={unit(TOWNSHIP).pk}&from={year}-01-01&to={year}-12-31"
    )
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(export.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1][0] == "单位"
    assert values[-1][0] == "合计"
    assert values[-1][1] == 2
    entry = AuditEntry.objects.get(event=AuditEvent.EXPORT)
    assert entry.extra_data["kind"] == "disputes_stats_xlsx"
    assert "矛盾纠纷调处统计（Excel）" in readable_entries([entry])[0].text


@pytest.mark.parametrize(
    "query",
    ["from=2026-13-01", "from=2026-05-01&to=2026-01-01", "to=9999-12-31", "from=1800-01-01", "unit=abc"],
)
def test_bad_dates_answer_the_page_with_a_chinese_error(client, query):
    response = login(client, "leader").get(f"/disputes/stats/?{query}")
    assert response.status_code == 422
    assert 'data-testid="field-error"' in response.content.decode()
    assert login(client, "leader").get(f"/disputes/stats/export.xlsx?{query}").status_code == 422


def test_the_figures_of_a_unit_outside_scope_are_404(client):
    response = login(client, "village-handler").get(f"/disputes/stats/?unit={unit(HONGXING).pk}")
    assert response.status_code == 404


# --- the settings ----------------------------------------------------------------------------------------------


def test_the_settings_are_saved_and_audited(client):
    login(client, "sysadmin")
    page = client.get("/disputes/settings/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "村综治主任\n村主要领导" in html
    data = {
        "class1_amount": "200000",
        "class1_people": "30",
        "class2_amount": "20000",
        "class2_people": "5",
        "visit_months_1": "1",
        "visit_months_2": "3",
        "visit_months_3": "6",
        "centre_level": "3",
        "target_participation": "95",
        "target_success": "98",
        "target_satisfaction": "96.5",
        "chain": "村调委会主任\n\n村党支部书记\n镇调处中心\n镇主要领导\n",
    }
    response = client.post("/disputes/settings/", data)
    assert response.status_code == 302
    setting = DisputeSetting.load()
    assert setting.levels == ["村调委会主任", "村党支部书记", "镇调处中心", "镇主要领导"]
    assert setting.class1_amount == 200000
    assert setting.centre_level == 3
    entry = AuditEntry.objects.get(
        event=AuditEvent.DEADLINE_RULE_CHANGED, target_type="disputes.disputesetting"
    )
    text = readable_entries([entry])[0].text
    assert "一类纠纷涉及金额（元）不少于：100000 → 200000" in text
    assert "调处责任链" in text
    # refused: the page again with the Chinese messages at the fields
    refused = client.post("/disputes/settings/", {**data, "centre_level": "9", "target_success": "abc"})
    assert refused.status_code == 422
    html = refused.content.decode()
    assert 'data-testid="error-centre_level"' in html
    assert "须为数字" in html
    refused = client.post("/disputes/settings/", {**data, "chain": "只有一级", "class2_amount": ""})
    assert refused.status_code == 422
    html = refused.content.decode()
    assert "请填写二类纠纷涉及金额（元）不少于。" in html
    assert DisputeSetting.load().levels == ["村调委会主任", "村党支部书记", "镇调处中心", "镇主要领导"]
    # the list reads the new chain
    register()
    assert "村调委会主任" in login(client, "clerk").get("/disputes/").content.decode()
    assert client.get("/disputes/settings/").status_code == 403


def test_a_step_the_actor_may_not_take_shows_the_page_again_with_403(client):
    dispute = register()
    login(client, "supervisor")  # reads the township's disputes, mediates none
    html = client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert 'data-testid="dispute-actions"' not in html
    refused = client.post(f"/disputes/{dispute.pk}/act/investigate/", {"findings": "走访"})
    assert refused.status_code == 403
    assert "您的角色不能执行“调查取证”。" in refused.content.decode()
    assert 'data-testid="dispute-number"' in refused.content.decode()
    assert not Dispute.objects.get().investigation


def test_a_sign_becomes_a_dispute_from_its_page(client):
    from xinfang.inforeports.services import report_file

    sign = report_file(
        actor=user("village-informant"),
        kind="early_sign",
        title="两户因宅基地边界争执",
        content="两户因宅基地边界多次争吵，有激化苗头",
        subjects="张甲、李乙",
        demands="重新测量边界",
        risk="medium",
        place="东风村一组",
        headcount=2,
    )
    login(client, "clerk")
    report_page = client.get(f"/reports/{sign.pk}/").content.decode()
    assert f'href="/disputes/from-sign/{sign.pk}/"' in report_page
    page = client.get(f"/disputes/from-sign/{sign.pk}/").content.decode()
    assert "苗头信息转为矛盾纠纷" in page
    assert "两户因宅基地边界多次争吵" in page  # the facts prefilled

    refused = client.post(
        f"/disputes/from-sign/{sign.pk}/", {**form(), "party-0-name": "", "party-1-name": ""}
    )
    assert refused.status_code == 422
    response = client.post(f"/disputes/from-sign/{sign.pk}/", form())

    dispute = Dispute.objects.get()
    assert response["Location"] == f"/disputes/{dispute.pk}/"
    assert (dispute.source, dispute.source_id) == ("sign", sign.pk)
    sign.refresh_from_db()
    assert sign.links[0]["number"] == dispute.number
    assert 'href="/disputes/from-sign/' not in client.get(f"/reports/{sign.pk}/").content.decode()


def test_a_dispute_becomes_an_incident_from_its_case_file(client):
    dispute = step(
        register(people=30, kind="labour"), "assign_mediator", "mediator", mediator=user("mediator").pk
    )
    login(client, "clerk")
    page = client.get(f"/disputes/{dispute.pk}/").content.decode()
    assert 'data-testid="form-incident"' in page

    refused = client.post(
        f"/disputes/{dispute.pk}/to-incident/", {"title": "", "kind": "wages", "headcount": "30"}
    )
    assert refused.status_code == 422
    assert "事件名称" in refused.content.decode()
    response = client.post(
        f"/disputes/{dispute.pk}/to-incident/",
        {"title": "务工人员聚集讨薪", "kind": "wages", "headcount": "30"},
    )

    dispute.refresh_from_db()
    assert dispute.status == "referred"
    link = dispute.links[0]
    assert link["kind"] == "incident"
    assert response["Location"] == f"/incidents/{link['id']}/"


def test_unicode_digits_are_refused_not_a_500(client):
    login(client, "village-handler")
    assert client.post("/disputes/new/", form(unit="²")).status_code == 422
    dispute = step(
        register(people=30, kind="labour"), "assign_mediator", "mediator", mediator=user("mediator").pk
    )
    login(client, "clerk")
    response = client.post(
        f"/disputes/{dispute.pk}/to-incident/", {"title": "聚集", "kind": "wages", "headcount": "②"}
    )
    assert response.status_code == 422
