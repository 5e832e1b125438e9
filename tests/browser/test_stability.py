"""Stability work (维稳) in a real browser, as 城关镇 and 青山县 do it.

东风村's information officer (刘信息) files a sign (苗头信息): about 30 villagers of the third group
mean to go to the town government about their land compensation. 城关镇's front desk (王接访) finds
it among the reports waiting to be signed for, signs for it and forwards it with the township's
findings; the county's front desk (郑县接访) finds the township's forwarded report addressed to it.

A sensitive period begins: 王接访 sets a 二级 period for 城关镇 from today, so every village owes a
daily report by 16:30. 东风村 files none; the sweep at the next 16:31 after the period was set
chases it, and running that sweep again chases nobody twice: 刘信息 has the one 催报.

Then the villagers gather at the town government's gate. 王接访 registers the incident 70 minutes
after the township learned of it: the first report (首报, due within the hour) is overdue at once,
red on the board, and the sweep tells the county. 王接访 writes the first report (its four items)
and downloads its document; 赵书记, the township's principal leader, records that he is on site;
张分管 activates 群体性事件处置预案 (drawing it up first on a server that has none), each task is
done by its owner or the office; 现场处置, two follow-up reports, 善后, the final report (not offered
before 善后), 责任追究 with a sanction naming a person, and 结束.

Screenshots: the forwarded report as the county sees it, the chase, the board with the overdue
incident, the closed incident, the completeness grid of 城关镇's villages and the first report's
document (LibreOffice renders the .docx to PDF and poppler to PNG; without them the document's
paragraphs are laid out in a plain HTML page instead).

Time: the only clock that matters across the day is the daily report's 16:30 cut-off. The sweep is
run at the 16:31 that follows the moment the period was saved (today's before 16:30, else
tomorrow's, which the period covers), so the walk holds at any time of day and is never skipped."""

import base64
import html
import re
import shutil
import subprocess
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.browser.helpers import alerts, docx_text, field_errors, option_value, session

pytestmark = pytest.mark.browser

TZ = ZoneInfo("Asia/Shanghai")
DAILY_CUTOFF = time(16, 30)
COUNTY, TOWNSHIP, VILLAGE = "青山县", "城关镇", "东风村"
VILLAGES = ("东风村", "红星村", "柳河村")
PLAN = "群体性事件处置预案"
PLAN_TASKS = (
    ("主要领导20分钟内赶到现场，统一指挥处置", "principal"),
    ("分管领导带领工作组面对面听取诉求，疏导劝返", "leader"),
    ("接访员登记诉求、核实身份，现场做好政策解释", "clerk"),
)
SIGN_TITLE = "东风村三组部分村民拟到镇政府集体反映征地补偿款问题"
INCIDENT_TITLE = "东风村三组村民在镇政府门口聚集反映征地补偿款问题"
PERIOD_NAME = "本地重大活动"


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


def step(page, name: str, fill=None, *, timeline: str = "timeline") -> str:
    """Opens a step's form (an incident's by default, `timeline="report-timeline"` for an
    information report), fills it, submits it and checks the success flash."""
    form = open_form(page, name)
    if fill is not None:
        fill(form)
    submit(page, form.locator(f"[data-testid=submit-{name}]"))
    page.locator(f"[data-testid={timeline}]").wait_for()
    return succeeded(page, name)


def choose(select, text: str, *, exact: bool = False) -> None:
    select.select_option(option_value(select, text, exact=exact))


def local_input(moment: datetime) -> str:
    """What an <input type="datetime-local"> takes."""
    return f"{moment:%Y-%m-%dT%H:%M}"


def chase_day(saved_by: datetime) -> date:
    """The day whose 16:30 daily report is the first one owed by a period saved by `saved_by`:
    today's if it was saved before 16:30, else tomorrow's."""
    local = saved_by.astimezone(TZ)
    return local.date() if local.time() < DAILY_CUTOFF else local.date() + timedelta(days=1)


def status_of(page, testid: str) -> str:
    return page.inner_text(f"[data-testid={testid}]").strip()


def refresh_fields(page, change) -> None:
    """Runs `change` (a kind or risk chosen on the filing form) and waits until htmx has swapped
    in the form's fields for it (a field typed into before the swap would be lost)."""
    page.eval_on_selector("#file-fields", "e => e.setAttribute('data-stale', '1')")
    change()
    page.locator("#file-fields:not([data-stale])").wait_for()


def notifications(page, server_url: str, text: str):
    page.goto(f"{server_url}/notifications/")
    page.locator("h1", has_text="消息通知").wait_for()
    return page.locator("[data-testid=notification]", has_text=text)


def inbox_row(page, server_url: str, title: str):
    page.goto(f"{server_url}/reports/?inbox=1")
    page.locator("[data-testid=report-list]").wait_for()
    assert page.locator("[data-testid=tab-inbox].active").count() == 1, "待签收标签页未选中"
    return page.locator("[data-testid=report-row]", has_text=title)


def document_xml_text(path: Path) -> str:
    """The text of word/document.xml with its tags removed (a Word run may split a phrase)."""
    assert zipfile.is_zipfile(path), "下载的文件不是 .docx（zip）文件"
    with zipfile.ZipFile(path) as docx:
        assert "word/document.xml" in docx.namelist(), docx.namelist()
        xml = docx.read("word/document.xml").decode("utf-8")
    return html.unescape(re.sub(r"<[^>]+>", "", xml))


def document_image(docx: Path, workdir: Path) -> Path | None:
    """The document's first page as a PNG (LibreOffice to PDF, poppler to PNG), or None when
    either is missing or fails."""
    soffice, pdftoppm = shutil.which("soffice"), shutil.which("pdftoppm")
    if soffice is None or pdftoppm is None:
        return None
    profile = (workdir / "libreoffice-profile").as_uri()  # its own, beside anyone else's soffice
    try:
        subprocess.run(
            [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
             "--outdir", str(workdir), str(docx)],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
        pdf = workdir / f"{docx.stem}.pdf"
        stem = workdir / f"{docx.stem}-page"
        subprocess.run(
            [pdftoppm, "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(stem)],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    png = stem.with_suffix(".png")
    return png if png.exists() else None


def show_document(context, docx: Path, workdir: Path):
    """A page showing the document: its rendered first page, else its paragraphs as HTML."""
    page = context.new_page()
    png = document_image(docx, workdir)
    if png is not None:
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        page.set_content(
            '<html><body style="margin:0;padding:24px;background:#8a8f98">'
            '<img alt="首报公文第一页" style="display:block;margin:0 auto;background:#fff;'
            f'box-shadow:0 2px 12px rgba(0,0,0,.4)" src="data:image/png;base64,{data}">'
            "</body></html>"
        )
        page.locator("img").evaluate("img => img.decode()")
    else:
        paragraphs = "".join(
            f"<p>{html.escape(line)}</p>" for line in docx_text(docx).splitlines() if line.strip()
        )
        page.set_content(
            '<html lang="zh-CN"><body style="margin:0;padding:24px;background:#8a8f98">'
            '<div style="width:700px;margin:0 auto;padding:60px 70px;background:#fff;'
            "font:16px/1.9 'Noto Serif CJK SC','Noto Sans CJK SC',serif\">"
            f"<p><em>（无 LibreOffice：以下为公文段落的文字）</em></p>{paragraphs}</div></body></html>"
        )
    return page, png is not None


# --- the walk -------------------------------------------------------------------------------------


def test_a_sign_a_sensitive_period_and_an_incident_from_gate_to_close(
    browser, server_url, login, screenshot, manage, tmp_path
):
    contexts = []

    def sign_in(username: str):
        context, page = session(browser, login, server_url, username)
        contexts.append(context)
        return page

    try:
        # === 1. 东风村's sign, signed for and forwarded by 城关镇, addressed to 青山县 ==============
        informant = sign_in("village-informant")
        informant.goto(f"{server_url}/reports/new/")
        form = informant.locator("[data-testid=file-form]")
        refresh_fields(informant, lambda: form.locator("#file-kind").select_option("early_sign"))
        assert form.locator("[data-testid=section-sign]").is_visible(), "选择苗头信息后没有出现苗头信息要素"
        assert form.locator("[data-testid=section-period]").count() == 0, "苗头信息不应填写报送周期"
        refresh_fields(informant, lambda: form.locator("#file-risk").select_option("medium"))
        form.locator("#file-title").fill(SIGN_TITLE)
        form.locator("#file-content").fill(
            "据三组村民小组长反映，三组约30名村民对征地补偿款迟迟未发放不满，商议明日上午到镇政府集体反映。"
        )
        form.locator("#file-subjects").fill("东风村三组村民，牵头人李某、王某")
        form.locator("#file-headcount").fill("30")
        tomorrow_nine = datetime.combine(datetime.now(TZ).date() + timedelta(days=1), time(9, 0))
        form.locator("#file-expected_at").fill(local_input(tomorrow_nine))
        form.locator("#file-place").fill("城关镇人民政府")
        form.locator("#file-demands").fill("尽快发放征地补偿款，公开补偿标准")
        submit(informant, form.locator("[data-testid=submit-file]"))
        filed = succeeded(informant, "报送苗头信息")
        assert f"报送至{TOWNSHIP}" in filed, filed
        sign_number = re.search(r"已报送苗头信息 (\S+)，", filed).group(1)
        sign_url = informant.url
        assert re.search(r"/reports/\d+/$", sign_url), sign_url
        assert status_of(informant, "report-status") == "待签收"
        assert "中风险" in status_of(informant, "risk-badge")

        # 城关镇's front desk: on its home page's 待办 and in its 待签收
        clerk = sign_in("clerk")
        clerk.goto(f"{server_url}/")
        waiting = clerk.locator("[data-testid=todo-group-reports_inbox]")
        assert waiting.count() == 1, (
            f"王接访的待办中没有“信息待签收”：{clerk.inner_text('[data-testid=todo]')}"
        )
        assert SIGN_TITLE in waiting.inner_text(), waiting.inner_text()
        row = inbox_row(clerk, server_url, SIGN_TITLE)
        assert row.count() == 1, clerk.inner_text("[data-testid=report-list]")
        assert VILLAGE in row.inner_text(), row.inner_text()
        assert "待签收" in row.inner_text(), row.inner_text()
        with clerk.expect_navigation(wait_until="domcontentloaded"):
            row.locator("a", has_text=sign_number).click()
        assert clerk.url == sign_url, clerk.url
        assert "已签收" in step(
            clerk,
            "sign",
            lambda f: f.locator("#sign-note").fill("已阅，请东风村做好稳控，随时报告动向"),
            timeline="report-timeline",
        )
        assert status_of(clerk, "report-status") == "已签收"
        assert "王接访" in status_of(clerk, "signed")
        forward_note = "经镇综治中心核实情况属实，镇里已安排分管领导包保，正与县自然资源局对接补偿款拨付。"
        assert "已上报" in step(
            clerk,
            "forward",
            lambda f: f.locator("#forward-note").fill(forward_note),
            timeline="report-timeline",
        )
        assert status_of(clerk, "report-status") == "已上报"
        assert SIGN_TITLE in status_of(clerk, "forwarded-to")

        # 青山县's front desk finds the township's forwarded report addressed to it
        county = sign_in("county-clerk")
        forwarded_title = f"转报{VILLAGE}：{SIGN_TITLE}"
        row = inbox_row(county, server_url, forwarded_title)
        assert row.count() == 1, county.inner_text("[data-testid=report-list]")
        cells = [c.strip() for c in row.locator("td").all_inner_texts()]
        assert (cells[1].split()[0], cells[3], cells[4], cells[7]) == (
            "苗头信息",
            TOWNSHIP,
            COUNTY,
            "待签收",
        ), cells
        with county.expect_navigation(wait_until="domcontentloaded"):
            row.locator("a", has_text=forwarded_title).click()
        assert status_of(county, "to-unit") == COUNTY
        content = status_of(county, "report-content")
        assert forward_note in content, content
        assert f"【{VILLAGE}报送】" in content, content
        merged = county.locator("[data-testid=merged-row]")
        assert merged.count() == 1, "县里看不到并入本报告的东风村原始信息"
        assert sign_number in merged.inner_text(), merged.inner_text()
        assert county.locator("[data-testid=open-sign]").count() == 1, "县接访员没有“签收”按钮"
        screenshot(county, "stability-county-forwarded")

        # === 2. a sensitive period: the village's daily report owed, chased once ===================
        clerk.goto(f"{server_url}/calendar/sensitive/")
        period_form = clerk.locator("#period-form")
        today = datetime.now(TZ).date()
        ends_on = today + timedelta(days=4)
        choose(period_form.locator("#id_unit"), TOWNSHIP, exact=True)
        period_form.locator("#id_name").fill(PERIOD_NAME)
        period_form.locator("#id_starts_on").fill(today.isoformat())
        period_form.locator("#id_ends_on").fill(ends_on.isoformat())
        period_form.locator("#id_level").select_option("2")  # 二级: a daily report owed
        period_form.locator("#id_reason").fill("县委政法委通知：县重大项目签约活动期间加强值守，各村每日报送")
        submit(clerk, period_form.locator("button[type=submit]", has_text="保存"))
        saved = succeeded(clerk, "新增敏感时期")
        saved_by = datetime.now(TZ)  # the period was saved no later than this
        assert f"{TOWNSHIP} {PERIOD_NAME}" in saved, saved
        assert "（二级）" in saved, saved
        period_row = clerk.locator("[data-testid=sensitive-row]", has_text=PERIOD_NAME)
        assert period_row.count() == 1, clerk.inner_text("main")
        assert "二级" in period_row.inner_text(), period_row.inner_text()

        day = chase_day(saved_by)
        assert day <= ends_on, f"敏感时期（至 {ends_on}）不含催报日 {day}"
        at = f"{day:%Y-%m-%d} 16:31"
        first_run = manage("deadlines_sweep", "--at", at)
        chase_title = f"催报：{VILLAGE}{day:%m月%d日}日报未报送"
        chased = notifications(informant, server_url, chase_title)
        assert chased.count() == 1, (
            f"刘信息应收到一条“{chase_title}”（巡检：{first_run.strip()}）："
            f"{informant.locator('main').inner_text()}"
        )
        assert "没有情况也须报送零报告" in chased.inner_text(), chased.inner_text()
        all_chases = informant.locator("[data-testid=notification]", has_text="催报：").count()
        screenshot(informant, "stability-chase")

        second_run = manage("deadlines_sweep", "--at", at)
        assert "新发提醒 0 条" in second_run, second_run
        assert notifications(informant, server_url, chase_title).count() == 1, "同一日报被催报了两次"
        again = informant.locator("[data-testid=notification]", has_text="催报：").count()
        assert again == all_chases, f"第二次巡检又发了催报：{all_chases} → {again}"

        # === 3. the incident: registered 70 minutes after it was learned of, overdue at once ========
        clerk.goto(f"{server_url}/incidents/new/")
        register = clerk.locator("[data-testid=register-form]")
        now = datetime.now(TZ)
        learned, occurred = now - timedelta(minutes=70), now - timedelta(minutes=85)
        choose(register.locator("#register-unit"), TOWNSHIP, exact=True)
        register.locator("#register-title").fill(INCIDENT_TITLE)
        register.locator("#register-kind").select_option("gathering")
        register.locator("#register-learned_at").fill(local_input(learned))
        register.locator("#register-occurred_at").fill(local_input(occurred))
        register.locator("#register-place").fill("镇政府门口")
        register.locator("#register-headcount").fill("40")
        register.locator("#register-demands").fill("要求当日发放拖欠的征地补偿款，公开补偿标准和分配名单")
        choose(register.locator("#register-gathered_unit"), TOWNSHIP, exact=True)
        register.locator("fieldset", has_text="涉及单位").get_by_label(VILLAGE, exact=True).check()
        register.locator("#register-key_persons").fill("东风村三组村民代表李某、王某")
        submit(clerk, register.locator("[data-testid=submit-register]"))
        registered = succeeded(clerk, "登记突发事件")
        assert "已登记突发事件" in registered, registered
        assert "Ⅲ级" in registered, f"40 人聚集应定为Ⅲ级：{registered}"
        incident_url = clerk.url
        assert re.search(r"/incidents/\d+/$", incident_url), incident_url
        assert status_of(clerk, "incident-status") == "接报"
        overdue = clerk.locator("[data-testid=next-report] [data-testid=overdue]")
        assert overdue.count() == 1, f"逾期 10 分钟的首报没有标红：{status_of(clerk, 'next-report')}"
        assert "首报" in status_of(clerk, "next-report")

        clerk.goto(f"{server_url}/incidents/")
        board_row = clerk.locator("[data-testid=board-row]", has_text=INCIDENT_TITLE)
        assert board_row.count() == 1, clerk.inner_text("[data-testid=incident-board]")
        assert "table-danger" in (board_row.get_attribute("class") or ""), "看板上逾期的事件不是红色"
        assert "已逾期" in board_row.locator("[data-testid=overdue]").inner_text()
        assert board_row.locator("[data-testid=level]").inner_text().strip() == "Ⅲ级"
        assert "报告逾期" in clerk.inner_text("[data-testid=overdue-count]")
        screenshot(clerk, "stability-board")

        swept = manage("deadlines_sweep")
        told = notifications(county, server_url, f"突发事件首报逾期：{INCIDENT_TITLE}")
        assert told.count() == 1, (
            f"县接访员没有收到首报逾期提醒（巡检：{swept.strip()}）：{county.locator('main').inner_text()}"
        )
        assert "尚未报告" in told.inner_text(), told.inner_text()

        # === 4. the first report, its four items, and its document ===================================
        clerk.goto(incident_url)

        def first_report(f):
            kind = f.locator("#report-kind")
            assert [o.strip() for o in kind.locator("option").all_inner_texts()] == ["请选择", "首报"]
            kind.select_option("first")
            f.locator("#report-situation").fill(
                f"{occurred:%H时%M分}，东风村三组村民约40人聚集在城关镇人民政府门口，"
                "要求当日发放拖欠的征地补偿款、公开补偿标准和分配名单。"
            )
            f.locator("#report-measures").fill(
                "镇党委书记赶赴现场，分管领导带领工作组与村民代表座谈，派出所民警维持秩序。"
            )
            f.locator("#report-impact").fill(
                "现场秩序总体平稳，未发生冲突，未堵塞交通；部分村民情绪激动，正在疏导。"
            )
            f.locator("#report-other").fill("已联系县自然资源局派员到场解释补偿政策。")

        assert "已报送" in step(clerk, "report", first_report)
        report_rows = clerk.locator("[data-testid=reports] [data-testid=report-row]")
        assert report_rows.all_inner_texts()[0].startswith("首报"), report_rows.all_inner_texts()
        assert report_rows.first.locator("[data-testid=report-late]").count() == 1, "超时的首报未标为逾期"
        assert f"待{COUNTY}签收" in report_rows.first.inner_text(), report_rows.first.inner_text()
        with clerk.expect_download() as info:
            report_rows.first.locator("[data-testid=report-document]").click()
        download = info.value
        assert download.suggested_filename.endswith(".docx"), download.suggested_filename
        first_docx = tmp_path / "first-report.docx"
        download.save_as(first_docx)
        xml_text = document_xml_text(first_docx)
        assert INCIDENT_TITLE in xml_text, f"首报公文中没有事件名称：{xml_text[:300]}"
        text = docx_text(first_docx)
        for part in ("首报", COUNTY, "镇政府门口", "派出所民警维持秩序", "未堵塞交通", "县自然资源局派员"):
            assert part in text, f"首报公文中没有“{part}”：{text}"

        # === 5. the principal leader on site ==========================================================
        principal = sign_in("principal")
        principal.goto(f"{server_url}/")
        arrival = principal.locator("[data-testid=todo-group-incident_arrival]")
        assert arrival.count() == 1, "赵书记的待办中没有“突发事件待到场”"
        assert INCIDENT_TITLE in arrival.inner_text(), arrival.inner_text()
        principal.goto(incident_url)
        assert "已登记主要领导到场" in step(
            principal,
            "arrive",
            lambda f: f.locator("#arrive-note").fill("赵书记已到现场，与村民代表座谈"),
        )
        line = status_of(principal, "arrival-line")
        assert "赵书记" in line, line
        assert "按时" in line, line
        assert principal.locator("[data-testid=open-arrive]").count() == 0, "到场登记后仍可再次登记"

        # === 6. the plan: activated, its tasks done; on site, reports, aftermath, accountability ====
        leader = sign_in("leader")
        leader.goto(f"{server_url}/incidents/plans/")
        if leader.locator("[data-testid=plan]", has_text=PLAN).count() == 0:
            leader.locator("[data-testid=plan-new]").click()
            plan_form = leader.locator("[data-testid=plan-form]")
            plan_form.wait_for()
            plan_form.locator("#id_name").fill(PLAN)
            choose(plan_form.locator("#id_unit"), TOWNSHIP, exact=True)
            plan_form.get_by_label("集体上访、聚集").check()
            plan_form.get_by_label("堵路、堵门").check()
            for i, (title, role) in enumerate(PLAN_TASKS[:2]):
                plan_form.locator("input[name=task_title]").nth(i).fill(title)
                plan_form.locator("select[name=task_role]").nth(i).select_option(role)
            submit(leader, plan_form.locator("[data-testid=add-row]"))  # 增加一行 keeps what was typed
            plan_form = leader.locator("[data-testid=plan-form]")
            assert plan_form.locator("input[name=task_title]").nth(1).input_value() == PLAN_TASKS[1][0]
            title, role = PLAN_TASKS[2]
            plan_form.locator("input[name=task_title]").nth(2).fill(title)
            plan_form.locator("select[name=task_role]").nth(2).select_option(role)
            submit(leader, plan_form.locator("[data-testid=save-plan]"))
            assert f"已保存应急预案：{PLAN}（3 项任务）" in succeeded(leader, "制定应急预案")
        plan_card = leader.locator("[data-testid=plan]", has_text=PLAN)
        assert plan_card.count() == 1, leader.inner_text("main")
        assert TOWNSHIP in plan_card.inner_text(), plan_card.inner_text()

        leader.goto(incident_url)

        def activate(f):
            choose(f.locator("#activate_plan-plan"), PLAN)
            f.locator("#activate_plan-note").fill("按预案分工立即到岗")

        assert "已启动应急预案" in step(leader, "activate_plan", activate)
        assert status_of(leader, "incident-status") == "启动预案"
        task_rows = leader.locator("[data-testid=task-row]")
        tasks = task_rows.count()
        assert tasks >= 2, leader.inner_text("[data-testid=tasks]")
        owners = " ".join(task_rows.all_inner_texts())
        assert "赵书记" in owners, owners
        assert "张分管" in owners, owners

        # each owner does their own task; the office (王接访) the rest
        def complete(page, owner: str | None, result: str):
            def fill(f):
                task = f.locator("#complete_task-task")
                if owner is None:
                    task.select_option(index=1)
                else:
                    choose(task, f"（{owner}）")
                f.locator("#complete_task-result").fill(result)

            assert "已完成预案任务" in step(page, "complete_task", fill)

        principal.goto(incident_url)
        complete(principal, "赵书记", "已到现场统一指挥，与村民代表座谈")
        complete(leader, "张分管", "工作组面对面听取诉求，村民代表同意回村等候答复")
        clerk.goto(incident_url)
        for _ in range(tasks):
            if clerk.locator("[data-testid=open-complete_task]").count() == 0:
                break
            complete(clerk, None, "已在现场登记诉求并做好政策解释")
        left = clerk.locator("[data-testid=task-row]", has_text="未完成")
        assert left.count() == 0, f"预案任务未全部完成：{left.all_inner_texts()}"
        assert clerk.locator("[data-testid=open-complete_task]").count() == 0

        assert "已进入现场处置阶段" in step(
            leader, "on_site", lambda f: f.locator("#on_site-note").fill("工作组与村民代表座谈，现场秩序平稳")
        )
        assert status_of(leader, "incident-status") == "现场处置"

        def follow_up(situation: str):
            def fill(f):
                kind = f.locator("#report-kind")
                assert "终报" not in kind.inner_text(), "现场处置阶段不应能报终报"
                kind.select_option("follow_up")
                f.locator("#report-situation").fill(situation)
                f.locator("#report-measures").fill(
                    "工作组继续与村民代表座谈，县自然资源局工作人员到场解释补偿政策。"
                )
                f.locator("#report-impact").fill("现场秩序平稳，聚集人数逐步减少。")

            return fill

        clerk.goto(incident_url)
        step(clerk, "report", follow_up("聚集村民已减至约15人，村民代表已推选5人参与座谈。"))
        step(clerk, "report", follow_up("县自然资源局承诺本月底前将补偿款拨付到位，聚集村民已全部返回。"))
        kinds = [r.split("（")[0].strip() for r in report_rows.all_inner_texts()]
        assert kinds == ["首报", "续报", "续报"], kinds

        assert "已转入善后阶段" in step(
            leader,
            "aftermath",
            lambda f: f.locator("#aftermath-note").fill("村民已全部返回，转入善后，跟踪补偿款拨付"),
        )
        assert status_of(leader, "incident-status") == "善后"

        def final_report(f):
            f.locator("#report-kind").select_option("final")
            f.locator("#report-situation").fill("东风村三组村民约40人聚集事件已平息，村民已全部返回。")
            f.locator("#report-measures").fill("补偿款拨付计划已向村民公示，镇村干部逐户上门解释。")
            f.locator("#report-impact").fill("事件未造成人员伤亡和财产损失，社会影响较小。")
            f.locator("#report-other").fill("镇里将每周向县里报告补偿款拨付进度。")

        clerk.goto(incident_url)
        assert "已报送" in step(clerk, "report", final_report)
        kinds = [r.split("（")[0].strip() for r in report_rows.all_inner_texts()]
        assert kinds == ["首报", "续报", "续报", "终报"], kinds
        assert clerk.locator("[data-testid=open-report]").count() == 0, "终报后仍可报告"
        assert "已报送终报" in status_of(clerk, "next-report")

        def accountability(f):
            f.locator("#account-sanction").select_option("criticism")
            f.locator("#account-person").fill("李某（东风村三组网格员）")
            f.locator("#account-finding").fill(
                "三组村民商议到镇聚集已有数日，网格员未及时发现和报告，信息报送滞后。"
            )

        assert "已记录责任追究" in step(leader, "account", accountability)
        assert status_of(leader, "incident-status") == "责任追究"
        record = leader.locator("[data-testid=accountability-row]")
        assert record.count() == 1, leader.inner_text("[data-testid=accountability]")
        assert "批评教育：李某（东风村三组网格员）" in record.inner_text(), record.inner_text()

        assert "事件已结束" in step(
            leader, "close", lambda f: f.locator("#close-note").fill("事件处置完毕，善后工作转入日常跟踪")
        )
        assert status_of(leader, "incident-status") == "已结束"
        assert "事件已结束" in status_of(leader, "next-report")
        assert leader.locator("[data-testid=incident-actions]").count() == 0, "已结束的事件仍有办理按钮"
        screenshot(leader, "stability-incident-closed")
        leader.goto(f"{server_url}/incidents/")
        assert leader.locator("[data-testid=board-row]", has_text=INCIDENT_TITLE).count() == 0
        leader.goto(f"{server_url}/incidents/closed/")
        assert INCIDENT_TITLE in leader.inner_text("main"), "已结束事件中没有这起事件"

        # === 7. the completeness grid and the first report's document ================================
        clerk.goto(f"{server_url}/reports/completeness/")
        grid = clerk.locator("[data-testid=completeness-grid]")
        grid.wait_for()
        names = [
            r.split("\t")[0].strip(" └") for r in grid.locator("[data-testid=grid-row]").all_inner_texts()
        ]
        for village in VILLAGES:
            assert any(village in name for name in names), f"报送完整率中没有{village}：{names}"
        screenshot(clerk, "stability-completeness")

        document, rendered = show_document(clerk.context, first_docx, tmp_path)
        screenshot(document, "stability-report-docx")
        if rendered:
            assert document.locator("img").evaluate("img => img.naturalWidth") > 500
    finally:
        for context in contexts:
            context.close()
