"""Disputes (矛盾纠纷排查调处) in a real browser, as 东风村 screens and mediates and 城关镇 watches.

东风村's handler (陈村干部) files last week's screening round (定期排查, late by now: 迟报) with one
neighbours' dispute found: 张建国 (a valid 18-digit ID number) says his neighbour's new wall stands
on his homestead. Then this week's round, with nothing new found (零报告); the open dispute is
carried into it (往期结转). The filing page takes one party per dispute row, so the neighbour
(李卫东) is added on the case file (补充当事人) once mediation starts.

The dispute is mediated in full procedure on its case file (卷宗) by 陈村干部 himself: he assigns
himself as mediator, records a session, tries to pass it up from level 1 to level 3 (refused in
Chinese: 不得越级上交), passes it up one level, records the outcome (调解成功, 书面协议), drafts the
agreement (facts, disputed items, responsibility, three terms, how, where and by when), tries to
make it effective with the party's signature unticked (refused, naming the party: 尚未签名), then
makes it effective with every signature and the seal.

The 司法确认 window (30 calendar days) and the return visit (三类: the setting's months) start on
the effective day; the dates on the case file are compared with what the calendar engine
computes on the server's own database (`manage shell`). The sweep is then run the day after the
visit falls due: the mediator has 调解回访逾期 (and 司法确认申请期届满) in 消息通知, once. He records the
return visit (满意), the agreement not yet performed; the visit clock is closed.

城关镇's front desk (王接访) sees 东风村's two rounds in the completeness grid (排查完整率) and the
dispute found, mediated and succeeded, the success and satisfaction rates in the figures.

Screenshots: the grid, the case file once the agreement took effect, the figures and the
agreement's document (LibreOffice renders the .docx to PDF and poppler to PNG).

This module serves its own server (`server_url` overridden): the sweep runs half a year ahead
and would flag the other walks' clocks on the shared one. Counts are read before and compared
after, so the demo's sample disputes (`load_demo` without `--without-matters`) would do too."""

import base64
import html
import json
import re
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import _serve
from tests.browser.helpers import (
    alerts,
    docx_pages,
    field_errors,
    option_value,
    server_today,
    session,
)
from xinfang.petitions.tests.factories import VALID_IDS

pytestmark = pytest.mark.browser

TZ = ZoneInfo("Asia/Shanghai")
TOWNSHIP, VILLAGE = "城关镇", "东风村"
PARTY = "张建国"
PARTY_ID = VALID_IDS[1]
NEIGHBOUR_ID = VALID_IDS[2]
NEIGHBOUR = "李卫东"
PLACE = "东风村一组"
FACTS = (
    f"东风村一组村民{NEIGHBOUR}今年10月翻建院墙，新墙向东占用邻居{PARTY}家宅基地约2平方米，"
    "双方多次争吵，曾发生推搡。"
)
DEMANDS = "拆除占地院墙，恢复原状，赔偿损失"
TERMS = (
    f"{NEIGHBOUR}于履行期限前将院墙东移2米，退还占用的宅基地",
    f"{NEIGHBOUR}一次性补偿{PARTY}青苗损失800元",
    "双方今后和睦相处，不再就此事发生争执",
)
CLASS = 3  # 三类: the village's committee mediates from level 1 of the chain
CHAIN = ("村综治主任", "村主要领导", "驻村干部")


# --- this walk's own server -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def server_url(tmp_path_factory):
    """The demo organisation and accounts without matters, for this module alone: the walk runs
    the deadline sweep half a year ahead, which must not flag the other walks' clocks."""
    yield from _serve(tmp_path_factory.mktemp("disputes-data"), ["load_demo", "--without-matters"])


# --- small helpers --------------------------------------------------------------------------------


def submit(page, button) -> None:
    with page.expect_navigation(wait_until="domcontentloaded"):
        button.click()


def succeeded(page, what: str) -> str:
    success = page.locator(".alert-success")
    assert success.count() == 1, f"“{what}”未成功；页面提示：{alerts(page)}；字段提示：{field_errors(page)}"
    return success.inner_text().strip()


def refused(page, what: str) -> str:
    danger = page.locator(".alert-danger")
    assert danger.count() >= 1, f"“{what}”应被拒绝；页面提示：{alerts(page)}"
    return " | ".join(t.strip() for t in danger.all_inner_texts())


def open_form(page, name: str):
    """The step form `name` on the case file, opened once Bootstrap has finished opening it (a form
    the server refused is open already: clicking its button again would close it)."""
    form = page.locator(f"[data-testid=form-{name}]")
    if page.locator(f"form#action-{name}.collapse.show").count() == 0:
        opener = page.locator(f"[data-testid=open-{name}]")
        assert opener.count() == 1, f"没有“{name}”按钮；页面提示：{alerts(page)}"
        opener.click()
        page.locator(f"form#action-{name}.collapse.show").wait_for(state="visible")
    return form


def try_step(page, name: str, fill=None) -> None:
    form = open_form(page, name)
    if fill is not None:
        fill(form)
    submit(page, form.locator(f"[data-testid=submit-{name}]"))
    page.locator("[data-testid=timeline]").wait_for()


def step(page, name: str, fill=None) -> str:
    """Opens a step's form on the case file, fills it, submits it and checks the success flash."""
    try_step(page, name, fill)
    return succeeded(page, name)


def choose(select, text: str, *, exact: bool = False) -> None:
    select.select_option(option_value(select, text, exact=exact))


def text_of(page, testid: str) -> str:
    return page.inner_text(f"[data-testid={testid}]").strip()


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def notifications(page, server_url: str, text: str):
    page.goto(f"{server_url}/notifications/")
    page.locator("h1", has_text="消息通知").wait_for()
    return page.locator("[data-testid=notification]", has_text=text)


def stats_line(page, server_url: str, name: str) -> list[str]:
    """The cells of the figures' row of `name` (the user's own unit, this year); zeros when the
    unit has no row yet."""
    page.goto(f"{server_url}/disputes/stats/")
    page.locator("[data-testid=stats-table]").wait_for()
    for row in page.locator("[data-testid=stats-row]").all():
        cells = [c.strip() for c in row.locator("td").all_inner_texts()]
        if cells[0] == name:
            return cells
    return [name, "0", "0", "0", "—", "—", "0", "0", "—", "0", "—", "0"]


def grid_row(page, server_url: str, name: str, first: date):
    """The completeness grid from `first` to today, as a person narrows it with the form; the row
    of `name` and its cells."""
    page.goto(f"{server_url}/screenings/completeness/")
    form = page.locator("[data-testid=completeness-form]")
    form.locator("#id_from").fill(first.isoformat())
    submit(page, form.locator("button[type=submit]"))
    page.locator("[data-testid=completeness-grid]").wait_for()
    rows = page.locator("[data-testid=grid-row]")
    for i in range(rows.count()):
        cells = [c.strip() for c in rows.nth(i).locator("td").all_inner_texts()]
        if cells[0].strip(" └") == name:
            return rows.nth(i), cells
    raise AssertionError(f"排查完整率中没有{name}：{page.inner_text('[data-testid=completeness-grid]')}")


def engine_dates(manage, effective: date, dispute_class: int) -> dict[str, str]:
    """What the calendar engine computes on the server's database: the 司法确认 window (30
    calendar days) and the class's return visit (the setting's months), from the effective day."""
    code = (
        "import json; from datetime import date\n"
        "from xinfang.deadlines.engine import compute_deadline\n"
        "from xinfang.deadlines.services import calendar_load\n"
        "from xinfang.disputes.models import DisputeSetting\n"
        f"start = date.fromisoformat('{effective.isoformat()}')\n"
        "calendar = calendar_load()\n"
        f"months = DisputeSetting.load().visit_months({dispute_class})\n"
        "confirmation = compute_deadline(start=start, amount=30, unit='calendar_days', calendar=calendar)\n"
        "visit = compute_deadline(start=start, amount=months, unit='months', calendar=calendar)\n"
        "print(json.dumps({'confirmation': confirmation.due_date.isoformat(),"
        " 'visit': visit.due_date.isoformat(), 'months': months}))\n"
    )
    return json.loads(manage("shell", "-c", code).strip().splitlines()[-1])


def open_clocks(manage, dispute_id: int) -> list[str]:
    code = (
        "from xinfang.deadlines.models import Deadline\n"
        "from xinfang.disputes.models import OWNER_TYPE\n"
        f"rows = Deadline.objects.filter(owner_type=OWNER_TYPE, owner_id={dispute_id}, is_open=True)\n"
        "print(','.join(sorted(rows.values_list('rule', flat=True))) or '-')\n"
    )
    found = manage("shell", "-c", code).strip().splitlines()[-1]
    return [] if found == "-" else found.split(",")


def document_xml_text(path: Path) -> str:
    """The text of word/document.xml with its tags removed (a Word run may split a phrase)."""
    assert zipfile.is_zipfile(path), "下载的文件不是 .docx（zip）文件"
    with zipfile.ZipFile(path) as docx:
        xml = docx.read("word/document.xml").decode("utf-8")
    return html.unescape(re.sub(r"<[^>]+>", "", xml))


# --- the walk -------------------------------------------------------------------------------------


def test_a_village_screens_mediates_to_an_effective_agreement_and_visits(
    browser, server_url, login, screenshot, manage, tmp_path
):
    contexts = []

    def sign_in(username: str):
        context, page = session(browser, login, server_url, username)
        contexts.append(context)
        return page

    try:
        # === 0. what 城关镇 sees before: 东风村's figures and filed rounds =========================
        clerk = sign_in("clerk")
        today = server_today()
        this_week, last_week = monday(today), monday(today) - timedelta(weeks=1)
        before = stats_line(clerk, server_url, VILLAGE)
        _, grid_before = grid_row(clerk, server_url, VILLAGE, last_week)

        # === 1. 陈村干部 files last week's round with a dispute found, this week's with none =======
        village = sign_in("village-handler")

        def open_filing(period: date) -> bool:
            """Opens the filing form from the unit's owed list; whether the round will be late."""
            village.goto(f"{server_url}/screenings/")
            village.locator("[data-testid=owed]").wait_for()
            link = village.locator(f"[data-testid=file-link][href*='period={period.isoformat()}']")
            assert link.count() == 1, (
                f"应报排查中没有所属期间自 {period} 起的一期：{village.inner_text('[data-testid=owed]')}"
            )
            submit(village, link)
            expected = text_of(village, "expected")
            assert f"{period:%Y-%m-%d} 至 {period + timedelta(days=6):%Y-%m-%d}" in expected, expected
            return "记为迟报" in expected

        late = open_filing(last_week)
        assert late, "上周的定期排查早已过截止时间，页面应提示迟报"
        form = village.locator("[data-testid=file-form]")
        form.locator("#screened_by").fill("陈村干部、东风村调委会委员")
        form.locator("#summary").fill("本周走访排查全村7个村民小组，发现邻里纠纷1起，已登记调处。")
        choose(form.locator("#found-0-kind"), "邻里纠纷", exact=True)
        form.locator("#found-0-place").fill(PLACE)
        form.locator("#found-0-facts").fill(FACTS)
        form.locator("#found-0-demands").fill(DEMANDS)
        form.locator("#found-0-party_name").fill(PARTY)
        form.locator("#found-0-party_id_number").fill(PARTY_ID)
        form.locator("#found-0-party_phone").fill("13905512345")
        form.locator("#found-0-party_address").fill("城关镇东风村一组12号")
        form.locator("#found-0-people").fill("2")
        form.locator("#found-0-amount").fill("3000")
        form.locator("#found-0-dispute_class").select_option(str(CLASS))
        form.locator("#found-0-procedure").select_option("full")
        submit(village, form.locator("[data-testid=submit-file]"))
        filed = succeeded(village, "报送上周排查")
        assert "发现矛盾纠纷 1 起" in filed, filed
        first_round_url = village.url
        assert re.search(r"/screenings/\d+/$", first_round_url), first_round_url
        assert text_of(village, "on-time") == "迟报"
        assert text_of(village, "counts").startswith("本轮发现 1 起"), text_of(village, "counts")
        found = village.locator("[data-testid=item-found]")
        assert found.count() == 1, village.inner_text("[data-testid=round-items]")
        dispute_number = found.locator("a").inner_text().strip()
        dispute_url = server_url + found.locator("a").get_attribute("href")
        dispute_id = int(re.search(r"/disputes/(\d+)/$", dispute_url).group(1))
        assert "待调解" in found.inner_text(), found.inner_text()

        late = open_filing(this_week)
        form = village.locator("[data-testid=file-form]")
        form.locator("#screened_by").fill("陈村干部")
        submit(village, form.locator("[data-testid=submit-file]"))
        assert "（零报告）" in succeeded(village, "报送本周排查")
        second_round_url = village.url
        assert village.locator("[data-testid=zero-badge]").count() == 1, "本周排查应为零报告"
        assert text_of(village, "on-time") == ("迟报" if late else "按时报送")
        assert text_of(village, "summary") == "本期排查未发现矛盾纠纷。"
        carried = village.locator("[data-testid=item-carried]", has_text=dispute_number)
        assert carried.count() == 1, f"未化解的{dispute_number}应结转到本周：{village.inner_text('main')}"

        # === 2. the case file: mediated in full procedure ========================================
        village.goto(dispute_url)
        village.locator("[data-testid=timeline]").wait_for()
        assert text_of(village, "dispute-number") == dispute_number
        assert text_of(village, "dispute-status") == "待调解"
        assert text_of(village, "dispute-class") == "三类纠纷"
        assert text_of(village, "level") == f"{CHAIN[0]}（第 1 级）"
        assert text_of(village, "handling-unit") == VILLAGE
        assert text_of(village, "source").startswith("排查发现"), text_of(village, "source")
        party_row = village.locator("[data-testid=party-row]", has_text=PARTY)
        assert party_row.count() == 1, village.inner_text("[data-testid=parties]")
        assert party_row.locator("[data-testid=party-id-number]").inner_text().strip() == PARTY_ID

        assert "已指定调解员" in step(
            village,
            "assign_mediator",
            lambda f: (
                choose(f.locator("#assign_mediator-mediator"), f"{VILLAGE} · 陈村干部", exact=True),
                f.locator("#assign_mediator-note").fill("本村调委会主任调解"),
            ),
        )
        assert text_of(village, "dispute-status") == "调解中"
        assert text_of(village, "mediator").startswith("陈村干部"), text_of(village, "mediator")

        def neighbour(f):
            f.locator("#add_party-name").fill(NEIGHBOUR)
            f.locator("#add_party-id_number").fill(NEIGHBOUR_ID)
            f.locator("#add_party-phone").fill("13905516789")
            f.locator("#add_party-address").fill("城关镇东风村一组14号")

        assert "已补充当事人" in step(village, "add_party", neighbour)
        assert village.locator("[data-testid=party-row]").count() == 2, village.inner_text(
            "[data-testid=parties]"
        )

        held_at = datetime.now(TZ).replace(second=0, microsecond=0)

        def session_fill(f):
            f.locator("#record_session-at").fill(f"{held_at:%Y-%m-%dT%H:%M}")
            assert f.locator("#record_session-place").input_value() == PLACE, "调解地点应预填为发生地点"
            f.locator("#record_session-place").fill("东风村村民委员会调解室")
            f.locator("#record_session-attendees").fill(
                f"{PARTY}、{NEIGHBOUR}、村民小组长王某、调解员陈村干部"
            )
            f.locator("#record_session-record").fill(
                f"双方陈述事实，现场丈量确认新墙越界约2米；{NEIGHBOUR}同意东移院墙，双方就补偿数额协商一致。"
            )

        assert "已记录调解会" in step(village, "record_session", session_fill)
        sessions = village.locator("[data-testid=session-row]")
        assert sessions.count() == 1, village.inner_text("[data-testid=sessions]")
        assert f"{held_at:%Y-%m-%d %H:%M}" in sessions.inner_text(), sessions.inner_text()

        def escalate_to(level: int, shown: str):
            def fill(f):
                # first the next level (prefilled), then what was typed (the refused form again)
                assert f.locator("#escalate-to_level").input_value() == shown, "上交层级的预填有误"
                f.locator("#escalate-to_level").fill(str(level))
                f.locator("#escalate-note").fill("涉及宅基地界址认定，请村主要领导出面协调")

            return fill

        try_step(village, "escalate", escalate_to(3, "2"))
        refusal = refused(village, "越级上交")
        assert "不得越级上交" in refusal, refusal
        assert f"只能上交至{CHAIN[1]}" in refusal, refusal
        assert text_of(village, "level") == f"{CHAIN[0]}（第 1 级）", "越级上交被拒后层级不应改变"
        assert "已上交上一层级" in step(village, "escalate", escalate_to(2, "3"))
        assert text_of(village, "level") == f"{CHAIN[1]}（第 2 级）"
        assert village.locator("[data-testid=chain-current]").inner_text().strip() == f"2. {CHAIN[1]}"
        assert text_of(village, "handling-unit") == VILLAGE, "村内上交不应改变调处单位"
        assert text_of(village, "mediator").startswith("陈村干部"), "村内上交不应改变调解员"

        def outcome(f):
            f.locator("#record_outcome-outcome").select_option("agreed")
            f.locator("#record_outcome-agreement_form").select_option("written")
            f.locator("#record_outcome-note").fill("双方自愿达成书面协议")

        assert "已记录调解结果" in step(village, "record_outcome", outcome)
        assert text_of(village, "dispute-status") == "协议拟定中"
        assert text_of(village, "outcome") == "调解成功（书面协议）"

        perform_by = today + timedelta(days=14)

        def draft(f):
            assert f.locator("#draft_agreement-facts").input_value() == FACTS, "纠纷事实应预填"
            f.locator("#draft_agreement-disputed_items").fill(
                f"{NEIGHBOUR}所建院墙占用{PARTY}宅基地的拆除和补偿。"
            )
            f.locator("#draft_agreement-responsibility").fill(
                f"{NEIGHBOUR}未经丈量擅自施工，负主要责任；{PARTY}言语过激，负次要责任。"
            )
            f.locator("#draft_agreement-terms").fill("\n".join(TERMS))
            f.locator("#draft_agreement-performance_how").fill(f"{NEIGHBOUR}自行拆除重建院墙，补偿款现金支付")
            f.locator("#draft_agreement-performance_where").fill(f"{PLACE}{PARTY}家宅基地")
            f.locator("#draft_agreement-performance_by").fill(perform_by.isoformat())

        assert "已生成调解协议书" in step(village, "draft_agreement", draft)
        assert village.locator("[data-testid=agreement-draft]").count() == 1, "协议书应为待签名生效"
        terms = [t.strip() for t in village.locator("[data-testid=term-row]").all_inner_texts()]
        assert len(terms) == len(TERMS), terms
        for order, (row, term) in enumerate(zip(terms, TERMS, strict=True), start=1):
            assert row.startswith(f"第 {order} 条"), row
            assert term in row, row
        assert village.locator("[data-testid=document]").count() == 1, village.inner_text(
            "[data-testid=documents]"
        )

        def signatures(*, party: bool):
            def fill(f):
                boxes = f.locator("input[name=signed_parties]")
                assert boxes.count() == 2, f"应有 2 位当事人可勾选签名：{f.inner_text()}"
                assert PARTY in f.inner_text(), f.inner_text()
                assert NEIGHBOUR in f.inner_text(), f.inner_text()
                # the neighbour has signed; 张建国 only when `party`
                boxes.nth(0).set_checked(party)
                boxes.nth(1).set_checked(True)
                f.locator("#make_effective-mediator_signed").set_checked(True)
                f.locator("#make_effective-seal").set_checked(True)

            return fill

        try_step(village, "make_effective", signatures(party=False))
        refusal = refused(village, "当事人未签名时生效")
        assert f"尚未签名的当事人：{PARTY}" in refusal, refusal
        assert "调解员尚未签名" not in refusal, refusal
        assert "印章" not in refusal, refusal
        assert text_of(village, "dispute-status") == "协议拟定中"
        assert "协议已生效" in step(village, "make_effective", signatures(party=True))
        assert text_of(village, "dispute-status") == "协议履行中"
        effective = village.locator("[data-testid=agreement-effective]").inner_text().strip()
        assert effective == f"已生效 {today:%Y-%m-%d}", effective
        signed = village.inner_text("[data-testid=signatures]")
        for mark in (f"{PARTY} 已签名", f"{NEIGHBOUR} 已签名", "调解员已签名", "调委会印章已加盖"):
            assert mark in signed, signed

        # === 3. the 司法确认 window and the return visit, by the calendar engine ==================
        computed = engine_dates(manage, today, CLASS)
        assert computed["months"] == 6, computed  # 三类: half a year (the setting's default)
        confirmation_ends = date.fromisoformat(text_of(village, "confirmation-ends").split()[0])
        visit_due = date.fromisoformat(text_of(village, "next-visit").split()[0])
        assert confirmation_ends.isoformat() == computed["confirmation"], (confirmation_ends, computed)
        assert visit_due.isoformat() == computed["visit"], (visit_due, computed)
        assert today + timedelta(days=29) <= confirmation_ends <= today + timedelta(days=40)
        assert visit_due > confirmation_ends
        screenshot(village, "disputes-case-file")

        # the agreement's document: 人民调解协议书, downloaded from the documents list
        document = village.locator("[data-testid=document]")
        assert "人民调解协议书" in document.inner_text(), document.inner_text()
        assert "当前版本" in document.inner_text(), document.inner_text()
        with village.expect_download() as info:
            document.locator("[data-testid=document-download]").click()
        download = info.value
        assert download.suggested_filename.endswith(".docx"), download.suggested_filename
        docx = tmp_path / "mediation-agreement.docx"
        download.save_as(docx)
        text = document_xml_text(docx)
        for expected in (
            f"{VILLAGE}人民调解委员会调解协议书",
            f"编号：{dispute_number}",
            f"{PARTY}，身份证号 {PARTY_ID}",
            f"{NEIGHBOUR}，身份证号 {NEIGHBOUR_ID}",
            FACTS,
            *TERMS,
            f"{perform_by:%Y年%m月%d日}前履行完毕",
            "三十日内共同向人民法院申请司法确认",
            "本协议一式3份",
            f"当事人（签名、盖章或者按指印）：{PARTY}",
            "人民调解员（签名）：陈村干部",
        ):
            assert expected in text, f"协议书中没有“{expected}”：{text}"
        assert re.search(rf"{VILLAGE}调〔{today.year}〕\d+号", text), text

        # === the sweep the day after the visit falls due: the mediator is told, once ===============
        sweep_at = f"{visit_due + timedelta(days=1):%Y-%m-%d} 09:00"
        first_run = manage("deadlines_sweep", "--at", sweep_at)
        overdue = notifications(village, server_url, f"调解回访逾期：{dispute_number}")
        assert overdue.count() == 1, (
            f"陈村干部应收到一条回访逾期提醒（巡检 {sweep_at}：{first_run.strip()}）：{village.inner_text('main')}"
        )
        assert f"应于 {visit_due:%m月%d日} 前回访当事人" in overdue.inner_text(), overdue.inner_text()
        window = village.locator(
            "[data-testid=notification]", has_text=f"司法确认申请期届满：{dispute_number}"
        )
        assert window.count() == 1, village.inner_text("main")
        assert f"已于 {confirmation_ends:%m月%d日} 届满" in window.inner_text(), window.inner_text()
        manage("deadlines_sweep", "--at", sweep_at)
        again = notifications(village, server_url, f"调解回访逾期：{dispute_number}")
        assert again.count() == 1, "再次巡检不应重复提醒"

        # === 4. the return visit: 满意, the agreement not yet performed ==========================
        village.goto(dispute_url)
        village.locator("[data-testid=timeline]").wait_for()
        assert sorted(open_clocks(manage, dispute_id)) == ["dispute_confirmation", "dispute_visit"]

        def visit(f):
            f.locator("#record_visit-satisfaction").select_option("satisfied")
            performed = f.locator("#record_visit-performed")
            assert not performed.is_checked(), "“协议已履行”应未勾选（履行期限未到）"
            f.locator("#record_visit-note").fill(
                f"电话回访{PARTY}：对调解结果满意，{NEIGHBOUR}已开始拆除院墙，约定期限内完成。"
            )

        assert "已登记回访" in step(village, "record_visit", visit)
        visits = village.locator("[data-testid=visit-row]")
        assert visits.count() == 1, village.inner_text("[data-testid=visits]")
        row = [c.strip() for c in visits.locator("td").all_inner_texts()]
        assert row[1] == visit_due.isoformat(), row  # 应回访
        assert row[2] == "陈村干部", row
        assert row[3] == "满意", row
        assert row[4] == "未履行", f"未勾选“协议已履行”，回访记录却为：{row[4]}"
        assert text_of(village, "next-visit") == f"{today:%Y-%m-%d} 已回访（满意）"
        assert open_clocks(manage, dispute_id) == ["dispute_confirmation"], "回访后回访期限应已关闭"

        # === 5. 城关镇: the completeness grid and the figures ======================================
        row, grid_after = grid_row(clerk, server_url, VILLAGE, last_week)
        assert int(grid_after[2]) == int(grid_before[2]) + 2, (grid_before, grid_after)  # 已报
        assert int(grid_after[4]) == int(grid_before[4]) + 1 + late, (grid_before, grid_after)  # 迟报
        for url, state in ((first_round_url, "late"), (second_round_url, "late" if late else "on_time")):
            path = url.removeprefix(server_url)
            cell = row.locator(f"a[href='{path}']")
            assert cell.count() == 1, f"{VILLAGE}一行中没有指向{path}的格子：{row.inner_html()}"
            assert cell.get_attribute("data-testid") == f"cell-{state}", cell.get_attribute("data-testid")
        screenshot(clerk, "disputes-completeness")

        after = stats_line(clerk, server_url, VILLAGE)
        found_n, mediated_n, succeeded_n = (int(after[i]) for i in (1, 2, 3))
        assert (found_n, mediated_n, succeeded_n) == tuple(int(before[i]) + 1 for i in (1, 2, 3)), (
            before,
            after,
        )
        assert after[5] == f"{round(100 * succeeded_n / mediated_n, 1)}%", after  # 成功率
        visits_n, satisfied_n = int(after[6]), int(after[7])
        assert (visits_n, satisfied_n) == (int(before[6]) + 1, int(before[7]) + 1), (before, after)
        assert after[8] == f"{round(100 * satisfied_n / visits_n, 1)}%", after  # 满意率
        screenshot(clerk, "disputes-stats")

        # === 6. the agreement as a person reads it ================================================
        pages = docx_pages(docx, tmp_path)
        assert pages, "LibreOffice 或 pdftoppm 无法把调解协议书转为图片"
        viewer = clerk.context.new_page()
        images = "".join(
            f'<img alt="人民调解协议书第{n}页" style="display:block;margin:0 auto 24px;background:#fff;'
            'box-shadow:0 2px 12px rgba(0,0,0,.4)" '
            f'src="data:image/png;base64,{base64.b64encode(png.read_bytes()).decode("ascii")}">'
            for n, png in enumerate(pages, start=1)
        )
        viewer.set_content(
            f'<html><body style="margin:0;padding:24px;background:#8a8f98">{images}</body></html>'
        )
        for image in viewer.locator("img").all():
            image.evaluate("img => img.decode()")
            assert image.evaluate("img => img.naturalWidth") > 500
        screenshot(viewer, "disputes-agreement-docx")
    finally:
        for context in contexts:
            context.close()
