"""A new user's first day on the demo office of `make run`: queues and charts with work in them,
no calendar banner for the business users, and the 使用指引 of their role one click from home."""

import re

import pytest

from tests.browser.helpers import session

pytestmark = pytest.mark.browser


def _login(login, demo_office_url):
    return lambda page, username: login(page, username, url=demo_office_url)


def test_the_front_desk_starts_with_a_queue_and_its_guide(browser, login, demo_office_url, screenshot):
    # given: the demo office as `make run` loads it
    context, page = session(browser, _login(login, demo_office_url), demo_office_url, "clerk")
    # then: the clerk's queue has matters, some overdue, and no banner about the calendar
    assert page.locator("[data-testid=queue-row]").count() >= 10
    assert page.locator("[data-testid=calendar-warning]").count() == 0
    assert page.locator("[data-testid=work-queue] [data-light=danger]").count() >= 1
    screenshot(page, "first-day-01-home-clerk")
    # when: the guide is opened from the home page
    page.click("[data-testid=guide-link]")
    # then
    page.wait_for_url(f"{demo_office_url}/guide/")
    assert "接访员使用指引" in page.inner_text("h1")
    assert page.locator("[data-testid=guide-start]").count() >= 4
    screenshot(page, "first-day-02-guide-clerk")
    # and: its first start leads to the queue
    page.locator("[data-testid=guide-start]").first.click()
    page.wait_for_url(f"{demo_office_url}/")
    context.close()


def test_the_leader_starts_with_a_dashboard_with_figures(browser, login, demo_office_url, screenshot):
    context, page = session(browser, _login(login, demo_office_url), demo_office_url, "leader")
    open_total = int(re.sub(r"\D", "", page.inner_text("[data-testid=open-total] .display-6")))
    assert open_total >= 50
    page.locator("#chart-trend canvas").first.wait_for()
    screenshot(page, "first-day-03-home-leader")
    page.goto(f"{demo_office_url}/guide/")
    assert "分管领导使用指引" in page.inner_text("h1")
    screenshot(page, "first-day-04-guide-leader")
    context.close()


def test_the_village_handler_has_matters_to_handle(browser, login, demo_office_url, screenshot):
    context, page = session(browser, _login(login, demo_office_url), demo_office_url, "village-handler")
    assert page.locator("[data-testid=queue-row]").count() >= 5
    screenshot(page, "first-day-05-home-village-handler")
    context.close()
