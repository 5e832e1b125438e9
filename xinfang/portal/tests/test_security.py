"""The public portal's security: no staff URL on the portal's site, the throttles (counted in the
database, keys hashed), the query code's strength and storage, a wrong code answering exactly
like a missing number, the public view's whitelist, the CAPTCHA, CSRF, and out-of-range input
answering 422 in Chinese (never 500)."""

import hashlib
import re
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from captcha.models import CaptchaStore  # type: ignore[import-untyped]
from django.conf import settings
from django.http import HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils import timezone

from config.settings import portal as portal_settings
from xinfang.audit.models import AuditEntry
from xinfang.petitions.models import Petition, PetitionEvent, PetitionPetitioner
from xinfang.portal import codes, selectors, services, throttle
from xinfang.portal.middleware import PortalStaticOnly
from xinfang.portal.models import PortalAccess, PortalThrottle

from .helpers import (
    API,
    OTHER_ID,
    OTHER_PHONE,
    PHONE,
    VALID_ID,
    act,
    answer,
    api_submit,
    assign,
    page_submit,
    page_track,
    petition_data,
    receipt_of,
    submitted,
    track,
    user,
    valid_id,
)

pytestmark = pytest.mark.usefixtures("demo")

ROOT = Path(__file__).resolve().parents[3]
STAFF_NAMES = ("王接访", "李承办", "张分管", "陈村干部", "赵书记", "钱督办", "郑县接访", "冯县领导")
NOTE = "内部备注：领导很重视"
INSTRUCTION = "内部批示XYZ"
ASSIGN_NOTE = "内部交办说明QRS"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def portal_site():  # type: ignore[no-untyped-def]
    """The portal's own site as config.settings.portal configures it (on the test database)."""
    return override_settings(
        ROOT_URLCONF=portal_settings.ROOT_URLCONF,
        MIDDLEWARE=portal_settings.MIDDLEWARE,
        TEMPLATES=portal_settings.TEMPLATES,
        CSRF_FAILURE_VIEW=portal_settings.CSRF_FAILURE_VIEW,
        CSRF_USE_SESSIONS=portal_settings.CSRF_USE_SESSIONS,
    )


# --- 1. no staff URL on the portal's site --------------------------------------------------------

SAMPLES = {"int": "1", "str": "x", "slug": "x", "path": "x/y", "uuid": str(uuid.UUID(int=1))}


def _route_sample(route: str) -> str:
    def fill(match: re.Match[str]) -> str:
        converter = match.group(1) or "str"
        # an untyped parameter (<petition_id>) is a str; a number resolves for every one of them
        return SAMPLES.get(converter, "1") if match.group(1) else "1"

    return re.sub(r"<(?:(\w+):)?\w+>", fill, route)


def _regex_sample(regex: str) -> str:
    sample = re.sub(r"\(\?P<\w+>[^)]*\)", "1", regex.lstrip("^").rstrip("$").replace("\\Z", ""))
    return sample.replace("\\.", ".").replace("\\/", "/")


def _walk(patterns: list, prefix: str = "") -> list[str]:  # type: ignore[type-arg]
    paths: list[str] = []
    for entry in patterns:
        pattern = entry.pattern
        if isinstance(pattern, RoutePattern):
            part = _route_sample(str(pattern._route))
        elif isinstance(pattern, RegexPattern):
            part = _regex_sample(str(pattern._regex))
        else:  # pragma: no cover - Django has only these two
            raise AssertionError(f"unknown pattern {pattern!r}")
        if isinstance(entry, URLResolver):
            paths += _walk(entry.url_patterns, prefix + part)
        elif isinstance(entry, URLPattern):
            paths.append("/" + prefix + part)
    return paths


def staff_paths() -> list[str]:
    """Every path of the staff site (config.urls) with sample values, the portal's own excepted."""
    every = sorted(set(_walk(get_resolver("config.urls").url_patterns)))
    return [p for p in every if not p.startswith("/portal/")]


def test_the_walk_covers_the_staff_site_and_every_sample_resolves_there():
    paths = staff_paths()
    assert len(paths) > 200, len(paths)
    for required in ("/api/v1/docs", "/api/v1/openapi.json", "/accounts/login/", "/online/", "/"):
        assert required in paths
    unresolved = []
    for path in paths:
        try:
            resolve(path, urlconf="config.urls")
        except Exception:  # noqa: BLE001 - listed below
            unresolved.append(path)
    assert unresolved == []


def test_no_staff_url_answers_on_the_portals_site():
    paths = staff_paths()
    extra = ["/admin/", "/admin/login/", "/api/v1/", "/online/", "/accounts/login/"]
    with portal_site():
        portal = Client()
        reached = {}
        for path in [*paths, *extra]:
            response = portal.get(path)
            if path == "/":
                # the portal's own root: a redirect to the guide
                assert response.status_code == 302
                assert response["Location"] == "/portal/"
                continue
            if response.status_code != 404:
                reached[path] = response.status_code
        assert reached == {}
        # the 404 is the portal's own page, in Chinese, without the staff's navigation
        page = portal.get("/api/v1/docs").content.decode()
        assert "页面不存在" in page
        assert "/accounts/logout" not in page
        # a staff API call by POST is no more reachable (resolution fails before CSRF)
        assert portal.post("/api/v1/auth/token", {"username": "clerk"}).status_code == 404
        # the portal itself answers
        assert portal.get("/portal/").status_code == 200
        assert portal.get(f"{API}/units").status_code == 200
    # and the same staff pages do exist on the staff site (the walk is not vacuous)
    staff = Client()
    assert staff.get("/accounts/login/").status_code == 200
    assert staff.get("/api/v1/openapi.json").status_code in (200, 401, 403)


@override_settings(WHITENOISE_USE_FINDERS=True)  # served from the apps, with no collectstatic
def test_staff_static_files_are_not_served_by_the_portal():
    # the staff site serves its script
    assert Client().get("/static/core/app.js").status_code == 200
    with portal_site():
        response = Client().get("/static/core/app.js")
        assert response.status_code == 404
        assert response.content.decode() == "页面不存在。"
        assert Client().get("/static/core/site.css").status_code == 404
    # the middleware passes the portal's own files on (to WhiteNoise) and blocks the rest
    sentinel = HttpResponse("passed")
    middleware = PortalStaticOnly(lambda request: sentinel)
    factory = RequestFactory()
    for allowed in (
        "/static/portal/portal.css",
        "/static/vendor/bootstrap/bootstrap.min.css",
        "/portal/",
    ):
        assert middleware(factory.get(allowed)) is sentinel, allowed
    for blocked in (
        "/static/core/app.js",
        "/static/admin/css/base.css",
        "/static/vendor/bootstrap/bootstrap.bundle.min.js",
        "/static/vendor/htmx.min.js",
        "/static/portalx.css",
    ):
        assert middleware(factory.get(blocked)).status_code == 404, blocked
    # the portal settings put it before WhiteNoise
    middlewares = portal_settings.MIDDLEWARE
    assert middlewares.index("xinfang.portal.middleware.PortalStaticOnly") < middlewares.index(
        "whitenoise.middleware.WhiteNoiseMiddleware"
    )
    for staff_only in (
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ):
        assert staff_only not in middlewares
    assert "django.middleware.csrf.CsrfViewMiddleware" in middlewares


def test_the_portal_settings_pass_the_system_checks():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--settings=config.settings.portal"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


# --- 2. the throttles -----------------------------------------------------------------------------


def test_the_default_limits():
    assert settings.XINFANG_PORTAL_TRACK_FAILURES_PER_NUMBER == 10
    assert settings.XINFANG_PORTAL_TRACK_FAILURES_PER_ADDRESS == 30
    assert settings.XINFANG_PORTAL_SUBMITS_PER_ADDRESS == 10
    assert settings.XINFANG_PORTAL_SUBMITS_PER_ID_NUMBER == 5
    assert (throttle.TRACK_PER_NUMBER.per, throttle.TRACK_PER_NUMBER.seconds) == (10, 3600)
    assert (throttle.TRACK_PER_ADDRESS.per, throttle.TRACK_PER_ADDRESS.seconds) == (30, 3600)
    assert (throttle.SUBMIT_PER_ADDRESS.per, throttle.SUBMIT_PER_ADDRESS.seconds) == (10, 3600)
    assert (throttle.SUBMIT_PER_ID.per, throttle.SUBMIT_PER_ID.seconds) == (5, 86400)
    assert throttle.Throttled.status_code == 429


def test_the_eleventh_submission_from_one_address_within_the_hour_answers_429(client):
    for i in range(10):
        response = api_submit(client, id_number=valid_id(i), REMOTE_ADDR="203.0.113.7")
        assert response.status_code == 201, (i, response.content.decode())
    response = api_submit(client, id_number=valid_id(10), REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429
    assert response.json() == {"message": throttle.SUBMIT_PER_ADDRESS.message}
    assert CHINESE.search(response.json()["message"])
    # checked before the input: an invalid submission is refused the same way
    assert api_submit(client, id_number="1", REMOTE_ADDR="203.0.113.7").status_code == 429
    # another address may still submit
    assert api_submit(client, id_number=valid_id(11), REMOTE_ADDR="203.0.113.8").status_code == 201
    assert Petition.objects.filter(channel="online").count() == 11


def test_the_sixth_submission_with_one_id_number_within_the_day_answers_429(client):
    for i in range(5):
        response = api_submit(client, REMOTE_ADDR=f"198.51.100.{i + 1}")
        assert response.status_code == 201, (i, response.content.decode())
    response = api_submit(client, REMOTE_ADDR="198.51.100.99")
    assert response.status_code == 429
    assert response.json()["message"] == throttle.SUBMIT_PER_ID.message
    # lower case x or spaces do not make another ID number
    assert api_submit(client, id_number=f" {VALID_ID} ", REMOTE_ADDR="198.51.100.98").status_code == 429
    # another person is not affected
    other = api_submit(client, id_number=OTHER_ID, phone=OTHER_PHONE, REMOTE_ADDR="198.51.100.99")
    assert other.status_code == 201


@override_settings(XINFANG_PORTAL_SUBMITS_PER_ADDRESS=2)
def test_the_page_answers_429_in_chinese_beyond_the_address_limit(client):
    for i in range(2):
        response = page_submit(client, id_number=valid_id(i), REMOTE_ADDR="203.0.113.9")
        assert response.status_code == 200, response.content.decode()[:3000]
        receipt_of(response)
    response = page_submit(client, id_number=valid_id(2), REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 429
    assert throttle.SUBMIT_PER_ADDRESS.message in response.content.decode()
    assert 'data-testid="receipt-code"' not in response.content.decode()


@override_settings(XINFANG_PORTAL_SUBMITS_PER_ID_NUMBER=2)
def test_the_page_answers_429_in_chinese_beyond_the_id_number_limit(client):
    for i in range(2):
        assert page_submit(client, REMOTE_ADDR=f"192.0.2.{i + 1}").status_code == 200
    response = page_submit(client, REMOTE_ADDR="192.0.2.50")
    assert response.status_code == 429
    assert throttle.SUBMIT_PER_ID.message in response.content.decode()
    assert Petition.objects.filter(channel="online").count() == 2


def test_after_ten_wrong_codes_for_a_number_even_the_right_code_answers_429_for_the_hour(client):
    number, code = submitted(client)
    for i in range(10):
        response = track(client, number, "WRONGWRONGWRONG2", REMOTE_ADDR=f"10.1.0.{i + 1}")
        assert response.status_code == 404
    refused = track(client, number, code, REMOTE_ADDR="10.2.0.1")
    assert refused.status_code == 429
    assert refused.json() == {"message": throttle.TRACK_PER_NUMBER.message}
    page = page_track(client, number, code, REMOTE_ADDR="10.2.0.2")
    assert page.status_code == 429
    assert throttle.TRACK_PER_NUMBER.message in page.content.decode()
    # the other actions on the number are refused too
    rate = client.post(
        f"{API}/rate",
        {"number": number, "code": code, "satisfaction": "satisfied"},
        content_type="application/json",
        REMOTE_ADDR="10.2.0.3",
    )
    assert rate.status_code == 429
    # an hour later (the window moved back by an hour), the right code opens it again
    PortalThrottle.objects.update(window_start=timezone.now() - timedelta(hours=1, minutes=1))
    assert track(client, number, code, REMOTE_ADDR="10.2.0.1").status_code == 200


def test_thirty_failures_from_one_address_across_numbers_block_that_address(client):
    number, code = submitted(client)
    for i in range(30):
        response = track(client, f"341122101-2026-9{i:05d}", "ABCDABCDABCDABCD", REMOTE_ADDR="10.3.0.1")
        assert response.status_code == 404, i
    refused = track(client, number, code, REMOTE_ADDR="10.3.0.1")
    assert refused.status_code == 429
    assert refused.json() == {"message": throttle.TRACK_PER_ADDRESS.message}
    assert page_track(client, number, code, REMOTE_ADDR="10.3.0.1").status_code == 429
    # another address, and the number itself, are unaffected
    assert track(client, number, code, REMOTE_ADDR="10.3.0.2").status_code == 200


def test_successful_look_ups_are_not_counted(client):
    number, code = submitted(client)
    for _ in range(12):
        assert track(client, number, code, REMOTE_ADDR="10.4.0.1").status_code == 200
    assert not PortalThrottle.objects.filter(
        key__in=[
            throttle._key(throttle.TRACK_PER_NUMBER, number),
            throttle._key(throttle.TRACK_PER_ADDRESS, "10.4.0.1"),
        ]
    ).exists()


def test_the_counters_live_in_the_database_with_hashed_keys(client):
    number, code = submitted(client, REMOTE_ADDR="203.0.113.77")
    assert track(client, number, "X" * 16, REMOTE_ADDR="203.0.113.78").status_code == 404
    rows = list(PortalThrottle.objects.values("key", "window_start", "count"))
    expected = {
        throttle._key(throttle.SUBMIT_PER_ADDRESS, "203.0.113.77"),
        throttle._key(throttle.SUBMIT_PER_ID, VALID_ID),
        throttle._key(throttle.TRACK_PER_ADDRESS, "203.0.113.78"),
        throttle._key(throttle.TRACK_PER_NUMBER, number),
    }
    assert {r["key"] for r in rows} == expected
    assert all(r["count"] == 1 for r in rows)
    clear = ["203.0.113.77", "203.0.113.78", VALID_ID, number, code, PHONE]
    for row in rows:
        assert re.fullmatch(r"[0-9a-f]{64}", row["key"])
        for value in clear:
            assert value not in row["key"]
            # not an unsalted hash either: the key depends on SECRET_KEY
            assert row["key"] != hashlib.sha256(value.encode()).hexdigest()
    for scope in ("submit-address", "submit-id", "track-address", "track-number"):
        for value in clear:
            assert hashlib.sha256(f"{scope}:{value}".encode()).hexdigest() not in expected
    # a second worker's hit counts in the same row
    throttle.hit(throttle.TRACK_PER_NUMBER, number)
    assert throttle.used(throttle.TRACK_PER_NUMBER, number) == 2


def test_a_burst_across_a_windows_edge_cannot_pass_twice_the_limit():
    limit, number = throttle.TRACK_PER_NUMBER, "341122101-2026-000009"  # 10 an hour
    edge = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    previous, current = edge - timedelta(hours=1), edge
    # ten failures in the last minutes of the previous hour
    PortalThrottle.objects.create(key=throttle._key(limit, number), window_start=previous, count=10)
    # one more just after the edge: the previous hour still counts almost whole, so the next is
    # refused (fixed windows would allow ten more here)
    PortalThrottle.objects.create(key=throttle._key(limit, number), window_start=current, count=1)
    with pytest.raises(throttle.Throttled):
        throttle.check(limit, number, now=edge + timedelta(minutes=1))
    # at half past, half of the burst counts (5) and the one after the edge: allowed
    half_past = edge + timedelta(minutes=30)
    assert throttle.used(limit, number, now=half_past) == pytest.approx(6)
    throttle.check(limit, number, now=half_past)
    PortalThrottle.objects.filter(window_start=current).update(count=5)
    with pytest.raises(throttle.Throttled):
        throttle.check(limit, number, now=half_past)  # 5 + 5
    # an hour after the burst only this hour's hits count
    assert throttle.used(limit, number, now=edge + timedelta(minutes=59, seconds=59)) == pytest.approx(
        5, abs=0.01
    )


def test_purge_drops_the_old_windows_only():
    now = timezone.now()
    PortalThrottle.objects.create(key="a" * 64, window_start=now - timedelta(days=3), count=9)
    PortalThrottle.objects.create(key="b" * 64, window_start=now - timedelta(days=2, hours=1), count=9)
    PortalThrottle.objects.create(key="c" * 64, window_start=now - timedelta(hours=23), count=9)
    throttle.hit(throttle.TRACK_PER_NUMBER, "341122101-2026-000001")
    assert throttle.purge() == 2
    assert PortalThrottle.objects.count() == 2
    assert not PortalThrottle.objects.filter(key__in=["a" * 64, "b" * 64]).exists()
    assert throttle.used(throttle.TRACK_PER_NUMBER, "341122101-2026-000001") == 1


# --- 3. brute force -------------------------------------------------------------------------------


def test_the_code_space_makes_guessing_hopeless_within_the_limits():
    assert len(codes.ALPHABET) == len(set(codes.ALPHABET)) == 32
    assert not set("IO01") & set(codes.ALPHABET)
    assert codes.LENGTH == 16
    space = len(codes.ALPHABET) ** codes.LENGTH
    assert space == 32**16 == 2**80
    tries_a_year = throttle.TRACK_PER_NUMBER.per * 24 * 365  # ten a number an hour, for a year
    # each try rules out one code at most: the chance of any hit is at most tries / space
    probability = tries_a_year / space
    assert probability < 1e-15
    assert probability < 1e-19  # as codes.py claims
    # new codes use the alphabet and the length
    code = codes.new_code()
    assert len(code) == 16
    assert set(code) <= set(codes.ALPHABET)
    assert len({codes.new_code() for _ in range(200)}) == 200


def test_the_stored_row_holds_no_clear_code(client):
    number, shown = submitted(client)
    code = shown.replace("-", "")
    assert re.fullmatch(r"[A-Z2-9]{4}(-[A-Z2-9]{4}){3}", shown)
    access = PortalAccess.objects.get(petition__number=number)
    for field in PortalAccess._meta.concrete_fields:
        value = str(getattr(access, field.attname))
        assert code not in value, field.name
        assert shown not in value, field.name
    assert access.code_hash == codes.digest(access.code_salt, code)
    assert len(access.code_salt) == 32
    assert len(access.code_hash) == 64
    # neither the petition, its events nor the audit log keep it
    petition = Petition.objects.get(number=number)
    assert code not in str(Petition.objects.filter(pk=petition.pk).values().get())
    for data in PetitionEvent.objects.filter(petition=petition).values_list("data", flat=True):
        assert code not in str(data)
    for entry in AuditEntry.objects.values():
        assert code not in str(entry)
        assert shown not in str(entry)
    # the code as a citizen types it (lower case, spaces) still opens the petition
    assert track(client, number, shown.lower().replace("-", " ")).status_code == 200


# --- 4. a wrong code is indistinguishable from a missing number ----------------------------------


def test_a_wrong_code_answers_exactly_like_a_missing_number(client):
    number, code = submitted(client)
    missing = "341122101-2026-999999"
    wrong_code = track(client, number, "ABCDEFGHJKLMNPQR")
    no_number = track(client, missing, "ABCDEFGHJKLMNPQR")
    assert wrong_code.status_code == no_number.status_code == 404
    assert wrong_code.content == no_number.content
    assert wrong_code.json() == {"message": services.NOT_FOUND}
    # an empty code too
    assert track(client, number, "").content == no_number.content

    def page(n: str) -> str:
        response = page_track(client, n, "ABCDEFGHJKLMNPQR")
        assert response.status_code == 404
        return CSRF_INPUT.sub("", response.content.decode()).replace(n, "NUMBER")

    assert page(number) == page(missing)
    assert services.NOT_FOUND in page(number)
    # the actions answer the same as tracking
    for path in ("/portal/track/rate/", "/portal/track/review/"):
        a = client.post(path, {"number": number, "code": "ABCDEFGHJKLMNPQR", "reason": "x"})
        b = client.post(path, {"number": missing, "code": "ABCDEFGHJKLMNPQR", "reason": "x"})
        assert a.status_code == b.status_code == 404
        assert CSRF_INPUT.sub("", a.content.decode()).replace(number, "N") == CSRF_INPUT.sub(
            "", b.content.decode()
        ).replace(missing, "N")


# --- 5. nothing internal leaks into the public view ----------------------------------------------


def test_the_public_view_shows_only_the_whitelist(client, django_capture_on_commit_callbacks):
    # another person's matter in the same township
    submitted(client, name="李秀梅", id_number=OTHER_ID, phone=OTHER_PHONE, subject="反映邻里纠纷")
    number, code = submitted(client)
    with django_capture_on_commit_callbacks(execute=True):
        petition = act(Petition.objects.get(number=number), "accept", "clerk", note=NOTE)
        act(petition, "instruct", "leader", text=INSTRUCTION)
        assign(number, note=ASSIGN_NOTE)
        answer(number)
    events = set(PetitionEvent.objects.filter(petition__number=number).values_list("action", flat=True))
    assert {"accept", "instruct", "assign", "submit_report", "approve_report", "answer"} <= events

    response = track(client, number, code)
    assert response.status_code == 200
    view = response.json()
    assert tuple(selectors.PUBLIC_FIELDS) == (
        "number",
        "subject",
        "received_on",
        "status",
        "acceptance_due",
        "invalid_reason",
        "steps",
        "answered_on",
        "answer_outcome",
        "window_ends",
        "review_kind",
        "satisfaction",
        "can_rate",
        "can_request_review",
        "review_request",
        "notices",
    )
    assert set(view) == set(selectors.PUBLIC_FIELDS)
    assert len(view) == len(selectors.PUBLIC_FIELDS)
    assert view["status"] == "已答复"
    assert view["steps"], view
    for step in view["steps"]:
        assert set(step) == {"date", "text"}
    texts = [s["text"] for s in view["steps"]]
    assert texts[0] == "收到网上信访事项，已登记"
    assert "已受理" in texts
    assert "已交由东风村办理" in texts
    assert view["notices"], "the answer's notices are published to the petitioner"
    for notice in view["notices"]:
        assert set(notice) == {"id", "title", "number", "date"}

    page = page_track(client, number, code)
    assert page.status_code == 200
    for text in (response.content.decode(), page.content.decode(), str(view)):
        for secret in (
            *STAFF_NAMES,
            NOTE,
            "领导很重视",
            INSTRUCTION,
            ASSIGN_NOTE,
            "经入户核查",  # the village's internal report
            services.SYSTEM_USERNAME,
            "李秀梅",
            "邻里纠纷",
            OTHER_ID,
            VALID_ID,  # not even the citizen's own ID number
            user("clerk").username,
        ):
            assert secret not in text, secret


# --- 6. the CAPTCHA -------------------------------------------------------------------------------


@override_settings(XINFANG_PORTAL_CAPTCHA=True)
def test_the_api_requires_a_captcha_used_once(client):
    response = api_submit(client)
    assert response.status_code == 422
    assert response.json()["message"] == "验证码错误或已过期，请重新获取。"
    assert "captcha_value" in response.json()["errors"]

    challenge = client.get(f"{API}/captcha")
    assert challenge.status_code == 200
    key = challenge.json()["key"]
    answer_ = CaptchaStore.objects.get(hashkey=key).response
    assert challenge.json()["image_url"] == f"/portal/captcha/{key}.png"
    wrong = api_submit(client, captcha_key=key, captcha_value="wrong")
    assert wrong.status_code == 422  # and the key is used up by the wrong answer
    assert api_submit(client, captcha_key=key, captcha_value=answer_).status_code == 422

    key = client.get(f"{API}/captcha").json()["key"]
    answer_ = CaptchaStore.objects.get(hashkey=key).response
    assert api_submit(client, captcha_key=key, captcha_value=answer_).status_code == 201
    again = api_submit(client, id_number=OTHER_ID, captcha_key=key, captcha_value=answer_)
    assert again.status_code == 422
    assert CHINESE.search(again.json()["message"])
    assert Petition.objects.filter(channel="online").count() == 1


@override_settings(XINFANG_PORTAL_CAPTCHA=True)
def test_the_page_shows_a_captcha_image_and_checks_it(client):
    page = client.get("/portal/submit/")
    html = page.content.decode()
    image = re.search(r'<img[^>]*src="([^"]+)"[^>]*data-testid="captcha-image"', html)
    assert image, html
    key = re.search(r'name="captcha_key" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]
    picture = client.get(image.group(1))
    assert picture.status_code == 200
    assert picture["Content-Type"] == "image/png"
    assert picture.content.startswith(b"\x89PNG\r\n\x1a\n")
    # without it, or with a wrong one: 422 with the Chinese message
    refused = page_submit(client)
    assert refused.status_code == 422
    assert "验证码错误或已过期" in refused.content.decode()
    answer_ = CaptchaStore.objects.get(hashkey=key).response
    accepted = page_submit(client, captcha_key=key, captcha_value=answer_)
    assert accepted.status_code == 200
    receipt_of(accepted)
    assert page_submit(client, captcha_key=key, captcha_value=answer_).status_code == 422


# --- 7. CSRF --------------------------------------------------------------------------------------

PAGE_POSTS = (
    "/portal/submit/",
    "/portal/track/",
    "/portal/track/notice/",
    "/portal/track/rate/",
    "/portal/track/review/",
)


def test_the_pages_posts_are_csrf_protected():
    strict = Client(enforce_csrf_checks=True)
    for path in PAGE_POSTS:
        response = strict.post(path, {"number": "x", "code": "y"})
        assert response.status_code == 403, path
        assert CHINESE.search(response.content.decode()), path
    with portal_site():
        strict = Client(enforce_csrf_checks=True)
        for path in PAGE_POSTS:
            response = strict.post(path, {"number": "x", "code": "y"})
            assert response.status_code == 403, path
            assert "页面已过期，请返回后刷新页面再提交。" in response.content.decode(), path
        # with the form's token, the page answers
        form = strict.get("/portal/track/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.content.decode())
        assert token
        answered = strict.post(
            "/portal/track/", {"number": "x", "code": "y", "csrfmiddlewaretoken": token.group(1)}
        )
        assert answered.status_code == 404
        assert PortalThrottle.objects.exists()  # the failed look-up was counted


# --- 8. out-of-range input ------------------------------------------------------------------------

FULLWIDTH_ID = VALID_ID.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
ARABIC_INDIC_ID = VALID_ID.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
# 17 non-ASCII digits and the ASCII check character: GB 11643's sum is the same (int() reads
# every Unicode digit), so only an ASCII-only pattern refuses it
MIXED_IDS = (FULLWIDTH_ID[:17] + VALID_ID[17], ARABIC_INDIC_ID[:17] + VALID_ID[17])
# the leading ASCII 1 and ten full-width digits
FULLWIDTH_PHONE = PHONE[0] + PHONE[1:].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
# ASCII digits, capitals and the dash as a Chinese input method's full-width forms
FULL = str.maketrans(
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-",
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ－",
)


def _refused_in_chinese(response) -> dict:  # type: ignore[no-untyped-def,type-arg]
    assert response.status_code == 422, response.content.decode()
    body = response.json()
    assert CHINESE.search(body["message"]), body
    return body


@pytest.mark.parametrize(
    "overrides",
    [
        {"unit": 2**70},
        {"unit": -(2**70)},
        {"unit": 0},
        {"unit": "东风村"},
        {"unit": None},
        {"unit": 1.5},
        {"content": "长" * 5001},
        {"demands": "长" * 1001},
        {"subject": "长" * 201},
        {"name": "长" * 51},
        {
            "representatives": [
                {"name": f"代表{i}", "id_number": valid_id(i), "phone": PHONE} for i in range(10)
            ]
        },
        {"representatives": [{"name": "代表"}] * 11},
        {"headcount": 0},
        {"headcount": 10_001},
        {"headcount": 2**70},
        {"repeat_of": 2**70},
        {"id_number": "1" * 1000},
        {"id_number": "110101199002300513"},
        {"kind": "other"},
        {"category": "nonexistent"},
    ],
    ids=lambda o: next(iter(o)) + ":" + str(next(iter(o.values())))[:12],
)
def test_out_of_range_input_answers_422_in_chinese(client, overrides):
    _refused_in_chinese(api_submit(client, **overrides))
    assert not Petition.objects.filter(channel="online").exists()


def test_a_huge_headcount_with_representatives_answers_422(client):
    reps = [{"name": "代表甲", "id_number": OTHER_ID, "phone": OTHER_PHONE}]
    body = _refused_in_chinese(api_submit(client, representatives=reps, headcount=1))
    assert "headcount" in body["errors"]


def test_an_id_number_of_other_scripts_digits_answers_422(client):
    body = _refused_in_chinese(api_submit(client, id_number=ARABIC_INDIC_ID))
    assert "id_number" in body["errors"]
    # 17 Arabic-Indic digits and an ASCII check character: accepted, it would be another ID
    # number for the per-ID limit and the earlier matters
    body = _refused_in_chinese(api_submit(client, id_number=MIXED_IDS[1]))
    assert "id_number" in body["errors"]
    response = page_submit(client, id_number=ARABIC_INDIC_ID)
    assert response.status_code == 422
    assert not Petition.objects.filter(channel="online").exists()


@pytest.mark.parametrize("id_number", [FULLWIDTH_ID, MIXED_IDS[0]], ids=["fullwidth", "fullwidth-17"])
def test_full_width_digits_of_a_chinese_input_method_are_read_as_digits(client, id_number):
    # what a phone's Chinese keyboard types is the same person's number, stored in ASCII
    response = api_submit(client, id_number=id_number, phone=FULLWIDTH_PHONE)
    assert response.status_code == 201, response.content.decode()
    person = PetitionPetitioner.objects.select_related("petitioner").get(
        petition__number=response.json()["number"]
    )
    assert (person.petitioner.id_number, person.petitioner.phone) == (VALID_ID, PHONE)
    # and it is tracked with a full-width number too
    number, code = response.json()["number"], response.json()["query_code"]
    assert track(client, number.translate(FULL), code.translate(FULL)).status_code == 200


def test_the_page_refuses_out_of_range_input_with_422(client):
    for overrides in (
        {"unit": str(2**70)},
        {"unit": "东风村"},
        {"unit": "-1"},
        {"content": "长" * 5001},
        {"collective": "1", "headcount": "0"},
    ):
        response = page_submit(client, **overrides)
        assert response.status_code == 422, overrides
        assert "填写的内容有误" in response.content.decode(), overrides
    assert not Petition.objects.filter(channel="online").exists()
    # a headcount that is not a number in range is refused, never dropped nor a 500
    for headcount in (str(2**70), "-3", "十", "٣"):
        response = page_submit(client, collective="1", headcount=headcount)
        assert response.status_code == 422, headcount
        assert "人数须在 1 至 10000 之间" in response.content.decode(), headcount
    assert not Petition.objects.filter(channel="online").exists()


def test_a_number_or_code_of_a_thousand_characters_on_track(client):
    number, code = submitted(client)
    for n, c in (("9" * 1000, code), (number, "A" * 1000), ("号" * 1000, "码" * 1000)):
        body = _refused_in_chinese(track(client, n, c))
        assert body["errors"]
        page = page_track(client, n, c)
        assert page.status_code == 404  # the page cuts it to 40 characters: not found
        assert services.NOT_FOUND in page.content.decode()
    for path in ("/rate", "/review"):
        response = client.post(
            f"{API}{path}",
            {"number": "9" * 1000, "code": "A" * 1000, "satisfaction": "satisfied", "reason": "x"},
            content_type="application/json",
        )
        _refused_in_chinese(response)
    # missing parameters
    _refused_in_chinese(client.get(f"{API}/track"))
    # a document id beyond any integer column on the notice page
    notice = client.post("/portal/track/notice/", {"number": number, "code": code, "document": str(2**70)})
    assert notice.status_code == 404


def test_malformed_json_answers_in_chinese_never_500(client):
    for body in ("{", "[]", '"x"', "null", "{" + '"a":' * 10 + "1"):
        response = client.post(f"{API}/petitions", body, content_type="application/json")
        assert response.status_code in (400, 422), (body, response.status_code)
        if response.status_code == 422:
            assert CHINESE.search(response.json()["message"])
    assert petition_data()["unit"]  # the defaults are valid: see the tests above
