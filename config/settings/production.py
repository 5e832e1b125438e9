"""Production settings: no demo data, a secret key and host names from the environment, and with
HTTPS=1 redirects to HTTPS, HSTS and secure cookies."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool

if not os.environ.get("SECRET_KEY"):
    raise ImproperlyConfigured("生产环境必须通过环境变量 SECRET_KEY 设置密钥。")

# No default: a server that answers to any Host header builds links and redirects (the login's
# "next") with whatever host a client sent.
ALLOWED_HOSTS = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "生产环境必须通过环境变量 ALLOWED_HOSTS 列出服务器的域名或地址（逗号分隔，不能为 *）。 "
        "Production requires ALLOWED_HOSTS: a comma-separated list of the server's host names, not '*'."
    )

DEBUG = False
DEMO_MODE = False

HTTPS = env_bool("HTTPS", default=False)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = 365 * 24 * 60 * 60
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Behind a reverse proxy that terminates TLS, Django sees plain HTTP: set TRUST_X_FORWARDED_PROTO=1
# only when the proxy sets X-Forwarded-Proto itself and strips any the client sent (nginx:
# `proxy_set_header X-Forwarded-Proto $scheme;`), otherwise a client could claim HTTPS.
if env_bool("TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
