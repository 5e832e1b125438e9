"""The public portal (网上信访) end to end in a real browser, deployed as a county would deploy it:
the staff platform (config.settings.local) and, beside it, a second gunicorn serving only the
portal (config.settings.portal) on the same data directory (one SQLite database, one secret key).

On a phone, 张建国 reads the guide, submits a petition about 城关镇 · 东风村 with a PDF attached,
keeps the receipt (the number and a 16-symbol query code) and tracks it, typing the code in lower
case without dashes. A wrong code answers exactly like an unknown number.

On the staff side, 城关镇 finds the petition (网上信访) in its register: the clerk (王接访) accepts
it, the township's handler (李承办) reports, the leader (张分管) approves the report and the clerk
answers (不予支持, delivered today): the 处理意见书 is issued in the township's name.

Back on the phone, the tracking page shows 已答复, the steps (已受理, the answer with the review
deadline); he downloads the 处理意见书, rates the answer 不满意 (the petition's timeline shows
回访评价 不满意) and requests a review (复查) online. The county's clerk (郑县接访) sees the request
on 网上信访 and on the petition's page, registers it with the petition's own form, and the request
leaves the list; the citizen sees 已登记复查申请.

Every portal page visited is checked with axe-core (WCAG 2.0/2.1 A and AA) on the phone and on a
desktop; the 大字版 enlarges the text; with JavaScript disabled a petition can still be submitted;
the portal's own site answers 404 for the staff site's pages, API and static files.

Screenshots: portal-guide-phone, portal-form-phone, portal-receipt-phone, portal-track-phone,
portal-answered-phone, portal-guide-desktop, portal-track-desktop (test-artifacts/screenshots/)."""

import html
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.browser.conftest import ROOT, SCREENSHOTS, _env, _free_port
from tests.browser.helpers import act, alerts, field_errors, open_petition, server_today, session
from xinfang.petitions.tests.factories import VALID_IDS

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 3,
}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
STAFF_VIEWPORT = {"width": 1400, "height": 900}
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 6).map((n) => n.target.join(' ') + ' — ' + n.failureSummary.replace(/\\s+/g, ' ')),
  }));
}"""

PLACE = "城关镇 · 东风村"
CITIZEN = {
    "name": "张建国",
    "id_number": VALID_IDS[1],  # 110101199003070513
    "phone": "13905512345",
    "address": "城关镇东风村一组18号",
    "subject": "东风村征地补偿款至今未发放",
    "content": "2025年5月村里征用我家承包地1.2亩修建村道，当时承诺的征地补偿款至今未发放，多次找村委会未果。",
    "demands": "请求核实并按标准足额发放征地补偿款",
}
ANSWER_TEXT = "经核实，该地块补偿款已按县定标准核算并公示，信访人所提增加补偿的请求于法无据，不予支持。"
RATE_REASON = "补偿标准偏低，没有考虑地上青苗"
REVIEW_REASON = "处理意见未核实青苗补偿，请求上一级机关复查"
SUBMITTED = "已收到，正在审查是否受理"
CODE_SHOWN = re.compile(r"^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}$")
NUMBER = re.compile(r"^\d{9,}-\d{4}-\d{6}$")


# --- the two servers ------------------------------------------------------------------------------


def _start(env: dict[str, str], data_dir: Path, name: str, probe: str) -> tuple[subprocess.Popen, str]:
    """A gunicorn on a free port (threads, as `make run` serves), once `probe` answers."""
    port = _free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    log = open(data_dir / f"{name}.log", "w")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [str(gunicorn), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--threads", "4"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    process.log = log  # type: ignore[attr-defined]
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{url}{probe}", timeout=1)
            return process, url
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                log.close()
                raise RuntimeError((data_dir / f"{name}.log").read_text()) from None
            time.sleep(0.2)


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """(staff URL, portal URL): two processes, one data directory (database, files, secret key)."""
    data_dir = tmp_path_factory.mktemp("portal-data")
    staff_env = {**_env(data_dir), "XINFANG_PORTAL_CAPTCHA": "0"}
    staff_env.pop("SECRET_KEY", None)  # both servers read the one generated into DATA_DIR/secret_key
    # collectstatic (no database) alongside the migrations, to save a few seconds
    static = subprocess.Popen(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT, env=staff_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    for command in (["migrate", "--noinput"], ["load_demo", "--without-matters"]):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=staff_env, check=True, capture_output=True
        )
    _, problem = static.communicate(timeout=120)
    assert static.returncode == 0, problem.decode()
    portal_env = {**staff_env, "DJANGO_SETTINGS_MODULE": "config.settings.portal"}
    portal_env.pop("XINFANG_DEMO", None)
    portal_env.pop("DEMO_PASSWORD", None)
    started = []
    try:
        started.append(_start(staff_env, data_dir, "staff", "/healthz"))
        started.append(_start(portal_env, data_dir, "portal", "/portal/"))
        yield started[0][1], started[1][1]
    finally:
        for process, _ in started:
            process.terminate()
            process.wait(timeout=10)
            process.log.close()


@pytest.fixture(scope="module")
def server_url(servers):
    """The staff site (what `login` and `session` sign in to)."""
    return servers[0]


# --- small helpers --------------------------------------------------------------------------------


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def shoot(page, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


class Axe:
    """Runs axe-core on each page it is given; the serious and critical findings are collected."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []
        self.checked: list[str] = []

    def __call__(self, page, label: str) -> None:
        page.evaluate(self.source)
        self.checked.append(label)
        for v in page.evaluate(RUN_AXE, TAGS):
            if v["impact"] in BLOCKING:
                self.problems.append(
                    f"{label}: {v['id']} ({v['impact']}) {v['help']}; " + " | ".join(v["nodes"])
                )


def text_of(page, testid: str) -> str:
    return page.inner_text(f"[data-testid={testid}]").strip()


def submit_and_wait(page, button) -> None:
    with page.expect_navigation(wait_until="domcontentloaded"):
        button.click()


def fill_form(page, person: dict[str, str], attachment: Path | None = None) -> None:
    form = page.locator("[data-testid=submit-form]")
    form.locator("#f-name").fill(person["name"])
    form.locator("#f-id_number").fill(person["id_number"])
    form.locator("#f-phone").fill(person["phone"])
    form.locator("#f-address").fill(person["address"])
    form.locator("#f-unit").select_option(label=PLACE)
    form.locator("#f-subject").fill(person["subject"])
    form.locator("#f-content").fill(person["content"])
    form.locator("#f-demands").fill(person["demands"])
    if attachment is not None:
        form.locator("#f-attachments").set_input_files(str(attachment))
    form.locator("#f-truthful").check()


def receipt_of(page) -> tuple[str, str]:
    page.locator("[data-testid=receipt]").wait_for()
    number, code = text_of(page, "receipt-number"), text_of(page, "receipt-code")
    assert NUMBER.match(number), f"信访件编号格式有误：{number}"
    assert CODE_SHOWN.match(code), f"查询码应显示为 XXXX-XXXX-XXXX-XXXX（无 I、O、0、1）：{code}"
    return number, code


def track(page, portal: str, number: str, code: str) -> None:
    """Tracks from the form as a citizen would (the number, then the code typed)."""
    page.goto(f"{portal}/portal/track/")
    form = page.locator("[data-testid=track-form]")
    form.locator("#f-number").fill(number)
    form.locator("#f-code").fill(code)
    submit_and_wait(page, form.locator("[data-testid=track-submit]"))


def tracked(page, portal: str, number: str, code: str) -> str:
    track(page, portal, number, code)
    assert page.locator("[data-testid=track-status]").count() == 1, (
        f"查询失败：{page.inner_text('main')[:300]}"
    )
    return text_of(page, "track-status")


def steps_of(page) -> list[str]:
    return [s.strip() for s in page.locator("[data-testid=track-step]").all_inner_texts()]


def staff_status(page) -> str:
    return page.locator("h1[data-testid=petition-subject] ~ span.badge").first.inner_text().strip()


def document_xml_text(path: Path) -> str:
    """The text of word/document.xml with its tags removed (a Word run may split a phrase)."""
    assert zipfile.is_zipfile(path), "下载的文件不是 .docx（zip）文件"
    with zipfile.ZipFile(path) as docx:
        xml = docx.read("word/document.xml").decode("utf-8")
    return html.unescape(re.sub(r"<[^>]+>", "", xml))


def font_size(page) -> float:
    return float(page.evaluate("getComputedStyle(document.body).fontSize").removesuffix("px"))


# --- the walk -------------------------------------------------------------------------------------


def test_a_citizen_petitions_online_the_office_answers_and_registers_the_review(
    browser, servers, login, axe_source, tmp_path
):
    staff, portal = servers
    today = server_today().isoformat()
    axe = Axe(axe_source)
    contexts = []

    def context(**options):
        made = browser.new_context(locale="zh-CN", accept_downloads=True, **options)
        contexts.append(made)
        page = made.new_page()
        page.set_default_timeout(20000)
        return page

    def sign_in(username: str):
        made, page = session(browser, login, staff, username)
        contexts.append(made)
        page.set_viewport_size(STAFF_VIEWPORT)
        return page

    pdf = tmp_path / "征地协议.pdf"
    pdf.write_bytes(
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )

    try:
        # === 0. the portal's own site publishes the portal and nothing of the staff site =========
        assert status_of(f"{portal}/portal/") == 200
        for path in ("/accounts/login/", "/api/v1/docs", "/petitions/", "/online/", "/static/core/app.js"):
            assert status_of(f"{portal}{path}") == 404, f"门户站点不应提供 {path}"
        assert status_of(f"{portal}/static/portal/portal.css") == 200
        assert status_of(f"{staff}/static/core/app.js") == 200  # the file exists: the portal hides it

        # === 1. on the phone: the guide, the form (refused empty), the receipt ======================
        phone = context(**PHONE)
        phone.goto(f"{portal}/portal/")
        assert text_of(phone, "guide-title") == "网上信访办事指南"
        shoot(phone, "portal-guide-phone")
        axe(phone, "手机 办事指南")
        # the page fits the phone: nothing wider than the viewport
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, "指南页面在手机上横向溢出"

        submit_and_wait(phone, phone.locator("[data-testid=start-submit]"))
        form = phone.locator("[data-testid=submit-form]")
        form.wait_for()
        # without the promise ticked: refused with the promise's message
        submit_and_wait(phone, form.locator("[data-testid=submit]"))
        assert "承诺" in text_of(phone, "form-message")
        # the promise ticked, nothing filled: every required field says what is missing
        phone.locator("#f-truthful").check()
        submit_and_wait(phone, phone.locator("[data-testid=submit]"))
        for name in ("name", "id_number", "phone", "address", "unit", "subject", "content", "demands"):
            assert phone.locator(f"[data-testid=error-{name}]").count() == 1, (
                f"空表提交后“{name}”应有错误提示；{field_errors(phone)}"
            )
        axe(phone, "手机 表单（错误提示）")

        # a fresh form from the navigation, filled in full
        submit_and_wait(phone, phone.get_by_role("navigation").get_by_role("link", name="我要反映"))
        assert phone.locator("[data-testid=form-message]").count() == 0
        fill_form(phone, CITIZEN, pdf)
        shoot(phone, "portal-form-phone")
        axe(phone, "手机 表单（已填写）")
        submit_and_wait(phone, phone.locator("[data-testid=submit]"))
        number, code = receipt_of(phone)
        assert text_of(phone, "receipt-unit") == "城关镇"
        assert pdf.name in text_of(phone, "receipt-attachments")
        shoot(phone, "portal-receipt-phone")
        axe(phone, "手机 提交成功")

        # === 2. tracking: a wrong code answers like an unknown number; the right one opens it =======
        submit_and_wait(phone, phone.locator("[data-testid=go-track]"))
        assert phone.input_value("#f-number") == number
        axe(phone, "手机 查询表单")
        wrong = "".join("A" if ch != "A" else "B" for ch in code.replace("-", ""))
        track(phone, portal, number, wrong)
        wrong_message = text_of(phone, "track-message")
        track(phone, portal, number[:-6] + "999999", code)
        unknown_message = text_of(phone, "track-message")
        assert wrong_message == unknown_message, (wrong_message, unknown_message)
        assert "未找到" in wrong_message, wrong_message
        assert phone.locator("[data-testid=track-status]").count() == 0

        typed = code.replace("-", "").lower()
        assert tracked(phone, portal, number, typed) == SUBMITTED
        assert steps_of(phone)[0].endswith("收到网上信访事项，已登记"), steps_of(phone)
        shoot(phone, "portal-track-phone")
        axe(phone, "手机 办理情况（已收到）")

        # === 3. the township: register → 受理 → 办结报告 → 审核通过 → 答复 ==========================
        clerk = sign_in("clerk")
        clerk.goto(f"{staff}/petitions/?channel=online")
        row = clerk.locator("[data-testid=register-row]", has_text=number)
        assert row.count() == 1, f"登记簿（网上信访）中没有 {number}"
        submit_and_wait(clerk, row.get_by_role("link", name=number))
        clerk.locator("[data-testid=petition-timeline]").wait_for()
        petition_url = clerk.url
        assert text_of(clerk, "petition-number") == number
        facts = clerk.inner_text("main")
        assert "网上信访" in facts, "来源渠道应为网上信访"
        assert "网上信访系统" in facts, "首问责任人（登记人）应为网上信访系统"
        act(clerk, "accept")
        assert staff_status(clerk) == "已受理", alerts(clerk)

        handler = sign_in("handler")
        open_petition(handler, petition_url)
        act(
            handler,
            "submit_report",
            lambda f: f.locator("#submit_report-report").fill(
                "经实地核实并查阅征地档案，补偿款已按标准核算公示。"
            ),
        )

        def approve(form):
            boxes = form.locator("input[type=checkbox][name=checks]")
            for i in range(boxes.count()):
                boxes.nth(i).check()

        leader = sign_in("leader")
        open_petition(leader, petition_url)
        act(leader, "approve_report", approve)

        def answer(form):
            form.locator("#answer-outcome").select_option("not_support")
            form.locator("#answer-text").fill(ANSWER_TEXT)
            form.locator("#answer-delivered_on").fill(today)

        open_petition(clerk, petition_url)
        act(clerk, "answer", answer)
        assert staff_status(clerk) == "已答复", alerts(clerk)
        assert (
            clerk.locator("[data-testid=event-answer] [data-testid=download-handling_opinion]").count() == 1
        )

        # === 4. back on the phone: 已答复, the 处理意见书, 不满意, 申请复查 ===============================
        assert tracked(phone, portal, number, typed) == "已答复"
        steps = steps_of(phone)
        assert any(s.endswith("已受理") for s in steps), steps
        answered = next((s for s in steps if "作出处理意见" in s), "")
        assert "不予支持" in answered, steps
        assert f"送达日期 {today}" in answered, steps
        window = text_of(phone, "track-window")
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", window), window
        assert f"可在 {window} 前申请复查" in answered, answered
        assert "不予支持" in text_of(phone, "track-answered")
        notices = phone.locator("[data-testid=track-notices] li")
        opinion = notices.filter(has_text="处理意见书")
        assert opinion.count() == 1, f"应可下载处理意见书：{phone.inner_text('[data-testid=track-notices]')}"
        axe(phone, "手机 办理情况（已答复，可评价和申请复查）")
        shoot(phone, "portal-answered-phone")
        with phone.expect_download() as info:
            opinion.locator("[data-testid=notice-download]").click()
        download = info.value
        assert download.suggested_filename.endswith(".docx"), download.suggested_filename
        text = document_xml_text(Path(download.path()))
        assert number in text, f"处理意见书中没有信访件编号 {number}：{text[:500]}"
        assert "城关镇" in text, text[:500]

        rate = phone.locator("[data-testid=rate-form]")
        rate.locator("#s-dissatisfied").check()
        rate.locator("#f-rate-reason").fill(RATE_REASON)
        submit_and_wait(phone, rate.locator("[data-testid=rate-submit]"))
        assert "感谢您的评价" in text_of(phone, "track-message"), text_of(phone, "track-message")
        assert text_of(phone, "track-satisfaction") == "不满意"
        assert phone.locator("[data-testid=rate-form]").count() == 0, "评价后不应再显示评价表单"

        open_petition(clerk, petition_url)
        visit = clerk.locator("[data-testid=event-record_visit]")
        assert visit.count() == 1, "时间轴上应有回访评价"
        assert "回访评价" in visit.inner_text(), visit.inner_text()
        assert "不满意" in visit.inner_text(), visit.inner_text()

        review = phone.locator("[data-testid=review-form]")
        review.locator("#f-review-reason").fill(REVIEW_REASON)
        submit_and_wait(phone, review.locator("[data-testid=review-submit]"))
        assert "申请已提交" in text_of(phone, "track-message"), text_of(phone, "track-message")
        assert "待登记" in text_of(phone, "track-review"), text_of(phone, "track-review")
        assert phone.locator("[data-testid=review-form]").count() == 0

        # === 5. the county registers the request for review =====================================
        county = sign_in("county-clerk")
        county.goto(f"{staff}/")
        county.get_by_role("link", name="网上信访").first.click()
        county.wait_for_url(f"{staff}/online/")
        pending = county.locator("[data-testid=review-request]", has_text=number)
        assert pending.count() == 1, (
            f"网上信访页应列出 {number} 的复查申请：{county.inner_text('main')[:400]}"
        )
        assert REVIEW_REASON in pending.inner_text()
        count_before = int(text_of(county, "review-count"))
        submit_and_wait(county, pending.get_by_role("link", name=number))
        county.locator("[data-testid=petition-timeline]").wait_for()
        links = county.locator("[data-testid=petition-link]")
        online = links.filter(has_text="网上申请复查")
        assert online.count() == 1, f"信访件页面应提示网上复查申请：{links.all_inner_texts()}"
        assert REVIEW_REASON in online.inner_text(), online.inner_text()
        assert f"申请日期填 {today}" in online.inner_text(), online.inner_text()

        def request_review(form):
            form.locator("#request_review-requested_on").fill(today)
            form.locator("#request_review-reason").fill(REVIEW_REASON)

        act(county, "request_review", request_review)
        assert staff_status(county) == "复查中", alerts(county)
        assert links.filter(has_text="网上申请复查").count() == 0
        county.goto(f"{staff}/online/")
        assert county.locator("[data-testid=review-request]", has_text=number).count() == 0
        assert int(text_of(county, "review-count")) == count_before - 1

        assert tracked(phone, portal, number, typed) == "复查中"
        assert any("已登记复查申请" in s for s in steps_of(phone)), steps_of(phone)
        assert "已登记" in text_of(phone, "track-review"), text_of(phone, "track-review")
        axe(phone, "手机 办理情况（复查中）")

        # === 6. the desktop: guide, form, receipt, tracking; the 大字版 ============================
        desk = context(**DESKTOP)
        desk.goto(f"{portal}/portal/")
        shoot(desk, "portal-guide-desktop")
        axe(desk, "电脑 办事指南")
        standard = font_size(desk)
        submit_and_wait(desk, desk.locator("[data-testid=large-text]"))
        assert desk.url.endswith("/portal/")
        large = font_size(desk)
        assert large > standard, f"大字版应放大正文字号：{standard}px → {large}px"
        assert text_of(desk, "large-text") == "标准字号"
        submit_and_wait(desk, desk.locator("[data-testid=large-text]"))
        assert font_size(desk) == standard

        desk.goto(f"{portal}/portal/submit/")
        desk.locator("#f-truthful").check()
        submit_and_wait(desk, desk.locator("[data-testid=submit]"))
        assert desk.locator("[data-testid=error-name]").count() == 1
        axe(desk, "电脑 表单（错误提示）")
        other = {**CITIZEN, "name": "李秀英", "id_number": VALID_IDS[3], "phone": "13905519876"}
        fill_form(desk, other)
        axe(desk, "电脑 表单（已填写）")
        submit_and_wait(desk, desk.locator("[data-testid=submit]"))
        receipt_of(desk)
        axe(desk, "电脑 提交成功")
        desk.goto(f"{portal}/portal/track/")
        axe(desk, "电脑 查询表单")
        assert tracked(desk, portal, number, code) == "复查中"
        shoot(desk, "portal-track-desktop")
        axe(desk, "电脑 办理情况")

        # === 7. without JavaScript: the form submits and the receipt shows ========================
        plain = context(java_script_enabled=False, **PHONE)
        plain.goto(f"{portal}/portal/submit/")
        fill_form(plain, {**CITIZEN, "name": "王桂兰", "id_number": VALID_IDS[2], "phone": "13905510001"})
        submit_and_wait(plain, plain.locator("[data-testid=submit]"))
        no_js_number, no_js_code = receipt_of(plain)
        assert tracked(plain, portal, no_js_number, no_js_code) == SUBMITTED

        assert len(axe.checked) == 14, axe.checked
        assert not axe.problems, "无障碍严重或致命问题：\n" + "\n".join(axe.problems)
    finally:
        for made in contexts:
            made.close()
