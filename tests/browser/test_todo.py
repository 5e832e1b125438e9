"""A leader's 待办 in a real browser: the village handler reports on one matter and asks for more
time on another; the township leader is told (the bell) and finds both on the home page, each
with its deadline, and opens the report from there."""

import re

import pytest

from tests.browser.helpers import act, open_petition, option_value, register_letter, session

pytestmark = pytest.mark.browser

VILLAGE = "东风村"


def _assigned_to_the_village(clerk, server_url, *, name: str, phone: str, subject: str) -> tuple[str, str]:
    url, number = register_letter(
        clerk, server_url, name=name, phone=phone, subject=subject, content=f"{subject}，请求核实处理。"
    )
    act(clerk, "accept")

    def assign(form):
        unit = form.locator("#assign-unit")
        unit.select_option(option_value(unit, VILLAGE))
        handler = form.locator("#assign-handler")
        handler.select_option(option_value(handler, VILLAGE))

    act(clerk, "assign", assign)
    return url, number


def test_a_leader_finds_a_waiting_report_and_extension_on_the_home_page(
    browser, server_url, login, screenshot
):
    contexts = []
    try:
        # given: two matters assigned to 东风村; its handler reports on one and asks to extend the other
        context, clerk = session(browser, login, server_url, "clerk")
        contexts.append(context)
        report_url, report_number = _assigned_to_the_village(
            clerk, server_url, name="卫待办", phone="13955550071", subject="反映村道路灯损坏"
        )
        extension_url, extension_number = _assigned_to_the_village(
            clerk, server_url, name="蒋待办", phone="13955550072", subject="反映灌溉水渠堵塞"
        )
        context, handler = session(browser, login, server_url, "village-handler")
        contexts.append(context)
        open_petition(handler, report_url)
        act(handler, "submit_report", lambda form: form.locator("#submit_report-report").fill("已更换路灯。"))
        open_petition(handler, extension_url)

        def extension(form):
            form.locator("#request_extension-days").fill("15")
            form.locator("#request_extension-reason").fill("需协调水利站清淤")

        act(handler, "request_extension", extension)

        # and: the handler's own list shows the matter still theirs, waiting for the extension
        handler.goto(f"{server_url}/")
        mine = handler.locator(
            "[data-testid=todo-group-assigned] [data-testid=todo-row]", has_text=extension_number
        )
        assert "已申请延期 15 日，待批准" in mine.inner_text()
        screenshot(handler, "todo-03-village-handler-home")

        # when: the township leader signs in
        context, leader = session(browser, login, server_url, "leader")
        contexts.append(context)

        # then: the bell counts the two messages, and the to-do list shows both, with deadlines
        assert int(leader.inner_text("[data-testid=inbox-badge]").strip() or 0) >= 2
        todo = leader.locator("[data-testid=todo]")
        todo.wait_for()
        reports = todo.locator("[data-testid=todo-group-reports]")
        extensions = todo.locator("[data-testid=todo-group-extensions]")
        report_row = reports.locator("[data-testid=todo-row]", has_text=report_number)
        extension_row = extensions.locator("[data-testid=todo-row]", has_text=extension_number)
        assert "东风村提交办结报告" in report_row.inner_text()
        assert "东风村申请延期 15 日" in extension_row.inner_text()
        for row in (report_row, extension_row):
            assert row.locator("[data-testid=deadline-light]").count() == 1
            assert re.search(r"\d{4}-\d{2}-\d{2}", row.locator(".todo-deadline").inner_text())
        # the to-do list comes before the dashboard, its rows on one line each
        todo_box = todo.bounding_box()
        assert todo_box is not None
        assert todo_box["y"] < leader.locator("[data-testid=dashboard]").bounding_box()["y"]
        row_box = report_row.bounding_box()
        assert row_box is not None
        assert row_box["height"] < 60, row_box
        todo.scroll_into_view_if_needed()
        screenshot(leader, "todo-01-leader-home")
        leader.locator("[data-testid=todo]").screenshot(path=str(_todo_png()))

        # when: the leader opens the report from the list
        report_row.locator("a", has_text=report_number).click()
        # then: the petition page offers the approval
        leader.locator("[data-testid=petition-timeline]").wait_for()
        assert leader.locator("[data-testid=open-approve_report]").count() == 1
    finally:
        for context in contexts:
            context.close()


def _todo_png():  # type: ignore[no-untyped-def]
    from tests.browser.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / "todo-02-leader-todo-card.png"
