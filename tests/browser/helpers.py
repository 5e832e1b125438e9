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
