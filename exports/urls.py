"""The passport, mounted at /parcours/passeport/."""

from django.urls import path

from exports import views

app_name = "exports"
urlpatterns = [
    path("", views.choose, name="passport"),
    path("apercu/", views.preview, name="passport_preview"),
    path("pdf/", views.pdf, name="passport_pdf"),
]
