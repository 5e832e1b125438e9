"""Duty (值班) in a real browser, as 城关镇 keeps it.

The office (王接访) sets two shifts a day, generates next month's roster and checks its cover: the
draft counts for nothing, the published month leaves the hours before the 1st's day shift
uncovered, and publishing this month's roster (whose last night shift runs to 08:30 on the 1st)
closes that gap. A duty officer (吴值班) asks for leave on one of next month's shifts and the office
head (张分管) approves it naming a substitute: the roster strikes them through. On the shift running
now, the office puts 张分管 and 吴值班 on duty and 赵书记 and 李承办 on the next shift; 吴值班
signs in, logs a call and turns it into a petition (来电), logs an urgent visit (张分管 is told at
once), and hands over two open items; 李承办 accepts one and returns one; the shift cannot close
while it is open; 吴值班 finishes it and hands over again; 张分管 signs; the shift closes.

The roster is drawn on the server's clock: between 00:00 and 08:40 on the 1st nothing of this
month's roster runs yet, and a shift ending within 20 minutes may end during the walk, so the test
is skipped then (about 1.5 % of the time) rather than act on a shift that is not running."""

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.browser.helpers import alerts, field_errors, option_value, session
from tests.browser.test_accessibility import BLOCKING, _check

pytestmark = pytest.mark.browser

TZ = ZoneInfo("Asia/Shanghai")
TOWNSHIP = "城关镇"
STAFF_ORDER = {"吴值班": "1", "王接访": "2", "李承办": "3", "钱督办": "4", "孙调解": "", "周信息": ""}
BOUNDARIES = (time(8, 30), time(17, 30))


def _month_after(first: date) -> date:
    return date(first.year + (first.month == 12), first.month % 12 + 1, 1)


def _too_close_to_a_shift_change(now: datetime) -> bool:
    for day in (now.date(), now.date() + timedelta(days=1)):
        for boundary in BOUNDARIES:
            moment = datetime.combine(day, boundary, tzinfo=TZ)
            if timedelta(0) <= moment - now < timedelta(minutes=20):
                return True
    return False


def submit(page, button) -> None:
    with page.expect_navigation(wait_until="domcontentloaded"):
        button.click()


def succeeded(page, what: str) -> str:
    success = page.locator(".alert-success")
    assert success.count() == 1, f"“{what}”未成功；页面提示：{alerts(page)}"
    return success.inner_text().strip()


def open_form(page, name: str):
    """Opens the collapsed form `name` (a step, or a step of one row: close_entry-12) and returns it."""
    opener = page.locator(f"[data-testid=open-{name}]")
    assert opener.count() == 1, f"没有“{name}”按钮；页面提示：{alerts(page)}"
    opener.click()
    page.locator(f"form#action-{name}.collapse.show").wait_for(state="visible")
    return page.locator(f"[data-testid=form-{name}]")


def step(page, name: str, fill=None) -> str:
    """Opens a step's form on the shift page, fills it, submits it and checks the success flash."""
    form = open_form(page, name)
    if fill is not None:
        fill(form)
    submit(page, form.locator(f"[data-testid=submit-{name}]"))
    page.locator("[data-testid=shift-timeline]").wait_for()
    success = page.locator(".alert-success")
    assert success.count() == 1, f"“{name}”未成功；页面提示：{alerts(page)}；字段提示：{field_errors(page)}"
    return success.inner_text().strip()


def generate(page, server_url: str, month: date) -> str:
    """Generates `month` for 城关镇 from the 值班 page: leaders in their default order, 吴值班,
    王接访, 李承办, 钱督办 on duty in turn. Returns the draft roster's URL."""
    page.goto(f"{server_url}/duty/")
    form = page.locator("[data-testid=generate-form]")
    form.locator("#generate-month").select_option(month.isoformat())
    for name, place in STAFF_ORDER.items():
        form.locator("[data-testid=generate-person]", has_text=name).locator("input[name^=staff_]").fill(
            place
        )
    submit(page, form.locator("[data-testid=generate]"))
    assert "草稿" in succeeded(page, f"生成{month:%Y年%m月}值班表")
    assert "草稿，发布后生效" in page.inner_text("[data-testid=draft-note]")
    return page.url


def publish(page) -> None:
    page.once("dialog", lambda dialog: dialog.accept())  # 发布 asks for confirmation
    submit(page, page.locator("[data-testid=publish]"))
    assert "已发布" in succeeded(page, "发布值班表")
    assert page.inner_text("[data-testid=roster-status]").strip() == "已发布"


def coverage(page, server_url: str, unit_id: str, start: date, end: date) -> list[list[str]]:
    """Runs the coverage check for 城关镇 alone; returns the gaps' rows (unit, from, to, missing)."""
    page.goto(f"{server_url}/duty/")
    form = page.locator("[data-testid=coverage-form]")
    form.locator("#id_cover_unit").select_option(unit_id)
    form.locator("#id_cover_from").fill(start.isoformat())
    form.locator("#id_cover_to").fill(end.isoformat())
    form.locator("#id_cover_below").uncheck()
    submit(page, form.locator("[data-testid=check-coverage]"))
    page.locator("[data-testid=coverage-result]").wait_for()
    rows = page.locator("[data-testid=gap-row]")
    return [[c.strip() for c in rows.nth(i).locator("td").all_inner_texts()[:4]] for i in range(rows.count())]


def staff_shift(page, leader: str, staff: str) -> None:
    """排班调整 on the shift page: `leader` leads, `staff` alone serves."""

    def fill(form):
        select = form.locator("#staff_shift-leader")
        select.select_option(option_value(select, leader))
        boxes = form.locator("input[name=staff]")
        for i in range(boxes.count()):
            box = boxes.nth(i)
            label = page.locator(f"label[for='{box.get_attribute('id')}']").inner_text()
            box.set_checked(label.strip() == staff)

    step(page, "staff_shift", fill)


def serious_violations(page, source: str) -> list[str]:
    """axe-core's serious and critical findings on the page as it is, every collapsed form opened
    (the crawl of test_accessibility sees these pages without a log or a handover)."""
    found = _check(page, source)
    return [f"{v['id']} ({v['impact']}) {v['help']}: {v['nodes']}" for v in found if v["impact"] in BLOCKING]


def test_a_month_drawn_up_a_leave_covered_and_a_shift_handed_over(
    browser, server_url, login, screenshot, request
):
    axe = request.getfixturevalue("axe_source")  # the browser conftest's
    now = datetime.now(TZ)
    if now.day == 1 and now.time() < time(8, 40):
        pytest.skip("本月 1 日 08:30 前，本月值班表尚无正在进行的班次（上月无值班表）")
    if _too_close_to_a_shift_change(now):
        pytest.skip("距交接班不足 20 分钟，正在进行的班次可能在测试中结束")
    this_month = now.date().replace(day=1)
    next_first = _month_after(this_month)
    next_last = _month_after(next_first) - timedelta(days=1)
    contexts = []
    try:
        # --- the office sets two shifts a day and generates next month ------------------------------
        context, clerk = session(browser, login, server_url, "clerk")
        contexts.append(context)
        clerk.goto(f"{server_url}/duty/")
        slots = clerk.locator("[data-testid=slots-form]")
        for field, value in (
            ("label_0", "白班"),
            ("starts_0", "08:30"),
            ("ends_0", "17:30"),
            ("label_1", "夜班"),
            ("starts_1", "17:30"),
            ("ends_1", "08:30"),
        ):
            slots.locator(f"#slots-{field}").fill(value)
        submit(clerk, slots.locator("[data-testid=save-slots]"))
        assert "白班 08:30（9 小时）、夜班 17:30（15 小时）" in succeeded(clerk, "保存班次设置")

        next_roster = generate(clerk, server_url, next_first)
        days = (_month_after(next_first) - next_first).days
        assert clerk.locator("[data-testid=roster-row]").count() == 2 * days
        clerk.goto(f"{server_url}/duty/")
        unit_id = option_value(clerk.locator("#id_cover_unit"), TOWNSHIP, exact=True)

        # the draft covers nothing: the whole month is a gap
        gaps = coverage(clerk, server_url, unit_id, next_first, next_last)
        month_end = f"{_month_after(next_first):%Y-%m-%d} 00:00"
        assert gaps == [
            [TOWNSHIP, f"{next_first:%Y-%m-%d} 00:00", month_end, "带班领导、值班员（需 1 人）"]
        ], gaps

        # published, only the hours before the 1st's day shift are uncovered
        clerk.goto(next_roster)
        publish(clerk)
        assert "0:00 至" in clerk.inner_text("[data-testid=roster-gap]")
        gaps = coverage(clerk, server_url, unit_id, next_first, next_last)
        first_day = f"{next_first:%Y-%m-%d}"
        assert gaps == [
            [TOWNSHIP, f"{first_day} 00:00", f"{first_day} 08:30", "带班领导、值班员（需 1 人）"]
        ], gaps
        screenshot(clerk, "duty-01-coverage-gap")

        # the office publishes this month's roster: its last night shift runs to 08:30 on the 1st
        generate(clerk, server_url, this_month)
        publish(clerk)
        assert coverage(clerk, server_url, unit_id, next_first, next_last) == []
        assert "无缺口" in clerk.inner_text("[data-testid=coverage-result]")

        # --- leave on next month's roster, approved with a substitute -------------------------------
        context, duty = session(browser, login, server_url, "duty")
        contexts.append(context)
        duty.goto(next_roster)
        row = duty.locator("[data-testid=roster-row]", has_text="吴值班").first
        with duty.expect_navigation(wait_until="domcontentloaded"):
            row.locator("[data-testid=roster-shift]").click()
        leave_shift = duty.url
        step(
            duty,
            "request_leave",
            lambda form: form.locator("#request_leave-reason").fill("家中老人住院，需陪护"),
        )

        context, leader = session(browser, login, server_url, "leader")
        contexts.append(context)
        leader.goto(leave_shift)

        def approve(form):
            person = form.locator("#approve_leave-user")
            person.select_option(option_value(person, "吴值班"))
            substitute = form.locator("#approve_leave-substitute")
            substitute.select_option(option_value(substitute, "钱督办"))

        step(leader, "approve_leave", approve)
        leader.goto(next_roster)
        assert leader.locator("[data-testid=on-leave]", has_text="吴值班").count() == 1
        assert leader.locator("[data-testid=substitute]", has_text="钱督办（替班）").count() == 1
        screenshot(leader, "duty-02-roster")

        # --- the shift running now: its people, and the next shift's ---------------------------------
        clerk.goto(f"{server_url}/duty/")
        running = clerk.locator("[data-testid=on-duty-shift]").first
        assert running.count() == 1, (
            f"今日值班没有{TOWNSHIP}正在进行的班次：{clerk.inner_text('[data-testid=on-duty]')}"
        )
        with clerk.expect_navigation(wait_until="domcontentloaded"):
            running.click()
        shift_url = clerk.url
        staff_shift(clerk, "张分管", "吴值班")
        with clerk.expect_navigation(wait_until="domcontentloaded"):
            clerk.locator("[data-testid=next-shift]").click()
        staff_shift(clerk, "赵书记", "李承办")

        # --- on duty: sign in, a call registered as a petition, an urgent visit --------------------
        duty.goto(f"{server_url}/")
        card = duty.inner_text("[data-testid=home-on-duty]")
        assert "吴值班" in card, card
        assert "张分管" in card, card
        duty.goto(shift_url)
        assert "已签到" in step(duty, "check_in")
        assert duty.inner_text("[data-testid=shift-status]").strip() == "值班中"

        def call(form):
            form.locator("#log_entry-kind").select_option("call")
            form.locator("#log_entry-name").fill("孙来电")
            form.locator("#log_entry-phone").fill("13900001111")
            form.locator("#log_entry-matter").fill("反映村口路灯坏了三个月无人修理，夜间出行不便")

        step(duty, "log_entry", call)
        log_row = duty.locator("[data-testid=log-row]", has_text="孙来电")
        opener = log_row.locator("[data-testid^=open-register-]")
        entry_id = opener.get_attribute("data-testid").rsplit("-", 1)[1]
        opener.click()
        duty.locator(f"form#register-{entry_id}.collapse.show").wait_for(state="visible")
        category = duty.locator(f"#register-{entry_id}-category")
        category.select_option(option_value(category, "市政设施"))
        submit(duty, duty.locator(f"[data-testid=submit-register-{entry_id}]"))
        duty.locator("[data-testid=petition-timeline]").wait_for()
        registered = succeeded(duty, "登记为信访件")
        number = re.search(r"信访件 (\S+)，", registered).group(1)
        channel = (
            duty.locator("dt", has_text="来源渠道").locator("xpath=following-sibling::dd[1]").inner_text()
        )
        assert channel.strip().startswith("来电"), channel
        assert (
            "吴值班"
            in duty.locator("dt", has_text="首问责任人")
            .locator("xpath=following-sibling::dd[1]")
            .inner_text()
        )

        duty.goto(shift_url)

        def visit(form):
            form.locator("#log_entry-kind").select_option("visit")
            form.locator("#log_entry-name").fill("周来访")
            form.locator("#log_entry-phone").fill("13900002222")
            form.locator("#log_entry-matter").fill("十余名村民聚集镇政府门口，反映征地补偿款未到位")
            form.locator("#log_entry-urgent").check()

        step(duty, "log_entry", visit)
        urgent_row = duty.locator("[data-testid=log-row]", has_text="周来访")
        assert urgent_row.locator("[data-testid=urgent-badge]").count() == 1
        assert "已登记为信访件" in duty.locator("[data-testid=log-row]", has_text="孙来电").inner_text()
        assert number in duty.inner_text("[data-testid=duty-log]")
        screenshot(duty, "duty-03-shift-log")
        assert serious_violations(duty, axe) == []

        # the leader on duty is told at once
        leader.goto(f"{server_url}/")
        badge = leader.locator("[data-testid=inbox-badge]")
        assert badge.is_visible(), "带班领导的消息铃铛上没有未读数"
        leader.locator("[data-testid=inbox-link]").click()
        leader.wait_for_url(f"{server_url}/notifications/")
        told = leader.locator("[data-testid=notification]", has_text="紧急事项：城关镇值班室")
        assert told.count() == 1, leader.inner_text("main")
        leader.goto(shift_url)
        urgent_id = leader.locator("[data-testid=log-row]", has_text="周来访").locator(
            "[data-testid^=acknowledge-]"
        )
        submit(leader, urgent_id)
        assert "已确认紧急事项" in succeeded(leader, "确认紧急事项")

        # --- the handover: two open items, one accepted and one returned ----------------------------
        duty.goto(shift_url)
        step(duty, "hand_over")
        items = duty.locator("[data-testid=handover-item]")
        assert items.count() == 2, duty.inner_text("[data-testid=handover]")
        assert duty.inner_text("[data-testid=shift-status]").strip() == "待接班"

        context, incoming = session(browser, login, server_url, "handler")
        contexts.append(context)
        incoming.goto(shift_url)
        petition_item = incoming.locator("[data-testid=handover-item]", has_text=number)
        submit(incoming, petition_item.locator("[data-testid^=accept-]"))
        assert "已接收" in succeeded(incoming, "接收交接事项")
        visit_item = incoming.locator("[data-testid=handover-item]", has_text="周来访")
        item_id = (
            visit_item.locator("[data-testid^=open-return_item-]")
            .get_attribute("data-testid")
            .rsplit("-", 1)[1]
        )
        step(
            incoming,
            f"return_item-{item_id}",
            lambda form: form.locator(f"#return_item-{item_id}-reason").fill(
                "来访人诉求和处置情况未写明，请办结或写清后再交"
            ),
        )
        returned = incoming.locator("[data-testid=handover-item]", has_text="周来访")
        assert "已退回" in returned.inner_text()
        screenshot(incoming, "duty-04-handover")
        assert serious_violations(incoming, axe) == []

        # the shift cannot close while an item is open
        duty.goto(shift_url)
        assert duty.locator("[data-testid=blocked-close]").is_disabled()
        reason = duty.inner_text("[data-testid=blocked-reason-close]")
        assert "尚有 1 项交接事项未被接班人接收" in reason, reason

        # the outgoing finishes it and hands over again; the leader signs; the shift closes
        entry = duty.locator("[data-testid=log-row]", has_text="周来访").locator(
            "[data-testid^=open-close_entry-]"
        )
        close_name = entry.get_attribute("data-testid").removeprefix("open-")
        step(
            duty,
            close_name,
            lambda form: form.locator(f"#{close_name}-action_taken").fill(
                "已约来访村民代表明日上午到镇政府面谈，说明补偿款拨付进度，现场人员已劝离"
            ),
        )
        step(duty, "hand_over")
        assert "已由交班人办结" in duty.locator("[data-testid=handover-item]", has_text="周来访").inner_text()
        assert "带班领导尚未在交接班记录上签字" in duty.inner_text("[data-testid=blocked-reason-close]")

        leader.goto(shift_url)
        assert "带班领导已签字" in step(leader, "sign")
        duty.goto(shift_url)
        assert "交班完成" in step(duty, "close")
        assert duty.inner_text("[data-testid=shift-status]").strip() == "已交班"
        assert "张分管" in duty.inner_text("[data-testid=signature]")
        screenshot(duty, "duty-05-shift-closed")

        # --- 今日值班 on the home page and the duty room's display --------------------------------------
        duty.goto(f"{server_url}/")
        screenshot(duty, "duty-06-home-on-duty")
        leader.goto(f"{server_url}/duty/display/")
        board = leader.locator("[data-testid=board-unit]", has_text=TOWNSHIP).first
        assert "带班领导" in board.inner_text()
        assert leader.locator("#duty-board[hx-trigger='every 60s']").count() == 1
        screenshot(leader, "duty-07-display")
        assert serious_violations(leader, axe) == []
        leader.goto(next_roster)
        assert serious_violations(leader, axe) == []
        clerk.goto(f"{server_url}/duty/")
        assert serious_violations(clerk, axe) == []
    finally:
        for context in contexts:
            context.close()
