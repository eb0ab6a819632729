"""The passport, mounted at /parcours/passeport/."""

from django.urls import path

from exports import views

app_name = "exports"
urlpatterns = [
    path("", views.choose, name="passport"),
    path("apercu/", views.preview, name="passport_preview"),
    path("pdf/", views.pdf, name="passport_pdf"),
]
urlpatterns += [
    path("archive/", views.archive_page, name="archive"),
    path("archive/telecharger/", views.archive_download, name="archive_download"),
    path("archive/importer/", views.archive_import_view, name="archive_import"),
    path("leap2a/", views.leap2a_download, name="leap2a"),
]
