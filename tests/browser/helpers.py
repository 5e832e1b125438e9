"""What the end-to-end browser walks share: signed-in sessions, the petition page, flash
messages, the server's today and the text of a downloaded .docx."""

from datetime import date, datetime
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
