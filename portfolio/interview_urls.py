"""Orientation interviews, mounted at /entretiens/."""

from django.urls import path

from portfolio import interview_views

app_name = "interviews"
urlpatterns = [
    path("", interview_views.mine, name="mine"),
    path("classe/<int:pk>/", interview_views.class_list, name="class_list"),
    path("eleve/<int:pupil_pk>/planifier/", interview_views.plan, name="plan"),
    path("<int:pk>/", interview_views.detail, name="detail"),
    path("<int:pk>/preparer/", interview_views.prepare, name="prepare"),
    path("<int:pk>/compte-rendu/", interview_views.record, name="record"),
    path("<int:pk>/annuler/", interview_views.cancel, name="cancel"),
    path("<int:pk>/passeport/", interview_views.passport, name="passport"),
]
