"""URLs of interviews (mounted in webclasseur/urls.py)."""

from django.urls import path  # noqa: F401

app_name = "interviews"
urlpatterns: list = []
