"""The statistics page counted by problem unit (按问题属地) on the demo office: the township
leader sees each village's matters, where counting by registering unit gives every village 0."""

import pytest

from tests.browser.helpers import server_today, session

pytestmark = pytest.mark.browser


def _village_intakes(page) -> dict[str, int]:
    rows = page.locator("[data-testid=stats-units] tbody tr")
    figures = {}
    for i in range(rows.count()):
        cells = rows.nth(i).locator("td")
        name = cells.nth(0).inner_text().strip()
        if name.endswith("村") or name.endswith("社区"):
            figures[name] = int(cells.nth(1).inner_text())
    return figures


def test_the_leader_counts_the_villages_matters_by_problem_unit(browser, login, demo_office_url, screenshot):
    # given: the demo office, the township leader on the statistics page (by registering unit)
    context, page = session(browser, lambda p, u: login(p, u, url=demo_office_url), demo_office_url, "leader")
    page.goto(f"{demo_office_url}/stats/?month_from={server_today().year - 2}-01")
    by_registering_unit = _village_intakes(page)
    # when: the leader counts by problem unit
    page.select_option("select[name=by]", "problem")
    page.locator("[data-testid=stats-filter] button[type=submit]").click()
    page.wait_for_url("**/stats/?*by=problem*")
    page.locator("[data-testid=stats-units-heading]", has_text="按问题属地").wait_for()
    # then: the villages have their matters, which by registering unit they had not
    by_problem_unit = _village_intakes(page)
    assert by_registering_unit
    assert set(by_registering_unit.values()) == {0}
    assert sum(by_problem_unit.values()) > 0
    assert sum(1 for n in by_problem_unit.values() if n) >= 2
    screenshot(page, "stats-by-problem-unit")
    # and: a village's figure opens the register on the same matters
    village = max(by_problem_unit, key=lambda name: by_problem_unit[name])
    page.locator("[data-testid=stats-units] a", has_text=village).click()
    page.locator("[data-testid=register-row]").first.wait_for()
    context.close()
