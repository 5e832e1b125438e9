"""The register in a real browser: registration for three channels, search, detail, export,
autocomplete and repeat detection."""

import io
import re

import pytest
from openpyxl import Workbook, load_workbook

pytestmark = pytest.mark.browser

LETTER_ID = "110101199003070513"
REPEAT_ID = "320102198001010016"


def _open_form(page, server_url):
    page.goto(f"{server_url}/petitions/new/")
    form = page.locator("#petition-form")
    form.wait_for()
    return form


def _submit(page, form) -> str:
    """Submits the registration form and answers the number shown on the detail page."""
    form.locator("[data-testid=petition-submit]").click()
    page.wait_for_url(re.compile(r".*/petitions/\d+/$"))
    assert "登记成功" in page.inner_text(".alert-success")
    return page.inner_text("[data-testid=petition-number]").strip()


def _search(page, server_url, word: str) -> None:
    page.goto(f"{server_url}/petitions/")
    filters = page.locator("#register-filters")
    filters.locator("input[name=q]").fill(word)
    filters.locator("[data-testid=register-search]").click()


def test_clerk_registers_three_channels_finds_each_and_exports(page, server_url, login, screenshot):
    # given
    login(page, "clerk")
    page.wait_for_url(f"{server_url}/")

    # when: (a) a signed letter about unpaid wages
    form = _open_form(page, server_url)
    form.locator("select[name=channel]").select_option("letter")
    form.locator("input[name=petitioner_name]").fill("周大成")
    form.locator("select[name=petitioner_gender]").select_option("male")
    form.locator("input[name=petitioner_id_number]").fill(LETTER_ID)
    form.locator("input[name=petitioner_phone]").fill("13955550001")
    form.locator("input[name=petitioner_address]").fill("城关镇东风村4组")
    form.locator("select[name=category]").select_option("0201")
    form.locator("input[name=subject]").fill("反映某建筑工地拖欠工资问题")
    form.locator("textarea[name=content]").fill(
        "本人在某建筑工地务工，工地拖欠工资三个月共计两万元，要求尽快支付。"
    )
    screenshot(page, "10-register-form")
    letter = _submit(page, form)

    # (b) a collective visit, 30 people, 3 representatives
    form = _open_form(page, server_url)
    form.locator("select[name=channel]").select_option("visit")
    form.locator("input[name=visit_kind][value=collective]").check()
    assert form.locator("input[name=petitioner_name]").is_hidden()
    form.locator("input[name=headcount]").fill("30")
    for index, name in enumerate(("钱代表", "孙代表", "李代表")):
        form.locator(f"input[name=rep{index}_name]").fill(name)
    form.locator("input[name=rep0_phone]").fill("13955550002")
    form.locator("select[name=category]").select_option("0101")
    form.locator("input[name=subject]").fill("东风村村民集体反映征地拆迁补偿不到位")
    form.locator("textarea[name=content]").fill("30 名村民反映征地补偿款未足额发放，推选 3 名代表反映诉求。")
    visit = _submit(page, form)
    assert "集体访，30 人" in page.inner_text("main")
    assert page.locator("[data-testid=petitioners] li").count() == 3
    screenshot(page, "12-petition-detail")

    # (c) an anonymous letter about pollution
    form = _open_form(page, server_url)
    form.locator("select[name=channel]").select_option("letter")
    form.locator("input[name=anonymous]").check()
    assert form.locator("input[name=petitioner_name]").is_hidden()
    form.locator("select[name=category]").select_option("0901")
    form.locator("input[name=subject]").fill("匿名反映化工厂夜间排放污染河道")
    form.locator("textarea[name=content]").fill("化工厂夜间偷排废水，河道发黑发臭，请求查处。")
    anonymous = _submit(page, form)
    assert "匿名信访，未登记信访人" in page.inner_text("main")

    # then: each is found through the search box and opens
    for word, number in (("拖欠工资", letter), ("征地拆迁", visit), ("污染", anonymous)):
        _search(page, server_url, word)
        row = page.locator("[data-testid=register-row]", has_text=number)
        row.wait_for()
        row.locator(f"a:has-text('{number}')").click()
        page.wait_for_url(re.compile(r".*/petitions/\d+/$"))
        assert page.inner_text("[data-testid=petition-number]").strip() == number

    page.goto(f"{server_url}/petitions/")
    assert page.locator("[data-testid=register-row]").count() >= 3
    assert "周*成" in page.inner_text("[data-testid=register-table]")
    assert LETTER_ID not in page.content()
    screenshot(page, "11-register-list")

    # and the register exports to Excel with the numbers
    with page.expect_download() as download_info:
        page.click("[data-testid=export-link]")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as handle:
        sheet = load_workbook(handle, read_only=True).worksheets[0]
        numbers = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert {letter, visit, anonymous} <= set(numbers)


def test_registration_errors_show_in_chinese(page, server_url, login, screenshot):
    # given
    login(page, "clerk")
    page.wait_for_url(f"{server_url}/")
    form = _open_form(page, server_url)
    # when
    form.locator("input[name=petitioner_name]").fill("吴错号")
    form.locator("input[name=petitioner_id_number]").fill("110105194912310021")
    form.locator("[data-testid=petition-submit]").click()
    # then
    page.locator("[data-testid=form-error]").wait_for()
    errors = page.inner_text("#petition-form")
    assert "登记信息有误，请按提示修改。" in errors
    assert "身份证号校验位错误（按 GB 11643 应为 X），请核对。" in errors
    assert "请填写标题。" in errors
    screenshot(page, "13-register-form-errors")


def test_autocomplete_fills_the_petitioner_and_repeat_detection_links_the_earlier_petition(
    page, server_url, login, screenshot
):
    # given: an earlier petition of the same person
    login(page, "clerk")
    page.wait_for_url(f"{server_url}/")
    form = _open_form(page, server_url)
    form.locator("input[name=petitioner_name]").fill("郑重复")
    form.locator("input[name=petitioner_id_number]").fill(REPEAT_ID)
    form.locator("input[name=petitioner_phone]").fill("13955550009")
    form.locator("select[name=category]").select_option("0403")
    form.locator("input[name=subject]").fill("反映宅基地被邻居侵占")
    form.locator("textarea[name=content]").fill("邻居建房侵占宅基地，要求村里处理。")
    earlier = _submit(page, form)

    # when: the clerk types the name and picks the offered person
    form = _open_form(page, server_url)
    form.locator("input[name=petitioner_name]").press_sequentially("郑重", delay=50)
    suggestion = page.locator("[data-testid=petitioner-suggestions] button").first
    suggestion.wait_for()
    assert "郑*复" in suggestion.inner_text()
    suggestion.click()
    page.locator("[data-testid=petitioner-picked]").wait_for()
    assert form.locator("input[name=petitioner_id_number]").input_value() == REPEAT_ID
    form.locator("select[name=category]").select_option("0403")
    candidates = page.locator("[data-testid=repeat-candidates]")
    candidates.wait_for()
    assert earlier in candidates.inner_text()
    candidates.locator("input[name=repeat_of]:not([value=''])").first.check()
    screenshot(page, "14-register-repeat-check")
    form.locator("input[name=subject]").fill("再次反映宅基地被侵占")
    form.locator("textarea[name=content]").fill("上次反映后仍未处理。")
    _submit(page, form)

    # then
    assert earlier in page.inner_text("[data-testid=repeat-of]")


def test_clerk_imports_a_ledger_and_sees_the_bad_rows(page, server_url, login, screenshot):
    # given
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        ["收到时间", "来源渠道", "信访人", "身份证号", "问题类别", "标题", "主要问题和诉求", "问题属地"]
    )
    sheet.append(
        ["2025-05-06 09:00", "来信", "冯导入", "", "0202", "反映社保断缴", "单位未缴社保。", "城关镇"]
    )
    sheet.append(
        ["2025-05-07 10:00", "来访", "卫错误", "110105194912310021", "0202", "社保", "社保。", "城关镇"]
    )
    sheet.append(["2025-05-08 11:00", "来电", "蒋类别", "", "不存在", "咨询", "咨询。", "城关镇"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    login(page, "clerk")
    page.wait_for_url(f"{server_url}/")
    page.goto(f"{server_url}/petitions/import/")
    form = page.locator("#import-form")
    # when
    form.locator("input[name=file]").set_input_files(
        files=[{"name": "历史台账.xlsx", "mimeType": "application/octet-stream", "buffer": buffer.getvalue()}]
    )
    form.locator("[data-testid=import-submit]").click()
    # then
    page.locator("[data-testid=import-result]").wait_for()
    assert page.inner_text("[data-testid=import-created]") == "1"
    assert page.inner_text("[data-testid=import-failed]") == "2"
    result = page.inner_text("[data-testid=import-result]")
    assert "身份证号校验位错误" in result
    assert "问题类别不存在或已停用" in result
    screenshot(page, "15-register-import")
