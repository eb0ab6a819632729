"""API v1 URLs, mounted at /api/v1/ by webclasseur/urls.py (namespace "api")."""

from django.urls import path

from classes import api as classes_api
from portfolio import api as portfolio_api
from webclasseur.api import views
from webclasseur.api.schema import SchemaView

app_name = "api"
urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("me/", views.MeView.as_view(), name="me"),
    path("tokens/", views.ApiTokenListView.as_view(), name="token_list"),
    path("tokens/<int:pk>/", views.ApiTokenRevokeView.as_view(), name="token_revoke"),
    # The portfolio
    path("entries/", portfolio_api.EntryListView.as_view(), name="entry_list"),
    path(
        "entries/<int:pk>/",
        portfolio_api.EntryDetailView.as_view(),
        name="entry_detail",
    ),
    path(
        "entries/<int:pk>/comments/",
        portfolio_api.EntryCommentListView.as_view(),
        name="entry_comments",
    ),
    path("trash/", portfolio_api.TrashListView.as_view(), name="trash_list"),
    path(
        "trash/<int:pk>/restore/",
        portfolio_api.EntryRestoreView.as_view(),
        name="entry_restore",
    ),
    path("project/", portfolio_api.ProjectView.as_view(), name="project"),
    # Classes and assignments
    path("classes/", classes_api.ClassListView.as_view(), name="class_list"),
    path(
        "classes/<int:pk>/", classes_api.ClassDetailView.as_view(), name="class_detail"
    ),
    path(
        "classes/<int:pk>/pupils/",
        classes_api.ClassPupilListView.as_view(),
        name="class_pupils",
    ),
    path(
        "classes/<int:pk>/assignments/",
        classes_api.ClassAssignmentListView.as_view(),
        name="class_assignments",
    ),
    path(
        "assignments/", classes_api.AssignmentListView.as_view(), name="assignment_list"
    ),
    path(
        "assignments/<int:pk>/",
        classes_api.AssignmentDetailView.as_view(),
        name="assignment_detail",
    ),
    path(
        "assignments/<int:pk>/answers/",
        classes_api.AssignmentAnswerListView.as_view(),
        name="assignment_answers",
    ),
]
