"""URLs of school_admin (mounted in webclasseur/urls.py under /etablissement/)."""

from django.urls import path

from classes import history_views
from classes import school_admin_views as views

app_name = "school_admin"
urlpatterns = [
    path("<int:pk>/gestion/", views.manage, name="manage"),
    path("<int:pk>/gestion/classes/nouvelle/", views.class_create, name="class_create"),
    path(
        "<int:pk>/gestion/enseignants/ajouter/",
        views.teaching_add,
        name="teaching_add",
    ),
    path(
        "gestion/enseignements/<int:pk>/retirer/",
        views.teaching_remove,
        name="teaching_remove",
    ),
    path("<int:pk>/gestion/equipe/ajouter/", views.role_grant, name="role_grant"),
    path("gestion/roles/<int:pk>/retirer/", views.role_revoke, name="role_revoke"),
    path(
        "<int:pk>/gestion/historique-des-roles/",
        history_views.role_history_page,
        name="role_history",
    ),
    path("<int:pk>/gestion/reglages/", views.settings_edit, name="settings"),
    path(
        "<int:pk>/gestion/departs/nouveau/",
        views.departure_create,
        name="departure_create",
    ),
    path(
        "gestion/departs/<int:pk>/annuler/",
        views.departure_undo,
        name="departure_undo",
    ),
    path("<int:pk>/suivis/", views.flag_list, name="flag_list"),
    path("<int:pk>/suivis/nouveau/", views.flag_create, name="flag_create"),
    path(
        "<int:pk>/suivis/eleves/<int:pupil_pk>/",
        views.flag_history,
        name="flag_history",
    ),
    path("suivis/<int:pk>/lever/", views.flag_clear, name="flag_clear"),
]
