"""The leaders' dashboard, 挂牌督办 and the monthly bulletin in a real browser: the leader reads the
dashboard and follows its overdue figure to the register; the clerk assigns a petition to 东风村
and the leader lists it for supervision with 六定 and 五包; the village handler finds the
notification in the inbox and reports; the leader downloads this month's 信访工作通报."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.helpers import (
    TIMEOUT,
    act,
    docx_text,
    open_petition,
    option_value,
    register_letter,
    server_today,
    session,
)

pytestmark = pytest.mark.browser

TOWNSHIP = "城关镇"
VILLAGE = "东风村"
CHARTS = ("chart-trend", "chart-channels", "chart-categories")
REPORT_TEXT = "已由包案领导入户走访，补偿款已足额发放，信访人表示满意。"


def test_listed_supervision_notifies_the_village_which_answers(browser, server_url, login, screenshot):
    contexts = []
    try:
        # the clerk registers, accepts and assigns to 东风村 (handler: village-handler)
        context, clerk = session(browser, login, server_url, "clerk")
        contexts.append(context)
        petition_url, number = register_letter(
            clerk,
            server_url,
            name="严挂牌",
            phone="13955550041",
            subject="反映征地补偿款长期未兑付",
            content="本人承包地被征收两年，补偿款至今未兑付，多次反映无果。",
        )
        petition_path = urlparse(petition_url).path

        act(clerk, "accept")

        def assign(form):
            unit = form.locator("#assign-unit")
            unit.select_option(option_value(unit, VILLAGE))
            handler = form.locator("#assign-handler")
            handler.select_option(option_value(handler, VILLAGE))

        act(clerk, "assign", assign)
        # the clerk may not list: only leaders
        assert clerk.locator("[data-testid=open-list_supervision]").count() == 0, "接访员不应看到“挂牌督办”"

        # the leader lists it with 六定 and one 五包 item
        context, leader = session(browser, login, server_url, "leader")
        contexts.append(context)
        open_petition(leader, petition_url)
        time_limit = (server_today() + timedelta(days=7)).isoformat()

        def list_it(form):
            trigger = form.locator("#list_supervision-trigger")
            trigger.select_option(index=1)
            leaders = form.locator("#list_supervision-case_leader")
            leaders.select_option(option_value(leaders, "张分管"))
            unit = form.locator("#list_supervision-responsible_unit")
            unit.select_option(option_value(unit, VILLAGE, exact=True))
            people = form.locator("#list_supervision-responsible_person")
            people.select_option(option_value(people, f"{VILLAGE} · "))
            supervising = form.locator("#list_supervision-supervising_unit")
            supervising.select_option(option_value(supervising, TOWNSHIP, exact=True))
            supervisors = form.locator("#list_supervision-supervisor")
            supervisors.select_option(option_value(supervisors, "钱督办"))
            form.locator("#list_supervision-time_limit").fill(time_limit)
            form.locator("#list_supervision-packages-know_situation").check()
            form.locator("#list_supervision-note").fill("请包案领导一周内入户走访，落实补偿款兑付。")

        act(leader, "list_supervision", list_it)
        card = leader.locator("[data-testid=petition-supervisions]")
        assert card.count() == 1, "信访件页面没有督查督办卡片"
        card_text = card.inner_text()
        assert "挂牌督办" in card_text, card_text
        assert f"{TOWNSHIP} 督办 {VILLAGE}" in card_text, card_text
        assert time_limit in card_text, card_text
        assert "五包（1/5）" in card_text, card_text
        assert leader.locator("[data-testid=open-list_supervision]").count() == 0, "已挂牌仍显示“挂牌督办”"

        # the supervision list shows it on the 挂牌督办 tab
        leader.goto(f"{server_url}/supervision/?tab=listed")
        leader.locator("[data-testid=supervision-table]").wait_for()
        assert "active" in (leader.locator("[data-testid=tab-listed]").get_attribute("class") or "")
        row = leader.locator("[data-testid=supervision-row]", has_text=number)
        assert row.count() == 1, (
            f"挂牌督办列表中没有 {number}：{leader.inner_text('[data-testid=supervision-table]')}"
        )
        row_text = row.inner_text()
        assert "挂牌督办" in row_text, row_text
        assert VILLAGE in row_text, row_text
        assert "1/5" in row.locator("[data-testid=five-packages]").inner_text(), row_text
        screenshot(leader, "41-listed-supervision")

        # the village handler sees the unread badge and the notification
        context, village = session(browser, login, server_url, "village-handler")
        contexts.append(context)
        badge = village.locator("[data-testid=inbox-badge]")
        assert badge.is_visible(), "消息铃铛上没有未读数"
        unread = badge.inner_text().strip()
        assert unread == "99+" or int(unread) >= 1, f"未读数应至少为 1，实为“{unread}”"
        village.locator("[data-testid=inbox-link]").click()
        village.wait_for_url(f"{server_url}/notifications/")
        village.locator("[data-testid=notification-list]").wait_for()
        item = village.locator("[data-testid=notification]", has_text=f"挂牌督办：{number}")
        assert item.count() == 1, f"消息中没有“挂牌督办：{number}”：{village.inner_text('main')}"
        assert item.get_attribute("data-unread") == "1"
        assert time_limit in item.inner_text(), item.inner_text()
        screenshot(village, "42-handler-inbox")

        with village.expect_navigation(wait_until="domcontentloaded"):
            item.locator("[data-testid=notification-open]").click()
        village.locator("[data-testid=petition-timeline]").wait_for()
        assert urlparse(village.url).path == petition_path, f"消息应打开 {petition_path}，实为 {village.url}"

        act(
            village,
            "answer_supervision",
            lambda form: form.locator("#answer_supervision-report").fill(REPORT_TEXT),
        )
        card_text = village.inner_text("[data-testid=petition-supervisions]")
        assert REPORT_TEXT in card_text, card_text

        # the notification is read now
        village.goto(f"{server_url}/notifications/")
        item = village.locator("[data-testid=notification]", has_text=f"挂牌督办：{number}")
        assert item.get_attribute("data-unread") == "0", "打开后的消息仍为未读"
    finally:
        for context in contexts:
            context.close()


def test_leader_dashboard_charts_and_overdue_link(browser, server_url, login, screenshot):
    # runs after the listing test, so the charts have at least that petition to draw
    context, leader = session(browser, login, server_url, "leader")
    try:
        dashboard = leader.locator("[data-testid=dashboard]")
        dashboard.wait_for()
        assert TOWNSHIP in dashboard.locator("h2").first.inner_text()
        # the ECharts containers are drawn (ECharts renders into a canvas, or an svg)
        leader.wait_for_function(
            """ids => ids.every(id => {
                   const el = document.getElementById(id);
                   return el && el.querySelector('canvas, svg');
               })""",
            arg=list(CHARTS),
            timeout=TIMEOUT,
        )
        for chart in CHARTS:
            box = leader.locator(f"#{chart}").bounding_box()
            assert box is not None, f"图表 {chart} 不可见"
            assert min(box["width"], box["height"]) > 200, f"图表 {chart} 尺寸异常：{box}"
        screenshot(leader, "40-leader-dashboard")

        overdue = leader.locator("[data-testid=overdue]")
        href = overdue.get_attribute("href")
        assert href, "逾期数字没有链接"
        assert parse_qs(urlparse(href).query).get("light") == ["red"], f"逾期数字的链接应带 light=red：{href}"
        count = int(overdue.locator(".display-6").inner_text().strip())
        overdue.click()
        leader.wait_for_url(re.compile(r".*/petitions/.*[?&]light=red"))
        leader.locator("[data-testid=register-table]").wait_for()
        assert parse_qs(urlparse(leader.url).query).get("light") == ["red"], leader.url
        light = leader.locator("select[name=light]")
        assert light.input_value() == "red", f"登记簿的期限筛选应选中红灯，实为“{light.input_value()}”"
        rows = leader.locator("[data-testid=register-row]")
        if count == 0:
            assert rows.count() == 0, f"逾期数为 0，登记簿却有 {rows.count()} 行"
            assert "没有符合条件的信访件" in leader.inner_text("[data-testid=register-table]")
        else:
            assert rows.count() > 0, f"逾期数为 {count}，登记簿却没有行"
            for i in range(rows.count()):
                badge = rows.nth(i).locator("[data-testid=deadline-light]")
                assert badge.get_attribute("data-light") == "danger", rows.nth(i).inner_text()
    finally:
        context.close()


def test_monthly_bulletin_downloads_as_docx(browser, server_url, login):
    context, leader = session(browser, login, server_url, "leader")
    try:
        leader.goto(f"{server_url}/stats/")
        reports = leader.locator("[data-testid=reports]")
        reports.wait_for()
        heading = reports.locator("h2").inner_text()
        unit_name = re.search(r"（(.+)）", heading).group(1)
        month = server_today().strftime("%Y-%m")
        reports.locator("#bulletin-month").fill(month)
        reports.locator("#bulletin-format").select_option("docx")
        with leader.expect_download() as info:
            reports.locator("[data-testid=bulletin-submit]").click()
        download = info.value
        assert download.suggested_filename.endswith(".docx"), download.suggested_filename
        assert month in download.suggested_filename, download.suggested_filename
        text = docx_text(download.path())
        assert "信访工作通报" in text, text[:500]
        assert unit_name in text, f"通报中没有单位名“{unit_name}”：{text[:500]}"
        assert TOWNSHIP in text, text[:500]
    finally:
        context.close()
