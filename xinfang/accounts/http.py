"""The request of a signed-in user, for views behind login_required / capability_required and
API endpoints behind the token or session auth (they never see an AnonymousUser)."""

from xinfang.core.http import HtmxRequest

from .models import User


class AuthenticatedRequest(HtmxRequest):
    user: User
