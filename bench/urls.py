"""The bench's URLconf: the application's URLs plus one page that exists only
here, the baseline of the page-cost figure (an authenticated page in the same
layout, base.html, with nothing in it). Never part of the production URLs."""

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from webclasseur.urls import urlpatterns as app_urlpatterns

EMPTY_PAGE = engines["django"].from_string(
    '{% extends "base.html" %}{% block title %}Banc{% endblock %}'
    "{% block content %}{% endblock %}"
)


def empty_page(request: HttpRequest) -> HttpResponse:
    return HttpResponse(EMPTY_PAGE.render({}, request))


urlpatterns = [
    path("__bench__/empty/", empty_page, name="bench_empty"),
    *app_urlpatterns,
]
