"""URLs of school_admin (mounted in webclasseur/urls.py)."""

from django.urls import path  # noqa: F401

app_name = "school_admin"
urlpatterns: list = []
