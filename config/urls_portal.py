"""The public portal's site (config.settings.portal): the portal's pages, its API and the static
files they need; no staff page, API, docs or admin is reachable from it."""

from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("portal/", include("xinfang.portal.urls")),
    path("", RedirectView.as_view(url="/portal/", permanent=False)),
]

handler403 = "xinfang.portal.views.forbidden"
handler404 = "xinfang.portal.views.not_found"
handler500 = "xinfang.portal.views.server_error"
