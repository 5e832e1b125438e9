"""The Content-Security-Policy in a real browser: the pages that had inline scripts (the dashboard's
charts, the registration form, confirmations, the holiday year picker) work from static files and
the browser reports no violation."""

import pytest

from .helpers import TIMEOUT, session

pytestmark = pytest.mark.browser

WATCH = """() => {
  window.__csp = [];
  document.addEventListener("securitypolicyviolation", e =>
    window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sample || "")));
}"""


def _watch(page, errors):  # type: ignore[no-untyped-def]
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script(f"({WATCH})()")


def _violations(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.evaluate("window.__csp || []")


def test_dashboard_and_registration_form_run_under_the_policy(browser, server_url, login):
    errors: list[str] = []
    context, leader = session(browser, login, server_url, "leader")
    try:
        _watch(leader, errors)
        leader.goto(f"{server_url}/")
        leader.locator("[data-testid=dashboard]").wait_for()
        leader.wait_for_function(
            "() => document.querySelector('#chart-trend canvas, #chart-trend svg')", timeout=TIMEOUT
        )
        assert _violations(leader) == []
    finally:
        context.close()
    context, clerk = session(browser, login, server_url, "clerk")
    try:
        _watch(clerk, errors)
        clerk.goto(f"{server_url}/petitions/new/")
        visit_only = clerk.locator("[data-show=visit]").first
        assert visit_only.is_hidden()
        clerk.select_option("select[name=channel]", "visit")
        visit_only.wait_for(state="visible")
        clerk.goto(f"{server_url}/petitions/")  # htmx search
        clerk.locator("body").wait_for()
        assert _violations(clerk) == []
    finally:
        context.close()
    assert errors == []


def test_confirmations_and_the_year_picker_run_under_the_policy(browser, server_url, login):
    errors: list[str] = []
    context, admin = session(browser, login, server_url, "sysadmin")
    try:
        _watch(admin, errors)
        admin.goto(f"{server_url}/calendar/holidays/")
        year = admin.locator("select[name=year]")
        options = year.locator("option")
        other = next(
            options.nth(i).get_attribute("value")
            for i in range(options.count())
            if options.nth(i).get_attribute("selected") is None
        )
        with admin.expect_navigation():
            year.select_option(other)
        assert f"year={other}" in admin.url
        admin.goto(f"{server_url}/calendar/rules/")
        confirm = admin.locator("[data-confirm]").first
        if confirm.count():
            dialogs: list[str] = []
            admin.once("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            confirm.click()
            assert dialogs
            assert "确定" in dialogs[0]
        assert _violations(admin) == []
    finally:
        context.close()
    assert errors == []
