"""School administration pages: importing pupils, rolling the year over
(mounted at /etablissement/ in webclasseur/urls.py)."""

from django.urls import path

from classes import import_views

app_name = "school_import"
urlpatterns = [
    path("<int:pk>/import/", import_views.pupils_import, name="pupils_import"),
    path("<int:pk>/passage/", import_views.year_rollover, name="year_rollover"),
]
