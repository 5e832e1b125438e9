"""Background jobs of the portal (Huey): the receipt by SMS."""

from huey.contrib.djhuey import db_task

from xinfang.notifications.sms import sms_send


@db_task(retries=3, retry_delay=120)
def receipt_sms_task(phone: str, text: str) -> None:
    """Sends the receipt (number and query code) to the phone the citizen gave. A gateway that is
    down raises SmsError, and Huey tries again up to three times; the text is never logged."""
    sms_send(phone=phone, text=text)
