"""URLs of the school coverage page (mounted at /etablissement/)."""

from django.urls import path

from portfolio import coverage_views

app_name = "coverage"
urlpatterns = [
    path(
        "<int:pk>/couverture/",
        coverage_views.school_coverage,
        name="school_coverage",
    ),
    path(
        "<int:pk>/couverture.csv",
        coverage_views.school_coverage_csv,
        name="school_coverage_csv",
    ),
]
