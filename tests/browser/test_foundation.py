import re

import pytest

pytestmark = pytest.mark.browser


def test_login_page_and_home_page_render_in_chinese(page, server_url, login, screenshot):
    # given
    page.goto(f"{server_url}/accounts/login/")
    assert page.title() == "登录 · 信访维稳工作平台"
    screenshot(page, "01-login")
    # when
    login(page, "leader")
    # then
    page.wait_for_url(f"{server_url}/")
    assert "您好，张分管" in page.inner_text("main")
    assert "城关镇" in page.inner_text("[data-testid=current-user]")
    screenshot(page, "02-home-leader")


def test_wrong_password_shows_chinese_error(page, server_url, login):
    login(page, "handler", "wrong-Password1")
    assert "用户名或密码错误。" in page.inner_text("[data-testid=form-error]")


def test_lockout_after_five_failures_in_the_browser(page, server_url, login, screenshot):
    for _ in range(5):
        login(page, "informant", "wrong-Password1")
    login(page, "informant")
    assert "账号已锁定" in page.inner_text("[data-testid=form-error]")
    screenshot(page, "03-locked")


def test_deadline_calculator_across_national_day(page, server_url, login, screenshot):
    # given
    login(page, "clerk")
    page.wait_for_url(f"{server_url}/")
    page.click("text=期限计算器")
    # when: 15 calendar days from 2026-09-24 end on 10-09 (a working day after the holiday)
    page.fill("input[name=start_date]", "2026-09-24")
    page.fill("input[name=amount]", "15")
    page.select_option("select[name=unit]", "calendar_days")
    page.click("button:has-text('计算')")
    # then
    result = page.locator("[data-testid=deadline-result]")
    result.wait_for()
    assert "2026-10-09" in result.inner_text()
    screenshot(page, "04-calculator")


def test_auditor_sees_the_logins_in_the_audit_log(page, server_url, login, screenshot):
    login(page, "auditor")
    page.wait_for_url(f"{server_url}/")
    page.click("text=审计日志")
    page.wait_for_url(re.compile(r".*/audit/$"))
    body = page.inner_text("main")
    assert "登录" in body
    assert "auditor" in body
    screenshot(page, "05-audit-log")


def test_logout_returns_to_login(page, server_url, login):
    login(page, "duty")
    page.wait_for_url(f"{server_url}/")
    page.click("button:has-text('退出')")
    page.wait_for_url(re.compile(r".*/accounts/login/"))
    assert "您已安全退出" in page.inner_text("body")


def test_sysadmin_enters_next_years_holiday_and_sees_missing_year_warning(
    page, server_url, login, screenshot
):
    # given: 2027 has no official schedule yet
    login(page, "sysadmin")
    page.wait_for_url(f"{server_url}/")
    page.goto(f"{server_url}/calendar/holidays/?year=2027")
    assert "2027 年的节假日安排尚未录入" in page.inner_text("[data-testid=year-warning]")
    # when: New Year's Day is entered
    form = page.locator("#day-form")
    form.locator("input[name=date]").fill("2027-01-01")
    form.locator("select[name=kind]").select_option("holiday")
    form.locator("input[name=name]").fill("元旦")
    form.locator("button:has-text('保存')").click()
    # then
    page.wait_for_selector("[data-testid=calendar-row]:has-text('元旦')")
    screenshot(page, "06-holidays-2027")
