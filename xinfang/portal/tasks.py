"""Background jobs of the portal (Huey): the receipt by SMS."""

import logging

from huey.contrib.djhuey import db_task

from xinfang.notifications.sms import SmsRefused, sms_send

logger = logging.getLogger(__name__)

# a receipt not sent within the hour is dropped from the queue (it carries a query code in clear)
RECEIPT_SMS_EXPIRES_SECONDS = 3600


@db_task(retries=3, retry_delay=120, expires=RECEIPT_SMS_EXPIRES_SECONDS)
def receipt_sms_task(phone: str, text: str) -> None:
    """Sends the receipt (number and query code) to the phone the citizen gave. A gateway that is
    down raises SmsError, and Huey tries again up to three times; a message the gateway refuses
    (4xx) is not retried. The text is never logged."""
    try:
        sms_send(phone=phone, text=text)
    except SmsRefused as refused:
        logger.warning("回执短信未发送（不再重试）：%s", refused)
