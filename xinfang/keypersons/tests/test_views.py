"""The key-person pages (重点人员 / 重点群体): the masked register with its filters and its pinned
query count, the enter form (refusals keep what was typed), a person's page in full and audited on
every view, with the alarm of a petition with the same ID number, its step forms (visits, the plan
with the old one kept in the history, removal and its approval), scope (404) and capability (403),
and the key groups."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.keypersons.machine import person_transition
from xinfang.keypersons.models import KeyGroup, KeyPerson, Visit
from xinfang.keypersons.services import person_enter
from xinfang.organisation.models import Unit
from xinfang.petitions.services import PetitionerInput
from xinfang.petitions.tests.factories import VALID_IDS, register

pytestmark = pytest.mark.usefixtures("demo")

VILLAGE = "341122101201"  # 东风村 (城关镇)
NAME, PHONE = "张三丰", "13900001111"
ID_NUMBER = VALID_IDS[1]
PLAN = "镇分管领导包案，每月走访一次，协调民政落实补助"


def user(username: str) -> User:
    return User.objects.select_related("unit").get(username=username)


def fields(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": NAME,
        "id_number": ID_NUMBER,
        "phone": PHONE,
        "address": "城关镇东风村5组",
        "category": "veteran",
        "risk": "orange",
        "matter": "要求落实参战退役军人优抚待遇",
        "demands": "补发生活补助",
        "plan": PLAN,
        "contact_days": 30,
        "assistance": "临时救助 2000 元",
        "case_owner": user("leader").pk,
        "stability_owner": user("handler").pk,
        "location": "东风村家中",
    }
    data.update(over)
    return data


def entered(**over: Any) -> KeyPerson:
    values = fields(**over)
    unit = values.pop("unit", None)
    return person_enter(actor=user("clerk"), unit=unit, **values)


def act(person: KeyPerson, action: str, username: str, **values: Any) -> KeyPerson:
    return person_transition(person=person, action=action, actor=user(username), **values)


def page(client, username: str, url: str):  # type: ignore[no-untyped-def]
    client.force_login(user(username))
    return client.get(url)


def viewed(person: KeyPerson) -> int:
    return AuditEntry.objects.filter(
        event=AuditEvent.PERSONAL_DATA_VIEWED, target_type="keypersons.keyperson", target_id=str(person.pk)
    ).count()


# --- the register ---------------------------------------------------------------------------------


def test_the_register_is_masked_with_the_risk_and_the_overdue_visit_in_red(client):
    person = entered(risk="red")
    act(person, "start_monitoring", "clerk", monitor=user("handler").pk, note="专人看护")
    KeyPerson.objects.filter(pk=person.pk).update(next_visit_due=timezone.now() - timedelta(days=1))
    response = page(client, "clerk", "/key-persons/")
    assert response.status_code == 200
    html = response.content.decode()
    rows = html.split('data-testid="person-row"')[1:]
    assert len(rows) == 1
    assert "张*丰" in rows[0]
    assert "110101********0513" in rows[0]
    assert "139****1111" in rows[0]
    assert NAME not in html
    assert ID_NUMBER not in html
    assert PHONE not in html
    assert "红色" in rows[0]
    assert "text-bg-danger" in rows[0]
    assert 'data-testid="visit-overdue"' in rows[0]
    assert rows[0].startswith(' class="table-danger"')
    assert 'data-testid="monitored"' in rows[0]
    assert "张分管 / 李承办" in rows[0]
    assert "涉军群体" in rows[0]
    assert f'href="/key-persons/{person.pk}/"' in rows[0]
    assert 'data-testid="enter-link"' in html  # 列管 for the office
    assert 'href="/key-persons/groups/"' in html
    # the list is no view of the person
    assert viewed(person) == 0


def test_an_owner_sees_only_their_persons_and_no_enter_button(client):
    entered()
    entered(id_number=VALID_IDS[2], name="李四", phone="13900002222", stability_owner=user("principal").pk)
    html = page(client, "handler", "/key-persons/").content.decode()
    assert html.count('data-testid="person-row"') == 1
    assert 'data-testid="enter-link"' not in html
    empty = page(client, "village-handler", "/key-persons/").content.decode()
    assert empty.count('data-testid="person-row"') == 0
    assert "没有符合条件的重点人员" in empty


def test_the_filters_and_removed_persons(client):
    village = Unit.objects.get(code=VILLAGE)
    red = entered(risk="red", category="landless", unit=village.pk)
    gone = entered(id_number=VALID_IDS[2], name="李四", phone="13900002222")
    act(gone, "remove", "clerk", note="息诉罢访")
    act(gone, "approve_removal", "leader", note="同意")

    def count(query: str) -> int:
        return (
            page(client, "clerk", f"/key-persons/?{query}").content.decode().count('data-testid="person-row"')
        )

    assert count("") == 1  # the removed person left the register
    assert count("status=all") == 2
    assert count("status=removed") == 1
    assert count("risk=red") == 1
    assert count("risk=blue") == 0
    assert count("category=landless") == 1
    assert count(f"unit={village.pk}") == 1
    assert count("visit_overdue=on") == 0
    KeyPerson.objects.filter(pk=red.pk).update(next_visit_due=timezone.now() - timedelta(hours=1))
    assert count("visit_overdue=on") == 1
    assert count("risk=purple&unit=abc&page=zz") == 1  # nonsense filters are left out, no 500


def test_the_register_takes_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for i in range(6):
        entered(id_number="", phone=f"1390000{i:04d}", name=f"人员{i}")
    client.force_login(user("clerk"))
    client.get("/key-persons/")  # the session's first save
    # the session, the user, the policy, the roles, the unit and its organ, the inbox count, the
    # categories, the units, the count and the page: whatever the number of persons
    with django_assert_max_num_queries(14):
        response = client.get("/key-persons/?status=all&visit_overdue=")
    assert response.content.decode().count('data-testid="person-row"') == 6
    for i in range(6, 12):
        entered(id_number="", phone=f"1390000{i:04d}", name=f"人员{i}")
    with django_assert_max_num_queries(14):
        response = client.get("/key-persons/?status=all&visit_overdue=")
    assert response.content.decode().count('data-testid="person-row"') == 12


def test_the_register_is_paged_in_25s(client):
    for i in range(27):
        entered(id_number="", phone=f"1380000{i:04d}", name=f"人员{i:02d}")
    first = page(client, "clerk", "/key-persons/").content.decode()
    assert first.count('data-testid="person-row"') == 25
    assert "第 1 / 2 页，共 27 条" in first
    second = page(client, "clerk", "/key-persons/?page=2").content.decode()
    assert second.count('data-testid="person-row"') == 2


def test_a_role_without_the_capability_gets_403(client):
    person = entered()
    for url in ("/key-persons/", f"/key-persons/{person.pk}/", "/key-persons/groups/", "/key-persons/new/"):
        assert page(client, "sysadmin", url).status_code == 403, url
    # an owner may not enter anyone
    assert page(client, "handler", "/key-persons/new/").status_code == 403


# --- entering ---------------------------------------------------------------------------------------


def test_the_enter_form_enters_a_person_and_opens_their_page(client):
    form = page(client, "clerk", "/key-persons/new/")
    assert form.status_code == 200
    html = form.content.decode()
    assert 'name="unit"' in html
    assert 'name="case_owner"' in html
    assert "张分管" in html  # a leader to choose as 包案责任人
    assert "涉军群体" in html
    village = Unit.objects.get(code=VILLAGE)
    response = client.post("/key-persons/new/", {**fields(), "unit": village.pk})
    assert response.status_code == 302
    person = KeyPerson.objects.get()
    assert response["Location"] == f"/key-persons/{person.pk}/"
    assert person.unit == village
    assert person.status == "active"
    assert person.case_owner == user("leader")
    shown = client.get(response["Location"]).content.decode()
    assert f"已列管{person.number}" in shown
    assert NAME not in f"已列管{person.number}"


def test_a_refused_enter_keeps_what_was_typed_and_says_why_once(client):
    client.force_login(user("clerk"))
    response = client.post("/key-persons/new/", fields(plan="", id_number="", phone=""))
    assert response.status_code == 422
    html = response.content.decode()
    assert 'value="张三丰"' in html
    assert "要求落实参战退役军人优抚待遇" in html
    assert 'data-testid="error-enter-plan"' in html
    assert html.count("请填写稳控化解措施（一人一策）。") == 2  # the message above, the field's under it
    assert KeyPerson.objects.count() == 0
    # the same ID number twice: 409, the form kept
    entered()
    again = client.post("/key-persons/new/", fields(name="张三"))
    assert again.status_code == 409
    assert again.content.decode().count("此人已在重点人员名册中（同一身份证号）。") == 1
    assert 'value="张三"' in again.content.decode()
    # a unit outside scope: the field's refusal, not a 404
    county = Unit.objects.get(code="341122")
    outside = client.post("/key-persons/new/", {**fields(id_number=VALID_IDS[3]), "unit": county.pk})
    assert outside.status_code == 422
    assert 'data-testid="error-enter-unit"' in outside.content.decode()


# --- a person's page --------------------------------------------------------------------------------


def test_the_page_shows_the_person_in_full_and_every_view_is_audited(client):
    person = entered()
    first = page(client, "clerk", f"/key-persons/{person.pk}/")
    assert first.status_code == 200
    html = first.content.decode()
    assert NAME in html
    assert ID_NUMBER in html
    assert PHONE in html
    assert PLAN in html
    assert "每 30 天走访一次" in html
    assert "张分管" in html
    assert "李承办" in html
    assert "橙色" in html
    assert "keyperson-risk-orange" in html
    assert "列管" in html  # the history
    for action in ("visit", "update_plan", "change_owner", "change_risk", "start_monitoring", "remove"):
        assert f'data-testid="form-{action}"' in html, action
    assert 'data-testid="form-approve_removal"' not in html
    assert 'data-testid="form-stop_monitoring"' not in html  # not watched: nothing to stop
    assert viewed(person) == 1
    client.get(f"/key-persons/{person.pk}/")
    assert viewed(person) == 2
    entry = AuditEntry.objects.filter(event=AuditEvent.PERSONAL_DATA_VIEWED).first()
    assert entry is not None
    assert entry.target_label == f"重点人员#{person.pk}"


def test_the_owner_sees_the_page_with_the_visit_form_only_and_a_stranger_gets_404(client):
    person = entered()
    html = page(client, "handler", f"/key-persons/{person.pk}/").content.decode()
    assert 'data-testid="form-visit"' in html
    assert 'data-testid="form-update_plan"' not in html
    assert 'data-testid="form-remove"' not in html
    assert page(client, "village-handler", f"/key-persons/{person.pk}/").status_code == 404
    assert viewed(person) == 1  # the stranger's attempt is no view
    assert AuditEntry.objects.filter(event=AuditEvent.ACCESS_DENIED, target_id=str(person.pk)).exists()
    response = client.post(f"/key-persons/{person.pk}/act/visit/", {"location": "家中", "state": "平稳"})
    assert response.status_code == 404
    assert not Visit.objects.exists()


def test_the_page_shows_the_alarm_of_a_petition_with_the_same_id_number(client):
    person = entered()
    petition = register(user("clerk"), petitioners=[PetitionerInput(name=NAME, id_number=ID_NUMBER)])
    html = page(client, "clerk", f"/key-persons/{person.pk}/").content.decode()
    hits = html.split('data-testid="hit"')[1:]
    assert len(hits) == 1
    assert f'href="/petitions/{petition.pk}/"' in hits[0]
    assert petition.number in hits[0]
    assert "信访登记" in hits[0]
    assert "身份证号" in hits[0]
    # the petition among the linked ones, and the alarm in the history
    linked = html.split('data-testid="petitions"')[1]
    assert petition.number in linked.split("</section>")[0]
    assert "预警" in html.split('data-testid="timeline"')[1]


def test_a_visit_from_the_page_and_a_refused_one_keeping_what_was_typed(client):
    person = entered()
    client.force_login(user("handler"))
    later = f"{timezone.localtime(timezone.now() + timedelta(days=1)):%Y-%m-%dT%H:%M}"
    refused = client.post(
        f"/key-persons/{person.pk}/act/visit/",
        {"at": later, "location": "县城打工", "state": "情绪激动", "sign": "true", "note": "扬言上访"},
    )
    assert refused.status_code == 422
    html = refused.content.decode()
    assert html.count("走访时间不能晚于现在。") == 2  # the message above, the field's under it
    form = html.split('data-testid="form-visit"')[1].split("</form>")[0]
    assert 'value="县城打工"' in form
    assert "扬言上访" in form
    assert "checked" in form
    assert "collapse show" in html.split('data-testid="form-visit"')[0].rsplit("<form", 1)[1]
    done = client.post(
        f"/key-persons/{person.pk}/act/visit/",
        {"location": "县城打工", "state": "情绪激动", "sign": "true", "note": "扬言上访"},
    )
    assert done.status_code == 302
    visit = Visit.objects.get()
    assert visit.sign is True
    assert visit.by == user("handler")
    shown = client.get(f"/key-persons/{person.pk}/").content.decode()
    assert f"已登记走访：{person.number}。" in shown
    row = shown.split('data-testid="visit-row"')[1]
    assert "县城打工" in row
    assert 'data-testid="visit-sign"' in row


def test_a_new_plan_keeps_the_old_one_in_the_history(client):
    person = entered()
    client.force_login(user("clerk"))
    form = client.get(f"/key-persons/{person.pk}/").content.decode()
    assert PLAN in form.split('data-testid="form-update_plan"')[1].split("</form>")[0]  # prefilled
    response = client.post(
        f"/key-persons/{person.pk}/act/update_plan/",
        {"plan": "春节前每周走访", "contact_days": "7", "assistance": "", "note": "敏感期加密"},
    )
    assert response.status_code == 302
    html = client.get(f"/key-persons/{person.pk}/").content.decode()
    timeline = html.split('data-testid="timeline"')[1]
    assert "调整一人一策" in timeline
    assert "走访频次 30 天 → 7 天" in timeline
    old = timeline.split('data-testid="old-plan"')[1]
    assert PLAN in old
    assert "敏感期加密" in timeline
    assert "每 7 天走访一次" in html


def test_removal_from_the_page_and_its_approval_by_a_leader(client):
    person = entered()
    client.force_login(user("clerk"))
    blank = client.post(f"/key-persons/{person.pk}/act/remove/", {"note": ""})
    assert blank.status_code == 422
    assert 'data-testid="error-remove-note"' in blank.content.decode()
    asked = client.post(f"/key-persons/{person.pk}/act/remove/", {"note": "诉求已解决"})
    assert asked.status_code == 302
    html = client.get(f"/key-persons/{person.pk}/").content.decode()
    assert 'data-testid="removal-requested"' in html
    assert "王接访" in html.split('data-testid="removal-requested"')[1]
    assert 'data-testid="form-approve_removal"' not in html  # the clerk holds no approval
    # the requester (a clerk) may not approve
    assert client.post(f"/key-persons/{person.pk}/act/approve_removal/", {"note": "同意"}).status_code == 403
    client.force_login(user("leader"))
    html = client.get(f"/key-persons/{person.pk}/").content.decode()
    assert 'data-testid="form-approve_removal"' in html
    assert "批准意见" in html.split('data-testid="form-approve_removal"')[1].split("</form>")[0]
    approved = client.post(f"/key-persons/{person.pk}/act/approve_removal/", {"note": "同意"})
    assert approved.status_code == 302
    assert KeyPerson.objects.get(pk=person.pk).status == "removed"
    listed = client.get("/key-persons/").content.decode()
    assert listed.count('data-testid="person-row"') == 0
    shown = client.get(f"/key-persons/{person.pk}/").content.decode()
    assert 'data-testid="removed"' in shown
    assert 'data-testid="person-actions"' not in shown


def test_a_step_not_on_the_page_is_404(client):
    person = entered()
    client.force_login(user("clerk"))
    for action in ("enter", "hit", "nonsense"):
        assert client.post(f"/key-persons/{person.pk}/act/{action}/", {}).status_code == 404


def test_the_persons_page_takes_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    person = entered()
    client.force_login(user("clerk"))
    client.get(f"/key-persons/{person.pk}/")

    def grow() -> None:
        for i in range(3):
            act(person, "visit", "clerk", location=f"地点{i}", state="平稳")
        act(person, "change_risk", "clerk", risk="red", note="升级")
        act(person, "change_owner", "clerk", stability_owner=user("village-handler").pk, note="属地")
        register(user("clerk"), petitioners=[PetitionerInput(name=NAME, id_number=ID_NUMBER)], subject="再访")

    grow()
    with django_assert_max_num_queries(22) as first:
        client.get(f"/key-persons/{person.pk}/")
    grow()
    with django_assert_max_num_queries(len(first.captured_queries)):
        html = client.get(f"/key-persons/{person.pk}/").content.decode()
    assert html.count('data-testid="visit-row"') == 6
    assert html.count('data-testid="hit"') == 2


# --- key groups ----------------------------------------------------------------------------------


def test_a_key_group_is_created_with_members_shown_masked(client):
    person = entered()
    form = page(client, "clerk", "/key-persons/groups/")
    assert form.status_code == 200
    html = form.content.decode()
    assert 'data-testid="group-form"' in html
    assert "张*丰" in html  # a member to choose, masked
    assert NAME not in html
    response = client.post(
        "/key-persons/groups/",
        {
            "name": "东风村失地农民群体",
            "unit": user("clerk").unit_id,
            "category": "landless",
            "size": "40",
            "leaders": "王某",
            "case_owner": user("leader").pk,
            "stability_owner": user("handler").pk,
            "members": [person.pk],
            "matter": "征地补偿标准",
            "history": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    group = KeyGroup.objects.get()
    assert list(group.members.all()) == [person]
    listed = client.get("/key-persons/groups/").content.decode()
    row = listed.split('data-testid="group-row"')[1]
    assert "东风村失地农民群体" in row
    assert "张*丰" in row
    assert NAME not in listed
    # the person's page names the group
    assert "东风村失地农民群体" in client.get(f"/key-persons/{person.pk}/").content.decode()
    # the owner sees it without the form; a village's handler sees nothing
    owner = page(client, "handler", "/key-persons/groups/").content.decode()
    assert owner.count('data-testid="group-row"') == 1
    assert 'data-testid="group-form"' not in owner
    assert (
        page(client, "village-handler", "/key-persons/groups/")
        .content.decode()
        .count('data-testid="group-row"')
        == 0
    )
    assert client.post("/key-persons/groups/", {"name": "x"}).status_code == 403


def test_a_refused_group_keeps_what_was_typed(client):
    client.force_login(user("clerk"))
    response = client.post(
        "/key-persons/groups/",
        {
            "name": "讨薪群体",
            "unit": user("clerk").unit_id,
            "category": "labour",
            "size": "0",
            "case_owner": user("leader").pk,
            "stability_owner": user("handler").pk,
            "matter": "拖欠工资",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'value="讨薪群体"' in html
    assert 'data-testid="error-group-size"' in html
    assert "collapse show" in html
    assert KeyGroup.objects.count() == 0


def test_the_page_says_when_a_sensitive_period_raises_the_visits(client):
    from xinfang.deadlines.sensitive import period_save

    person = entered()
    assert "敏感时期加密" not in page(client, "clerk", f"/key-persons/{person.pk}/").content.decode()
    today = timezone.localdate()
    period_save(
        actor=user("clerk"),
        unit=person.unit,
        name="八一",
        starts_on=today,
        ends_on=today + timedelta(days=3),
        level=2,
        reason="建军节前后",
        themes=["veteran"],
    )
    html = page(client, "clerk", f"/key-persons/{person.pk}/").content.decode()
    assert "敏感时期加密：每 3 天" in html
