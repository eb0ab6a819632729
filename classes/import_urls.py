"""URLs of school_import (mounted in webclasseur/urls.py)."""

from django.urls import path  # noqa: F401

app_name = "school_import"
urlpatterns: list = []
