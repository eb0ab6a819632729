"""URLs of the RGPD requests of a school (mounted under /etablissement/)."""

from django.urls import path

from classes import rgpd_views as views

app_name = "rgpd"
urlpatterns = [
    path("<int:pk>/rgpd/", views.requests, name="requests"),
    path("<int:pk>/rgpd/eleves/<int:pupil_pk>/", views.summary, name="summary"),
    path("<int:pk>/rgpd/eleves/<int:pupil_pk>/effacer/", views.erase, name="erase"),
]
