"""Class batch exports: start one, follow its progress, download the ZIP."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from classes.permissions import authenticated_user, get_class_for
from exports import batch as services
from exports.batch import REASON_NOT_VISIBLE, REASON_RENDER_ERROR, REASON_TIMEOUT
from exports.models import BatchStatus
from exports.permissions import batches_visible_to, get_batch_for
from webclasseur import faults
from webclasseur.files import protected_file_response


def _reasons() -> dict[str, str]:
    return {
        REASON_RENDER_ERROR: _("the passport could not be made"),
        REASON_TIMEOUT: _("the passport took too long to make"),
        REASON_NOT_VISIBLE: _("you may no longer see this pupil's portfolio"),
    }


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, class_pk: int) -> HttpResponse:
    """“Exporter les passeports de la classe”: confirm, then start."""
    user = authenticated_user(request)
    school_class = get_class_for(user, class_pk, "follow")
    if request.method == "POST":
        batch = services.batch_start(by=user, school_class=school_class)
        batch.refresh_from_db(fields=["status"])
        if batch.status == BatchStatus.FAILED:
            messages.error(request, faults.BATCH_NOT_QUEUED)
        return redirect("batch:progress", pk=batch.pk)
    return render(
        request,
        "exports/batch_start.html",
        {
            "school_class": school_class,
            "pupil_count": services.batch_pupils(user, school_class).count(),
            "keep_hours": int(services.BATCH_KEEP.total_seconds() // 3600),
            "batches": batches_visible_to(user).filter(school_class=school_class)[:10],
        },
    )


@require_GET
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The batch's progress; htmx polls the status block until it is done."""
    batch = get_batch_for(request.user, pk, "view")
    context = {
        "batch": batch,
        "failures": [
            {"pupil": f.get("pupil", ""), "reason": _reasons().get(f.get("reason"))}
            for f in batch.failures
        ],
    }
    template = (
        "exports/batch_progress_status.html"
        if getattr(request, "htmx", False)
        else "exports/batch_progress.html"
    )
    response = render(request, template, context)
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The ZIP, for its requester only, until it expires (then 410 Gone)."""
    batch = get_batch_for(request.user, pk, "view")
    if batch.is_expired:
        return render(
            request,
            "exports/batch_gone.html",
            {
                "batch": batch,
                "message": _(
                    "This export has expired: exports are kept for %(hours)s "
                    "hours. Start a new one from the class page."
                )
                % {"hours": int(services.BATCH_KEEP.total_seconds() // 3600)},
            },
            status=410,
        )
    batch = get_batch_for(request.user, pk, "download")
    return protected_file_response(
        batch.file,
        name=f"passeports-{batch.school_class.name}.zip",
        content_type="application/zip",
    )
