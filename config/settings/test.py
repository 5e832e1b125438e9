"""Settings for the test suite."""

from .base import *  # noqa: F403
from .base import HUEY

DEMO_MODE = True
HUEY = {**HUEY, "immediate": True}
# Unit tests create many users; the production hasher (PBKDF2, Django's default) is asserted
# in accounts tests against config.settings.base, and browser tests run on base settings.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
XINFANG_PORTAL_MOUNTED = True
XINFANG_PORTAL_CAPTCHA = False  # tests that check the CAPTCHA turn it on
