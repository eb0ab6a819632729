"""RGPD requests of a school (access, rectification, erasure) for its managers,
and the privacy notice for every logged-in user.

The school comes through classes.permissions (404 outside the user's schools,
403 for those who may not manage it); the pupil among classes.rgpd's pupils of
that school (404 otherwise); the services check the policy again.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from classes import rgpd
from classes.forms import PersonChoiceField, form_errors_from
from classes.models import Enrolment, ErasureRecord, School, User
from classes.permissions import authenticated_user, get_school_for, rgpd_pupils_of


class _PupilField(PersonChoiceField):
    def label_from_instance(self, obj: User) -> str:
        name = super().label_from_instance(obj)
        if getattr(obj, "has_left", False):
            return _("%(name)s (left the school)") % {"name": name}
        return name


class PupilChoiceForm(forms.Form):
    pupil = _PupilField(
        label=gettext_lazy("Pupil"),
        queryset=User.objects.none(),
        empty_label="—",
        help_text=gettext_lazy(
            "The school's pupils, those still here and those who left it."
        ),
        error_messages={
            "required": gettext_lazy("Choose a pupil in the list."),
            "invalid_choice": gettext_lazy("Choose a pupil in the list."),
        },
    )

    def __init__(self, *args: Any, pupils: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = pupils  # type: ignore[attr-defined]


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "I confirm: this pupil's account and all their data will be deleted "
            "for good."
        ),
        error_messages={
            "required": gettext_lazy("Tick the box to confirm the erasure.")
        },
    )


def _pupils(school: School) -> QuerySet[User]:
    left = Enrolment.objects.filter(
        pupil=OuterRef("pk"),
        school_class__school=school,
        left_on__isnull=False,
    )
    return rgpd_pupils_of(school).annotate(has_left=Exists(left))


def _pupil_of(school: School, pupil_pk: int) -> User:
    pupil = _pupils(school).filter(pk=pupil_pk).first()
    if pupil is None:
        raise Http404
    return pupil


@require_GET
def requests(request: HttpRequest, pk: int) -> HttpResponse:
    """Choose a pupil (access or erasure request); the past erasures; how to
    have a name or class corrected."""
    user = authenticated_user(request)
    school = get_school_for(user, pk, "manage")
    form = PupilChoiceForm(
        request.GET if "pupil" in request.GET else None, pupils=_pupils(school)
    )
    if form.is_bound and form.is_valid():
        return redirect("rgpd:summary", school.pk, form.cleaned_data["pupil"].pk)
    return render(
        request,
        "classes/rgpd/requests.html",
        {
            "school": school,
            "form": form,
            "records": rgpd.erasure_records_of(school)[:200],
        },
        status=422 if form.errors else 200,
    )


@require_GET
def summary(request: HttpRequest, pk: int, pupil_pk: int) -> HttpResponse:
    """What the application holds about the pupil (an access request)."""
    user = authenticated_user(request)
    school = get_school_for(user, pk, "manage")
    pupil = _pupil_of(school, pupil_pk)
    data = rgpd.pupil_data_summary(by=user, pupil=pupil, school=school)
    return render(
        request,
        "classes/rgpd/summary.html",
        {"school": school, "pupil": pupil, "data": data},
    )


@require_http_methods(["GET", "POST"])
def erase(request: HttpRequest, pk: int, pupil_pk: int) -> HttpResponse:
    """Confirm, then erase the pupil's account and data (an erasure request)."""
    user = authenticated_user(request)
    school = get_school_for(user, pk, "manage")
    pupil = _pupil_of(school, pupil_pk)
    form = EraseForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            record = rgpd.pupil_erase(
                by=user,
                pupil=pupil,
                school=school,
                reason=ErasureRecord.Reason.REQUEST,
            )
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            messages.success(
                request,
                _(
                    "The pupil's account and data were erased (account "
                    "#%(id)s, %(rows)s rows and %(files)s files)."
                )
                % {
                    "id": record.pupil_id,
                    "rows": record.counts["rows"],
                    "files": record.counts["files"],
                },
            )
            return redirect("rgpd:requests", school.pk)
    data = rgpd.pupil_data_summary(by=user, pupil=pupil, school=school)
    return render(
        request,
        "classes/rgpd/erase.html",
        {"school": school, "pupil": pupil, "data": data, "form": form},
        status=422 if form.errors else 200,
    )


@require_GET
def privacy_notice(request: HttpRequest) -> HttpResponse:
    """The current privacy notice; the first time a user sees a version is
    recorded."""
    user = authenticated_user(request)
    notice = rgpd.current_privacy_notice()
    seen = rgpd.privacy_notice_seen_record(by=user, notice=notice) if notice else None
    return render(request, "classes/rgpd/notice.html", {"notice": notice, "seen": seen})
