from django.urls import path  # noqa: F401 - the register pages are added with the views

app_name = "petitions"
urlpatterns: list = []
