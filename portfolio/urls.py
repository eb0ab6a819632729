from django.urls import path

from portfolio import views

app_name = "portfolio"
urlpatterns = [
    path("", views.home, name="home"),
    path("eleves/<int:pupil_pk>/", views.pupil_portfolio, name="pupil_portfolio"),
]
