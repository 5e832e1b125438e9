import json
import re
import urllib.request

import pytest

from tests.browser.helpers import open_action

pytestmark = pytest.mark.browser


def _api(server_url, path, body, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"{server_url}{path}", data=json.dumps(body).encode(), headers=headers)
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def test_clerk_accepts_a_petition_and_the_timeline_shows_it(page, server_url, login, screenshot):
    # given: a petition registered through the API by the township clerk
    token = _api(server_url, "/api/v1/auth/token", {"username": "clerk", "password": "Demo@2026"})["token"]
    me = json.loads(
        urllib.request.urlopen(
            urllib.request.Request(
                f"{server_url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}
            )
        ).read()
    )
    petition = _api(
        server_url,
        "/api/v1/petitions",
        {
            "channel": "call",
            "received_at": "2026-11-20T09:00:00+08:00",
            "subject": "来电反映低保待遇未发放",
            "content": "来电人反映本户低保金两个月未发放，要求核实。",
            "category": "0801",
            "problem_unit": me["unit_id"],
            "petitioners": [{"name": "郑来电", "phone": "13700001111"}],
        },
        token,
    )
    # when: the clerk opens it and accepts it
    login(page, "clerk")
    page.wait_for_url(f"{server_url}/")
    page.goto(f"{server_url}/petitions/{petition['id']}/")
    form = open_action(page, "accept")
    form.locator("#accept-note").fill("电话中当场受理，告知 60 日内办结")
    form.locator("[data-testid=submit-accept]").click()
    page.wait_for_url(re.compile(rf".*/petitions/{petition['id']}/$"))
    # then
    timeline = page.inner_text("[data-testid=petition-timeline]")
    assert "已受理" in timeline
    assert "电话中当场受理" in timeline
    assert page.locator("[data-testid=open-accept]").count() == 0
    assert page.locator("[data-testid=open-assign]").count() == 1  # the next step: 交办
    screenshot(page, "20-petition-accepted-timeline")
