from django.urls import path

app_name = "screenings"

urlpatterns: list = []
