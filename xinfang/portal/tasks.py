"""Background jobs of the portal (Huey): the receipt by SMS.

The job's arguments wait in the queue (Redis or huey.sqlite3) until a worker runs it, so the phone
number and the text (which carries the query code) are sealed: encrypted and authenticated with
a key derived from SECRET_KEY (Fernet), and refused once older than an hour. Whoever reads the
queue reads neither; the worker opens them with the same SECRET_KEY.
"""

import base64
import hashlib
import json
import logging

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from huey.contrib.djhuey import db_task

from xinfang.notifications.sms import SmsRefused, sms_send

logger = logging.getLogger(__name__)

# a receipt not sent within the hour is dropped (the citizen has the page; the code is not resent)
RECEIPT_SMS_EXPIRES_SECONDS = 3600


def _fernet() -> Fernet:
    digest = hashlib.sha256(f"xinfang.portal.sms:{settings.SECRET_KEY}".encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(phone: str, text: str) -> str:
    return _fernet().encrypt(json.dumps([phone, text], ensure_ascii=False).encode()).decode()


def unseal(sealed: str) -> tuple[str, str]:
    """The phone and text; raises InvalidToken when altered, sealed with another key or too old."""
    phone, text = json.loads(_fernet().decrypt(sealed.encode(), ttl=RECEIPT_SMS_EXPIRES_SECONDS))
    return str(phone), str(text)


def queue_receipt_sms(phone: str, text: str) -> None:
    receipt_sms_task(seal(phone, text))


@db_task(retries=3, retry_delay=120, expires=RECEIPT_SMS_EXPIRES_SECONDS)
def receipt_sms_task(sealed: str) -> None:
    """Sends the receipt (number and query code) to the phone the citizen gave. A gateway that is
    down raises SmsError, and Huey tries again up to three times; a message the gateway refuses
    (4xx), or one that cannot be opened (too old, another SECRET_KEY), is not retried. Neither the
    phone number nor the text is logged."""
    try:
        phone, text = unseal(sealed)
    except InvalidToken:
        logger.warning("回执短信无法解密（已超过一小时，或 SECRET_KEY 与网上信访站点不同），不再发送")
        return
    try:
        sms_send(phone=phone, text=text)
    except SmsRefused as refused:
        logger.warning("回执短信未发送（不再重试）：%s", refused)
