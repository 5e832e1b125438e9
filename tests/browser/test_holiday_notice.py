"""The system administrator enters a whole year's holidays from the State Council's notice: pastes
it, reads the Chinese error for a mistyped weekday, previews the days, saves them at once; the
audit administrator then reads the calendar changes as text (issue 17).

The year is 2028 (an illustrative notice in the official sentence form), so that the other
browser tests, which find 2027 not yet entered, see the calendar they expect."""

import re

import pytest

from tests.browser.helpers import alerts, session

pytestmark = pytest.mark.browser

NOTICE_2028 = """国务院办公厅关于2028年部分节假日安排的通知
经国务院批准，现将2028年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦：1月1日（周六）至3日（周一）放假，共3天。
二、春节：1月25日（农历除夕、周二）至2月1日（农历正月初七、周二）放假调休，共8天。1月23日（周日）、2月5日（周六）上班。
三、清明节：4月2日（周日）至4日（周二）放假调休，共3天。4月1日（周六）上班。
四、劳动节：5月1日（周一）至5日（周五）放假调休，共5天。4月29日（周六）、5月6日（周六）上班。
五、端午节：5月27日（周六）至29日（周一）放假，共3天。
六、国庆节、中秋节：10月1日（周日）至8日（周日）放假调休，共8天。9月30日（周六）、10月14日（周六）上班。
节假日期间，各地区、各部门要妥善安排好值班和安全、保卫等工作。"""
HOLIDAYS, WORKDAYS = 30, 7


def test_sysadmin_pastes_the_notice_previews_and_saves_the_year(browser, login, server_url, screenshot):
    contexts = []
    try:
        context, admin = session(browser, login, server_url, "sysadmin")
        contexts.append(context)
        admin.goto(f"{server_url}/calendar/holidays/?year=2028")
        admin.click("[data-testid=open-holiday-import]")
        admin.wait_for_url(re.compile(r".*/calendar/holidays/import/\?year=2028$"))
        form = admin.locator("[data-testid=notice-form]")
        assert form.locator("input[name=year]").input_value() == "2028"

        # a weekday typed wrong: a Chinese error naming the place, nothing previewed
        form.locator("textarea[name=text]").fill(NOTICE_2028.replace("1月1日（周六）", "1月1日（周五）"))
        form.locator("[data-testid=notice-preview]").click()
        error = admin.locator("[data-testid=notice-error]")
        error.wait_for()
        assert "2028年1月1日是星期六，与通知所写“1月1日（周五）”不符" in error.inner_text()
        assert admin.locator("[data-testid=holiday-preview]").count() == 0

        # the notice as published: every day listed as 放假 or 上班 with its holiday
        form = admin.locator("[data-testid=notice-form]")
        form.locator("textarea[name=text]").fill(NOTICE_2028)
        form.locator("[data-testid=notice-preview]").click()
        preview = admin.locator("[data-testid=holiday-preview]")
        preview.wait_for()
        rows = preview.locator("[data-testid=preview-row]")
        assert rows.count() == HOLIDAYS + WORKDAYS
        first = rows.first.inner_text()
        for text in ("2028-01-01", "放假", "元旦"):
            assert text in first
        workday = preview.locator("[data-testid=preview-row]:has-text('2028-01-23')").inner_text()
        for text in ("上班", "春节", "星期日"):
            assert text in workday
        assert "国庆节、中秋节" in preview.inner_text()
        assert "与通知“共8天”一致" in preview.inner_text()
        screenshot(admin, "40-holiday-notice-preview")

        # saved at once; the year is marked complete
        with admin.expect_navigation():
            preview.locator("[data-testid=save-days]").click()
        assert admin.url.endswith("/calendar/holidays/?year=2028")
        success = admin.locator(".alert-success").first.inner_text()
        assert f"已保存 {HOLIDAYS + WORKDAYS} 天：新增 {HOLIDAYS + WORKDAYS} 天" in success, alerts(admin)
        assert admin.locator("[data-testid=calendar-row]").count() == HOLIDAYS + WORKDAYS
        assert admin.locator("[data-testid=year-warning]").count() == 0
        screenshot(admin, "41-holidays-2028-saved")

        # the audit administrator reads what changed, as text
        context, auditor = session(browser, login, server_url, "auditor")
        contexts.append(context)
        auditor.goto(f"{server_url}/audit/?event=301")
        details = auditor.locator("[data-testid=audit-details]").first.inner_text()
        assert "操作：" in details
        assert "{" not in details
        assert "系统管理员（sysadmin）" in auditor.inner_text("main")
        assert "批量来源：国务院通知文本" in auditor.inner_text("main")
        screenshot(auditor, "42-audit-calendar-changes")
    finally:
        for context in contexts:
            context.close()
