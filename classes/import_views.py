"""School administration pages: the CSV import of classes and pupils, and the
roll-over to the next school year. Only the school's managers reach them."""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from classes import imports, rollover
from classes.permissions import authenticated_user, get_school_for

DRY_RUN, IMPORT = "dry_run", "import"


class PupilsImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV file of the pupils"),
        help_text=gettext_lazy(
            "One pupil a line; first line: classe;niveau;nom;prenom;identifiant. "
            "Separator ; or ,. 5 MB at most."
        ),
        error_messages={"required": gettext_lazy("Choose the CSV file to import.")},
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if upload.size is not None and upload.size > imports.MAX_FILE_SIZE:
            raise ValidationError(
                _("The file is larger than 5 MB. Split it, or remove unneeded columns.")
            )
        return upload


def pupils_import(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated_user(request)
    school = get_school_for(user, pk, "manage")
    form = PupilsImportForm(request.POST or None, request.FILES or None)
    report: imports.ImportReport | None = None
    status = 200
    if request.method == "POST":
        dry_run = request.POST.get("action") != IMPORT
        if form.is_valid():
            report = imports.pupils_import(
                by=user,
                school=school,
                data=form.cleaned_data["file"].read(),
                dry_run=dry_run,
            )
            if report.file_errors:
                for error in report.file_errors:
                    form.add_error("file", error)
        if form.errors or (report is not None and report.refused):
            status = 422
    context: dict[str, Any] = {"school": school, "form": form, "report": report}
    return render(request, "classes/school_import/import.html", context, status=status)


def year_rollover(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated_user(request)
    school = get_school_for(user, pk, "manage")
    if request.method == "POST":
        try:
            result = rollover.year_rollover(by=user, school=school)
        except ValidationError:
            pass  # the preview below lists the conflicts
        else:
            messages.success(
                request,
                _(
                    "Year %(year)s prepared. Classes created: %(classes)d; "
                    "pupils enrolled: %(pupils)d; pupils leaving the school: "
                    "%(leaving)d."
                )
                % {
                    "year": result.next_year,
                    "classes": result.classes_created,
                    "pupils": result.pupils_enrolled,
                    "leaving": result.pupils_leaving,
                },
            )
            return redirect("school_import:year_rollover", pk=school.pk)
    plan = rollover.year_rollover_preview(by=user, school=school)
    return render(
        request,
        "classes/school_import/rollover.html",
        {"school": school, "plan": plan},
        status=422 if request.method == "POST" else 200,
    )
