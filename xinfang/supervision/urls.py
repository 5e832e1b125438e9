from django.urls import path

from . import views

app_name = "supervision"
urlpatterns = [
    path("", views.supervision_list_view, name="list"),
]
