"""Routing a matter in a real browser, as a township office does it: 不再受理 refused on a ground
the original matter's facts do not bear out and granted on one they do; 转送 after 受理 to a
county department (a reason is required); a village's 提出异议 that returns a matter to the
office, which then transfers it; and a village handler who 认领s a matter assigned to the village
without a named handler."""

import re
from datetime import date

import pytest

from tests.browser.helpers import (
    act,
    alerts,
    docx_text,
    field_errors,
    open_petition,
    option_value,
    register_letter,
    server_today,
    session,
)

pytestmark = pytest.mark.browser

VILLAGE = "东风村"
VILLAGE_HANDLER = "陈村干部"  # the demo's `village-handler`
COUNTY_DEPARTMENT = "青山县自然资源局"
FINALISED = "已经复核终结，以同一事实和理由再次提出"
WINDOW_PASSED = "未在规定期限内申请复查或者复核"
TRANSFER_REASON = "经核实，所反映宅基地审批事项属于县自然资源部门职权，转送其依法处理。"
OBJECTION_REASON = "所反映宅基地审批事项不属于村委会职权，请镇里转送县自然资源局。"


# --- the page -----------------------------------------------------------------------------------


def _status(page) -> str:
    return page.locator("h1[data-testid=petition-subject] ~ span.badge").first.inner_text().strip()


def _form(page, action: str):
    """The action's form, opened unless it already is (a refused form comes back open, and a
    click on its button would fold it away)."""
    form = page.locator(f"form#action-{action}")
    if "show" not in (form.get_attribute("class") or "").split():
        opener = page.locator(f"[data-testid=open-{action}]")
        assert opener.count() == 1, f"没有“{action}”按钮；页面提示：{alerts(page)}"
        opener.click()
        page.locator(f"form#action-{action}.collapse.show").wait_for(state="visible")
    return page.locator(f"[data-testid=form-{action}]")


def _submit(page, action: str, fill) -> None:
    form = _form(page, action)
    fill(form)
    with page.expect_navigation(wait_until="domcontentloaded"):
        form.locator(f"[data-testid=submit-{action}]").click()


def _act(page, action: str, fill) -> None:
    """As `helpers.act`, also in a form the page left open."""
    _submit(page, action, fill)
    page.locator("[data-testid=petition-timeline]").wait_for()
    success = page.locator(".alert-success")
    assert success.count() == 1, (
        f"“{action}”未成功；{alerts(page)}；{field_errors(page.locator(f'[data-testid=form-{action}]'))}"
    )
    assert success.inner_text().strip().startswith("已"), alerts(page)


def _refused(page, action: str, fill) -> str:
    """Submits the action's form and checks that the page refused it: no success, an error
    summary; answers the error text."""
    _submit(page, action, fill)
    page.locator("[data-testid=petition-timeline]").wait_for()
    assert page.locator(".alert-success").count() == 0, f"“{action}”不应成功：{alerts(page)}"
    error = page.locator(".alert-danger")
    assert error.count() == 1, f"“{action}”被拒时应有一条错误提示：{alerts(page)}"
    return error.inner_text().strip()


def _event_text(page, action: str) -> str:
    event = page.locator(f"[data-testid=event-{action}]")
    assert event.count() == 1, f"时间轴上应有一条“{action}”，实有 {event.count()} 条"
    return event.inner_text()


def _download(page, event: str, kind: str) -> str:
    link = page.locator(f"[data-testid=event-{event}] [data-testid=download-{kind}]")
    assert link.count() == 1, f"时间轴“{event}”上应有一个“{kind}”下载链接，实有 {link.count()} 个"
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.endswith(".docx"), download.suggested_filename
    return docx_text(download.path())


def _register(
    page,
    url: str,
    *,
    name: str,
    subject: str,
    category: str,
    phone: str = "",
    id_number: str = "",
    repeat_of: str = "",
) -> tuple[str, str]:
    """Registers a letter; with `repeat_of`, the clerk links the earlier matter the repeat check
    offers (同一事项). Answers the page URL and number."""
    page.goto(f"{url}/petitions/new/")
    form = page.locator("#petition-form")
    form.wait_for()
    form.locator("select[name=channel]").select_option("letter")
    form.locator("input[name=petitioner_name]").fill(name)
    if id_number:
        form.locator("input[name=petitioner_id_number]").fill(id_number)
    if phone:
        form.locator("input[name=petitioner_phone]").fill(phone)
    form.locator("select[name=category]").select_option(category)
    form.locator("input[name=subject]").fill(subject)
    form.locator("textarea[name=content]").fill(f"{subject}，请求依法处理。")
    if repeat_of:
        candidate = page.locator("[data-testid=repeat-candidates] label", has_text=repeat_of)
        candidate.wait_for()
        candidate.click()
    form.locator("[data-testid=petition-submit]").click()
    page.wait_for_url(re.compile(r".*/petitions/\d+/$"))
    assert "登记成功" in page.inner_text(".alert-success"), alerts(page)
    if repeat_of:
        assert repeat_of in page.inner_text("[data-testid=repeat-of]")
    return page.url, page.inner_text("[data-testid=petition-number]").strip()


def _decline_fill(ground: str, original: str, note: str = ""):
    def fill(form):
        form.locator("#decline_again-ground").select_option(ground)
        form.locator("#decline_again-original").select_option(original)
        form.locator("#decline_again-note").fill(note)

    return fill


def _assign_fill(handler: str = ""):
    def fill(form):
        unit = form.locator("#assign-unit")
        unit.select_option(option_value(unit, VILLAGE))
        if handler:
            select = form.locator("#assign-handler")
            select.select_option(option_value(select, handler))

    return fill


def _transfer_fill(note: str):
    def fill(form):
        unit = form.locator("#transfer-unit")
        unit.select_option(option_value(unit, COUNTY_DEPARTMENT))
        form.locator("#transfer-note").fill(note)

    return fill


def _window_passed_matter(page, url: str) -> dict[str, str]:
    """A matter of the demo office answered in writing whose 30-day window for a review has run
    out, found as the office finds it: in the register (已办结), then on its page."""
    today = server_today()
    page.goto(f"{url}/petitions/?status=closed")
    rows = page.locator(
        "[data-testid=register-row]", has=page.locator(".badge", has_text=re.compile("^已办结$"))
    )
    found = [
        (rows.nth(i).locator("a").first.get_attribute("href"), rows.nth(i).locator("td").nth(4).inner_text())
        for i in range(min(rows.count(), 12))
    ]
    for href, category in found:
        open_petition(page, f"{url}{href}")
        info = page.inner_text("[data-testid=handling-info]")
        window = re.search(r"申请复查期限\s*(\d{4}-\d{2}-\d{2})", info)
        if window is None or date.fromisoformat(window.group(1)) >= today:
            continue
        person = page.locator("[data-testid=petitioners] li").first
        id_number = re.search(r"身份证号：(\w{18})", person.inner_text())
        if id_number is None:
            continue
        return {
            "url": page.url,
            "number": page.inner_text("[data-testid=petition-number]").strip(),
            "window": window.group(1),
            "name": person.locator("a").first.inner_text().strip(),
            "id_number": id_number.group(1),
            "category": category.strip(),
        }
    raise AssertionError(f"演示数据中没有复查申请期限已过的已办结事项（看了 {len(found)} 件）")


# --- 1. 不再受理 --------------------------------------------------------------------------------


def test_decline_again_is_refused_on_a_false_ground_and_granted_on_a_true_one(
    browser, login, demo_office_url, screenshot
):
    url = demo_office_url
    context, clerk = session(browser, lambda p, u: login(p, u, url=url), url, "clerk")
    try:
        # given: a matter accepted and never answered, and the same person's letter about it again
        original_url, original = _register(
            clerk, url, name="韦原件", phone="13955550081", category="0403", subject="反映宅基地审批久拖不决"
        )
        act(clerk, "accept")
        _register(
            clerk,
            url,
            name="韦原件",
            phone="13955550081",
            category="0403",
            subject="再次反映宅基地审批久拖不决",
            repeat_of=original,
        )
        choices = clerk.locator("#decline_again-original")
        label = choices.locator(f"option[value='{original}']").inner_text()
        assert "已受理" in label, label
        assert "答复送达" not in label, label

        # when: the clerk declines it as 已经复核终结 → refused, the original was never re-reviewed
        message = _refused(clerk, "decline_again", _decline_fill("finalised", original))
        # then
        assert "未经复核终结" in message, message
        assert original in message, message
        # the form is open again with what was chosen
        assert clerk.locator("#decline_again-ground option:checked").inner_text() == FINALISED
        assert _status(clerk) == "已登记"
        assert clerk.locator("[data-testid=event-decline_again]").count() == 0
        assert clerk.locator("[data-testid=download-decline_notice]").count() == 0
        screenshot(clerk, "routing-01-decline-refused-finalised")

        # when: … and as 未在规定期限内申请复查 → refused, it was never answered in writing
        message = _refused(clerk, "decline_again", _decline_fill("window_passed", original))
        # then
        assert "尚未书面答复" in message, message
        assert original in message, message
        assert _status(clerk) == "已登记"
        assert clerk.locator("[data-testid=event-decline_again]").count() == 0
        assert clerk.locator("[data-testid=download-decline_notice]").count() == 0
        screenshot(clerk, "routing-02-decline-refused-window")
        open_petition(clerk, original_url)
        assert _status(clerk) == "已受理"  # the original untouched

        # given: a matter answered in writing whose window for a review ran out
        answered = _window_passed_matter(clerk, url)
        # and: its petitioner writes again about the same matter
        _, again = _register(
            clerk,
            url,
            name=answered["name"],
            id_number=answered["id_number"],
            category=_category_code(clerk, url, answered["category"]),
            subject="再次反映同一问题，要求重新处理",
            repeat_of=answered["number"],
        )
        label = clerk.locator(f"#decline_again-original option[value='{answered['number']}']").inner_text()
        assert f"复查（复核）申请期限至 {answered['window']}" in label, label

        # when: the clerk declines it on that true ground
        note = "信访人收到处理意见后未在 30 日内申请复查，现以同一事实和理由再次提出。"
        act(clerk, "decline_again", _decline_fill("window_passed", answered["number"], note))

        # then: 不再受理, the original linked, a 不再受理告知单 naming the ground
        assert _status(clerk) == "不再受理", alerts(clerk)
        assert answered["number"] in clerk.inner_text("[data-testid=repeat-of]")
        assert WINDOW_PASSED in _event_text(clerk, "decline_again")
        assert clerk.locator("[data-testid=open-decline_again]").count() == 0
        screenshot(clerk, "routing-03-declined-again")
        notice = _download(clerk, "decline_again", "decline_notice")
        assert "不再受理告知单" in notice, notice
        assert WINDOW_PASSED in notice, notice
        assert again in notice, notice
        assert note in notice, notice
        assert answered["number"] in notice, (
            f"不再受理告知单应写明原信访事项编号 {answered['number']}：{notice}"
        )
        assert "届满" in notice, f"不再受理告知单应写明原信访事项的申请期限已届满：{notice}"
    finally:
        context.close()


def _category_code(page, url: str, name: str) -> str:
    """The code of the sub-category the register names `name` (the registration form's option)."""
    page.goto(f"{url}/petitions/new/")
    return option_value(page.locator("#petition-form select[name=category]"), name, exact=True)


# --- 2. 转送 ------------------------------------------------------------------------------------


def test_an_accepted_matter_is_transferred_to_a_county_department_only_with_a_reason(
    browser, login, server_url, screenshot
):
    context, clerk = session(browser, login, server_url, "clerk")
    try:
        # given: a letter registered and accepted by the township
        _, number = register_letter(
            clerk,
            server_url,
            name="邵转送",
            phone="13955550082",
            subject="反映宅基地审批手续办理不畅",
            content="申请宅基地建房，审批手续半年未办下来，请求处理。",
        )
        act(clerk, "accept")
        assert _status(clerk) == "已受理"

        # when: the clerk transfers it to a county department without a reason
        message = _refused(clerk, "transfer", _transfer_fill(""))
        # then: refused, on the reason's field too
        assert "须说明理由" in message, message
        assert "须说明理由" in field_errors(clerk.locator("[data-testid=form-transfer]"))
        assert _status(clerk) == "已受理"
        assert clerk.locator("[data-testid=event-transfer]").count() == 0
        screenshot(clerk, "routing-04-transfer-needs-reason")

        # when: with a reason (in the form the page opened again)
        _act(clerk, "transfer", _transfer_fill(TRANSFER_REASON))
        # then
        assert _status(clerk) == "已转送"
        assert COUNTY_DEPARTMENT in clerk.inner_text("[data-testid=handling-unit]")
        assert "转送至" in clerk.inner_text("[data-testid=handling-info]")
        event = _event_text(clerk, "transfer")
        assert COUNTY_DEPARTMENT in event, event
        assert TRANSFER_REASON in event, event
        assert clerk.locator("[data-testid=open-transfer]").count() == 0
        screenshot(clerk, "routing-05-transferred")
        notice = _download(clerk, "transfer", "transfer_notice")
        assert COUNTY_DEPARTMENT in notice, notice
        assert number in notice, notice
        assert TRANSFER_REASON in notice, notice
    finally:
        context.close()


def test_a_village_objects_and_the_office_transfers_the_matter_to_a_county_department(
    browser, login, server_url, screenshot
):
    contexts = []
    try:
        # given: a matter accepted and assigned to 东风村's handler
        context, clerk = session(browser, login, server_url, "clerk")
        contexts.append(context)
        url, number = register_letter(
            clerk,
            server_url,
            name="柏异议",
            phone="13955550083",
            subject="反映宅基地审批不予办理",
            content="申请宅基地审批，村里称不归其管，请求处理。",
        )
        act(clerk, "accept")
        act(clerk, "assign", _assign_fill(VILLAGE))
        assert _status(clerk) == "已交办"

        # when: the village handler objects
        context, handler = session(browser, login, server_url, "village-handler")
        contexts.append(context)
        open_petition(handler, url)
        _submit(handler, "object", lambda form: form.locator("#object-reason").fill(OBJECTION_REASON))

        # then: the matter is out of the village's hands; the handler is on their own home page
        assert handler.url == f"{server_url}/", handler.url
        assert "未找到" not in handler.title()
        success = handler.locator(".alert-success")
        assert success.count() == 1, alerts(handler)
        assert success.inner_text().strip().startswith("已"), alerts(handler)
        assert number in success.inner_text(), alerts(handler)
        handler.locator("[data-testid=todo]").wait_for()
        assert number not in handler.inner_text("[data-testid=todo]")
        screenshot(handler, "routing-06-objected-handler-home")

        # and: the office finds it back in its queue, accepted, returned by the village
        clerk.goto(f"{server_url}/")
        row = clerk.locator("[data-testid=todo-group-route] [data-testid=todo-row]", has_text=number)
        assert "异议退回" in row.inner_text()
        row.locator("a", has_text=number).click()
        clerk.locator("[data-testid=petition-timeline]").wait_for()
        assert _status(clerk) == "已受理"
        objection = _event_text(clerk, "object")
        assert f"{VILLAGE} 退回" in objection, objection
        assert OBJECTION_REASON in objection, objection
        assert clerk.locator("[data-testid=handling-unit]").count() == 0

        # when: the office transfers it to the county department with a reason
        act(clerk, "transfer", _transfer_fill(TRANSFER_REASON))
        # then
        assert _status(clerk) == "已转送"
        assert COUNTY_DEPARTMENT in clerk.inner_text("[data-testid=handling-unit]")
        screenshot(clerk, "routing-07-objected-then-transferred")
    finally:
        for context in contexts:
            context.close()


# --- 3. 认领 ------------------------------------------------------------------------------------


def test_a_village_handler_claims_a_matter_assigned_to_the_village_without_a_handler(
    browser, login, server_url, screenshot
):
    contexts = []
    try:
        # given: a matter assigned to 东风村 with no handler named
        context, clerk = session(browser, login, server_url, "clerk")
        contexts.append(context)
        url, number = register_letter(
            clerk,
            server_url,
            name="庞认领",
            phone="13955550084",
            subject="反映宅基地界址纠纷",
            content="与邻居宅基地界址有争议，请求村里调处。",
        )
        act(clerk, "accept")
        act(clerk, "assign", _assign_fill())
        assert _status(clerk) == "已交办"
        assert "承办人" not in clerk.inner_text("[data-testid=handling-unit]")

        # when: the village handler signs in
        context, handler = session(browser, login, server_url, "village-handler")
        contexts.append(context)
        # then: the matter waits in their queue to be claimed
        row = handler.locator("[data-testid=todo-group-claim] [data-testid=todo-row]", has_text=number)
        assert "未指定承办人，可认领" in row.inner_text()
        row.scroll_into_view_if_needed()
        screenshot(handler, "routing-08-claim-queue")

        # when: they open it and claim it
        row.locator("a", has_text=number).click()
        handler.locator("[data-testid=petition-timeline]").wait_for()
        assert handler.url == url
        assert handler.inner_text("[data-testid=open-claim]").strip() == "认领"
        act(handler, "claim")

        # then: they are its handler, and there is nothing left to claim
        assert f"承办人 {VILLAGE_HANDLER}" in handler.inner_text("[data-testid=handling-unit]")
        assert handler.locator("[data-testid=open-claim]").count() == 0
        assert handler.locator("[data-testid=open-submit_report]").count() == 1
        screenshot(handler, "routing-09-claimed")
        handler.goto(f"{server_url}/")
        todo = handler.locator("[data-testid=todo]")
        todo.wait_for()
        assert todo.locator("[data-testid=todo-group-claim]", has_text=number).count() == 0
        assert (
            todo.locator("[data-testid=todo-group-assigned] [data-testid=todo-row]", has_text=number).count()
            == 1
        )
    finally:
        for context in contexts:
            context.close()
