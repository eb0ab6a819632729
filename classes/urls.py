from django.urls import path

from classes import views

app_name = "classes"
urlpatterns = [
    path("classes/", views.my_classes, name="my_classes"),
    path("classes/<int:pk>/", views.class_detail, name="class_detail"),
    path(
        "classes/<int:pk>/activites/nouvelle/",
        views.assignment_create,
        name="assignment_create",
    ),
    path(
        "classes/activites/<int:pk>/modifier/",
        views.assignment_edit,
        name="assignment_edit",
    ),
    path(
        "classes/activites/<int:pk>/cloture/",
        views.assignment_close,
        name="assignment_close",
    ),
    path(
        "classes/<int:pk>/ressources/nouvelle/",
        views.resource_create,
        name="resource_create",
    ),
    path(
        "classes/ressources/<int:pk>/",
        views.resource_download,
        name="resource_download",
    ),
    path(
        "classes/ressources/<int:pk>/supprimer/",
        views.resource_delete,
        name="resource_delete",
    ),
    path(
        "classes/<int:pk>/annonces/",
        views.announcement_create,
        name="announcement_create",
    ),
    path(
        "classes/annonces/<int:pk>/supprimer/",
        views.announcement_delete,
        name="announcement_delete",
    ),
    path(
        "classes/<int:pk>/calendrier/nouvelle/",
        views.event_create,
        name="event_create",
    ),
    path(
        "classes/calendrier/<int:pk>/supprimer/",
        views.event_delete,
        name="event_delete",
    ),
    path("etablissement/", views.school_home, name="school_home"),
    path("etablissement/<int:pk>/", views.school_overview, name="school_overview"),
]
