"""Forms of the pupil space. Errors are shown next to the field that caused them."""

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.forms import formset_factory
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from classes.models import User
from portfolio.models import (
    MAX_DAYS,
    Entry,
    EntryKind,
    Interest,
    RomeDomain,
    SelfAssessment,
    Visibility,
)
from portfolio.services import attachments_used_bytes
from portfolio.validators import validate_rome_code
from webclasseur.uploads import CleanUpload, check_quota, clean_upload

MAX_FILES_PER_ENTRY = 10


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = data if isinstance(data, list | tuple) else [data]
        return [file for file in files if file]


class EntryForm(forms.ModelForm):
    """One screen for one entry. In draft mode the title and date may wait."""

    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=300,
        help_text=_("Separated by commas, for example: numérique, stage"),
    )
    uploads = MultipleFileField(
        label=_("Photos and documents"),
        required=False,
        help_text=_("Photos (JPEG, PNG, WebP), PDF, ODT or DOCX."),
    )

    class Meta:
        model = Entry
        fields = [
            "kind",
            "title",
            "start_date",
            "end_date",
            "day_count",
            "organisation_name",
            "organisation_sector",
            "organisation_town",
            "contact",
            "tutor",
            "what_i_did",
            "what_i_learned",
            "what_i_liked",
            "interest",
            "visibility",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "what_i_did": forms.Textarea(attrs={"rows": 4}),
            "what_i_learned": forms.Textarea(attrs={"rows": 4}),
            "what_i_liked": forms.Textarea(attrs={"rows": 3}),
            "visibility": forms.RadioSelect,
            "interest": forms.RadioSelect,
        }

    def __init__(self, *args: Any, owner: User, draft: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.owner = owner
        self.draft = draft
        # The model's own checks (title and date unless a draft) see the mode.
        self.instance.is_draft = draft
        self.checked_uploads: list[CleanUpload] = []
        self.fields["title"].required = not draft
        self.fields["start_date"].required = not draft
        self.fields["kind"].initial = EntryKind.COMPANY_VISIT
        self.fields["interest"].required = False
        cast(forms.ChoiceField, self.fields["interest"]).choices = list(
            Interest.choices
        )
        self.fields["visibility"].initial = Visibility.PRIVATE
        if self.instance.assignment_id is None:
            cast(forms.ChoiceField, self.fields["visibility"]).choices = [
                choice
                for choice in Visibility.choices
                if choice[0] != Visibility.TEACHER
            ]
        self.fields["day_count"].widget.attrs.update({"min": 1, "max": 60})
        if self.instance.pk and not self.is_bound:
            self.initial["tags"] = ", ".join(t.name for t in self.instance.tags.all())

    def clean_tags(self) -> list[str]:
        raw: str = self.cleaned_data.get("tags", "")
        names = [name.strip() for name in raw.split(",") if name.strip()]
        too_long = [name for name in names if len(name) > 40]
        if too_long:
            raise ValidationError(
                _("A tag has 40 characters at most: “%(tag)s” is too long."),
                params={"tag": too_long[0][:60]},
            )
        return names

    def clean_uploads(self) -> list[UploadedFile]:
        files: list[UploadedFile] = self.cleaned_data.get("uploads") or []
        if len(files) > MAX_FILES_PER_ENTRY:
            raise ValidationError(
                _("Attach %(max)s files at most at once."),
                params={"max": MAX_FILES_PER_ENTRY},
            )
        errors: list[ValidationError] = []
        cleaned = []
        for upload in files:
            try:
                cleaned.append(clean_upload(upload))
            except ValidationError as error:
                errors.append(error)
        if errors:
            raise ValidationError(errors)
        check_quota(cleaned, attachments_used_bytes(self.owner))
        self.checked_uploads = cleaned
        return files

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date cannot be before the start."))
        kind, day_count = data.get("kind"), data.get("day_count")
        if day_count and start:
            span = ((end or start) - start).days + 1
            if day_count > span:
                self.add_error(
                    "day_count",
                    _("%(days)s days do not fit these dates (%(span)s at most).")
                    % {"days": day_count, "span": span},
                )
        limit = MAX_DAYS.get(kind or "")
        if limit and day_count and day_count > limit:
            self.add_error(
                "day_count",
                _("This kind of stage lasts %(max)s days at most.") % {"max": limit},
            )
        return data


class MetierLineForm(forms.Form):
    label = forms.CharField(
        label=_("Métier"),
        max_length=200,
        required=False,
        widget=forms.TextInput(
            attrs={
                "list": "metier-options",
                "autocomplete": "off",
                "hx-get": reverse_lazy("portfolio:metier_search"),
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#metier-options",
                "hx-sync": "this:replace",
            }
        ),
    )
    rome_code = forms.CharField(
        label=_("ROME code (optional)"),
        max_length=10,
        required=False,
        help_text=_("A letter A–N and 4 digits, e.g. M1805"),
    )

    def clean_rome_code(self) -> str:
        code: str = self.cleaned_data.get("rome_code", "").strip().upper()
        if code:
            validate_rome_code(code)
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("rome_code") and not data.get("label", "").strip():
            self.add_error("label", _("Give the name of the métier too."))
        return data


class FormationLineForm(forms.Form):
    label = forms.CharField(label=_("Formation"), max_length=200, required=False)
    diploma = forms.CharField(label=_("Diploma"), max_length=120, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("diploma") and not data.get("label", "").strip():
            self.add_error("label", _("Give the name of the formation too."))
        return data


MetierFormSet = formset_factory(MetierLineForm, extra=2, max_num=20, absolute_max=40)
FormationFormSet = formset_factory(
    FormationLineForm, extra=1, max_num=20, absolute_max=40
)


class TimelineFilterForm(forms.Form):
    q = forms.CharField(label=_("Search my entries"), required=False, max_length=100)
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All kinds")), *EntryKind.choices],
    )
    year = forms.TypedChoiceField(label=_("School year"), required=False, coerce=int)
    metier = forms.CharField(label=_("Métier"), required=False, max_length=100)
    tag = forms.ChoiceField(label=_("Tag"), required=False)
    shared = forms.ChoiceField(
        label=_("Sharing"),
        required=False,
        choices=[("", _("Shared or not")), ("yes", _("Shared")), ("no", _("Private"))],
    )

    def __init__(
        self, *args: Any, years: list[tuple[int, str]], tags: list[str], **kw: Any
    ):
        super().__init__(*args, **kw)
        cast(forms.ChoiceField, self.fields["year"]).choices = [
            ("", _("All years")),
            *years,
        ]
        cast(forms.ChoiceField, self.fields["tag"]).choices = [
            ("", _("All tags")),
            *((t, t) for t in tags),
        ]


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ProjectForm(forms.Form):
    metiers = forms.CharField(
        label=_("Métiers I am considering"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    formations = forms.CharField(
        label=_("Formations I am considering"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    wish = forms.CharField(
        label=_("My wishes for next year"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for domain in RomeDomain:
            self.fields[f"interest_{domain.value}"] = forms.TypedChoiceField(
                label=domain.label,
                required=False,
                coerce=int,
                empty_value=None,
                choices=[("", _("No opinion")), *Interest.choices],
            )

    def interests(self) -> dict[str, int | None]:
        return {
            d.value: self.cleaned_data.get(f"interest_{d.value}") for d in RomeDomain
        }


class SelfAssessmentForm(forms.Form):
    def __init__(self, *args: Any, competences: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.competences = competences
        for competence in competences:
            self.fields[f"competence_{competence.pk}"] = forms.TypedChoiceField(
                label=competence.label,
                required=False,
                coerce=int,
                empty_value=None,
                choices=[("", _("Not assessed")), *SelfAssessment.Level.choices],
            )

    def levels(self) -> dict[int, int]:
        return {
            c.pk: level
            for c in self.competences
            if (level := self.cleaned_data.get(f"competence_{c.pk}"))
        }


class StaffChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return str(obj)


class EntryChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Entry) -> str:
        date = obj.start_date.strftime("%d/%m/%Y") if obj.start_date else ""
        return f"{obj} ({obj.get_kind_display()}, {date})"


class InterviewPlanForm(forms.Form):
    planned_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    place = forms.CharField(label=_("Place"), max_length=120, required=False)
    family_invited = forms.BooleanField(
        label=_("The family is invited"), required=False
    )
    participants = StaffChoiceField(
        label=_("Other staff taking part"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(
            forms.ModelMultipleChoiceField, self.fields["participants"]
        ).queryset = staff


class InterviewPrepareForm(forms.Form):
    entries = EntryChoiceField(
        label=_("Entries I want to talk about"),
        queryset=Entry.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Only your shared entries can be chosen: the staff you meet see "
            "them. Share an entry first if you want to talk about it."
        ),
    )
    interests = forms.CharField(
        label=_("What interests me at the moment"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    worries = forms.CharField(
        label=_("What I am unsure or worried about"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    questions = forms.CharField(
        label=_("The questions I want to ask"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, choices: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["entries"]).queryset = choices


class InterviewRecordForm(forms.Form):
    synthesis = forms.CharField(
        label=_("Synthesis (the pupil reads it)"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": _("Write the synthesis the pupil will read.")},
    )
    next_steps = forms.CharField(
        label=_("Agreed next steps (the pupil reads them)"),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    follow_up = forms.CharField(
        label=_("Follow-up, once done"),
        max_length=3000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    confidential_note = forms.CharField(
        label=_("Confidential note"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Read only by the roles the school allows (the Psy-EN by default); "
            "never by the pupil."
        ),
    )

    def __init__(self, *args: Any, with_confidential_note: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not with_confidential_note:
            del self.fields["confidential_note"]
