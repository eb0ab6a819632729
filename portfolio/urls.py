from django.urls import path

from portfolio import history_views, views

app_name = "portfolio"
urlpatterns = [
    path("", views.home, name="home"),
    path("traces/nouvelle/", views.entry_create, name="entry_create"),
    path("traces/brouillon/", views.draft_autosave, name="draft_autosave"),
    path("traces/<int:pk>/", views.entry_detail, name="entry_detail"),
    path("traces/<int:pk>/modifier/", views.entry_edit, name="entry_edit"),
    path("traces/<int:pk>/partage/", views.entry_share, name="entry_share"),
    path(
        "traces/<int:pk>/historique/",
        history_views.entry_history_page,
        name="entry_history",
    ),
    path("traces/<int:pk>/relue/", views.entry_review, name="entry_review"),
    path("traces/<int:pk>/supprimer/", views.entry_delete, name="entry_delete"),
    path("traces/<int:pk>/commentaires/", views.comment_create, name="comment_create"),
    path("corbeille/", views.trash, name="trash"),
    path("consultations/", views.access_log, name="access_log"),
    path("corbeille/<int:pk>/restaurer/", views.entry_restore, name="entry_restore"),
    path("fichiers/<int:pk>/", views.attachment_download, name="attachment_download"),
    path(
        "fichiers/<int:pk>/vignette/",
        views.attachment_thumbnail,
        name="attachment_thumbnail",
    ),
    path(
        "fichiers/<int:pk>/supprimer/",
        views.attachment_delete,
        name="attachment_delete",
    ),
    path("projet/", views.project, name="project"),
    path("projet/modifier/", views.project_edit, name="project_edit"),
    path("projet/auto-evaluation/", views.self_assessment, name="self_assessment"),
    path("projet/partage/", views.project_share, name="project_share"),
    path("metiers/", views.metier_search, name="metier_search"),
    path("eleves/<int:pupil_pk>/", views.pupil_portfolio, name="pupil_portfolio"),
    path("eleves/<int:pupil_pk>/projet/", views.pupil_project, name="pupil_project"),
]
