from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("templates/", views.templates_view, name="templates"),
    path("templates/<str:kind>/download/", views.template_download_view, name="template_download"),
    path("templates/<str:kind>/upload/", views.template_upload_view, name="template_upload"),
    path("templates/<str:kind>/reset/", views.template_reset_view, name="template_reset"),
    path("<int:document_id>/download/", views.document_download_view, name="download"),
    path("<int:document_id>/preview/", views.document_preview_view, name="preview"),
]
