"""Production settings: no demo data, a secret key from the environment, secure cookies on HTTPS."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool

if not os.environ.get("SECRET_KEY"):
    raise ImproperlyConfigured("生产环境必须通过环境变量 SECRET_KEY 设置密钥。")

DEBUG = False
DEMO_MODE = False
SESSION_COOKIE_SECURE = env_bool("HTTPS", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
