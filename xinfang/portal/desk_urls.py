"""The office's side of the portal on the staff site: 网上信访 (online review requests waiting to
be registered, the online petitions of the last days) and the guide's published facts."""

from django.urls import path

from . import desk

app_name = "portal_desk"

urlpatterns = [
    path("", desk.home_view, name="home"),
    path("settings/", desk.settings_view, name="settings"),
]
