"""The CAPTCHA (验证码), served by the product itself (django-simple-captcha: an image of a sum
drawn with Pillow, the answer kept in the database for five minutes, used once). On unless
`XINFANG_PORTAL_CAPTCHA=0` (automated tests)."""

from captcha.models import CaptchaStore  # type: ignore[import-untyped]
from django.urls import reverse
from django.utils import timezone


def new_key() -> str:
    return str(CaptchaStore.generate_key())


def image_url(key: str) -> str:
    return reverse("portal:captcha_image", kwargs={"key": key})


def passes(key: str, value: str) -> bool:
    """Whether `value` answers the CAPTCHA `key`; a key is used up by any answer, right or wrong."""
    key = (key or "").strip()[:64]
    value = (value or "").strip().lower()[:20]
    if not key or not value:
        return False
    store = CaptchaStore.objects.filter(hashkey=key, expiration__gt=timezone.now()).first()
    if store is None:
        return False
    CaptchaStore.objects.filter(pk=store.pk).delete()
    return store.response == value
