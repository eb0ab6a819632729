"""Class batch exports of passports, mounted at /classes/exports/."""

from django.urls import path

from exports import batch_views

app_name = "batch"
urlpatterns = [
    path("classe/<int:class_pk>/", batch_views.start, name="start"),
    path("<int:pk>/", batch_views.progress, name="progress"),
    path("<int:pk>/telecharger/", batch_views.download, name="download"),
]
