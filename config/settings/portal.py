"""Settings of the public portal (网上信访) on its own host: only the portal's URLs
(config.urls_portal), no sessions or sign-in, no staff middleware, and only the static files the
portal's pages use. It runs against the staff platform's database (see README: 网上信访门户的部署),
with a database role that may write only what a submission, a rating or a review request writes."""

from .base import *  # noqa: F403
from .base import MIDDLEWARE, TEMPLATES, env_bool

ROOT_URLCONF = "config.urls_portal"
DEMO_MODE = env_bool("XINFANG_DEMO", default=False)
XINFANG_PORTAL_MOUNTED = True

_STAFF_ONLY = {
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "xinfang.accounts.middleware.IdleTimeoutMiddleware",
    "xinfang.accounts.middleware.ForcePasswordChangeMiddleware",
    "xinfang.core.middleware.NoStoreMiddleware",
}
MIDDLEWARE = [m for m in MIDDLEWARE if m not in _STAFF_ONLY]
# before WhiteNoise: of the static files, only those the portal's pages use are served
MIDDLEWARE.insert(
    MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware"),
    "xinfang.portal.middleware.PortalStaticOnly",
)
CSRF_USE_SESSIONS = False
CSRF_FAILURE_VIEW = "xinfang.portal.views.csrf_failure"
TEMPLATES = [
    {
        **TEMPLATES[0],
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csrf",
            ]
        },
    }
]
