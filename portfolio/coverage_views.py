"""The school coverage page for the educational team: who did what this year,
counted over the entries the viewer may read (never the private ones)."""

import csv
import io

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from classes.models import School, SchoolYear
from classes.permissions import authenticated_user, classes_visible_to, get_school_for
from classes.roles import roles_of
from portfolio import coverage
from portfolio.permissions import coverage_audience, entries_visible_to

WEEKS_ERROR = gettext_lazy("Enter a whole number of weeks between 1 and 52.")


class CoverageFilterForm(forms.Form):
    semaines = forms.IntegerField(
        label=gettext_lazy("No activity for how many weeks?"),
        help_text=gettext_lazy("Between 1 and 52 weeks. 6 by default."),
        required=False,
        min_value=coverage.MIN_WEEKS,
        max_value=coverage.MAX_WEEKS,
        initial=coverage.DEFAULT_WEEKS,
        error_messages={
            "invalid": WEEKS_ERROR,
            "min_value": WEEKS_ERROR,
            "max_value": WEEKS_ERROR,
        },
    )

    def weeks(self) -> int:
        """The number of weeks asked for, or the default when it is missing or bad."""
        if self.is_bound and self.is_valid():
            return self.cleaned_data["semaines"] or coverage.DEFAULT_WEEKS
        return coverage.DEFAULT_WEEKS


def _filter_form(request: HttpRequest) -> CoverageFilterForm:
    return CoverageFilterForm(request.GET if "semaines" in request.GET else None)


def _coverage_of(
    request: HttpRequest, school: School, weeks: int
) -> coverage.SchoolCoverage:
    user = authenticated_user(request)
    return coverage.cached_school_coverage(
        school=school,
        audience=coverage_audience(user, school),
        classes=classes_visible_to(user),
        readable=entries_visible_to(user),
        year=SchoolYear.objects.current(),
        weeks=weeks,
        today=timezone.localdate(),
    )


@require_GET
def school_coverage(request: HttpRequest, pk: int) -> HttpResponse:
    """By level and class: activities done, stages, métiers discovered, and the
    pupils with nothing recent; charts with their numbers in tables."""
    user = authenticated_user(request)
    school = get_school_for(user, pk, "view_overview")
    form = _filter_form(request)
    weeks = form.weeks()
    data = _coverage_of(request, school, weeks)
    tables = coverage.all_tables(data)
    stages = [
        {
            "table": tables[indicator.name],
            "chart": coverage.stage_chart(data, indicator),
        }
        for indicator in coverage.STAGE_INDICATORS
        if indicator.name in tables
    ]
    metiers = None
    if "metiers" in tables:
        metiers = {
            "table": tables["metiers"],
            "chart": coverage.metiers_chart(data),
            "bands": tables["metier_bands"],
            "bands_chart": coverage.metier_bands_chart(tables["metier_bands"]),
        }
    pupils = data.pupils
    roles = roles_of(user)
    return render(
        request,
        "portfolio/coverage/school_coverage.html",
        {
            "school": school,
            "year": data.year,
            "form": form,
            "weeks": weeks,
            "since": data.since,
            "pupil_total": len(pupils),
            "with_activity": sum(1 for item in pupils if item.pupil.entry_count),
            "quiet_total": sum(1 for item in pupils if data.is_quiet(item.pupil)),
            "kinds": tables["kinds"],
            "activity_chart": coverage.activity_chart(data),
            "stages": stages,
            "metiers": metiers,
            "quiet_by_class": tables["quiet_by_class"],
            "quiet_pupils": tables["quiet_pupils"],
            "reads_no_entries": school.pk not in roles.team_school_ids,
        },
        status=422 if form.errors else 200,
    )


# Cells starting with these would run as formulas in a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(value: coverage.Cell) -> str:
    text = coverage.format_cell(value, empty="")
    if text.startswith(FORMULA_STARTS) and not isinstance(value, int | float):
        return "'" + text
    return text


@require_GET
def school_coverage_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """One table of the coverage page as CSV for French Excel: UTF-8 with a
    byte order mark, “;” between cells, decimal commas."""
    user = authenticated_user(request)
    school = get_school_for(user, pk, "view_overview")
    form = _filter_form(request)
    if form.is_bound and not form.is_valid():
        return HttpResponse(
            str(WEEKS_ERROR), status=400, content_type="text/plain; charset=utf-8"
        )
    data = _coverage_of(request, school, form.weeks())
    table = coverage.all_tables(data).get(request.GET.get("table", ""))
    if table is None:
        raise Http404
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([*map(_csv_text, row.headers), *map(_csv_text, row.cells)])
    year = str(data.year) if data.year else ""
    prefix = _("coverage")
    filename = f"{prefix}-{school.uai}-{year}-{table.filename}.csv"
    response = HttpResponse(
        "\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    return response
