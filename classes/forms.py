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

from classes import services
from classes.kinds import ActivityKind
from classes.models import Assignment, Class, Level, StaffRole, User
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

    def create_assignment(self, *, by: User, school_class: Class) -> Assignment | None:
        """Give the (valid) form's activity to the class; None when the service
        refuses it, its errors then being next to their fields."""
        data = self.cleaned_data
        try:
            return services.assignment_create(
                by=by,
                school_class=school_class,
                title=data["title"],
                kind=data["kind"],
                instructions=data["instructions"],
                opens_on=data["opens_on"],
                due_on=data["due_on"],
                answer_expected=data["answer_expected"],
                pupils=data["chosen_pupils"],
            )
        except ValidationError as error:
            form_errors_from(self, error)
            return None


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


# --- School administration and follow-up flags ------------------------------


class PersonChoiceField(forms.ModelChoiceField):
    """A person in a select: “LAST First (email)”, or “LAST First — 3e A” for a
    pupil annotated with their class (classes.queries.with_class_names)."""

    def label_from_instance(self, obj: User) -> str:
        name = f"{obj.last_name.upper()} {obj.first_name}".strip() or obj.username
        class_name = getattr(obj, "class_name", None)
        if class_name:
            return f"{name} — {class_name}"
        return f"{name} ({obj.email})" if obj.email else name


class ClassForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the class"),
        max_length=40,
        help_text=_("For example 3e B."),
        error_messages={"required": _("Give the class a name, for example 3e B.")},
    )
    level = forms.ChoiceField(
        label=_("Level"),
        choices=[("", "—"), *Level.choices],
        error_messages={"required": _("Choose the level of the class.")},
    )


class _PersonForm(forms.Form):
    """Choose a person already known in the school, or give the name and email
    of a new one (an account without password, for single sign-on)."""

    person_required_message = _(
        "Choose a person in the list, or give the first name, last name and "
        "email of a new one."
    )
    person = PersonChoiceField(
        label=_("Person"),
        queryset=User.objects.none(),
        required=False,
        empty_label="—",
        help_text=_(
            "Teachers of the school's classes and members of its team. "
            "For someone new, leave this empty and fill in the three fields below."
        ),
        error_messages={"invalid_choice": _("Choose a person in the list.")},
    )
    first_name = forms.CharField(
        label=_("Or a new person: first name"), max_length=150, required=False
    )
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("Email address"),
        required=False,
        help_text=_("The account has no password: the person logs in by the ENT."),
    )

    def __init__(self, *args: Any, people: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        new = [data.get(name) for name in ("first_name", "last_name", "email")]
        if data.get("person") is None and not any(new) and "person" not in self.errors:
            self.add_error("person", self.person_required_message)
        elif data.get("person") is not None and any(new):
            self.add_error(
                "person",
                _("Choose a person in the list or give a new one, not both."),
            )
        return data

    @property
    def is_new_person(self) -> bool:
        return self.cleaned_data.get("person") is None


class TeachingForm(_PersonForm):
    school_class: "forms.ModelChoiceField[Class]" = forms.ModelChoiceField(
        label=_("Class"),
        queryset=Class.objects.none(),
        empty_label="—",
        error_messages={
            "required": _("Choose the class."),
            "invalid_choice": _("Choose a class of the school."),
        },
    )
    subject = forms.CharField(
        label=_("Subject"),
        max_length=80,
        required=False,
        help_text=_("For example Mathématiques."),
    )
    is_principal = forms.BooleanField(label=_("Professeur principal"), required=False)
    field_order = ["school_class", "person", "first_name", "last_name", "email"]

    def __init__(
        self,
        *args: Any,
        classes: QuerySet[Class],
        people: QuerySet[User],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, people=people, **kwargs)
        self.fields["school_class"].queryset = classes  # type: ignore[attr-defined]


class StaffRoleForm(_PersonForm):
    role = forms.ChoiceField(
        label=_("Role in the team"),
        choices=[("", "—"), *StaffRole.Role.choices],
        error_messages={"required": _("Choose the role.")},
    )


class SchoolSettingsForm(forms.Form):
    confidential_note_roles = forms.MultipleChoiceField(
        label=_("Roles reading the confidential notes of orientation interviews"),
        choices=StaffRole.Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("By default, the Psy-EN only."),
        error_messages={"invalid_choice": _("Choose roles from the list.")},
    )
    interview_levels = forms.MultipleChoiceField(
        label=_("Levels with orientation interviews"),
        choices=Level.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("Choose levels from the list.")},
    )


class DepartureForm(forms.Form):
    pupil = PersonChoiceField(
        label=_("Pupil"),
        queryset=User.objects.none(),
        empty_label="—",
        error_messages={
            "required": _("Choose the pupil who leaves."),
            "invalid_choice": _("Choose a pupil of the school."),
        },
    )
    left_on = forms.DateField(
        label=_("Left the school on"),
        widget=DATE_WIDGET,
        error_messages={"required": _("Give the date the pupil left.")},
    )

    def __init__(self, *args: Any, pupils: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = pupils  # type: ignore[attr-defined]


class FlagForm(forms.Form):
    pupil = PersonChoiceField(
        label=_("Pupil"),
        queryset=User.objects.none(),
        empty_label="—",
        error_messages={
            "required": _("Choose the pupil to follow."),
            "invalid_choice": _("Choose a pupil of the school."),
        },
    )
    reason = forms.CharField(
        label=_("Why the team should follow this pupil"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only the educational team reads it; the pupil never sees it."),
        error_messages={"required": _("Say why the team should follow this pupil.")},
    )

    def __init__(self, *args: Any, pupils: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pupil"].queryset = pupils  # type: ignore[attr-defined]


class FlagClearForm(forms.Form):
    clearing_note = forms.CharField(
        label=_("Why the follow-up ends"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the follow-up ends.")},
    )
