"""Staff pages about a class's portfolios, mounted under /classes/."""

from django.urls import path

from portfolio import staff_views

app_name = "staff"
urlpatterns = [
    path("<int:pk>/suivi/", staff_views.class_progress, name="class_progress"),
    path("<int:pk>/synthese/", staff_views.class_synthesis, name="class_synthesis"),
]
urlpatterns += [
    path(
        "activites/<int:pk>/", staff_views.assignment_detail, name="assignment_detail"
    ),
    path(
        "activites/<int:pk>/supprimer/",
        staff_views.assignment_delete,
        name="assignment_delete",
    ),
    path(
        "calendrier/<int:pk>/enregistrer/",
        staff_views.event_record,
        name="event_record",
    ),
]
