from django.urls import path

from classes import views

app_name = "classes"
urlpatterns = [
    path("classes/", views.my_classes, name="my_classes"),
    path("classes/<int:pk>/", views.class_detail, name="class_detail"),
    path("etablissement/", views.school_home, name="school_home"),
    path("etablissement/<int:pk>/", views.school_overview, name="school_overview"),
]
