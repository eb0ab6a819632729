"""URLs of coverage (mounted in webclasseur/urls.py)."""

from django.urls import path  # noqa: F401

app_name = "coverage"
urlpatterns: list = []
