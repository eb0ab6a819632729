"""Forms of the teacher and class space. Each error is shown next to its field;
the rules themselves are checked again by the services."""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from classes.kinds import ActivityKind
from classes.models import Assignment, User
from webclasseur.uploads import CleanUpload, clean_upload

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PupilChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.last_name.upper()} {obj.first_name}"


class AssignmentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of activity"), choices=ActivityKind.choices)
    instructions = forms.CharField(
        label=_("Instructions"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What the pupils do, and what their entry should say."),
        error_messages={
            "required": _("Write the instructions: the pupils need to know what to do.")
        },
    )
    opens_on = forms.DateField(
        label=_("Visible to the pupils from"), widget=DATE_WIDGET
    )
    due_on = forms.DateField(label=_("Due date"), widget=DATE_WIDGET)
    answer_expected = forms.BooleanField(
        label=_("The pupils answer with an entry of their portfolio"),
        required=False,
        initial=True,
    )
    chosen_pupils = PupilChoiceField(
        label=_("Pupils"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave every box empty to give the activity to the whole class."),
        error_messages={
            "invalid_choice": _(
                "This pupil is not in the class: choose pupils of the class."
            )
        },
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        pupils: QuerySet[User],
        saved_due_on: datetime.date | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chosen_pupils"].queryset = pupils  # type: ignore[attr-defined]
        # A due date already past is refused unless it is the one already saved.
        self.saved_due_on = saved_due_on

    def clean_due_on(self) -> datetime.date:
        due_on: datetime.date = self.cleaned_data["due_on"]
        if due_on != self.saved_due_on and due_on < timezone.localdate():
            raise ValidationError(
                _("This due date is already past: choose a later day.")
            )
        return due_on

    @classmethod
    def initial_from(cls, assignment: Assignment) -> dict[str, Any]:
        return {
            "title": assignment.title,
            "kind": assignment.kind,
            "instructions": assignment.instructions,
            "opens_on": assignment.opens_on,
            "due_on": assignment.due_on,
            "answer_expected": assignment.answer_expected,
            "chosen_pupils": list(assignment.chosen_pupils.all()),
            "version": assignment.version,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens_on, due_on = data.get("opens_on"), data.get("due_on")
        if opens_on and due_on and due_on < opens_on:
            self.add_error(
                "due_on", _("The due date cannot be before the opening date.")
            )
        return data


class ResourceForm(forms.Form):
    description = forms.CharField(label=_("Short description"), max_length=200)
    url = forms.URLField(
        label=_("Link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_("For example the Onisep page of a métier."),
    )
    file = forms.FileField(
        label=_("Or a file"),
        required=False,
        help_text=_("Photo (JPEG, PNG, WebP), PDF, ODT or DOCX."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.checked_upload: CleanUpload | None = None

    def clean_file(self) -> UploadedFile | None:
        upload: UploadedFile | None = self.cleaned_data.get("file")
        if upload:
            self.checked_upload = clean_upload(upload)
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        has_url, has_file = bool(data.get("url")), bool(data.get("file"))
        if (
            has_url == has_file
            and "url" not in self.errors
            and "file" not in self.errors
        ):
            self.add_error("url", _("Give either a link or a file (one of the two)."))
        return data


class AnnouncementForm(forms.Form):
    body = forms.CharField(
        label=_("Announcement to the class"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write the announcement.")},
    )


class ClassEventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of activity"), choices=ActivityKind.choices)
    date = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    place = forms.CharField(
        label=_("Place or organisation"), max_length=200, required=False
    )
    description = forms.CharField(
        label=_("What the class will do"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def form_errors_from(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError next to the fields it names."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)
