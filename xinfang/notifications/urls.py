from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox_view, name="inbox"),
    path("read-all/", views.notifications_read_all_view, name="read_all"),
    path("<int:notification_id>/read/", views.notification_read_view, name="read"),
]
