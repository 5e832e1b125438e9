"""Accessibility (WCAG 2.0 and 2.1, levels A and AA) of every staff page, checked with axe-core
run in the page, in Chromium, as several roles on the demo office with its sample matters.

The pages are found by following the links of each role's pages from its home page (the
navigation, queues, tabs, the register's rows …), so a page added later is checked too. Collapsed
parts (the petition page's action forms) are opened before the check. axe-core is installed for
the tests by scripts/axe_core.sh (npm registry, pinned version and SHA-256), never served."""

import json
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.browser.helpers import session

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "test-artifacts" / "accessibility.json"  # every page checked, with all its findings
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}
ROLES = (
    "clerk",
    "village-handler",
    "leader",
    "supervisor",
    "duty",
    "mediator",
    "sysadmin",
    "secadmin",
    "auditor",
)
PAGES_PER_ROLE = 30
# links that are not pages: files, API, state changes and sign-out
NOT_PAGES = re.compile(
    r"(\.xlsx|\.docx|\.csv|/download/|/api/|/logout/|/read/|/read-all/|/actions/|/unlock/|/revoke/|/reset/|/pick/)"
)
# pages each role sees differently: checked for every role, the others once
PER_ROLE = {"/", "/petitions/<n>/", "/guide/"}
RUN_AXE = """async (tags) => {
  document.querySelectorAll('.collapse:not(.show)').forEach((e) => e.classList.add('show'));
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 6).map((n) => n.target.join(' ') + ' — ' + n.failureSummary.replace(/\\s+/g, ' ')),
  }));
}"""


def _pattern(url: str) -> str:
    """A page's kind: its path with ids as <n>, and the tab it opens (filters and pages of a list
    are the same page)."""
    parts = urlsplit(url)
    path = re.sub(r"^/guide/[a-z-]+/$", "/guide/<role>/", re.sub(r"/\d+(?=/)", "/<n>", parts.path))
    tab = dict(parse_qsl(parts.query)).get("tab")
    return f"{path}?tab={tab}" if tab else path


def _links(page, base: str) -> list[str]:
    """The page's links to the site's own pages (relative ones like `?tab=listed` resolved)."""
    hrefs = page.eval_on_selector_all("a[href]", "(links) => links.map((a) => a.href)")
    return [
        href.split("#")[0]
        for href in hrefs
        if href.startswith(base + "/") and not NOT_PAGES.search(href.removeprefix(base))
    ]


def _check(page, axe_source: str) -> list[dict]:
    page.evaluate(axe_source)
    return page.evaluate(RUN_AXE, TAGS)


def test_every_staff_page_has_no_serious_or_critical_accessibility_violation(
    browser, login, demo_office_url, axe_source
):
    checked: set[str] = set()
    report: list[dict] = []
    problems: list[str] = []
    visited = 0
    # the sign-in page, before anyone is signed in
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{demo_office_url}/accounts/login/")
    for violation in _check(page, axe_source):
        if violation["impact"] in BLOCKING:
            problems.append(
                f"(未登录) /accounts/login/: {violation['id']} ({violation['impact']}) {violation['help']}"
            )
    context.close()
    for username in ROLES:
        context, page = session(
            browser, lambda p, u: login(p, u, url=demo_office_url), demo_office_url, username
        )
        queue, seen_here = [demo_office_url + "/"], set()
        pages = 0
        while queue and pages < PAGES_PER_ROLE:
            url = queue.pop(0)
            kind = _pattern(url.removeprefix(demo_office_url))
            if kind in seen_here:
                continue
            seen_here.add(kind)
            response = page.goto(url)
            if (
                response is None
                or response.status != 200
                or "text/html" not in response.headers.get("content-type", "")
            ):
                continue
            queue.extend(link for link in _links(page, demo_office_url) if _pattern(link) not in seen_here)
            if kind in checked and kind not in PER_ROLE:
                continue  # another role's check covered it; its links are followed all the same
            checked.add(kind)
            pages += 1
            violations = _check(page, axe_source)
            report.append({"role": username, "page": kind, "url": url, "violations": violations})
            for violation in violations:
                if violation["impact"] in BLOCKING:
                    nodes = "\n      ".join(violation["nodes"])
                    problems.append(
                        f"{username} {kind}: {violation['id']} ({violation['impact']}) {violation['help']}\n      {nodes}"
                    )
        visited += pages
        context.close()
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    REPORT.write_text(json.dumps(report, ensure_ascii=False, indent=1))
    assert visited >= 40, sorted(checked)
    assert not problems, f"{len(problems)} 处严重无障碍问题（共检查 {visited} 页）：\n" + "\n".join(problems)
