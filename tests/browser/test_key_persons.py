"""Key persons (重点人员) in a real browser, as 城关镇 keeps its register.

城关镇's front desk (王接访) enters a veteran (涉军群体（参战退役军人）) on the register: a valid
18-digit ID number (GB 11643 check digit), a phone, risk 橙色, his matter and the plan (一人一策:
the measures, a visit every 30 days, the assistance), 张分管 as 包案责任人 and 李承办 as 稳控责任人,
城关镇 the responsible unit. A contact visit (走访) is recorded on his page, dated five days ago:
the next visit is due in 25 days.

八一 is coming: 王接访 sets a 二级 sensitive period for 城关镇 covering today whose themes include the
veterans. The deadline sweep's key-person scan moves the visit clock to three days after the last
visit, so the visit is overdue at once: red on the person's page and in the register. The sweep's
next run (cron runs it every minute; its flagging pass comes before the scans) tells the owners:
张分管 and 李承办 each find one 重点人员走访逾期, and running it again tells nobody twice.

The veteran writes a letter: 王接访 registers it with his ID number, and by the time the page has
come back both owners have 重点人员预警 in their inbox and the petition's page carries the
key-person banner. 陈村干部, a village handler who owns nothing of him, sees nothing of the plan: his
page answers 404, the register is empty, and no page he can open carries the plan's text.

Screenshots: the register as the office sees it (names, ID numbers and phones masked) and the
person's page.

Time: nothing depends on the time of day. The visit clock counts calendar days and a last day
that is a holiday or rest day moves to the next working day, so the test asks the platform's own
deadline calculator (/calendar/) for a visit day whose raised (3-day) clock has run out before
today: five days ago, or earlier only when a long holiday would push it past today. It asserts
"overdue", never an exact due date."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.browser.helpers import alerts, field_errors, option_value, session
from xinfang.petitions.validators import id_number_check_char

pytestmark = pytest.mark.browser

TZ = ZoneInfo("Asia/Shanghai")
TOWNSHIP = "城关镇"
VETERAN = "涉军群体（参战退役军人）"
NAME = "周卫国"
MASKED_NAME = "周*国"
ID_FIRST17 = "34112219580801031"
ID_NUMBER = ID_FIRST17 + id_number_check_char(ID_FIRST17)
MASKED_ID = ID_NUMBER[:6] + "*" * 8 + ID_NUMBER[-4:]
PHONE = "13905517788"
MASKED_PHONE = "139****7788"
MATTER = "反映参战退役军人优抚待遇未按新标准落实，要求补发差额"
PLAN = "镇退役军人服务站站长每月上门走访，逐项核对优抚待遇发放情况；县退役军人事务局来镇当面解释政策"
ASSISTANCE = "临时救助2000元，协调医疗救助"
CONTACT_DAYS = 30
RAISED_DAYS = 3  # a 二级 period whose themes include the person's category: every 3 days
PERIOD_NAME = "八一建军节"
VISIT_STATE = "情绪基本平稳，对补发差额的进度仍有疑虑"


# --- small helpers --------------------------------------------------------------------------------


def submit(page, button) -> None:
    with page.expect_navigation(wait_until="domcontentloaded"):
        button.click()


def succeeded(page, what: str) -> str:
    success = page.locator(".alert-success")
    assert success.count() == 1, f"“{what}”未成功；页面提示：{alerts(page)}；字段提示：{field_errors(page)}"
    return success.inner_text().strip()


def open_form(page, name: str):
    """Opens the collapsed step form `name` and returns it once Bootstrap has finished opening it."""
    opener = page.locator(f"[data-testid=open-{name}]")
    assert opener.count() == 1, f"没有“{name}”按钮；页面提示：{alerts(page)}"
    opener.click()
    page.locator(f"form#action-{name}.collapse.show").wait_for(state="visible")
    return page.locator(f"[data-testid=form-{name}]")


def step(page, name: str, fill=None) -> str:
    """Opens a step's form on the person's page, fills it, submits it and checks the success flash."""
    form = open_form(page, name)
    if fill is not None:
        fill(form)
    submit(page, form.locator(f"[data-testid=submit-{name}]"))
    page.locator("[data-testid=timeline]").wait_for()
    return succeeded(page, name)


def choose(select, text: str, *, exact: bool = False) -> None:
    select.select_option(option_value(select, text, exact=exact))


def notifications(page, server_url: str, text: str):
    page.goto(f"{server_url}/notifications/")
    page.locator("h1", has_text="消息通知").wait_for()
    return page.locator("[data-testid=notification]", has_text=text)


def inbox(page) -> str:
    items = page.locator("[data-testid=notification]")
    return " | ".join(t.strip().replace("\n", " ") for t in items.all_inner_texts()) or "（无消息）"


def due_on_server_calendar(page, server_url: str, start: date, days: int) -> date:
    """The due day of `days` calendar days from `start`, by the platform's own calculator (a last
    day that is a holiday or rest day moves to the next working day)."""
    page.goto(f"{server_url}/calendar/?start_date={start.isoformat()}&amount={days}&unit=calendar_days")
    due = page.locator("[data-testid=due]")
    assert due.count() == 1, f"期限计算器没有给出届满日：{alerts(page)}"
    return date.fromisoformat(due.inner_text().strip())


def visit_day(page, server_url: str, today: date) -> date:
    """Five days ago, unless a long holiday moves its 3-day clock's last day to today or later:
    then the latest earlier day whose raised clock has run out before today."""
    for days_ago in range(5, 21):
        day = today - timedelta(days=days_ago)
        if due_on_server_calendar(page, server_url, day, RAISED_DAYS) < today:
            return day
    raise AssertionError("找不到一个加密后（每3天）走访期限已在今天之前届满的走访日")


def next_visit(page) -> str:
    return page.inner_text("[data-testid=next-visit]").strip()


def person_row(page, server_url: str, query: str = ""):
    page.goto(f"{server_url}/key-persons/{query}")
    page.locator("[data-testid=filters]").wait_for()
    return page.locator("[data-testid=person-row]", has_text=MASKED_NAME)


# --- the walk -------------------------------------------------------------------------------------


def test_a_veteran_entered_visited_raised_by_a_sensitive_period_and_alarmed_on_a_letter(
    browser, server_url, login, screenshot, manage
):
    contexts = []

    def sign_in(username: str):
        context, page = session(browser, login, server_url, username)
        contexts.append(context)
        return page

    try:
        # === 1. 王接访 enters the veteran: the plan, the owners, the unit =========================
        clerk = sign_in("clerk")
        clerk.goto(f"{server_url}/key-persons/")
        assert clerk.locator("[data-testid=enter-link]").count() == 1, "办公室的重点人员页没有“列管”按钮"
        submit(clerk, clerk.locator("[data-testid=enter-link]"))
        form = clerk.locator("[data-testid=enter-form]")
        form.wait_for()
        choose(form.locator("#enter-unit"), TOWNSHIP, exact=True)
        form.locator("#enter-name").fill(NAME)
        form.locator("#enter-id_number").fill(ID_NUMBER)
        form.locator("#enter-phone").fill(PHONE)
        form.locator("#enter-address").fill("城关镇东风村五组")
        choose(form.locator("#enter-category"), VETERAN, exact=True)
        choose(form.locator("#enter-risk"), "橙色", exact=True)
        form.locator("#enter-matter").fill(MATTER)
        form.locator("#enter-demands").fill("按新标准补发优抚金差额")
        form.locator("#enter-plan").fill(PLAN)
        assert form.locator("#enter-contact_days").input_value() == "30", "走访频次默认应为 30 天"
        form.locator("#enter-contact_days").fill(str(CONTACT_DAYS))
        form.locator("#enter-assistance").fill(ASSISTANCE)
        choose(form.locator("#enter-case_owner"), f"{TOWNSHIP} · 张分管", exact=True)
        choose(form.locator("#enter-stability_owner"), f"{TOWNSHIP} · 李承办", exact=True)
        form.locator("#enter-location").fill("城关镇东风村")
        submit(clerk, form.locator("[data-testid=submit-enter]"))
        entered = succeeded(clerk, "列管")
        assert NAME not in entered, f"提示消息不应出现姓名：{entered}"
        number = re.search(r"已列管(\S+?)，", entered).group(1)
        match = re.search(r"/key-persons/(\d+)/$", clerk.url)
        assert match, clerk.url
        person_url = clerk.url

        assert clerk.inner_text("[data-testid=person-name]").strip() == NAME
        assert clerk.inner_text("[data-testid=person-id-number]").strip() == ID_NUMBER
        assert clerk.inner_text("[data-testid=person-phone]").strip() == PHONE
        assert clerk.inner_text("[data-testid=person-risk]").strip() == "橙色"
        assert clerk.inner_text("[data-testid=person-status]").strip() == "在册"
        plan = clerk.inner_text("[data-testid=plan]")
        assert PLAN in clerk.inner_text("[data-testid=person-plan]"), plan
        assert f"每 {CONTACT_DAYS} 天走访一次" in plan, plan
        assert ASSISTANCE in plan, plan
        assert "张分管" in clerk.inner_text("[data-testid=case-owner]")
        assert "李承办" in clerk.inner_text("[data-testid=stability-owner]")
        header = clerk.inner_text("main")
        assert f"{VETERAN} · 责任单位 {TOWNSHIP}" in header, header
        assert number in header, header
        assert clerk.locator("[data-testid=visit-overdue]").count() == 0, next_visit(clerk)

        # === 2. a contact visit, five days ago (or earlier over a long holiday) ===================
        today = datetime.now(TZ).date()
        visited_on = visit_day(clerk, server_url, today)
        clerk.goto(person_url)

        def visit(f):
            f.locator("#visit-at").fill(f"{visited_on.isoformat()}T10:00")
            f.locator("#visit-location").fill("家中（城关镇东风村五组）")
            f.locator("#visit-state").fill(VISIT_STATE)
            f.locator("#visit-note").fill("镇退役军人服务站站长陪同，当面解释优抚金调标政策")

        assert "已登记走访" in step(clerk, "visit", visit)
        rows = clerk.locator("[data-testid=visit-row]")
        assert rows.count() == 1, clerk.inner_text("[data-testid=visits]")
        assert f"{visited_on:%Y-%m-%d} 10:00" in rows.inner_text(), rows.inner_text()
        assert VISIT_STATE in rows.inner_text(), rows.inner_text()
        assert "王接访" in rows.inner_text(), rows.inner_text()
        # the plan's 30 days from the visit: not due yet
        assert clerk.locator("[data-testid=visit-overdue]").count() == 0, next_visit(clerk)
        due_before = date.fromisoformat(next_visit(clerk)[:10])
        assert due_before >= visited_on + timedelta(days=CONTACT_DAYS), next_visit(clerk)
        assert due_before > today, next_visit(clerk)

        # === 3. a 二级 sensitive period for the veterans: the visit falls due =======================
        clerk.goto(f"{server_url}/calendar/sensitive/")
        period = clerk.locator("#period-form")
        choose(period.locator("#id_unit"), TOWNSHIP, exact=True)
        period.locator("#id_name").fill(PERIOD_NAME)
        period.locator("#id_starts_on").fill(today.isoformat())
        period.locator("#id_ends_on").fill((today + timedelta(days=6)).isoformat())
        period.locator("#id_level").select_option("2")
        period.locator("#id_reason").fill("县委政法委通知：八一前后加强涉军群体走访稳控")
        period.get_by_label(VETERAN, exact=True).check()
        submit(clerk, period.locator("button[type=submit]", has_text="保存"))
        saved = succeeded(clerk, "新增敏感时期")
        assert "（二级）" in saved, saved
        period_row = clerk.locator("[data-testid=sensitive-row]", has_text=PERIOD_NAME)
        assert period_row.count() == 1, clerk.inner_text("main")
        assert "进行中" in period_row.inner_text(), period_row.inner_text()

        swept = manage("deadlines_sweep")
        clerk.goto(person_url)
        overdue = clerk.locator("[data-testid=next-visit] [data-testid=visit-overdue]")
        assert overdue.count() == 1, (
            f"敏感时期加密后走访应已逾期：{next_visit(clerk)}（巡检：{swept.strip()}）"
        )
        assert "已逾期" in overdue.inner_text(), overdue.inner_text()
        assert "text-danger" in overdue.get_attribute("class"), overdue.get_attribute("class")
        due_after = date.fromisoformat(overdue.inner_text().strip()[:10])
        assert due_after < today, overdue.inner_text()
        assert due_after >= visited_on + timedelta(days=RAISED_DAYS), overdue.inner_text()
        assert "border-danger" in clerk.locator("[data-testid=plan]").get_attribute("class")

        row = person_row(clerk, server_url)
        assert row.count() == 1, clerk.inner_text("main")
        assert "table-danger" in (row.get_attribute("class") or ""), "逾期人员的行应标红"
        listed = row.locator("[data-testid=visit-overdue]")
        assert listed.count() == 1, row.inner_text()
        assert "已逾期" in listed.inner_text(), listed.inner_text()
        assert "text-danger" in listed.get_attribute("class")
        assert person_row(clerk, server_url, "?visit_overdue=on").count() == 1, (
            "“走访逾期”筛选中没有这名重点人员"
        )

        # the register shows masked identities only
        row = person_row(clerk, server_url)
        cells = row.inner_text()
        assert MASKED_NAME in cells, cells
        assert MASKED_ID in cells, cells
        assert MASKED_PHONE in cells, cells
        assert VETERAN in cells, cells
        assert "橙色" in row.locator("[data-testid=risk]").inner_text()
        assert "张分管 / 李承办" in cells, cells
        register_text = clerk.inner_text("main")
        for secret in (NAME, ID_NUMBER, PHONE, PLAN):
            assert secret not in register_text, f"名册中出现了未脱敏的“{secret}”"
        screenshot(clerk, "keypersons-register")

        # the sweep tells the owners of the overdue visit: its flagging pass runs before the
        # scans, so the clock this run's scan moved is handed over by the next run (cron runs it
        # every minute); a third run tells nobody twice
        swept += manage("deadlines_sweep")
        swept += manage("deadlines_sweep")
        leader = sign_in("leader")
        handler = sign_in("handler")
        for owner, name in ((leader, "张分管"), (handler, "李承办")):
            told = notifications(owner, server_url, "重点人员走访逾期")
            assert told.count() == 1, (
                f"{name}应收到一条“重点人员走访逾期”（巡检：{swept.strip()}）：{inbox(owner)}"
            )
            text = told.inner_text()
            assert number in text, text
            assert NAME not in text, f"逾期通知不应出现姓名：{text}"
            assert PLAN not in text, f"逾期通知不应出现稳控措施：{text}"
        told.locator("[data-testid=notification-open]").click()
        handler.wait_for_url(person_url)
        assert handler.locator("[data-testid=visit-overdue]").count() == 1, "稳控责任人打开通知后看不到逾期"

        # === 4. the alarm: a letter with his ID number ============================================
        clerk.goto(f"{server_url}/petitions/new/")
        form = clerk.locator("#petition-form")
        form.wait_for()
        form.locator("select[name=channel]").select_option("letter")
        form.locator("input[name=petitioner_name]").fill(NAME)
        form.locator("input[name=petitioner_id_number]").fill(ID_NUMBER)
        form.locator("input[name=petitioner_phone]").fill(PHONE)
        form.locator("input[name=petitioner_address]").fill("城关镇东风村五组")
        form.locator("select[name=category]").select_option("0403")
        form.locator("input[name=subject]").fill("反映参战退役军人优抚金未按新标准发放问题")
        form.locator("textarea[name=content]").fill(
            "本人系参战退役军人，优抚金自今年起未按新标准发放，多次反映未果，要求补发差额。"
        )
        form.locator("[data-testid=petition-submit]").click()
        clerk.wait_for_url(re.compile(r".*/petitions/\d+/$"))
        assert "登记成功" in clerk.inner_text(".alert-success"), alerts(clerk)
        petition_url = clerk.url
        petition_number = clerk.inner_text("[data-testid=petition-number]").strip()

        # the owners: told by the time the registration's page came back (no waiting, no retry)
        for owner, name in ((leader, "张分管"), (handler, "李承办")):
            alarm = notifications(owner, server_url, "重点人员预警")
            assert alarm.count() == 1, f"{name}应已收到“重点人员预警”：{inbox(owner)}"
            text = alarm.inner_text()
            assert number in text, text
            assert petition_number in text, text
            assert "信访登记" in text, text
            assert NAME not in text, f"预警通知不应出现姓名：{text}"
            assert PLAN not in text, f"预警通知不应出现稳控措施：{text}"
            badge = owner.locator("[data-testid=inbox-badge]")
            assert int(badge.inner_text().strip() or 0) >= 1, "铃铛上没有未读数"

        # the clerk: the banner on the petition's page, and the alarm on the person's page
        clerk.goto(petition_url)
        banner = clerk.locator("[data-testid=petition-note]")
        assert banner.count() == 1, f"信访件页面没有重点人员提示：{alerts(clerk)}"
        assert "重点人员" in banner.inner_text(), banner.inner_text()
        assert PLAN not in banner.inner_text(), banner.inner_text()
        clerk.goto(person_url)
        hit = clerk.locator("[data-testid=hit]")
        assert hit.count() == 1, clerk.inner_text("[data-testid=hits]")
        assert "信访登记" in hit.inner_text(), hit.inner_text()
        assert petition_number in hit.inner_text(), hit.inner_text()
        assert "身份证号" in hit.inner_text(), hit.inner_text()
        linked = clerk.locator("[data-testid=petition-row]", has_text=petition_number)
        assert linked.count() == 1, clerk.inner_text("[data-testid=petitions]")
        assert clerk.locator("[data-testid=next-visit] [data-testid=visit-overdue]").count() == 1
        screenshot(clerk, "keypersons-person")
        office = notifications(clerk, server_url, "重点人员预警")
        assert office.count() == 1, f"责任单位办公室（王接访）应收到“重点人员预警”：{inbox(clerk)}"

        # === 5. the village handler owns nothing of him and sees nothing of the plan ===============
        village = sign_in("village-handler")
        opened: dict[str, str] = {}
        answer = village.goto(person_url)
        assert answer.status == 404, f"村干部打开重点人员页面应为 404，实为 {answer.status}"
        opened["person"] = village.content()
        village.goto(f"{server_url}/key-persons/")
        assert village.locator("[data-testid=person-row]").count() == 0, village.inner_text("main")
        assert "没有符合条件的重点人员" in village.inner_text("main")
        assert village.locator("[data-testid=enter-link]").count() == 0, "村干部不应能列管"
        opened["register"] = village.content()
        village.goto(f"{server_url}/key-persons/?visit_overdue=on")
        assert village.locator("[data-testid=person-row]").count() == 0
        village.goto(f"{server_url}/key-persons/groups/")
        opened["groups"] = village.content()
        answer = village.goto(petition_url)
        assert answer.status in (200, 404), answer.status
        if answer.status == 200:  # (a 城关镇 letter: 404 for 东风村 today)
            assert village.locator("[data-testid=petition-note]").count() == 0, "村干部不应看到重点人员提示"
        opened["petition"] = village.content()
        village.goto(f"{server_url}/notifications/")
        opened["notifications"] = village.content()
        village.goto(f"{server_url}/")
        opened["home"] = village.content()
        for where, html in opened.items():
            for secret in (PLAN, ASSISTANCE, ID_NUMBER):
                assert secret not in html, f"村干部能打开的页面（{where}）中出现了“{secret}”"
    finally:
        for context in contexts:
            context.close()
