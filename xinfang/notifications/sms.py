"""Short messages (短信) to a phone number through the installation's SMS gateway.

A county sends its short messages through a gateway it already has (the government SMS platform
or an operator's, 政务短信平台), reached over HTTP: `XINFANG_SMS_URL` receives a POST of
`{"phone": "139…", "text": "…"}` as JSON, with `Authorization: Bearer <XINFANG_SMS_TOKEN>` when a
token is set; any 2xx answer means accepted. Without `XINFANG_SMS_URL` nothing is sent and the
product does not offer SMS. Messages are sent from background jobs only, never during a request
or a transaction, and the text is never logged (it may carry a query code).
"""

import json
import logging
import urllib.error
import urllib.request

from django.conf import settings

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
TEXT_MAX = 300  # a long SMS is split by the operator; a receipt needs about 80 characters


class SmsError(Exception):
    """The gateway could not be reached or refused the message (the job retries)."""


def sms_available() -> bool:
    return bool(settings.XINFANG_SMS_URL)


def sms_send(*, phone: str, text: str) -> None:
    """Hands one message to the gateway; raises SmsError when it is not accepted."""
    if not sms_available():
        raise SmsError("未配置短信网关（XINFANG_SMS_URL）。")
    body = json.dumps({"phone": phone, "text": text[:TEXT_MAX]}, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if settings.XINFANG_SMS_TOKEN:
        headers["Authorization"] = f"Bearer {settings.XINFANG_SMS_TOKEN}"
    request = urllib.request.Request(settings.XINFANG_SMS_URL, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (the installation's own gateway)
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except (OSError, ValueError) as error:
        logger.warning("短信网关不可用：%s", error)
        raise SmsError(f"短信网关不可用：{error}") from error
    if not 200 <= status < 300:
        logger.warning("短信网关拒收（HTTP %s），号码尾号 %s", status, phone[-4:])
        raise SmsError(f"短信网关拒收（HTTP {status}）。")
    logger.info("短信已交网关，号码尾号 %s", phone[-4:])
