"""Deadline rules (期限规则设置): internal targets per unit type, never longer than the law."""

import pytest
from django.db.models import QuerySet
from django.test import Client
from django.urls import reverse

from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.core.exceptions import ValidationFailed
from xinfang.deadlines.models import DeadlineRuleSetting
from xinfang.deadlines.rules import RULES
from xinfang.deadlines.selectors import rule_for, rule_table
from xinfang.deadlines.services import rule_setting_clear, rule_setting_save
from xinfang.demo.services import demo_load

pytestmark = pytest.mark.django_db

RULES_URL = reverse("deadlines:rules")
SAVE_URL = reverse("deadlines:rule_save")
CLEAR_URL = reverse("deadlines:rule_clear")


@pytest.fixture
def no_settings(demo):
    """The demo's own targets removed, so each test starts from the law."""
    DeadlineRuleSetting.objects.all().delete()


@pytest.fixture
def new_entries(demo):
    """The DEADLINE_RULE_CHANGED entries written after the demo was loaded (the log is append-only)."""
    baseline = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return lambda: _entries().filter(id__gt=baseline)


@pytest.fixture
def sysadmin_client(client, sysadmin):
    client.force_login(sysadmin)
    return client


def _entries() -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(event=AuditEvent.DEADLINE_RULE_CHANGED).order_by("id")


def _settings() -> set[tuple[str, str, int, str]]:
    return set(DeadlineRuleSetting.objects.values_list("unit_type", "rule", "amount", "unit"))


# --- precedence -------------------------------------------------------------------------------


def test_without_settings_the_law_applies(no_settings):
    # when
    spec = rule_for("handling", "hospital")

    # then
    assert (spec.amount, spec.unit, spec.source, spec.source_label) == (
        60,
        "calendar_days",
        "law",
        "法定时限",
    )
    assert spec.label == "办理期限"
    assert spec.text == "60 个自然日"


def test_installation_setting_overrides_the_law(no_settings, sysadmin):
    # given
    rule_setting_save(actor=sysadmin, unit_type="", rule="handling", amount=30, unit="calendar_days")

    # when
    spec = rule_for("handling", "township")

    # then
    assert (spec.amount, spec.unit, spec.source, spec.source_label) == (
        30,
        "calendar_days",
        "installation",
        "本系统默认",
    )


def test_unit_type_setting_overrides_the_installation_setting(no_settings, sysadmin):
    # given
    rule_setting_save(actor=sysadmin, unit_type="", rule="handling", amount=30, unit="calendar_days")
    rule_setting_save(actor=sysadmin, unit_type="hospital", rule="handling", amount=7, unit="working_days")

    # when
    hospital = rule_for("handling", "hospital")
    street = rule_for("handling", "street")
    important = rule_for("handling_important", "hospital")

    # then
    assert (hospital.amount, hospital.unit, hospital.source) == (7, "working_days", "unit_type")
    assert hospital.source_label == "医院内部时限"
    assert (street.amount, street.source) == (30, "installation")
    assert (important.amount, important.source) == (60, "law")


def test_rule_for_is_one_query_and_none_for_fixed_rules(no_settings, django_assert_num_queries):
    # then
    with django_assert_num_queries(1):
        rule_for("acceptance", "hospital")
    with django_assert_num_queries(0):
        spec = rule_for("review_window", "hospital")
    assert spec.source == "law"


def test_rule_for_ignores_a_row_of_a_fixed_rule_written_outside_the_services(no_settings, sysadmin):
    # given
    DeadlineRuleSetting.objects.create(
        unit_type="", rule="review_window", amount=10, unit="calendar_days", updated_by=sysadmin,
        updated_at="2026-01-01T00:00:00+08:00",
    )  # fmt: skip

    # then
    assert rule_for("review_window", "hospital").amount == 30


def test_rule_for_refuses_an_unknown_rule(no_settings):
    # then
    with pytest.raises(KeyError):
        rule_for("nonsense", "")


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("review_window", "申请复查期限是信访人的法定权利，不能修改。"),
        ("rereview_window", "申请复核期限是信访人的法定权利，不能修改。"),
        ("objection", "转送异议期限由规定统一确定，不能修改。"),
    ],
)
def test_fixed_rules_refuse_settings(no_settings, new_entries, sysadmin, rule, message):
    # when
    with pytest.raises(ValidationFailed) as caught:
        rule_setting_save(actor=sysadmin, unit_type="", rule=rule, amount=10, unit="calendar_days")

    # then
    assert caught.value.message == message
    assert caught.value.extra == {"rule": message}
    assert _settings() == set()
    assert list(new_entries()) == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"rule": "nonsense"}, "rule", "请选择有效的期限规则。"),
        ({"unit_type": "planet"}, "unit_type", "请选择有效的单位类型。"),
        ({"amount": 0}, "amount", "时限须为 1 到 365 之间的整数。"),
        ({"amount": 366}, "amount", "时限须为 1 到 365 之间的整数。"),
        ({"amount": "7"}, "amount", "时限须为 1 到 365 之间的整数。"),
        ({"amount": True}, "amount", "时限须为 1 到 365 之间的整数。"),
        ({"unit": "hours"}, "unit", "单位须为自然日或工作日。"),
        ({"amount": 61, "unit": "calendar_days"}, "amount", "内部时限不能长于法定时限（60 个自然日）。"),
        (
            {"amount": 43, "unit": "working_days"},
            "amount",
            "内部时限不能长于法定时限（60 个自然日，约合 42 个工作日）。",
        ),
    ],
)
def test_bad_settings_are_refused_with_chinese_messages(
    no_settings, new_entries, sysadmin, changes, field, message
):
    # given
    data = {"unit_type": "hospital", "rule": "handling", "amount": 7, "unit": "working_days", **changes}

    # when
    with pytest.raises(ValidationFailed) as caught:
        rule_setting_save(actor=sysadmin, **data)

    # then
    assert caught.value.extra == {field: message}
    assert caught.value.message == message
    assert _settings() == set()
    assert list(new_entries()) == []


def test_as_long_as_the_law_is_allowed(no_settings, sysadmin):
    # when
    rule_setting_save(actor=sysadmin, unit_type="", rule="handling", amount=42, unit="working_days")
    rule_setting_save(actor=sysadmin, unit_type="street", rule="acceptance", amount=15, unit="calendar_days")

    # then
    assert _settings() == {
        ("", "handling", 42, "working_days"),
        ("street", "acceptance", 15, "calendar_days"),
    }


def test_several_errors_are_reported_per_field(no_settings, sysadmin):
    # when
    with pytest.raises(ValidationFailed) as caught:
        rule_setting_save(actor=sysadmin, unit_type="planet", rule="handling", amount=0, unit="hours")

    # then
    assert caught.value.message == "期限规则设置有误，请修改后再提交。"
    assert set(caught.value.extra) == {"unit_type", "amount", "unit"}


# --- audit ------------------------------------------------------------------------------------


def test_save_change_and_clear_are_audited_with_old_and_new(no_settings, new_entries, sysadmin):
    # when
    rule_setting_save(actor=sysadmin, unit_type="hospital", rule="handling", amount=7, unit="working_days")
    rule_setting_save(
        actor=sysadmin, unit_type="hospital", rule="handling", amount=5, unit="working_days", note="从严"
    )
    rule_setting_clear(actor=sysadmin, unit_type="hospital", rule="handling")

    # then
    created, changed, cleared = list(new_entries())
    assert created.actor == sysadmin
    assert created.extra_data["action"] == "save"
    assert created.extra_data["old"] is None
    assert created.extra_data["new"] == {"amount": 7, "unit": "working_days", "note": ""}
    assert created.target_label == "医院 办理期限 7 个工作日"
    assert changed.extra_data["old"] == {"amount": 7, "unit": "working_days", "note": ""}
    assert changed.extra_data["new"] == {"amount": 5, "unit": "working_days", "note": "从严"}
    assert cleared.extra_data["action"] == "clear"
    assert cleared.extra_data["old"] == {"amount": 5, "unit": "working_days", "note": "从严"}
    assert cleared.extra_data["new"] is None
    assert _settings() == set()
    assert rule_for("handling", "hospital").source == "law"


def test_saving_the_same_values_again_writes_nothing(no_settings, new_entries, sysadmin):
    # given
    rule_setting_save(actor=sysadmin, unit_type="", rule="transfer", amount=10, unit="calendar_days")

    # when
    rule_setting_save(actor=sysadmin, unit_type="", rule="transfer", amount=10, unit="calendar_days")

    # then
    assert len(list(new_entries())) == 1


def test_clearing_a_missing_setting_is_refused(no_settings, new_entries, sysadmin):
    # when
    with pytest.raises(ValidationFailed, match="无需恢复"):
        rule_setting_clear(actor=sysadmin, unit_type="", rule="handling")

    # then
    assert list(new_entries()) == []


# --- the table --------------------------------------------------------------------------------


def test_rule_table_has_a_column_per_unit_type_in_use_in_one_query(demo, django_assert_num_queries):
    # when
    with django_assert_num_queries(1):
        table = rule_table()

    # then
    assert table.columns == [("", "全部单位类型"), ("street", "街道"), ("hospital", "医院")]
    handling = next(row for row in table.rows if row.definition.code == "handling")
    assert [cell and cell.text for cell in handling.overrides] == [None, "7 个工作日", "7 个工作日"]
    assert len(table.rows) == len(RULES)
    assert table.override_count == 3


# --- the page ---------------------------------------------------------------------------------


def test_rule_page_is_refused_to_a_clerk(client, clerk):
    # given
    client.force_login(clerk)

    # then
    assert client.get(RULES_URL).status_code == 403
    response = client.post(
        SAVE_URL, {"unit_type": "", "rule": "handling", "amount": "7", "unit": "working_days"}
    )
    assert response.status_code == 403
    assert not DeadlineRuleSetting.objects.filter(unit_type="").exists()


def test_rule_page_sends_anonymous_users_to_login(client, demo):
    # when
    response = client.get(RULES_URL)

    # then
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_rule_page_shows_the_law_and_the_settings(sysadmin_client):
    # when
    response = sysadmin_client.get(RULES_URL)

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert "不能长于法定时限" in page
    assert page.count('data-testid="rule-row"') == len(RULES)
    assert page.count('data-testid="rule-override"') == 3
    assert "60 个自然日" in page
    assert "15 个工作日" in page
    assert "法定时限，不能修改" in page
    assert "恢复法定时限" in page
    assert '<option value="review_window"' not in page


def test_edit_link_fills_the_form(sysadmin_client):
    # when
    response = sysadmin_client.get(RULES_URL, {"unit_type": "hospital", "rule": "handling_important"})

    # then
    page = response.content.decode()
    assert '<option value="hospital" selected>' in page
    assert '<option value="handling_important" selected>' in page
    assert 'value="15"' in page


def test_posting_a_setting_saves_it_and_returns_to_the_page(sysadmin_client, sysadmin):
    # when
    response = sysadmin_client.post(
        SAVE_URL,
        {"unit_type": "", "rule": "acceptance", "amount": "10", "unit": "calendar_days", "note": "从严"},
    )

    # then
    assert response.status_code == 302
    assert response["Location"] == RULES_URL
    spec = rule_for("acceptance", "township")
    assert (spec.amount, spec.source) == (10, "installation")
    entry = AuditEntry.objects.filter(event=AuditEvent.DEADLINE_RULE_CHANGED).latest("id")
    assert entry.actor == sysadmin
    assert entry.ip == "127.0.0.1"
    page = sysadmin_client.get(RULES_URL).content.decode()
    assert "已保存：全部单位类型 受理期限 10 个自然日" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"rule": "handling", "amount": "43", "unit": "working_days"},
            "内部时限不能长于法定时限（60 个自然日，约合 42 个工作日）。",
        ),
        ({"rule": "handling", "amount": "0", "unit": "working_days"}, "时限须为 1 到 365 之间的整数。"),
        ({"rule": "handling", "amount": "", "unit": "working_days"}, "请填写内部时限。"),
        ({"rule": "review_window", "amount": "10", "unit": "calendar_days"}, "请选择有效的期限规则。"),
    ],
)
def test_bad_post_shows_the_error_at_its_field_and_writes_nothing(sysadmin_client, data, message):
    # given
    before = _settings()
    entries_before = _entries().count()

    # when
    response = sysadmin_client.post(SAVE_URL, {"unit_type": "hospital", **data})

    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert f'<div class="text-danger small" data-testid="field-error">{message}</div>' in page
    assert _settings() == before
    assert _entries().count() == entries_before


def test_restoring_the_law_removes_the_setting(sysadmin_client):
    # when
    response = sysadmin_client.post(CLEAR_URL, {"unit_type": "hospital", "rule": "handling"}, follow=True)

    # then
    assert not DeadlineRuleSetting.objects.filter(unit_type="hospital", rule="handling").exists()
    assert rule_for("handling", "hospital").source == "law"
    assert "已删除医院的办理期限设置，现按法定时限 60 个自然日计算。" in response.content.decode()
    assert _entries().last().extra_data["action"] == "clear"


def test_rule_forms_require_a_csrf_token(sysadmin):
    # given
    client = Client(enforce_csrf_checks=True)
    client.force_login(sysadmin)

    # when
    response = client.post(CLEAR_URL, {"unit_type": "hospital", "rule": "handling"})

    # then
    assert response.status_code == 403
    assert DeadlineRuleSetting.objects.filter(unit_type="hospital", rule="handling").exists()


def test_rules_api_lists_the_law_and_the_settings(api_client, clerk):
    # when
    response = api_client(clerk).get("/api/v1/calendar/rules")

    # then
    assert response.status_code == 200
    handling = next(row for row in response.json() if row["rule"] == "handling")
    assert (handling["law_amount"], handling["law_unit"]) == (60, "calendar_days")
    assert {(o["unit_type"], o["amount"], o["unit"]) for o in handling["overrides"]} == {
        ("hospital", 7, "working_days"),
        ("street", 7, "working_days"),
    }


# --- demo data --------------------------------------------------------------------------------


def test_demo_load_sets_the_demo_targets_once(demo, sysadmin):
    # when
    demo_load()

    # then
    assert _settings() == {
        ("hospital", "handling", 7, "working_days"),
        ("hospital", "handling_important", 15, "working_days"),
        ("street", "handling", 7, "working_days"),
    }
    assert set(DeadlineRuleSetting.objects.values_list("updated_by", flat=True)) == {sysadmin.pk}
    assert _entries().count() == 3
    assert rule_for("handling", "hospital").source_label == "医院内部时限"
    assert rule_for("handling", "street").text == "7 个工作日"


def test_demo_load_keeps_an_administrator_s_later_change(demo, sysadmin):
    # given
    rule_setting_save(actor=sysadmin, unit_type="hospital", rule="handling", amount=5, unit="working_days")

    # when
    demo_load()

    # then
    assert rule_for("handling", "hospital").amount == 5
