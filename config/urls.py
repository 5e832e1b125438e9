from django.conf import settings
from django.urls import include, path

from config.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("accounts/", include("xinfang.accounts.urls")),
    path("units/", include("xinfang.organisation.urls")),
    path("calendar/", include("xinfang.deadlines.urls")),
    path("audit/", include("xinfang.audit.urls")),
    path("petitions/", include("xinfang.petitions.urls")),
    path("documents/", include("xinfang.documents.urls")),
    path("notifications/", include("xinfang.notifications.urls")),
    path("supervision/", include("xinfang.supervision.urls")),
    path("duty/", include("xinfang.duty.urls")),
    path("reports/", include("xinfang.inforeports.urls")),
    path("incidents/", include("xinfang.incidents.urls")),
    path("key-persons/", include("xinfang.keypersons.urls")),
    path("disputes/", include("xinfang.disputes.urls")),
    path("screenings/", include("xinfang.screenings.urls")),
    path("stats/", include("xinfang.stats.urls")),
    path("online/", include("xinfang.portal.desk_urls")),
    path("", include("xinfang.workbench.urls")),
    path("", include("xinfang.core.urls")),
]

if settings.XINFANG_PORTAL_MOUNTED:
    # demo mode: the public portal on the same host (its own host: config.settings.portal)
    urlpatterns.insert(0, path("portal/", include("xinfang.portal.urls")))

handler403 = "xinfang.core.views.permission_denied"
handler404 = "xinfang.core.views.page_not_found"
handler500 = "xinfang.core.views.server_error"
