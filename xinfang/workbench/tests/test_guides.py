"""使用指引: one guide per role, reachable from the home page, whose links all open for that role."""

import re

import pytest
from django.urls import reverse

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role
from xinfang.demo.services import DEMO_ACCOUNTS

ACCOUNT_OF_ROLE = {role: username for username, _, _, role in DEMO_ACCOUNTS}


def test_every_role_has_a_guide_page(client, clerk):
    client.force_login(clerk)
    for role in Role:
        # when
        response = client.get(reverse("workbench:guide_role", args=[role.value]))
        # then
        body = response.content.decode()
        assert response.status_code == 200, role
        assert f"{role.label}使用指引" in body
        assert 'data-testid="guide-start"' in body
    assert client.get("/guide/nobody/").status_code == 404


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_the_home_page_leads_to_the_users_own_guide_whose_links_all_open(client, demo, role):
    # given: the demo account of the role
    user = User.objects.get(username=ACCOUNT_OF_ROLE[role])
    client.force_login(user)
    # when: the home page's link is followed
    home = client.get("/").content.decode()
    assert 'data-testid="guide-link"' in home
    link = re.search(r'href="([^"]+)"[^>]*data-testid="guide-link"', home)
    assert link is not None
    body = client.get(link.group(1)).content.decode()
    # then: the guide of the user's role, each page it names opens for this user
    assert f"{role.label}使用指引" in body
    starts = re.findall(r'<a href="([^"]+)"[^>]*data-testid="guide-start"', body)
    assert starts, role
    for url in starts:
        assert client.get(url.replace("&amp;", "&")).status_code == 200, (role, url)


def test_the_guides_are_for_signed_in_users(client, demo):
    response = client.get(reverse("workbench:guide"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
