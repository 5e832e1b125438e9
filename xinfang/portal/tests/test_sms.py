"""The receipt by SMS: offered only when the installation has a gateway, sent by a background job
after the commit, carrying the number and the code and nothing of the matter; a gateway that is
down loses nothing (the petition stands, the receipt page shows the code, the job retries)."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from xinfang.notifications.sms import SmsError, SmsRefused, sms_available, sms_send
from xinfang.petitions.models import Petition
from xinfang.portal import services
from xinfang.portal.tasks import receipt_sms_task, seal, unseal

from .helpers import PHONE, api_submit, page_submit, receipt_of

pytestmark = pytest.mark.usefixtures("demo")


class Gateway:
    """A stand-in for the county's SMS gateway: records each POST, answers `status`."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], dict[str, str]]] = []
        self.status = 200
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.received.append((json.loads(body), dict(self.headers)))
                self.send_response(gateway.status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/sms"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def gateway(settings) -> Iterator[Gateway]:
    running = Gateway()
    settings.XINFANG_SMS_URL = running.url
    settings.XINFANG_SMS_TOKEN = "county-secret"
    yield running
    running.server.shutdown()


def test_without_a_gateway_the_form_does_not_offer_sms_and_nothing_is_sent(client, settings):
    settings.XINFANG_SMS_URL = ""
    assert 'name="sms"' not in client.get("/portal/submit/").content.decode()
    response = api_submit(client, sms=True)
    assert response.status_code == 201
    assert response.json()["sms_to"] == ""


def test_the_page_sends_the_number_and_code_after_the_commit(
    client, gateway, django_capture_on_commit_callbacks
):
    assert 'name="sms"' in client.get("/portal/submit/").content.decode()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = page_submit(client, sms="1")
    assert response.status_code == 200
    assert len(callbacks) == 1  # queued once the petition is committed, not during its writes
    number, code = receipt_of(response)
    assert "正在以短信发送到 139****2345" in response.content.decode()
    [(payload, headers)] = gateway.received
    assert payload["phone"] == PHONE
    assert number in payload["text"]
    assert code in payload["text"]
    assert headers["Authorization"] == "Bearer county-secret"
    # nothing of the matter and no name in a message anyone near the phone may read
    petition = Petition.objects.get(number=number)
    for private in ("张建国", petition.subject, "村道"):
        assert private not in payload["text"]


def test_the_api_sends_only_when_asked(client, gateway, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        unasked = api_submit(client)
    assert unasked.status_code == 201
    assert unasked.json()["sms_to"] == ""
    assert gateway.received == []
    with django_capture_on_commit_callbacks(execute=True):
        asked = api_submit(client, sms=True, id_number="110101198506150027", subject="另一件事")
    assert asked.status_code == 201
    assert asked.json()["sms_to"] == "139****2345"
    [(payload, _)] = gateway.received
    assert asked.json()["query_code"] in payload["text"]


def test_sms_to_a_landline_is_refused_in_chinese(client, gateway, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_submit(client, sms=True, phone="0557-3021234")
    assert response.status_code == 422
    assert "短信只能发到手机号码" in response.json()["errors"]["phone"]
    assert gateway.received == []
    assert not Petition.objects.filter(channel="online").exists()
    # without the SMS a landline is a phone number like any other
    assert api_submit(client, phone="0557-3021234").status_code == 201


def test_a_gateway_that_fails_raises_for_the_retry_and_one_that_refuses_is_not_retried(gateway, settings):
    gateway.status = 503
    with pytest.raises(SmsError, match="拒收") as failed:
        sms_send(phone=PHONE, text="测试")
    assert not isinstance(failed.value, SmsRefused)  # retried later
    gateway.status = 400
    with pytest.raises(SmsRefused):
        sms_send(phone=PHONE, text="测试")
    # the job does not raise for a refusal (Huey would retry it), only for a failure
    receipt_sms_task.call_local(seal(PHONE, "测试"))
    gateway.status = 503
    with pytest.raises(SmsError):
        receipt_sms_task.call_local(seal(PHONE, "测试"))
    settings.XINFANG_SMS_URL = "http://127.0.0.1:9/sms"  # nothing listens on the discard port
    with pytest.raises(SmsError, match="不可用"):
        sms_send(phone=PHONE, text="测试")


def test_a_redirect_is_not_followed_and_the_token_stays_home(gateway):
    gateway.status = 302  # Location: none; urllib would follow a redirect as a GET with the token
    with pytest.raises(SmsRefused, match="HTTP 302"):
        sms_send(phone=PHONE, text="测试")
    assert [headers.get("Authorization") for _, headers in gateway.received] == ["Bearer county-secret"]


@pytest.mark.parametrize(
    "url",
    ["gateway.intranet/sms", "http://[::1/sms", "file:///etc/passwd", "ftp://gateway/sms", "http:///sms"],
)
def test_a_malformed_gateway_address_offers_no_sms(client, settings, url):
    settings.XINFANG_SMS_URL = url
    assert not sms_available()
    assert 'name="sms"' not in client.get("/portal/submit/").content.decode()
    with pytest.raises(SmsRefused):
        sms_send(phone=PHONE, text="测试")


def test_a_queue_that_is_down_still_gives_the_receipt(
    client, gateway, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args: object) -> None:
        raise OSError("队列不可写")

    monkeypatch.setattr(services, "queue_receipt_sms", broken)
    with django_capture_on_commit_callbacks(execute=True):
        response = page_submit(client, sms="1")
    assert response.status_code == 200  # the code is on the page: nothing is lost
    number, _ = receipt_of(response)
    assert Petition.objects.filter(number=number).exists()
    assert gateway.received == []


def test_a_gateway_that_is_down_loses_nothing(client, gateway, django_capture_on_commit_callbacks):
    gateway.status = 500
    with django_capture_on_commit_callbacks(execute=True):
        response = page_submit(client, sms="1")
    # the job failed (Huey retries it later); the citizen still has the receipt on the page
    assert response.status_code == 200
    number, code = receipt_of(response)
    assert Petition.objects.filter(number=number, channel="online").exists()
    assert len(gateway.received) == 1


def test_the_text_is_short_and_names_the_site():
    text = services.receipt_sms_text(
        number="341122101-2026-000001", code="A" * 16, site_name="青山县网上信访"
    )
    assert text.startswith("【青山县网上信访】")
    assert "AAAA-AAAA-AAAA-AAAA" in text
    assert len(text) <= 120


def test_the_queue_holds_neither_the_phone_nor_the_code(gateway, settings, monkeypatch):
    queued: list[str] = []
    monkeypatch.setattr("xinfang.portal.tasks.receipt_sms_task", lambda sealed: queued.append(sealed))
    from xinfang.portal.tasks import queue_receipt_sms

    queue_receipt_sms(PHONE, "查询码 ABCD-EFGH-JKLM-NPQR")
    [sealed] = queued
    for secret in (PHONE, "ABCD", "查询码", PHONE[-4:]):
        assert secret not in sealed
    assert unseal(sealed) == (PHONE, "查询码 ABCD-EFGH-JKLM-NPQR")


def test_a_sealed_receipt_that_is_altered_old_or_of_another_key_is_dropped(gateway, settings, monkeypatch):
    sealed = seal(PHONE, "测试")
    altered = sealed[:-4] + ("AAAA" if not sealed.endswith("AAAA") else "BBBB")
    receipt_sms_task.call_local(altered)
    settings.SECRET_KEY = "another-installations-key-" + "x" * 40
    receipt_sms_task.call_local(sealed)
    assert gateway.received == []  # dropped, not retried (no exception)
    # more than an hour old
    settings.SECRET_KEY = "the-key-" + "y" * 50
    old = seal(PHONE, "测试")
    import time

    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 3601)
    receipt_sms_task.call_local(old)
    monkeypatch.setattr(time, "time", real)
    assert gateway.received == []
    receipt_sms_task.call_local(seal(PHONE, "测试"))
    assert len(gateway.received) == 1
