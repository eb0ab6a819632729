"""API v1 URLs, mounted at /api/v1/ by webclasseur/urls.py (namespace "api")."""

from django.urls import path

from classes import api as classes_api
from exports import api as exports_api
from portfolio import api as portfolio_api
from webclasseur.api import views
from webclasseur.api.docs import ApiDocsView
from webclasseur.api.schema import SchemaView

app_name = "api"
urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", ApiDocsView.as_view(), name="docs"),
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
    path(
        "entries/<int:pk>/attachments/",
        portfolio_api.EntryAttachmentUploadView.as_view(),
        name="entry_attachments",
    ),
    path(
        "attachments/<int:pk>/",
        portfolio_api.AttachmentDownloadView.as_view(),
        name="attachment_download",
    ),
    path("trash/", portfolio_api.TrashListView.as_view(), name="trash_list"),
    path(
        "trash/<int:pk>/restore/",
        portfolio_api.EntryRestoreView.as_view(),
        name="entry_restore",
    ),
    path("project/", portfolio_api.ProjectView.as_view(), name="project"),
    path(
        "interviews/", portfolio_api.InterviewListView.as_view(), name="interview_list"
    ),
    path(
        "interviews/<int:pk>/",
        portfolio_api.InterviewDetailView.as_view(),
        name="interview_detail",
    ),
    path(
        "schools/<int:pk>/overview/",
        portfolio_api.SchoolOverviewView.as_view(),
        name="school_overview",
    ),
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
    path(
        "classes/<int:pk>/exports/",
        exports_api.ClassBatchStartView.as_view(),
        name="class_batch_start",
    ),
    # Exports
    path("exports/passport/", exports_api.PassportView.as_view(), name="passport"),
    path(
        "exports/<int:pk>/", exports_api.BatchDetailView.as_view(), name="batch_detail"
    ),
    path(
        "exports/<int:pk>/download/",
        exports_api.BatchDownloadView.as_view(),
        name="batch_download",
    ),
]
