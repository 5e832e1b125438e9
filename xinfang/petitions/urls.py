from django.urls import path

from . import views

app_name = "petitions"
urlpatterns = [
    path("", views.register_view, name="register"),
    path("export.xlsx", views.register_export_view, name="export"),
    path("new/", views.petition_create_view, name="create"),
    path("new/repeat-check/", views.repeat_check_view, name="repeat_check"),
    path("import/", views.import_view, name="import"),
    path("import/template.xlsx", views.import_template_view, name="import_template"),
    path("petitioners/autocomplete/", views.petitioner_autocomplete_view, name="petitioner_autocomplete"),
    path("petitioners/<int:petitioner_id>/", views.petitioner_detail_view, name="petitioner_detail"),
    path("petitioners/<int:petitioner_id>/pick/", views.petitioner_pick_view, name="petitioner_pick"),
    path("<int:petition_id>/", views.petition_detail_view, name="detail"),
    path("<int:petition_id>/form.docx", views.print_form_view, name="print_form"),
    path("<int:petition_id>/actions/<str:action>/", views.petition_action_view, name="action"),
    path(
        "<int:petition_id>/attachments/<int:attachment_id>/",
        views.attachment_download_view,
        name="attachment_download",
    ),
]
