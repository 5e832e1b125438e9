#!/usr/bin/env python3
"""Measures the platform over HTTP with a warm server: median and p95 per operation, peak RSS.

Starts gunicorn (2 workers) on a data directory filled by `manage.py seed_demo`, or measures a
server already running (`--url`, and `--server-pid` for its memory). Standard library only.

    .venv/bin/python bench/measure.py --data-dir /tmp/bench-data
    .venv/bin/python bench/measure.py --url http://127.0.0.1:8000 --server-pid 12345 -n 100

Operations are the `OPERATIONS` list at the end of this file: a name and a callable that makes
one request and checks its status. Add new ones there (dashboards, transitions …).
"""

import argparse
import http.client
import json
import os
import platform
import random
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = os.environ.get("DEMO_PASSWORD", "Demo@2026")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
LOCAL = timezone(timedelta(hours=8))
FRESH = random.SystemRandom()  # people registered anew on every run, whatever --seed says


class Unavailable(Exception):
    """The server does not offer this operation (yet): reported, not measured."""


class Client:
    """One keep-alive connection (reopened when the server closes it) with its own cookies."""

    def __init__(self, base: str, token: str = "") -> None:
        parsed = urllib.parse.urlsplit(base)
        self.host, self.port = parsed.hostname or "127.0.0.1", parsed.port or 80
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.token = token

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        sent = {"Host": f"{self.host}:{self.port}", "Connection": "keep-alive", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        for attempt in (1, 2):
            try:
                self.connection.request(method, path, body=body, headers=sent)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.connection.close()
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, dict(response.headers), data

    def get(self, path: str, expect: int = 200) -> bytes:
        status, _, data = self.request("GET", path)
        _check(status, expect, "GET", path, data)
        return data

    def get_json(self, path: str) -> dict:
        return json.loads(self.get(path))

    def post_json(self, path: str, payload: dict, expect: int = 200) -> dict:
        body = json.dumps(payload, ensure_ascii=False).encode()
        status, _, data = self.request("POST", path, body, {"Content-Type": "application/json"})
        _check(status, expect, "POST", path, data)
        return json.loads(data)


def _check(status: int, expect: int, method: str, path: str, data: bytes) -> None:
    if status == 404 and expect != 404:
        raise Unavailable(f"{method} {path} → 404")
    if status != expect:
        raise RuntimeError(f"{method} {path} → {status}, expected {expect}: {data[:300]!r}")


def page_login(base: str, username: str) -> Client:
    client = Client(base)
    client.get("/accounts/login/")
    form = urllib.parse.urlencode(
        {
            "csrfmiddlewaretoken": client.cookies.get("csrftoken", ""),
            "username": username,
            "password": PASSWORD,
        }
    ).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Referer": f"{base}/accounts/login/"}
    status, _, data = client.request("POST", "/accounts/login/", form, headers)
    if status != 302 or "sessionid" not in client.cookies:
        raise RuntimeError(f"page login as {username} failed: {status} {data[:300]!r}")
    return client


def api_login(base: str, username: str) -> Client:
    token = Client(base).post_json("/api/v1/auth/token", {"username": username, "password": PASSWORD})[
        "token"
    ]
    return Client(base, token=token)


def valid_id_number(rng: random.Random) -> str:
    first17 = f"341122{rng.randrange(1950, 2000)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
    first17 += f"{rng.randrange(1000):03d}"
    return first17 + ID_CHECK_CHARS[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


@dataclass
class Context:
    """What the operations share: logged-in clients and sample ids, prepared once."""

    base: str
    rng: random.Random
    clients: dict[str, Client] = field(default_factory=dict)
    petition_ids: list[int] = field(default_factory=list)
    problem_unit: int | None = None
    petition_count: int = 0
    pools: dict[str, list[int]] = field(default_factory=dict)
    cache: dict[str, object] = field(default_factory=dict)

    def client(self, key: str) -> Client:
        if key not in self.clients:
            kind, username = key.split(":", 1)
            self.clients[key] = (
                page_login(self.base, username) if kind == "page" else api_login(self.base, username)
            )
        return self.clients[key]

    def sample_ids(self, count: int = 200) -> list[int]:
        """Random petition ids the county leader can open (checked once through the API)."""
        if not self.petition_ids:
            api = self.client("api:county-leader")
            newest = api.get_json("/api/v1/petitions?page_size=1")
            self.petition_count = newest["count"]
            if not newest["items"]:
                raise Unavailable("no petitions: run `manage.py seed_demo --petitions N` first")
            top = newest["items"][0]["id"]
            tries = 0
            while len(self.petition_ids) < count and tries < count * 5:
                tries += 1
                candidate = self.rng.randint(1, top)
                if api.request("GET", f"/api/v1/petitions/{candidate}")[0] == 200:
                    self.petition_ids.append(candidate)
        return self.petition_ids

    def village(self) -> int:
        if self.problem_unit is None:
            units = self.client("api:county-clerk").get_json("/api/v1/units?unit_type=village&page_size=500")
            self.problem_unit = self.rng.choice(units["items"])["id"]
        return self.problem_unit


# --- operations: each makes one request --------------------------------------------------------


def register_page(ctx: Context) -> None:
    ctx.client("page:county-leader").get("/petitions/?category=02&status=open")


def register_api(ctx: Context) -> None:
    ctx.client("api:county-leader").get("/api/v1/petitions?category=02&status=open&page=1&page_size=20")


def detail_page(ctx: Context) -> None:
    ctx.client("page:county-leader").get(f"/petitions/{ctx.rng.choice(ctx.sample_ids())}/")


def detail_api(ctx: Context) -> None:
    ctx.client("api:county-leader").get(f"/api/v1/petitions/{ctx.rng.choice(ctx.sample_ids())}")


def search_api(word: str) -> Callable[[Context], None]:
    def search(ctx: Context) -> None:
        ctx.client("api:county-leader").get("/api/v1/petitions?" + urllib.parse.urlencode({"q": word}))

    return search


def search_page(word: str) -> Callable[[Context], None]:
    def search(ctx: Context) -> None:
        ctx.client("page:county-leader").get("/petitions/?" + urllib.parse.urlencode({"q": word}))

    return search


def create_api(ctx: Context) -> int:
    payload = {
        "channel": "letter",
        "received_at": datetime.now(LOCAL).isoformat(timespec="seconds"),
        "subject": "反映某建筑公司拖欠工资问题",
        "content": "信访人在青山县某工地务工，被拖欠工资两万元，要求尽快支付。",
        "category": "0201",
        "problem_unit": ctx.village(),
        "petitioners": [
            {
                "name": "王五",
                "gender": "male",
                "id_number": valid_id_number(FRESH),  # a new person each run: no repeat to decide
                "phone": f"139{FRESH.randint(0, 99_999_999):08d}",
                "address": "",
                "workplace": "",
            }
        ],
    }
    return ctx.client("api:county-clerk").post_json("/api/v1/petitions", payload, expect=201)["id"]


def register_page_unfiltered(ctx: Context) -> None:
    ctx.client("page:county-leader").get("/petitions/")


def register_api_township(ctx: Context) -> None:
    ctx.client("api:leader").get("/api/v1/petitions?category=02&status=open&page=1&page_size=20")


def dashboard_page(ctx: Context) -> None:
    ctx.client("page:county-leader").get("/")


def dashboard_page_township(ctx: Context) -> None:
    ctx.client("page:leader").get("/")


def work_queue_page(username: str) -> Callable[[Context], None]:
    def home(ctx: Context) -> None:
        ctx.client(f"page:{username}").get("/")

    return home


def stats_overview_api(username: str) -> Callable[[Context], None]:
    def overview(ctx: Context) -> None:
        ctx.client(f"api:{username}").get("/api/v1/stats/overview")

    return overview


def stats_page(username: str, query: str = "") -> Callable[[Context], None]:
    def page(ctx: Context) -> None:
        ctx.client(f"page:{username}").get(f"/stats/{query}")

    return page


# --- transitions: each one moves a petition prepared (unmeasured) in the state it needs ---------

CHAIN = ("accept", "assign", "submit_report", "approve_report", "answer")
ACTORS = {
    "accept": "api:county-clerk",
    "assign": "api:county-clerk",
    "submit_report": "api:village-handler",
    "approve_report": "api:county-leader",
    "answer": "api:village-handler",
}


def _village_and_handler(ctx: Context) -> tuple[int, int]:
    if "village_handler" not in ctx.cache:
        me = ctx.client("api:village-handler").get_json("/api/v1/auth/me")
        ctx.cache["village_handler"] = (me["unit_id"], me["id"])
    return ctx.cache["village_handler"]


def _fields(ctx: Context, action: str) -> dict:
    today = datetime.now(LOCAL).date().isoformat()
    if action == "assign":
        unit, handler = _village_and_handler(ctx)
        return {"unit": unit, "handler": handler, "note": "请按期办结"}
    if action == "submit_report":
        return {"report": "经调查核实，已协调有关方面解决。"}
    if action == "answer":
        return {"outcome": "support", "text": "支持信访人的诉求。", "delivered_on": today}
    if action == "approve_report":
        return {"checks": ["facts", "characterisation", "disposal", "procedure"]}
    return {"note": "受理"}


def _move(ctx: Context, petition_id: int, action: str) -> None:
    ctx.client(ACTORS[action]).post_json(
        f"/api/v1/petitions/{petition_id}/actions/{action}", _fields(ctx, action)
    )


def transition(action: str) -> Callable[[Context], None]:
    """Moves one prepared petition by `action` (timed); `prepare` makes the petitions beforehand by
    registering them and taking every earlier step of the chain (untimed)."""

    def operation(ctx: Context) -> None:
        pool = ctx.pools.get(action) or []
        if not pool:
            raise Unavailable(f"no petition prepared for {action}")
        _move(ctx, pool.pop(), action)

    def prepare(ctx: Context, count: int) -> None:
        ids = []
        for _ in range(count):
            created = create_api(ctx)
            for earlier in CHAIN[: CHAIN.index(action)]:
                _move(ctx, created, earlier)
            ids.append(created)
        ctx.pools[action] = ids

    operation.prepare = prepare  # type: ignore[attr-defined]
    return operation


# --- duty (值班): the roster month, its shifts and the coverage check, on `bench/seed_duty.py` data --


def _duty(ctx: Context) -> dict:
    info = ctx.cache.get("duty")
    if not info:
        raise Unavailable("no duty data: run `bench/seed_duty.py --data-dir …` first (duty-bench.json)")
    return info  # type: ignore[return-value]


def duty_roster_page(ctx: Context) -> None:
    ctx.client("page:county-leader").get(f"/duty/rosters/{_duty(ctx)['roster']}/")


def duty_roster_export(suffix: str) -> Callable[[Context], None]:
    def export(ctx: Context) -> None:
        ctx.client("page:county-leader").get(f"/duty/rosters/{_duty(ctx)['roster']}/export.{suffix}")

    return export


def duty_shifts_api(ctx: Context) -> None:
    info = _duty(ctx)
    query = urllib.parse.urlencode({"unit": info["unit"], "from": info["shift_from"], "to": info["shift_to"]})
    ctx.client("api:county-leader").get(f"/api/v1/duty/shifts?{query}")


def duty_coverage_api(key: str) -> Callable[[Context], None]:
    def coverage(ctx: Context) -> None:
        info = _duty(ctx)
        query = urllib.parse.urlencode({"unit": info[key], "from": info["from"], "to": info["to"]})
        ctx.client("api:county-leader").get(f"/api/v1/duty/coverage?{query}")

    return coverage


# --- information reports and incidents, on `bench/seed_reports.py` data ---------------------------


def _reports(ctx: Context) -> dict:
    info = ctx.cache.get("reports")
    if not info:
        raise Unavailable(
            "no report data: run `bench/seed_reports.py --data-dir …` first (reports-bench.json)"
        )
    return info  # type: ignore[return-value]


def reports_completeness_page(key: str) -> Callable[[Context], None]:
    def completeness(ctx: Context) -> None:
        info = _reports(ctx)
        query = urllib.parse.urlencode({"unit": info[key], "from": info["from"], "to": info["to"]})
        ctx.client("page:county-leader").get(f"/reports/completeness/?{query}")

    return completeness


def incidents_board_page(username: str) -> Callable[[Context], None]:
    def board(ctx: Context) -> None:
        _reports(ctx)  # the ~30 open incidents are seeded with the reports
        ctx.client(f"page:{username}").get("/incidents/")

    return board


# --- key persons (重点人员), on `bench/seed_keypersons.py` data --------------------------------------


def _keypersons(ctx: Context) -> dict:
    info = ctx.cache.get("keypersons")
    if not info:
        raise Unavailable(
            "no key-person data: run `bench/seed_keypersons.py --data-dir …` first (keypersons-bench.json)"
        )
    return info  # type: ignore[return-value]


def keypersons_list_page(username: str, query: str = "") -> Callable[[Context], None]:
    def register(ctx: Context) -> None:
        _keypersons(ctx)  # 20,000 persons over the county's units
        ctx.client(f"page:{username}").get(f"/key-persons/{query}")

    return register


# --- screening rounds (矛盾纠纷排查), on `bench/seed_screenings.py` data -----------------------------


def _screenings(ctx: Context) -> dict:
    info = ctx.cache.get("screenings")
    if not info:
        raise Unavailable(
            "no screening data: run `bench/seed_screenings.py --data-dir …` first (screenings-bench.json)"
        )
    return info  # type: ignore[return-value]


def screenings_completeness_page(key: str) -> Callable[[Context], None]:
    def completeness(ctx: Context) -> None:
        info = _screenings(ctx)
        query = urllib.parse.urlencode({"unit": info[key], "from": info["from"], "to": info["to"]})
        ctx.client("page:county-leader").get(f"/screenings/completeness/?{query}")

    return completeness


# --- disputes (矛盾纠纷调处), on `bench/seed_disputes.py` data ----------------------------------------


def _disputes(ctx: Context) -> dict:
    info = ctx.cache.get("disputes")
    if not info:
        raise Unavailable(
            "no dispute data: run `bench/seed_disputes.py --data-dir …` first (disputes-bench.json)"
        )
    return info  # type: ignore[return-value]


def disputes_stats(key: str, api: bool = False) -> Callable[[Context], None]:
    def stats(ctx: Context) -> None:
        info = _disputes(ctx)
        query = urllib.parse.urlencode({"unit": info[key], "from": info["from"], "to": info["to"]})
        if api:
            ctx.client("api:county-leader").get(f"/api/v1/disputes/stats?{query}")
        else:
            ctx.client("page:county-leader").get(f"/disputes/stats/?{query}")

    return stats


def disputes_list_page(username: str) -> Callable[[Context], None]:
    def listing(ctx: Context) -> None:
        _disputes(ctx)
        ctx.client(f"page:{username}").get("/disputes/")

    return listing


# --- the public portal (网上信访): anonymous, served at /portal/ of the measured server ------------


def _portal_payload(ctx: Context) -> dict:
    return {
        "name": "李四",
        "id_number": valid_id_number(FRESH),  # a new person each run: no earlier matters to confirm
        "phone": f"139{FRESH.randint(0, 99_999_999):08d}",
        "address": "青山县城关镇东风村三组",
        "unit": ctx.village(),
        "subject": "反映村道损毁无人修复",
        "content": "今年汛期后村道多处塌陷，车辆无法通行，多次向村里反映未解决。",
        "demands": "尽快修复村道。",
        "category": "1301",
    }


def portal_submit_api(ctx: Context) -> None:
    Client(ctx.base).post_json("/portal/api/petitions", _portal_payload(ctx), expect=201)


def _portal_case(ctx: Context) -> tuple[str, str]:
    case = ctx.cache.get("portal")
    if not case:
        receipt = Client(ctx.base).post_json("/portal/api/petitions", _portal_payload(ctx), expect=201)
        case = ctx.cache["portal"] = (receipt["number"], receipt["query_code"])
    return case  # type: ignore[return-value]


def portal_track_api(ctx: Context) -> None:
    number, code = _portal_case(ctx)
    client = ctx.cache.setdefault("portal-client", Client(ctx.base))
    client.get("/portal/api/track?" + urllib.parse.urlencode({"number": number, "code": code}))  # type: ignore[attr-defined]


def portal_track_page(ctx: Context) -> None:
    number, code = _portal_case(ctx)
    client: Client = ctx.cache.get("portal-page") or Client(ctx.base)  # type: ignore[assignment]
    if "csrftoken" not in client.cookies:
        client.get("/portal/track/")
        ctx.cache["portal-page"] = client
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": client.cookies["csrftoken"], "number": number, "code": code}
    ).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Referer": f"{ctx.base}/portal/track/"}
    status, _, data = client.request("POST", "/portal/track/", form, headers)
    _check(status, 200, "POST", "/portal/track/", data)


# (name shown in the table, callable). Later issues append here.
OPERATIONS: list[tuple[str, Callable[[Context], None]]] = [
    ("登记簿页面 `/petitions/?category=02&status=open`", register_page),
    ("登记簿 API `?category=02&status=open&page_size=20`", register_api),
    ("详情页 `/petitions/<id>/`", detail_page),
    ("详情 API `/api/v1/petitions/<id>`", detail_api),
    ("全文搜索 API `q=拖欠工资`", search_api("拖欠工资")),
    ("全文搜索页面 `q=拖欠工资`", search_page("拖欠工资")),
    ("两字搜索 API `q=拆迁`", search_api("拆迁")),
    ("新建 API `POST /api/v1/petitions`", create_api),
    ("首页（工作台）`/`", dashboard_page),
    # Not in the list, measured for context: the register as it first opens, and a
    # township leader's share (城关镇, about 8.5 % of the petitions).
    ("登记簿页面（无筛选）`/petitions/`", register_page_unfiltered),
    ("登记簿 API（乡镇 `leader`）`?category=02&status=open`", register_api_township),
    # Handling (issue 5): one transition each, with its notice (.docx) where the step writes one.
    ("受理 `POST …/actions/accept`（含受理告知单）", transition("accept")),
    ("交办 `POST …/actions/assign`（含交办通知单）", transition("assign")),
    ("提交办结报告 `…/actions/submit_report`（含办结报告）", transition("submit_report")),
    ("审核通过 `…/actions/approve_report`", transition("approve_report")),
    ("答复 `…/actions/answer`（含处理意见书）", transition("answer")),
    # Statistics (issue 7): the leaders' dashboard, its API and the statistics page, read from the
    # summary tables (`manage.py stats_rebuild` once on a database seeded before they existed).
    ("首页（工作台，乡镇 `leader`）`/`", dashboard_page_township),
    ("统计概览 API `/api/v1/stats/overview`（县 `county-leader`）", stats_overview_api("county-leader")),
    ("统计概览 API `/api/v1/stats/overview`（乡镇 `leader`）", stats_overview_api("leader")),
    ("统计页面 `/stats/`（县 `county-leader`，本年）", stats_page("county-leader")),
    ("统计页面 `/stats/`（乡镇 `leader`，本年）", stats_page("leader")),
    (
        "统计页面 `/stats/?category=02&channel=visit`（县，筛选类别和渠道）",
        stats_page("county-leader", "?category=02&channel=visit"),
    ),
    # Statistics by problem unit and by responsible unit (issue 17), read from the unit tables.
    ("统计页面 `/stats/?by=problem`（县，按问题属地，本年）", stats_page("county-leader", "?by=problem")),
    ("统计页面 `/stats/?by=problem`（乡镇 `leader`，按问题属地）", stats_page("leader", "?by=problem")),
    ("统计页面 `/stats/?by=handling`（县，按承办单位，本年）", stats_page("county-leader", "?by=handling")),
    (
        "统计页面 `/stats/?by=problem&category=02&channel=visit`（县，按问题属地，筛选类别和渠道）",
        stats_page("county-leader", "?by=problem&category=02&channel=visit"),
    ),
    # The front desk's and a handler's home: their work queue, by deadline.
    ("首页（工作队列，乡镇接访员 `clerk`）`/`", work_queue_page("clerk")),
    ("首页（工作队列，县接访员 `county-clerk`）`/`", work_queue_page("county-clerk")),
    ("首页（工作队列，承办人 `village-handler`）`/`", work_queue_page("village-handler")),
    # Duty (issue 11): one unit's month (62 shifts) of 320 units' rosters, and the county's check.
    ("值班表月视图页面 `/duty/rosters/<id>/`（城关镇，一个月）", duty_roster_page),
    ("值班班次 API `/api/v1/duty/shifts?unit=&from=&to=`（城关镇，一个月）", duty_shifts_api),
    ("值班表导出 `…/export.xlsx`（城关镇，一个月）", duty_roster_export("xlsx")),
    ("值班表导出 `…/export.docx`（城关镇，一个月）", duty_roster_export("docx")),
    ("值班覆盖检查 API `/api/v1/duty/coverage`（县及下级，一个月）", duty_coverage_api("county")),
    ("值班覆盖检查 API `/api/v1/duty/coverage`（城关镇及下级，一个月）", duty_coverage_api("unit")),
    # Information reports and incidents: a quarter of 340 units' routine reports (aim 200 ms), and
    # the board of about 30 open incidents (aim 50 ms).
    (
        "报送完整率页面 `/reports/completeness/?unit=&from=&to=`（县及下级，一个季度）",
        reports_completeness_page("county"),
    ),
    (
        "报送完整率页面 `/reports/completeness/?unit=&from=&to=`（城关镇及下级，一个季度）",
        reports_completeness_page("unit"),
    ),
    ("突发事件看板页面 `/incidents/`（县 `county-leader`）", incidents_board_page("county-leader")),
    ("突发事件看板页面 `/incidents/`（乡镇接访员 `clerk`）", incidents_board_page("clerk")),
    # Key persons: the register of 20,000 persons across the county, 25 a page (aim 50 ms); the
    # alarm's look-up is timed in-process by `bench/seed_keypersons.py --alarm`.
    ("重点人员名册页面 `/key-persons/`（县 `county-leader`）", keypersons_list_page("county-leader")),
    ("重点人员名册页面 `/key-persons/`（乡镇接访员 `clerk`）", keypersons_list_page("clerk")),
    (
        "重点人员名册页面 `/key-persons/?risk=red&visit_overdue=1`（县 `county-leader`）",
        keypersons_list_page("county-leader", "?risk=red&visit_overdue=1"),
    ),
    (
        "重点人员名册页面 `/key-persons/?risk=red&visit_overdue=1`（乡镇接访员 `clerk`）",
        keypersons_list_page("clerk", "?risk=red&visit_overdue=1"),
    ),
    # Screening rounds: a year of the county's rounds (320 units, weekly villages), aim 200 ms.
    (
        "排查完整率页面 `/screenings/completeness/?unit=&from=&to=`（县及下级，一年）",
        screenings_completeness_page("county"),
    ),
    (
        "排查完整率页面 `/screenings/completeness/?unit=&from=&to=`（城关镇及下级，一年）",
        screenings_completeness_page("unit"),
    ),
    # Disputes: a year of 100,000 disputes over the county's units, aim 200 ms.
    ("调处统计页面 `/disputes/stats/?unit=&from=&to=`（县及下级，一年）", disputes_stats("county")),
    ("调处统计 API `/api/v1/disputes/stats`（县及下级，一年）", disputes_stats("county", api=True)),
    ("调处统计页面 `/disputes/stats/`（城关镇及下级，一年）", disputes_stats("unit")),
    ("矛盾纠纷列表页面 `/disputes/`（县 `county-leader`）", disputes_list_page("county-leader")),
    ("矛盾纠纷列表页面 `/disputes/`（乡镇接访员 `clerk`）", disputes_list_page("clerk")),
    # The public portal: a citizen's submission (aim 100 ms) and tracking (aim 30 ms).
    ("网上信访提交 API `POST /portal/api/petitions`", portal_submit_api),
    ("网上信访查询 API `GET /portal/api/track`", portal_track_api),
    ("网上信访查询页面 `POST /portal/track/`", portal_track_page),
]


# --- running ------------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    timings: list[float] = field(default_factory=list)
    note: str = ""

    def row(self) -> str:
        if not self.timings:
            return f"| {self.name} | 0 | – | – | {self.note} |"
        ordered = sorted(self.timings)
        p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
        return (
            f"| {self.name} | {len(ordered)} | {statistics.median(ordered):.1f} | {p95:.1f} | {self.note} |"
        )


def measure(ctx: Context, name: str, operation: Callable[[Context], None], runs: int, warmup: int) -> Result:
    result = Result(name)
    try:
        prepare = getattr(operation, "prepare", None)
        if prepare is not None:
            prepare(ctx, runs + warmup)
        for _ in range(warmup):
            operation(ctx)
        for _ in range(runs):
            started = time.perf_counter()
            operation(ctx)
            result.timings.append((time.perf_counter() - started) * 1000)
    except Unavailable as exc:
        result.note = f"不可用：{exc}"
    except RuntimeError as exc:
        result.note = f"出错：{exc}"[:200]
    return result


def start_server(data_dir: str, port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "XINFANG_DATA_DIR": data_dir,
        "XINFANG_DEMO": "0",
        # the portal at /portal/, without its CAPTCHA, its limits out of the benchmark's way
        "XINFANG_PORTAL_MOUNTED": "1",
        "XINFANG_PORTAL_CAPTCHA": "0",
        "XINFANG_PORTAL_SUBMITS_PER_ADDRESS": "1000000",
        "XINFANG_PORTAL_SUBMITS_PER_ID_NUMBER": "1000000",
    }
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        "config.wsgi:application",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            Client(f"http://127.0.0.1:{port}").get("/accounts/login/")
            return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("gunicorn did not answer within 60 s")


@dataclass
class Memory:
    pid: int
    peak_kib: int  # VmHWM: the most resident memory the worker ever had
    anon_kib: int  # RssAnon now: Python heap and caches
    file_kib: int  # RssFile now: code and the SQLite file pages mapped with mmap_size, shared


def worker_memory(master_pid: int) -> list[Memory]:
    """The memory of the master's children (the workers), from /proc/<pid>/status."""
    workers = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        values = dict(re.findall(r"^(PPid|VmHWM|RssAnon|RssFile):\s+(\d+)", status, re.M))
        if values.get("PPid") == str(master_pid) and "VmHWM" in values:
            workers.append(
                Memory(
                    pid=int(entry.name),
                    peak_kib=int(values["VmHWM"]),
                    anon_kib=int(values.get("RssAnon", 0)),
                    file_kib=int(values.get("RssFile", 0)),
                )
            )
    return sorted(workers, key=lambda m: m.pid)


def machine() -> str:
    cpus = os.cpu_count()
    model = ""
    memory = ""
    try:
        model = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M).group(1)
        total = int(re.search(r"^MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text(), re.M).group(1))
        memory = f"{total / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass
    return f"{cpus} CPU ({model or platform.processor()}), {memory} RAM, {platform.system()} {platform.release()}, Python {platform.python_version()}"


def database_note(data_dir: str | None) -> str:
    if os.environ.get("DATABASE_URL"):
        return "PostgreSQL (DATABASE_URL)"
    if data_dir:
        path = Path(data_dir) / "xinfang.sqlite3"
        if path.exists():
            return f"SQLite {path} ({path.stat().st_size / 1024**3:.2f} GiB)"
    return "database of the running server"


def _out(line: str) -> None:
    sys.stdout.write(line + "\n")


def _err(line: str) -> None:
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="measure this running server instead of starting gunicorn")
    parser.add_argument(
        "--server-pid", type=int, help="with --url: gunicorn master pid, for the workers' RSS"
    )
    parser.add_argument("--data-dir", default=os.environ.get("XINFANG_DATA_DIR", str(ROOT / "var")))
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("-n", "--runs", type=int, default=50, help="measured requests per operation")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured requests per operation first")
    parser.add_argument(
        "--only", default="", help="comma-separated words; measure operations whose name has one"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--duty-info", default="", help="duty-bench.json of bench/seed_duty.py (default: in --data-dir)"
    )
    parser.add_argument(
        "--reports-info",
        default="",
        help="reports-bench.json of bench/seed_reports.py (default: in --data-dir)",
    )
    parser.add_argument(
        "--keypersons-info",
        default="",
        help="keypersons-bench.json of bench/seed_keypersons.py (default: in --data-dir)",
    )
    parser.add_argument(
        "--screenings-info",
        default="",
        help="screenings-bench.json of bench/seed_screenings.py (default: in --data-dir)",
    )
    parser.add_argument(
        "--disputes-info",
        default="",
        help="disputes-bench.json of bench/seed_disputes.py (default: in --data-dir)",
    )
    args = parser.parse_args()

    args.data_dir = str(Path(args.data_dir).resolve())
    server = None
    if args.url:
        base, master = args.url.rstrip("/"), args.server_pid
    else:
        server = start_server(args.data_dir, args.port, args.workers)
        base, master = f"http://127.0.0.1:{args.port}", server.pid
    try:
        ctx = Context(base=base, rng=random.Random(args.seed))
        duty_info = Path(args.duty_info or Path(args.data_dir) / "duty-bench.json")
        if duty_info.exists():
            ctx.cache["duty"] = json.loads(duty_info.read_text())
        reports_info = Path(args.reports_info or Path(args.data_dir) / "reports-bench.json")
        if reports_info.exists():
            ctx.cache["reports"] = json.loads(reports_info.read_text())
        keypersons_info = Path(args.keypersons_info or Path(args.data_dir) / "keypersons-bench.json")
        if keypersons_info.exists():
            ctx.cache["keypersons"] = json.loads(keypersons_info.read_text())
        screenings_info = Path(args.screenings_info or Path(args.data_dir) / "screenings-bench.json")
        if screenings_info.exists():
            ctx.cache["screenings"] = json.loads(screenings_info.read_text())
        disputes_info = Path(args.disputes_info or Path(args.data_dir) / "disputes-bench.json")
        if disputes_info.exists():
            ctx.cache["disputes"] = json.loads(disputes_info.read_text())
        try:
            ctx.sample_ids()
        except Unavailable as exc:
            _err(f"note: {exc}")
        selected = [
            (n, op) for n, op in OPERATIONS if not args.only or any(w in n for w in args.only.split(","))
        ]
        results = []
        for name, operation in selected:
            _err(f"… {name}")
            results.append(measure(ctx, name, operation, args.runs, args.warmup))
        workers = worker_memory(master) if master else []
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)

    _out(f"Machine: {machine()}")
    _out(f"Database: {database_note(None if args.url else args.data_dir)}, {ctx.petition_count:,} petitions")
    _out(
        f"Server: gunicorn, {args.workers} sync workers; {args.runs} runs per operation after {args.warmup} warm-up"
    )
    _out("")
    _out("| Operation | n | median ms | p95 ms | note |")
    _out("|---|---:|---:|---:|---|")
    for result in results:
        _out(result.row())
    _out("")
    if workers:
        peak = max(w.peak_kib for w in workers) / 1024
        _out(f"Peak RSS of the {len(workers)} workers (VmHWM, largest): {peak:.0f} MiB")
        for w in workers:
            _out(
                f"- worker {w.pid}: peak {w.peak_kib / 1024:.0f} MiB; now {w.anon_kib / 1024:.0f} MiB anonymous "
                f"+ {w.file_kib / 1024:.0f} MiB file-backed (code, mmap of the SQLite file, shared)"
            )
    else:
        _out("Peak RSS of the workers: unknown (pass --server-pid with --url)")


if __name__ == "__main__":
    main()
