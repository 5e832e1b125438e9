"""What the end-to-end browser walks share: signed-in sessions, the petition page, flash
messages, the server's today and the text of a downloaded .docx."""

import re
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from docx import Document

VIEWPORT = {"width": 1400, "height": 1000}
TIMEOUT = 30000


def server_today() -> date:
    """The server's today (Asia/Shanghai): the workflow refuses dates after it."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def alerts(page) -> str:
    found = page.locator(".alert")
    return " | ".join(found.nth(i).inner_text().strip() for i in range(found.count())) or "（无提示）"


def session(browser, login, server_url, username):
    """A fresh browser context logged in through the login page as `username`."""
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    login(page, username)
    page.wait_for_url(f"{server_url}/")
    return context, page


def open_petition(page, url):
    page.goto(url)
    page.locator("[data-testid=petition-timeline]").wait_for()


def docx_text(path) -> str:
    document = Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    for section in document.sections:
        parts.extend(p.text for p in section.header.paragraphs)
    return "\n".join(parts)


def field_errors(form) -> str:
    errors = form.locator(".invalid-feedback, .text-danger.small, .form-text.text-danger")
    return " | ".join(errors.nth(i).inner_text().strip() for i in range(errors.count()))


def open_action(page, action: str):
    """Opens the collapsed form of a handling action and returns it once it is fully open.

    Bootstrap animates the opening (class `collapsing`, overflow hidden, growing height) for
    0.35 s; a click on the submit button while it is still clipped can land on the container and
    submit nothing, so wait for the end state (`collapse show`) as a person waits to see the form."""
    opener = page.locator(f"[data-testid=open-{action}]")
    assert opener.count() == 1, f"没有“{action}”按钮；页面提示：{alerts(page)}"
    opener.click()
    page.locator(f"form#action-{action}.collapse.show").wait_for(state="visible")
    return page.locator(f"[data-testid=form-{action}]")


def act(page, action: str, fill=None) -> None:
    """Opens the action's form, lets `fill` fill it, submits it and checks the success flash."""
    form = open_action(page, action)
    if fill is not None:
        fill(form)
    with page.expect_navigation(wait_until="domcontentloaded"):
        form.locator(f"[data-testid=submit-{action}]").click()
    page.locator("[data-testid=petition-timeline]").wait_for()
    success = page.locator(".alert-success")
    detail = (
        f"页面提示：{alerts(page)}；字段提示：{field_errors(page.locator(f'[data-testid=form-{action}]'))}"
    )
    assert success.count() == 1, f"“{action}”未成功；{detail}"
    assert success.inner_text().strip().startswith("已"), f"“{action}”的提示有误；{detail}"


def option_value(select, text: str, *, exact: bool = False) -> str:
    """The value of the first option whose text contains (or, with `exact`, is) `text`."""
    options = select.locator("option")
    for i in range(options.count()):
        option = options.nth(i)
        label = option.inner_text().strip()
        if (label == text) if exact else (text in label):
            return option.get_attribute("value")
    raise AssertionError(f"下拉框中没有{'名为' if exact else '包含'}“{text}”的选项：{select.inner_text()}")


def register_letter(
    page, server_url, *, name: str, phone: str, subject: str, content: str
) -> tuple[str, str]:
    """Registers a letter (来信, category 0403 宅基地) through the form; its page URL and number."""
    page.goto(f"{server_url}/petitions/new/")
    form = page.locator("#petition-form")
    form.wait_for()
    form.locator("select[name=channel]").select_option("letter")
    form.locator("input[name=petitioner_name]").fill(name)
    form.locator("input[name=petitioner_phone]").fill(phone)
    form.locator("select[name=category]").select_option("0403")
    form.locator("input[name=subject]").fill(subject)
    form.locator("textarea[name=content]").fill(content)
    form.locator("[data-testid=petition-submit]").click()
    page.wait_for_url(re.compile(r".*/petitions/\d+/$"))
    assert "登记成功" in page.inner_text(".alert-success"), alerts(page)
    return page.url, page.inner_text("[data-testid=petition-number]").strip()


def docx_pages(docx: Path, workdir: Path) -> list[Path]:
    """The .docx's pages as PNGs (LibreOffice to PDF with its own profile, beside anyone else's
    soffice; poppler to PNG), or none when either is missing or fails."""
    soffice, pdftoppm = shutil.which("soffice"), shutil.which("pdftoppm")
    if soffice is None or pdftoppm is None:
        return []
    profile = (workdir / "libreoffice-profile").as_uri()
    pdf, stem = workdir / f"{docx.stem}.pdf", workdir / f"{docx.stem}-page"
    try:
        subprocess.run(
            [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
             "--outdir", str(workdir), str(docx)],
            check=True, capture_output=True, timeout=180,
        )  # fmt: skip
        subprocess.run(
            [pdftoppm, "-png", "-r", "110", str(pdf), str(stem)], check=True, capture_output=True, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted(workdir.glob(f"{stem.name}-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
