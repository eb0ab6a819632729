"""Staff pages about a class's portfolios, mounted under /classes/."""

from django.urls import path

from portfolio import staff_views

app_name = "staff"
urlpatterns = [
    path("<int:pk>/suivi/", staff_views.class_progress, name="class_progress"),
    path("<int:pk>/synthese/", staff_views.class_synthesis, name="class_synthesis"),
]
