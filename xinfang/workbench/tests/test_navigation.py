"""The navigation bar each demo role sees: the same labels, order and links as before each app
contributed its own entry (captured from the single list the bar was built from until then), plus
值班, which the duty app added for every business role, 信息报送, 突发事件, 重点人员, 矛盾排查,
矛盾纠纷 and 网上信访."""

import re

import pytest

from xinfang.accounts.models import User

HOME = ("工作台", "/")
REGISTER = ("信访登记簿", "/petitions/")
SUPERVISION = ("督查督办", "/supervision/")
STATS = ("统计分析", "/stats/")
CALCULATOR = ("期限计算器", "/calendar/")
UNITS = ("组织机构", "/units/")
DUTY = ("值班", "/duty/")  # every business role serves on shifts (duty.view)
REPORTS = ("信息报送", "/reports/")  # 信息员, the office and leaders, supervisors (reports.view)
INCIDENTS = ("突发事件", "/incidents/")  # every business role but the mediator (incidents.view)
KEYPERSONS = ("重点人员", "/key-persons/")  # every business role: owners see their own (keypersons.view)
SCREENINGS = ("矛盾排查", "/screenings/")  # every business role (screenings.view)
DISPUTES = ("矛盾纠纷", "/disputes/")  # every business role (disputes.view)
ONLINE = ("网上信访", "/online/")  # whoever accepts petitions (petitions.accept)

EXPECTED_NAV: dict[str, list[tuple[str, str]]] = {
    "auditor": [HOME, ("审计日志", "/audit/")],
    "clerk": [
        HOME,
        REGISTER,
        ONLINE,
        SUPERVISION,
        DUTY,
        REPORTS,
        SCREENINGS,
        INCIDENTS,
        DISPUTES,
        KEYPERSONS,
        CALCULATOR,
    ],
    "county-clerk": [
        HOME,
        REGISTER,
        ONLINE,
        SUPERVISION,
        DUTY,
        REPORTS,
        SCREENINGS,
        INCIDENTS,
        DISPUTES,
        KEYPERSONS,
        CALCULATOR,
    ],
    "county-leader": [
        HOME,
        REGISTER,
        ONLINE,
        SUPERVISION,
        DUTY,
        REPORTS,
        SCREENINGS,
        INCIDENTS,
        DISPUTES,
        KEYPERSONS,
        STATS,
        CALCULATOR,
        UNITS,
    ],
    "duty": [
        HOME,
        REGISTER,
        SUPERVISION,
        DUTY,
        REPORTS,
        SCREENINGS,
        INCIDENTS,
        DISPUTES,
        KEYPERSONS,
        CALCULATOR,
    ],
    "handler": [HOME, REGISTER, SUPERVISION, DUTY, SCREENINGS, INCIDENTS, DISPUTES, KEYPERSONS, CALCULATOR],
    "informant": [HOME, DUTY, REPORTS, SCREENINGS, INCIDENTS, DISPUTES, KEYPERSONS, CALCULATOR],
    "leader": [
        HOME,
        REGISTER,
        ONLINE,
        SUPERVISION,
        DUTY,
        REPORTS,
        SCREENINGS,
        INCIDENTS,
        DISPUTES,
        KEYPERSONS,
        STATS,
        CALCULATOR,
        UNITS,
    ],
    "mediator": [HOME, DUTY, SCREENINGS, DISPUTES, KEYPERSONS, CALCULATOR],
    "principal": [
        HOME,
        REGISTER,
        SUPERVISION,
        DUTY,
        REPORTS,
        SCREENINGS,
        INCIDENTS,
        DISPUTES,
        KEYPERSONS,
        STATS,
        CALCULATOR,
        UNITS,
    ],
    "secadmin": [HOME, ("角色分配", "/accounts/users/"), ("安全策略", "/accounts/policy/")],
    "supervisor": [
        HOME,
        REGISTER,
        SUPERVISION,
        DUTY,
        REPORTS,
        SCREENINGS,
        INCIDENTS,
        DISPUTES,
        KEYPERSONS,
        STATS,
        CALCULATOR,
        UNITS,
    ],
    "sysadmin": [
        HOME,
        CALCULATOR,
        ("节假日设置", "/calendar/holidays/"),
        ("期限规则", "/calendar/rules/"),
        ("报送周期", "/reports/schedule/"),
        ("排查周期", "/screenings/schedule/"),
        ("调处设置", "/disputes/settings/"),
        ("文书模板", "/documents/templates/"),
        ("突发事件分级", "/incidents/levels/"),
        UNITS,
        ("用户管理", "/accounts/users/"),
    ],
    "village-handler": [
        HOME,
        REGISTER,
        SUPERVISION,
        DUTY,
        SCREENINGS,
        INCIDENTS,
        DISPUTES,
        KEYPERSONS,
        CALCULATOR,
    ],
    "village2-handler": [
        HOME,
        REGISTER,
        SUPERVISION,
        DUTY,
        SCREENINGS,
        INCIDENTS,
        DISPUTES,
        KEYPERSONS,
        CALCULATOR,
    ],
    "station-handler": [
        HOME,
        REGISTER,
        SUPERVISION,
        DUTY,
        SCREENINGS,
        INCIDENTS,
        DISPUTES,
        KEYPERSONS,
        CALCULATOR,
    ],
}

# around the entries: the brand (to the home page), then after them the bell and the account links
BRAND = ("信访维稳工作平台", "/")
TAIL = [("/accounts/tokens/", "API 令牌"), ("/accounts/password/", "修改密码")]


def _navbar(html: str) -> str:
    match = re.search(r'<nav class="navbar.*?</nav>', html, re.S)
    assert match is not None
    return match.group(0)


def _links(fragment: str) -> list[tuple[str, str, str]]:
    """(class, href, text) of every link, tags stripped from the text."""
    found = re.findall(r'<a class="([^"]*)"[^>]*?href="([^"]*)"[^>]*>(.*?)</a>', fragment, re.S)
    return [(css, href, re.sub(r"<[^>]+>", "", text).strip()) for css, href, text in found]


def _entries(html: str) -> list[tuple[str, str, bool]]:
    menu = re.search(r'<ul class="navbar-nav me-auto[^"]*">(.*?)</ul>', _navbar(html), re.S)
    assert menu is not None
    return [(text, href, " active" in css) for css, href, text in _links(menu.group(1))]


def _quick_links(html: str) -> list[tuple[str, str]]:
    card = re.search(r"常用功能</h2>(.*?)</div>\s*</div>", html, re.S)
    assert card is not None
    return [(text, href) for href, text in re.findall(r'href="([^"]*)">([^<]*)</a>', card.group(1))]


@pytest.mark.parametrize("username", sorted(EXPECTED_NAV))
def test_each_role_sees_the_same_navigation_as_before(client, demo, username):
    # given
    client.force_login(User.objects.get(username=username))
    expected = EXPECTED_NAV[username]
    # when
    home = client.get("/").content.decode()
    register_page = client.get("/petitions/").content.decode()
    # then: the entries, the one marked active on each page, and what surrounds them
    assert _entries(home) == [(label, href, href == "/") for label, href in expected]
    assert _entries(register_page) == [(label, href, href == "/petitions/") for label, href in expected]
    links = _links(_navbar(home))
    assert (links[0][2], links[0][1]) == BRAND
    assert links[len(expected) + 1][1] == "/notifications/"
    assert [(href, text) for _, href, text in links[len(expected) + 2 :]] == TAIL
    # the home page's 常用功能 lists the same entries after 工作台, then the API docs
    assert _quick_links(home) == [*expected[1:], ("接口文档（API）", "/api/v1/docs")]
