"""The public portal's URLs, under /portal/ (its own site with config.settings.portal, or the
staff site's /portal/ in demo mode)."""

from django.urls import path, re_path

from . import views
from .api import portal_api

app_name = "portal"

urlpatterns = [
    path("", views.guide, name="guide"),
    path("submit/", views.submit, name="submit"),
    path("track/", views.track, name="track"),
    path("track/notice/", views.notice, name="notice"),
    path("track/rate/", views.rate, name="rate"),
    path("track/review/", views.review, name="review"),
    path("large-text/", views.large_text, name="large_text"),
    re_path(r"^captcha/(?P<key>\w{1,64})\.png$", views.captcha_image, name="captcha_image"),
    path("api/", portal_api.urls),
]
