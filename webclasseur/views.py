"""Project-wide views: the home page that sends each role to its space, and /healthz."""

import logging

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from classes.permissions import (
    can_use_pupil_space,
    can_use_school_space,
    can_use_teacher_space,
)

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    """Send each user to their space; a pupil first, then teacher, then team."""
    user = request.user
    if can_use_pupil_space(user):
        return redirect("portfolio:home")
    if can_use_teacher_space(user):
        return redirect("classes:my_classes")
    if can_use_school_space(user):
        return redirect("classes:school_home")
    return render(request, "home_no_space.html")


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_cache() -> str:
    cache.set("healthz", "ok", timeout=10)
    if cache.get("healthz") != "ok":
        return "error: value written to the cache could not be read back"
    return "ok"


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the cache answer, else 503 saying which did not."""
    report = {}
    for name, check in (("database", _check_database), ("cache", _check_cache)):
        try:
            report[name] = check()
        except Exception as error:
            logger.warning("healthz: %s unreachable: %s", name, error)
            report[name] = f"error: {type(error).__name__}"
    healthy = all(value == "ok" for value in report.values())
    return JsonResponse(report, status=200 if healthy else 503)
