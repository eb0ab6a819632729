"""The privacy notice (mounted at the site root); for logged-in users."""

from django.urls import path

from classes import rgpd_views as views

app_name = "notice"
urlpatterns = [
    path("confidentialite/", views.privacy_notice, name="privacy_notice"),
]
