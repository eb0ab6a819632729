"""LTI 1.3 (mounted at the root: /lti/… and /etablissement/<pk>/lti/…)."""

from django.urls import path

from lti_sso import lti_views as views

app_name = "lti"
urlpatterns = [
    path("lti/login/", views.lti_login, name="login"),
    path("lti/launch/", views.lti_launch, name="launch"),
    path("lti/jwks/", views.lti_jwks, name="jwks"),
    path("lti/lien/<str:launch_id>/", views.context_link, name="context_link"),
    path("lti/deep-linking/<str:launch_id>/", views.deep_link, name="deep_link"),
    path("lti/classes/<int:pk>/roster/", views.roster_sync, name="roster_sync"),
    path("lti/cles/", views.tool_keys, name="tool_keys"),
    path("etablissement/<int:pk>/lti/", views.platform_list, name="platform_list"),
    path(
        "etablissement/<int:pk>/lti/nouveau/",
        views.platform_create,
        name="platform_create",
    ),
    path(
        "etablissement/<int:pk>/lti/<int:platform_pk>/",
        views.platform_detail,
        name="platform_detail",
    ),
]
