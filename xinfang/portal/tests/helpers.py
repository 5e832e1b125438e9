"""Shared helpers of the portal's tests: a citizen submitting through the API or the page, the
receipt, tracking, and the staff side answering an online petition through the real procedure.

The function names here are used by other test modules: keep them stable."""

import re
from datetime import date
from typing import Any

from django.test import Client
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.organisation.models import Unit
from xinfang.petitions.models import Petition
from xinfang.petitions.workflow import petition_transition

VALID_ID = "110101199003070513"
OTHER_ID = "110101198506150027"  # a second person (GB 11643 check digit computed)
THIRD_ID = "341122197604120033"
PHONE = "13905512345"
OTHER_PHONE = "13905519876"

API = "/portal/api"
VILLAGE = "341122101201"  # 东风村
TOWNSHIP = "341122101"  # 城关镇

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_with_check(first17: str) -> str:
    """An 18-character ID number: `first17` and its GB 11643 check character."""
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return first17 + _CHECK[total % 11]


def valid_id(n: int) -> str:
    """The n-th of a family of distinct valid ID numbers (0 ≤ n < 1000), born 1980-01-01."""
    return id_with_check(f"34112219800101{n:03d}")


def today() -> date:
    return timezone.localdate()


def user(username: str) -> User:
    return User.objects.select_related("unit").get(username=username)


def place(name: str = "东风村") -> Unit:
    return Unit.objects.get(name=name)


def petition_data(**overrides: Any) -> dict[str, Any]:
    """The API's JSON of a sensible submission (a new matter: not_repeat)."""
    values: dict[str, Any] = {
        "name": "张建国",
        "id_number": VALID_ID,
        "phone": PHONE,
        "address": "城关镇东风村3组12号",
        "unit": place().pk,
        "subject": "反映村道损坏问题",
        "content": "东风村3组村道路面损坏已半年，雨天无法通行。",
        "demands": "请尽快修复村道。",
        "not_repeat": True,
    }
    values.update(overrides)
    return values


def api_submit(client: Client, **overrides: Any):  # type: ignore[no-untyped-def]
    """POST /portal/api/petitions; returns the response. Extra keyword `REMOTE_ADDR` (or any
    upper-case WSGI key) goes to the request's META, not the JSON."""
    meta = {k: overrides.pop(k) for k in list(overrides) if k.isupper()}
    return client.post(
        f"{API}/petitions", petition_data(**overrides), content_type="application/json", **meta
    )


def page_data(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "张建国",
        "id_number": VALID_ID,
        "phone": PHONE,
        "address": "城关镇东风村3组12号",
        "unit": str(place().pk),
        "subject": "反映村道损坏问题",
        "content": "东风村3组村道路面损坏已半年，雨天无法通行。",
        "demands": "请尽快修复村道。",
        "kind": "petition",
        "category": "9901",
        "same": "no",
        "truthful": "1",
    }
    values.update(overrides)
    return values


def page_submit(client: Client, **overrides: Any):  # type: ignore[no-untyped-def]
    """POST /portal/submit/ (the form); returns the response. Upper-case keys go to META."""
    meta = {k: overrides.pop(k) for k in list(overrides) if k.isupper()}
    return client.post("/portal/submit/", page_data(**overrides), **meta)


def receipt_of(response: Any) -> tuple[str, str]:
    """(number, code as shown) read from the receipt page."""
    html = response.content.decode()
    number = re.search(r'data-testid="receipt-number"[^>]*>\s*([^<]+?)\s*<', html)
    code = re.search(r'data-testid="receipt-code"[^>]*>\s*([^<]+?)\s*<', html)
    assert number, html[:2000]
    assert code, html[:2000]
    return number.group(1), code.group(1)


def submitted(client: Client, **overrides: Any) -> tuple[str, str]:
    """Submits through the API and returns (number, code); asserts 201."""
    response = api_submit(client, **overrides)
    assert response.status_code == 201, response.content.decode()
    body = response.json()
    return body["number"], body["query_code"]


def track(client: Client, number: str, code: str, **meta: Any):  # type: ignore[no-untyped-def]
    """GET /portal/api/track; returns the response."""
    return client.get(f"{API}/track", {"number": number, "code": code}, **meta)


def page_track(client: Client, number: str, code: str, **meta: Any):  # type: ignore[no-untyped-def]
    """POST /portal/track/ (the page); returns the response."""
    return client.post("/portal/track/", {"number": number, "code": code}, **meta)


def act(petition: Petition, action: str, username: str, **fields: Any) -> Petition:
    return petition_transition(petition=petition, action=action, actor=user(username), **fields)


def petition_of(number: str) -> Petition:
    return Petition.objects.get(number=number)


def accept(number: str, **fields: Any) -> Petition:
    """城关镇's clerk (王接访) accepts the online petition (registered in the township's register)."""
    return act(petition_of(number), "accept", "clerk", **fields)


def assign(number: str, **fields: Any) -> Petition:
    """城关镇's clerk assigns the accepted petition to 东风村, handled by 陈村干部 (village-handler)."""
    values = {"unit": Unit.objects.get(code=VILLAGE).pk, "handler": user("village-handler").pk}
    values.update(fields)
    return act(petition_of(number), "assign", "clerk", **values)


def answer(petition_number: str, outcome: str = "explain", *, delivered_on: date | None = None) -> Petition:
    """Moves the petition on through the real procedure and answers it: 城关镇's clerk (王接访)
    accepts and assigns it to 东风村 (陈村干部), who reports; the leader (张分管) approves the
    report; the clerk answers, delivered today (or `delivered_on`), so window_ends is set. Steps
    already taken are skipped (accept and assign may have been done by the test)."""
    from xinfang.petitions.workflow.schemas import REPORT_CHECKS

    petition = petition_of(petition_number)
    if petition.status == "registered":
        petition = act(petition, "accept", "clerk")
    if petition.status == "accepted":
        petition = assign(petition_number)
    if petition.status in ("assigned", "handling"):
        petition = act(petition, "submit_report", "village-handler", report="经入户核查，已协调解决。")
    if petition.status == "report_pending":
        petition = act(petition, "approve_report", "leader", checks=list(REPORT_CHECKS))
    return act(
        petition,
        "answer",
        "clerk",
        outcome=outcome,
        text="经调查核实，答复如下。",
        delivered_on=delivered_on or today(),
    )
