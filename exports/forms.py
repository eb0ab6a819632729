"""What the pupil puts in their passport."""

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from exports.archive import MAX_UPLOAD_BYTES
from exports.passport import PassportChoice
from portfolio.models import Entry


class EntryChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Entry) -> str:
        date = obj.start_date.strftime("%d/%m/%Y") if obj.start_date else ""
        return f"{obj} ({obj.get_kind_display()}, {date})"


class PassportForm(forms.Form):
    entries = EntryChoiceField(
        label=_("Entries in my passport"),
        queryset=Entry.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "Your shared entries are ticked; private ones stay out unless "
            "you tick them."
        ),
    )
    with_project = forms.BooleanField(label=_("My orientation project"), required=False)
    with_interviews = forms.BooleanField(
        label=_("The syntheses of the interviews I added to my passport"),
        required=False,
    )
    with_comments = forms.BooleanField(label=_("My teachers' comments"), required=False)
    archival = forms.BooleanField(
        label=_("PDF/A for archiving"), required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, entries: QuerySet[Entry], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["entries"]).queryset = entries

    def choice(self) -> PassportChoice:
        data = self.cleaned_data
        return PassportChoice(
            entry_ids=frozenset(entry.pk for entry in data["entries"]),
            with_project=data["with_project"],
            with_comments=data["with_comments"],
            with_interviews=data["with_interviews"],
        )


class ArchiveImportForm(forms.Form):
    """An archive downloaded from webclasseur (here or elsewhere), to import."""

    archive = forms.FileField(
        label=_("Archive to import (ZIP)"),
        help_text=_("The “portfolio archive” ZIP file, 100 MB at most."),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
        error_messages={"required": _("Choose the archive file to import.")},
    )
    keep_sharing = forms.BooleanField(
        label=_(
            "Keep my sharing choices (the entries I had shared are shown to my "
            "teachers here)"
        ),
        required=False,
    )

    def clean_archive(self) -> Any:
        upload = self.cleaned_data["archive"]
        if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The archive is too big (%(max)s at most)."),
                code="too_big",
                params={"max": filesizeformat(MAX_UPLOAD_BYTES)},
            )
        return upload
