"""When the database is down: a 503 page instead of a stack trace.

`DatabaseUnavailableMiddleware` sits right after AuthenticationMiddleware. It
loads the session and the user itself, before the session timeouts and the
default deny would (both read them, and an error there would be a plain 500),
and it turns a database error raised by a view into the same answer: 503, a
DSFR page in French (templates/503.html), rendered with no request context so
that no context processor queries the database. The API answers a problem
document (RFC 7807). /healthz keeps its own JSON answer, naming the dependency
that is down. A database error raised outside the view reaches the project's
handler500 (`server_error`), or handler400 (`bad_request`) when it is the
session that could not be saved after the page was rendered: both answer the
same 503.
"""

import json
import logging
import sys
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults

logger = logging.getLogger(__name__)

#: What a lost or refused database connection raises.
DATABASE_ERRORS = (OperationalError, InterfaceError)
#: Seconds the client is told to wait before trying again.
RETRY_AFTER_SECONDS = 60
#: Paths that answer for themselves when the database is down.
SELF_REPORTING_PATHS = ("/healthz",)
API_PREFIX = "/api/"


def service_unavailable(request: HttpRequest) -> HttpResponse:
    """The 503 answer: a problem document for the API, else the DSFR page."""
    if request.path_info.startswith(API_PREFIX):
        body = {
            "type": "about:blank",
            "title": _("Service unavailable"),
            "status": 503,
            "detail": _(
                "The service is temporarily unavailable. Nothing was saved: "
                "try again in a few minutes."
            ),
        }
        response = HttpResponse(
            json.dumps(body, ensure_ascii=False),
            status=503,
            content_type="application/problem+json",
        )
    else:
        # No request: the context processors (header spaces, unread counts)
        # would query the database that just failed.
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Answer 503 with a French page when the database cannot be reached."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not request.path_info.startswith(SELF_REPORTING_PATHS):
            try:
                # Reads the session row and the user row (both lazy).
                _authenticated = request.user.is_authenticated
            except DATABASE_ERRORS as error:
                return self._unavailable(request, error)
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        if isinstance(exception, DATABASE_ERRORS):
            return self._unavailable(request, exception)
        return None

    @staticmethod
    def _unavailable(request: HttpRequest, error: Exception) -> HttpResponse:
        logger.error(
            "database unavailable on %s %s: %s: %s",
            request.method,
            request.path_info,
            type(error).__name__,
            error,
        )
        return service_unavailable(request)


def _database_error_behind(error: BaseException | None) -> Exception | None:
    """The database error that caused `error`, if any (following the chain of
    exceptions raised while handling another)."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, DATABASE_ERRORS):
            return error
        error = error.__cause__ or error.__context__
        seen += 1
    return None


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database error that escaped the middleware above (raised
    by a middleware further out or nearer the view) still gets the 503 page;
    any other error, Django's 500 page (templates/500.html)."""
    error = _database_error_behind(sys.exc_info()[1])
    if error is not None:
        return DatabaseUnavailableMiddleware._unavailable(request, error)
    return defaults.server_error(request)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: the session could not be saved once the page was rendered
    because the database went away (SessionMiddleware reports it as an
    interrupted session): 503, not "bad request"."""
    error = _database_error_behind(exception)
    if error is not None:
        return DatabaseUnavailableMiddleware._unavailable(request, error)
    return defaults.bad_request(request, exception)


# --- Background exports when the broker is down ------------------------------

#: Shown after starting a class export that could not be queued.
BATCH_NOT_QUEUED = gettext_lazy(
    "The export could not be queued: the background service is unavailable. "
    "Nothing was lost: start it again in a few minutes."
)


def queue_batch(batch_id: int) -> bool:
    """Queue a class batch export (exports.tasks.start_batch). When the broker
    (Redis) cannot be reached, the batch is marked failed, not left queued for
    ever, and False is returned; the page then says to start it again."""
    from kombu.exceptions import OperationalError as BrokerUnreachable

    from exports.models import BatchExport, BatchStatus
    from exports.tasks import start_batch

    try:
        start_batch.delay(batch_id)
    except BrokerUnreachable as error:
        logger.error("batch %s could not be queued: %s", batch_id, error)
        BatchExport.objects.filter(pk=batch_id).exclude(status=BatchStatus.DONE).update(
            status=BatchStatus.FAILED, finished_at=timezone.now()
        )
        return False
    return True
