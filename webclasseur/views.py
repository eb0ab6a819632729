"""Project-wide views: the home page that sends each role to its space, and /healthz."""

import logging
from collections.abc import Callable

from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from classes.permissions import (
    can_use_pupil_space,
    can_use_school_space,
    can_use_teacher_space,
)
from webclasseur.db_router import REPLICA, replica_configured

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


def _check_replica() -> str:
    with connections[REPLICA].cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_storage() -> str:
    """The file store answers (a HEAD request on S3, a stat on disk)."""
    default_storage.exists("healthz")
    return "ok"


def _checks() -> list[tuple[str, Callable[[], str]]]:
    checks: list[tuple[str, Callable[[], str]]] = [
        ("database", _check_database),
        ("cache", _check_cache),
        ("storage", _check_storage),
    ]
    if replica_configured():
        checks.append(("replica", _check_replica))
    return checks


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database, the cache, the file store and the read replica
    (when there is one) answer, else 503 saying which did not."""
    report = {}
    for name, check in _checks():
        try:
            report[name] = check()
        except Exception as error:
            logger.warning("healthz: %s unreachable: %s", name, error)
            report[name] = f"error: {type(error).__name__}"
    healthy = all(value == "ok" for value in report.values())
    return JsonResponse(report, status=200 if healthy else 503)
