"""The public portal on its own host in production: the production settings (SECRET_KEY and
ALLOWED_HOSTS required, HTTPS=1 for HSTS, secure cookies and the redirect) with the portal's
URL set, middleware and templates (config.settings.portal)."""

from . import portal as _portal
from .production import *  # noqa: F403

DEMO_MODE = False
XINFANG_PORTAL_MOUNTED = True
ROOT_URLCONF = _portal.ROOT_URLCONF
MIDDLEWARE = _portal.MIDDLEWARE
TEMPLATES = _portal.TEMPLATES
CSRF_FAILURE_VIEW = _portal.CSRF_FAILURE_VIEW
