"""Settings for `make run`: an installation on one machine, with demo data allowed."""

from .base import *  # noqa: F403
from .base import env_bool

DEMO_MODE = env_bool("XINFANG_DEMO", default=True)
# the public portal at /portal/ of this site (demo mode); its own site: config.settings.portal
XINFANG_PORTAL_MOUNTED = env_bool("XINFANG_PORTAL_MOUNTED", default=DEMO_MODE)
