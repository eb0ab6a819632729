"""Identity providers of a school (mounted under /etablissement/)."""

from django.urls import path

from lti_sso import views

app_name = "sso"
urlpatterns = [
    path("<int:pk>/sso/", views.idp_list, name="idp_list"),
    path("<int:pk>/sso/nouveau/", views.idp_create, name="idp_create"),
    path("<int:pk>/sso/<int:app_pk>/", views.idp_detail, name="idp_detail"),
]
