"""Short messages (短信) to a phone number through the installation's SMS gateway.

A county sends its short messages through a gateway it already has (the government SMS platform
or an operator's, 政务短信平台), reached over HTTP: `XINFANG_SMS_URL` receives a POST of
`{"phone": "139…", "text": "…"}` as JSON, with `Authorization: Bearer <XINFANG_SMS_TOKEN>` when a
token is set; any 2xx answer means accepted. Redirects are not followed (a POST turned into a GET
would be "accepted" and the token sent on). Without a valid http(s) `XINFANG_SMS_URL` nothing is
sent and the product does not offer SMS. Messages are sent from background jobs only, never
during a request or a transaction, and neither the text nor the URL is logged (the text may carry
a query code).
"""

import json
import logging
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
TEXT_MAX = 300  # a long SMS is split by the operator; a receipt needs about 80 characters


class SmsError(Exception):
    """The gateway could not be reached or failed for now (the job retries)."""


class SmsRefused(SmsError):
    """The gateway refused the message itself (4xx, or a redirect): retrying will not help."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # urllib then raises the 3xx as an HTTPError


_OPENER = urllib.request.build_opener(_NoRedirect)


def sms_available() -> bool:
    """True when XINFANG_SMS_URL is an http(s) address with a host."""
    url = settings.XINFANG_SMS_URL
    try:
        parts = urlsplit(url)
        return bool(url) and parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        return False


def sms_send(*, phone: str, text: str) -> None:
    """Hands one message to the gateway; raises SmsError when it is not accepted."""
    if not sms_available():
        raise SmsRefused("未配置短信网关，或 XINFANG_SMS_URL 不是 http(s) 地址。")
    body = json.dumps({"phone": phone, "text": text[:TEXT_MAX]}, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if settings.XINFANG_SMS_TOKEN:
        headers["Authorization"] = f"Bearer {settings.XINFANG_SMS_TOKEN}"
    status: int | None
    try:
        request = urllib.request.Request(settings.XINFANG_SMS_URL, data=body, headers=headers, method="POST")
        with _OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
        error.close()
    except (OSError, ValueError) as error:
        logger.warning("短信网关不可用：%s", type(error).__name__)
        raise SmsError(f"短信网关不可用（{type(error).__name__}）。") from None
    if status is not None and 200 <= status < 300:
        logger.info("短信已交网关，号码尾号 %s", phone[-4:])
        return
    logger.warning("短信网关拒收（HTTP %s），号码尾号 %s", status, phone[-4:])
    if status is not None and (300 <= status < 500 and status not in (408, 429)):
        raise SmsRefused(f"短信网关拒收（HTTP {status}）。")
    raise SmsError(f"短信网关拒收（HTTP {status}）。")
