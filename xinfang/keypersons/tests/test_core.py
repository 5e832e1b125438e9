"""Key persons (重点人员): the alarm on a new petition, a duty-log entry and an incident (who is told,
once), the banner on a petition's page, who sees the register, removal with a second leader's
approval, the visit clock and the sensitive periods that raise it, the audit log naming a person
by number only, and the refusals of bad input."""

import json
import re
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.permissions import capabilities_of
from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.core.exceptions import Conflict, NotFound, PermissionDenied, ValidationFailed
from xinfang.deadlines.engine import LOCAL_TZ
from xinfang.deadlines.models import Deadline, SensitivePeriod
from xinfang.deadlines.sensitive import period_save, theme_choices
from xinfang.deadlines.sweep import deadlines_sweep
from xinfang.demo.clock import simulated_now
from xinfang.duty.machine import shift_transition
from xinfang.duty.models import LogEntry
from xinfang.duty.tests.helpers import running_shift
from xinfang.incidents.services import incident_register
from xinfang.keypersons import alarm, clocks, selectors, services
from xinfang.keypersons.choices import HitSource, PersonStatus
from xinfang.keypersons.machine import person_transition
from xinfang.keypersons.models import OWNER_TYPE, KeyPerson, KeyPersonEvent, KeyPersonHit
from xinfang.notifications.models import Notification
from xinfang.organisation.models import Unit
from xinfang.petitions import hooks
from xinfang.petitions.hooks import petition_notes
from xinfang.petitions.tests.factories import VALID_IDS, PetitionerInput, register
from xinfang.petitions.workflow import petition_transition

pytestmark = pytest.mark.usefixtures("demo")

TOWNSHIP, DONGFENG, HEXI = "341122101", "341122101201", "341122102"
KEY_NAME, KEY_ID, KEY_PHONE = "赵重点", VALID_IDS[1], "13900000001"
PLAN = "包案领导每月上门走访一次，协调落实优抚待遇复核"
ALARM = "重点人员预警"
# the township's office (接访员, 值班员, 分管领导, 主要领导) and the two owners (张分管, 李承办)
TOLD = {"leader", "handler", "clerk", "duty", "principal"}
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def key_notes(petition: Any, actor: Any) -> list[str]:
    """The key persons' notes on a petition's page (other apps add their own, e.g. 访调对接)."""
    return [n for n in petition_notes(petition, actor) if "重点人员" in n]


def user(username: str) -> User:
    return User.objects.select_related("unit").get(username=username)


def unit(code: str) -> Unit:
    return Unit.objects.get(code=code)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LOCAL_TZ)


def end_of(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=LOCAL_TZ)


def enter(actor: str = "clerk", **overrides: Any) -> KeyPerson:
    values: dict[str, Any] = {
        "name": KEY_NAME,
        "id_number": KEY_ID,
        "phone": KEY_PHONE,
        "address": "城关镇东风村5组",
        "category": "veteran",
        "risk": "orange",
        "matter": "反映参战退役待遇未落实",
        "demands": "补发优抚金",
        "plan": PLAN,
        "contact_days": 30,
        "case_owner": user("leader").pk,
        "stability_owner": user("handler").pk,
    }
    values.update(overrides)
    return services.person_enter(actor=user(actor), **values)


def act(person: KeyPerson, action: str, actor: str, **fields: Any) -> KeyPerson:
    person_transition(person=person, action=action, actor=user(actor), **fields)
    return KeyPerson.objects.select_related("unit", "category").get(pk=person.pk)


def petitioner(**overrides: Any) -> PetitionerInput:
    values: dict[str, Any] = {
        "name": "钱来访",
        "gender": "male",
        "id_number": VALID_IDS[2],
        "phone": "13812345678",
        "address": "城关镇红星村1组",
    }
    values.update(overrides)
    return PetitionerInput(**values)


def alarms() -> Any:
    return Notification.objects.filter(title__startswith=ALARM)


def told(rows: Any) -> list[str]:
    return sorted(rows.values_list("recipient__username", flat=True))


def open_clocks(person: KeyPerson) -> list[Deadline]:
    return list(
        Deadline.objects.filter(owner_type=OWNER_TYPE, owner_id=person.pk, rule=clocks.VISIT, is_open=True)
    )


# --- the alarm: a new petition ----------------------------------------------------------------


def test_a_petition_with_a_key_persons_id_number_raises_one_hit_and_tells_the_owners_and_office():
    person = enter()
    first = register(user("clerk"), petitioners=[petitioner(name="赵某", id_number=KEY_ID, phone="")])
    hit = KeyPersonHit.objects.get()
    assert (hit.person_id, hit.source, hit.ref_id, hit.reference) == (
        person.pk,
        HitSource.PETITION,
        first.pk,
        first.number,
    )
    assert hit.matched_by == "id_number"
    assert told(alarms()) == sorted(TOLD)  # each of them once
    message = alarms().get(recipient__username="leader")
    assert person.number in message.title
    assert KEY_NAME not in message.title + message.body
    assert PLAN not in message.body
    # the same petition seen again raises nothing more
    alarm.on_petition_changed(before=None, petition=first)
    assert KeyPersonHit.objects.count() == 1
    assert alarms().count() == len(TOLD)
    # a second petition is a second hit, and a second message to each
    second = register(user("clerk"), petitioners=[petitioner(name=KEY_NAME, id_number=KEY_ID)])
    assert sorted(KeyPersonHit.objects.values_list("ref_id", flat=True)) == sorted([first.pk, second.pk])
    assert alarms().count() == 2 * len(TOLD)
    assert told(alarms()) == sorted(name for name in TOLD for _ in range(2))


def test_the_same_name_and_phone_without_an_id_number_is_a_hit_too():
    person = enter()
    petition = register(user("clerk"), petitioners=[petitioner(name=KEY_NAME, phone=KEY_PHONE, id_number="")])
    hit = KeyPersonHit.objects.get()
    assert (hit.person_id, hit.ref_id, hit.matched_by) == (person.pk, petition.pk, "name_phone")
    assert told(alarms()) == sorted(TOLD)
    # the name with another phone, or the phone with another name, is nobody
    register(user("clerk"), petitioners=[petitioner(name=KEY_NAME, phone="13900000002", id_number="")])
    register(user("clerk"), petitioners=[petitioner(name="赵某某", phone=KEY_PHONE, id_number="")])
    assert KeyPersonHit.objects.count() == 1


def test_a_removed_person_raises_nothing():
    person = enter()
    person = act(person, "remove", "clerk", note="诉求已解决，息诉罢访两年")
    act(person, "approve_removal", "leader", note="同意")
    register(user("clerk"), petitioners=[petitioner(name=KEY_NAME, id_number=KEY_ID)])
    register(user("clerk"), petitioners=[petitioner(name=KEY_NAME, phone=KEY_PHONE, id_number="")])
    assert not KeyPersonHit.objects.exists()
    assert not alarms().exists()


def test_a_petition_of_nobody_in_the_register_raises_nothing_and_costs_at_most_one_query(monkeypatch):
    enter()
    enter(name="孙重点", id_number=VALID_IDS[3], phone="13900000003", category="teacher")
    clerk = user("clerk")
    register(clerk, petitioners=[petitioner(id_number=VALID_IDS[0], phone="13800000000")])  # warm-up

    def cost(id_number: str, phone: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            register(clerk, petitioners=[petitioner(name="周某", id_number=id_number, phone=phone)])
        return len(queries)

    everyone = list(hooks._change_subscriptions)
    monkeypatch.setattr(
        hooks, "_change_subscriptions", [s for s in everyone if s[0] is not alarm.on_petition_changed]
    )
    without = cost(VALID_IDS[2], "13800000001")
    monkeypatch.setattr(hooks, "_change_subscriptions", everyone)
    watched = cost("440308199901010020", "13800000002")
    assert not KeyPersonHit.objects.exists()
    assert not alarms().exists()
    assert watched - without <= 1, (without, watched)


def test_the_alarms_look_up_searches_the_indexes_and_scans_no_table():
    if connection.vendor != "sqlite":
        pytest.skip("reads SQLite's query plan")
    enter()
    with CaptureQueriesContext(connection) as queries:
        alarm.matches(
            id_numbers=[KEY_ID, VALID_IDS[2]], name_phones=[(KEY_NAME, KEY_PHONE), ("钱来访", "138")]
        )
    [statement] = [q["sql"] for q in queries.captured_queries]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + statement)
        plan = [str(row[-1]) for row in cursor.fetchall()]
    assert not any(step.startswith("SCAN keypersons_keyperson") for step in plan), plan
    assert any("USING INDEX keyperson_id (" in step for step in plan), plan
    assert any("keyperson_name_phone" in step for step in plan), plan


def test_a_later_change_of_the_petition_is_not_a_new_alarm():
    person = enter()
    petition = register(user("clerk"), petitioners=[petitioner(name=KEY_NAME, id_number=KEY_ID)])
    petition_transition(petition=petition, action="accept", actor=user("clerk"))
    assert KeyPersonHit.objects.count() == 1
    assert person.events.filter(action="hit").count() == 1
    assert _entries(person).filter(extra_data__action="hit").count() == 1


def test_a_person_entered_after_the_petition_is_not_alarmed_by_its_next_step():
    petition = register(user("clerk"), petitioners=[petitioner(name=KEY_NAME, id_number=KEY_ID)])
    enter()
    petition_transition(petition=petition, action="accept", actor=user("clerk"))
    assert not KeyPersonHit.objects.exists()
    assert not alarms().exists()


def test_the_alarm_on_a_village_person_tells_the_office_that_keeps_its_register():
    enter(unit=unit(DONGFENG).pk, stability_owner=user("village-handler").pk)
    register(user("clerk"), petitioners=[petitioner(name=KEY_NAME, id_number=KEY_ID)])
    assert told(alarms()) == sorted({"leader", "village-handler", "clerk", "duty", "principal"})


# --- the alarm: the duty log and incidents ------------------------------------------------------


def test_a_duty_log_entry_with_the_name_and_phone_is_a_hit():
    person = enter()
    shift = running_shift()
    shift_transition(shift=shift, action="check_in", actor=user("duty"))
    # a name alone is nobody
    shift_transition(
        shift=shift, action="log_entry", actor=user("duty"), kind="call", name=KEY_NAME, matter="来电询问政策"
    )
    assert not KeyPersonHit.objects.exists()
    shift_transition(
        shift=shift,
        action="log_entry",
        actor=user("duty"),
        kind="call",
        name=KEY_NAME,
        phone=KEY_PHONE,
        matter="来电称要去县里上访",
    )
    entry = LogEntry.objects.get(shift=shift, phone=KEY_PHONE)
    hit = KeyPersonHit.objects.get()
    assert (hit.person_id, hit.source, hit.ref_id, hit.matched_by) == (
        person.pk,
        HitSource.DUTY,
        entry.pk,
        "name_phone",
    )
    assert told(alarms()) == sorted(TOLD)


def test_an_incident_naming_the_person_in_the_responsible_units_area_is_a_hit():
    person = enter()
    elsewhere = enter(
        "county-clerk",
        unit=unit(HEXI).pk,
        id_number=VALID_IDS[3],
        phone="13900000009",
        case_owner=user("county-leader").pk,
        stability_owner=user("county-clerk").pk,
    )
    learned = timezone.now() - timedelta(minutes=5)
    incident = incident_register(
        actor=user("clerk"),
        title="村民聚集",
        kind="gathering",
        learned_at=learned,
        occurred_at=learned - timedelta(minutes=10),
        place="镇政府门口",
        headcount=12,
        demands="优抚待遇",
        key_persons=f"{KEY_NAME}、李某",
    )
    hit = KeyPersonHit.objects.get()  # not the namesake of 河西乡
    assert (hit.person_id, hit.source, hit.ref_id, hit.reference, hit.matched_by) == (
        person.pk,
        HitSource.INCIDENT,
        incident.pk,
        incident.number,
        "name",
    )
    assert not KeyPersonHit.objects.filter(person=elsewhere).exists()
    assert told(alarms()) == sorted(TOLD)


# --- the banner on a petition's page -------------------------------------------------------------


def test_the_petition_banner_tells_the_clerk_and_the_owners_only_and_never_the_plan(village_handler):
    enter()
    plain = register(user("clerk"), petitioners=[petitioner()])
    petition = register(user("clerk"), petitioners=[petitioner(name=KEY_NAME, id_number=KEY_ID)])
    for username in ("clerk", "leader", "handler"):
        notes = petition_notes(petition, user(username))
        assert any("重点人员" in n for n in notes), username
        assert not any(PLAN in n or KEY_NAME in n for n in notes), username
        assert key_notes(plain, user(username)) == []
    assert key_notes(petition, village_handler) == []
    assert key_notes(petition, None) == []


# --- scope and role ---------------------------------------------------------------------------------


def test_who_sees_the_register(village_handler, sysadmin):
    township = enter()
    village = enter(
        unit=unit(DONGFENG).pk,
        name="钱重点",
        id_number=VALID_IDS[3],
        phone="13900000004",
        case_owner=user("principal").pk,
        stability_owner=user("duty").pk,
    )
    other = enter(
        "county-clerk",
        unit=unit(HEXI).pk,
        name="孙重点",
        id_number="440308199901010020",
        phone="13900000005",
        case_owner=user("county-leader").pk,
        stability_owner=user("county-clerk").pk,
    )

    def seen(username: str) -> set[int]:
        return set(selectors.persons_visible_to(user(username)).values_list("pk", flat=True))

    for username in ("clerk", "leader", "principal", "duty"):
        assert seen(username) == {township.pk, village.pk}, username
    assert seen("county-leader") == {township.pk, village.pk, other.pk}
    assert seen("handler") == {township.pk}  # owns it: 稳控责任人
    assert set(selectors.person_list(actor=user("handler"))) == {township}
    assert seen("village-handler") == set()
    with pytest.raises(NotFound):
        selectors.access_person_by_id(village_handler, township.pk)
    with pytest.raises(NotFound):
        selectors.access_person_by_id(user("clerk"), other.pk)
    denied = AuditEntry.objects.filter(event=AuditEvent.ACCESS_DENIED, target_id=str(other.pk))
    assert denied.filter(actor_username="clerk").exists()
    assert selectors.access_person_by_id(user("handler"), township.pk) == township
    # the system administrator holds no capability of the register at all
    assert not {c for c in capabilities_of(sysadmin) if c.startswith("keypersons.")}
    assert seen("sysadmin") == set()
    with pytest.raises(PermissionDenied):
        enter("sysadmin")
    with pytest.raises(NotFound):  # out of scope: as if it did not exist
        act(township, "visit", "village-handler", location="家中", state="平稳")


def test_the_list_filters():
    red = enter(risk="red")
    blue = enter(name="钱重点", id_number=VALID_IDS[3], phone="13900000004", risk="blue", category="teacher")
    clerk = user("clerk")
    assert list(selectors.person_list(actor=clerk, risk="red")) == [red]
    assert list(selectors.person_list(actor=clerk, category="teacher")) == [blue]
    assert list(selectors.person_list(actor=clerk, visit_overdue=True)) == []
    later = timezone.now() + timedelta(days=40)
    assert set(selectors.person_list(actor=clerk, visit_overdue=True, now=later)) == {red, blue}


# --- removal --------------------------------------------------------------------------------------


def test_removal_needs_a_leader_other_than_the_one_who_asked():
    person = enter()
    person = act(person, "remove", "clerk", note="诉求已解决，息诉罢访两年")
    assert person.status == PersonStatus.REMOVAL_REQUESTED
    assert person.get_status_display() == "息访待批准"
    with pytest.raises(PermissionDenied):  # a clerk approves nothing
        act(person, "approve_removal", "clerk", note="同意")
    person = act(person, "approve_removal", "leader", note="同意")
    assert person.status == PersonStatus.REMOVED
    assert person.get_status_display() == "已息访稳定"
    assert open_clocks(person) == []
    assert person.next_visit_due is None
    assert not Deadline.objects.filter(owner_type=OWNER_TYPE, owner_id=person.pk, is_open=True).exists()
    # the history is kept; the list shows the person only when asked for the removed
    assert list(person.events.values_list("action", flat=True)) == ["enter", "remove", "approve_removal"]
    assert person not in selectors.person_list(actor=user("clerk"))
    assert person in selectors.person_list(actor=user("clerk"), include_removed=True)


def test_the_leader_who_asked_may_not_approve_and_a_refusal_returns_the_person_to_the_register():
    person = enter()
    person = act(person, "remove", "leader", note="诉求已解决，息诉罢访两年")
    with pytest.raises(PermissionDenied, match="提出人以外"):
        act(person, "approve_removal", "leader", note="同意")
    with pytest.raises(PermissionDenied, match="提出人以外"):
        act(person, "reject_removal", "leader", note="不同意")
    assert KeyPerson.objects.get(pk=person.pk).status == PersonStatus.REMOVAL_REQUESTED
    assert Notification.objects.filter(
        recipient__username="principal", title__startswith="重点人员息访待批准"
    ).exists()
    person = act(person, "reject_removal", "principal", note="仍有上访苗头，继续稳控")
    assert person.status == PersonStatus.ACTIVE
    assert (person.removal_reason, person.removal_requested_by_id) == ("", None)
    assert len(open_clocks(person)) == 1
    assert list(person.events.values_list("action", flat=True)) == ["enter", "remove", "reject_removal"]


# --- the visit clock ----------------------------------------------------------------------------------

WEDNESDAY = date(2027, 3, 10)  # a working week; none of the days below is a day off


def test_entering_starts_the_visit_clock_and_a_visit_restarts_it():
    with simulated_now(at(WEDNESDAY, 10)):
        person = enter()
        [clock] = open_clocks(person)
        assert clock.due_at == at(WEDNESDAY, 10) + timedelta(days=30)  # 30 days of 24 hours
        assert person.next_visit_due == clock.due_at
        person = act(person, "visit", "handler", at=at(date(2027, 3, 8), 15), location="家中", state="平稳")
        [clock] = open_clocks(person)
        assert clock.due_at == at(date(2027, 3, 8), 15) + timedelta(days=30)  # from the visit
        assert KeyPerson.objects.get(pk=person.pk).next_visit_due == clock.due_at
        assert person.last_visit_at == at(date(2027, 3, 8), 15)
        assert person.visits.count() == 1
        # an earlier visit recorded late moves nothing
        act(person, "visit", "leader", at=at(date(2027, 3, 1), 9), location="家中", state="平稳")
        [clock] = open_clocks(person)
        assert clock.due_at == at(date(2027, 3, 8), 15) + timedelta(days=30)


def _period(themes: list[str], level: int = 2) -> SensitivePeriod:
    return period_save(
        actor=user("clerk"),
        unit=unit(TOWNSHIP),
        name="全国两会",
        starts_on=date(2027, 3, 3),
        ends_on=date(2027, 3, 15),
        level=level,
        reason="依据县委办关于全国两会期间信访维稳工作的通知",
        themes=themes,
    )


def overdue_visits() -> Any:
    return Notification.objects.filter(title__startswith="重点人员走访逾期")


def test_a_sensitive_period_on_the_persons_category_raises_the_visit_clock_and_the_sweep_tells_the_owners_once():
    SensitivePeriod.objects.all().delete()
    now = at(WEDNESDAY, 10)
    with simulated_now(now):
        assert "veteran" in {code for code, _ in theme_choices()}
        person = enter()
        act(person, "visit", "handler", at=now - timedelta(days=5), location="家中", state="平稳")
        _period(["veteran", "teacher"])
        assert clocks.raise_for_periods(now) == 1
        [clock] = open_clocks(person)
        assert clock.due_at == now - timedelta(days=5) + timedelta(days=3)  # 3 days after the last visit
        assert KeyPerson.objects.get(pk=person.pk).next_visit_due == clock.due_at
        assert clocks.raise_for_periods(now) == 0  # already raised
        deadlines_sweep(now=now, scans=False)
        assert told(overdue_visits()) == ["handler", "leader"]
        deadlines_sweep(now=now + timedelta(minutes=1), scans=True)
        deadlines_sweep(now=now + timedelta(hours=1), scans=True)
        assert overdue_visits().count() == 2
        assert KEY_NAME not in overdue_visits().first().title + overdue_visits().first().body


def test_the_sweeps_scan_raises_the_clock_too():
    SensitivePeriod.objects.all().delete()
    now = at(WEDNESDAY, 10)
    with simulated_now(now):
        person = enter()
        act(person, "visit", "handler", at=now - timedelta(days=2), location="家中", state="平稳")
        _period(["veteran"], level=1)
        deadlines_sweep(now=now, scans=True)
        [clock] = open_clocks(person)
        assert clock.due_at == now - timedelta(days=1)  # 一级: a day after the visit
        # the owners are told by the run that moved the clock, and not again by the next runs
        assert told(overdue_visits()) == ["handler", "leader"]
        deadlines_sweep(now=now + timedelta(minutes=1), scans=False)
        deadlines_sweep(now=now + timedelta(minutes=2), scans=True)
        assert told(overdue_visits()) == ["handler", "leader"]


def test_a_sensitive_period_on_other_categories_changes_nothing():
    SensitivePeriod.objects.all().delete()
    now = at(WEDNESDAY, 10)
    with simulated_now(now):
        person = enter()
        act(person, "visit", "handler", at=now - timedelta(days=5), location="家中", state="平稳")
        [before] = open_clocks(person)
        _period(["teacher", "landless"])
        assert clocks.raise_for_periods(now) == 0
        deadlines_sweep(now=now, scans=True)
        deadlines_sweep(now=now + timedelta(minutes=1), scans=True)
        [after] = open_clocks(person)
        assert (after.pk, after.due_at) == (before.pk, before.due_at)
        assert not overdue_visits().exists()


# --- audit -----------------------------------------------------------------------------------------


def _entries(person: KeyPerson, event: int = AuditEvent.STATE_TRANSITION) -> Any:
    return AuditEntry.objects.filter(
        event=event, target_id=str(person.pk), target_type="keypersons.keyperson"
    )


def _secret_free(entry: AuditEntry) -> None:
    text = json.dumps(entry.extra_data, ensure_ascii=False) + entry.target_label
    for secret in (KEY_NAME, KEY_ID, KEY_PHONE, PLAN, "东风村5组"):
        assert secret not in text, (secret, entry.extra_data)


def test_each_step_writes_one_audit_entry_naming_the_person_by_number_only():
    person = enter()
    assert _entries(person).count() == 1
    steps: list[tuple[str, str, dict[str, Any]]] = [
        (
            "update_plan",
            "clerk",
            {"plan": PLAN + "，每半月一次", "contact_days": 15, "assistance": "临时救助"},
        ),
        ("change_risk", "clerk", {"risk": "red", "note": "近期有进京苗头"}),
        ("visit", "handler", {"location": "东风村5组家中", "state": "情绪稳定", "note": f"{KEY_NAME}在家"}),
        ("change_owner", "clerk", {"stability_owner": user("duty").pk, "note": "工作调整"}),
        ("start_monitoring", "clerk", {"monitor": user("handler").pk, "note": "两会期间"}),
        ("stop_monitoring", "clerk", {"note": "两会结束"}),
        ("remove", "clerk", {"note": "诉求已解决"}),
        ("reject_removal", "leader", {"note": "继续稳控"}),
    ]
    for count, (action, actor, fields) in enumerate(steps, 2):
        person = act(person, action, actor, **fields)
        assert _entries(person).count() == count, action
    register(user("clerk"), petitioners=[petitioner(name=KEY_NAME, id_number=KEY_ID)])  # the alarm
    entries = list(_entries(person).order_by("pk"))
    assert [e.extra_data["action"] for e in entries] == ["enter", *[s[0] for s in steps], "hit"]
    for entry in entries:
        assert entry.target_label == f"重点人员#{person.pk}"
        _secret_free(entry)


def test_a_removal_reason_naming_the_person_stays_out_of_the_audit_log():
    person = enter()
    person = act(person, "remove", "clerk", note=f"{KEY_NAME}诉求已解决，息诉罢访两年")
    person = act(person, "approve_removal", "leader", note="同意")
    for entry in _entries(person):
        _secret_free(entry)


def test_viewing_a_person_is_audited():
    person = enter()
    services.person_viewed(actor=user("clerk"), person=person)
    entry = _entries(person, AuditEvent.PERSONAL_DATA_VIEWED).get()
    assert (entry.actor_username, entry.target_label) == ("clerk", f"重点人员#{person.pk}")
    _secret_free(entry)


# --- input ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id_number": "110101199003070514"}, "id_number"),  # a wrong check digit
        ({"id_number": "12345"}, "id_number"),
        ({"case_owner": "handler"}, "case_owner"),  # not a leader
        ({"category": "astrologer"}, "category"),
        ({"contact_days": 0}, "contact_days"),
        ({"contact_days": 400}, "contact_days"),
        ({"id_number": "", "phone": ""}, "id_number"),  # nothing to match on
    ],
)
def test_bad_input_is_refused_in_chinese(overrides, field):
    if overrides.get("case_owner") == "handler":
        overrides = {"case_owner": user("handler").pk}
    with pytest.raises(ValidationFailed) as refused:
        enter(**overrides)
    assert field in refused.value.extra
    assert CHINESE.search(refused.value.message)
    assert CHINESE.search(refused.value.extra[field])
    assert not KeyPerson.objects.exists()
    assert not KeyPersonEvent.objects.exists()


def test_the_same_id_number_twice_is_a_conflict():
    enter(id_number=VALID_IDS[0])
    with pytest.raises(Conflict, match="已在重点人员名册中"):
        enter(name="赵某", id_number=VALID_IDS[0].lower(), phone="13900000008")
    assert KeyPerson.objects.count() == 1


def test_a_complaint_about_the_township_does_not_tell_the_township_who_complained():
    # given: 城关镇's key person; the county registers their complaint about 城关镇
    person = enter()
    township = unit(TOWNSHIP)
    # when
    petition = register(
        user("county-clerk"),
        problem_unit=township,
        complained_unit=township.pk,
        petitioners=[petitioner(name=KEY_NAME, id_number=KEY_ID, phone=KEY_PHONE)],
    )
    # then: the alarm is on the person's record, but nobody in 城关镇 (owners, office) is told
    assert KeyPersonHit.objects.filter(person=person, ref_id=petition.pk).exists()
    told = Notification.objects.filter(title__startswith="重点人员预警")
    assert not told.filter(recipient__unit__path__startswith=township.path).exists()


def test_under_24_hour_monitoring_a_movement_report_is_due_every_day():
    now = at(WEDNESDAY, 10)
    with simulated_now(now):
        person = enter()
        person = act(person, "start_monitoring", "clerk", monitor=user("handler").pk, note="两会期间专人稳控")
        [clock] = open_clocks(person)
        assert clock.amount == 24  # hours: a movement report every day
        person = act(person, "stop_monitoring", "clerk", note="两会结束")
        [clock] = open_clocks(person)
        assert clock.amount == 30 * 24


def test_a_visit_due_on_a_saturday_is_due_that_saturday():
    # given: Thursday 2027-03-11 10:00, a plan of a visit every 2 days (no holiday defers it)
    thursday = date(2027, 3, 11)
    with simulated_now(at(thursday, 10)):
        person = enter(contact_days=2)
        [clock] = open_clocks(person)
    assert clock.due_at == at(date(2027, 3, 13), 10)  # Saturday, not the Monday after


def test_the_complained_about_unit_reads_no_alarm_of_the_complaint_and_its_leader_is_not_told():
    from xinfang.keypersons import forms

    # given: 城关镇's key person complains at the county about 城关镇 and its leader 张分管
    person = enter()
    township = unit(TOWNSHIP)
    petition = register(
        user("county-clerk"),
        problem_unit=township,
        complained_unit=township.pk,
        complained_user=user("leader").pk,
        petitioners=[petitioner(name=KEY_NAME, id_number=KEY_ID, phone=KEY_PHONE)],
    )
    # then: the county reads the alarm; 城关镇's office and the owners read neither it nor a banner
    assert [h.ref_id for h in forms.person_record(person, user("county-clerk")).hits] == [petition.pk]
    for username in ("clerk", "leader", "handler"):
        record = forms.person_record(person, user(username))
        assert record.hits == []
        assert all(petition.number not in str(e.data) for e in record.events)
        assert key_notes(petition, user(username)) == []
    assert not Notification.objects.filter(
        title__startswith="重点人员预警", recipient__username__in=["clerk", "leader", "handler"]
    ).exists()


def test_another_areas_register_is_not_revealed_by_entering_the_same_id_number():
    from xinfang.accounts.services import user_create, user_set_roles

    enter()  # 城关镇 keeps 赵重点
    hexi_clerk = user_create(
        actor=None,
        username="hexi-clerk",
        full_name="河西乡接访员",
        unit=unit(HEXI),
        password="Demo@2026",
        must_change_password=False,
    )
    user_set_roles(actor=None, user=hexi_clerk, roles={"clerk"})
    hexi_leader = user_create(
        actor=None,
        username="hexi-leader",
        full_name="河西乡领导",
        unit=unit(HEXI),
        password="Demo@2026",
        must_change_password=False,
    )
    user_set_roles(actor=None, user=hexi_leader, roles={"leader"})
    # 河西乡 enters the same person: no 409 telling it that 城关镇 keeps him
    other = services.person_enter(
        actor=user("hexi-clerk"),
        name=KEY_NAME,
        id_number=KEY_ID,
        phone=KEY_PHONE,
        category="veteran",
        risk="yellow",
        matter="反映优抚待遇",
        plan="每月走访",
        contact_days=30,
        case_owner=user("hexi-leader").pk,
        stability_owner=user("hexi-clerk").pk,
    )
    assert other.unit == unit(HEXI)
    # an administrator (here one placed in 城关镇, within the clerk's scope) is no owner
    admin = user_create(
        actor=None,
        username="township-auditor",
        full_name="镇审计管理员",
        unit=unit(TOWNSHIP),
        password="Demo@2026",
        must_change_password=False,
    )
    user_set_roles(actor=None, user=admin, roles={"auditor"})
    with pytest.raises(ValidationFailed, match="稳控责任人"):
        enter(id_number=VALID_IDS[3], stability_owner=admin.pk)
