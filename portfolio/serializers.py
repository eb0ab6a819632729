"""API serializers of the portfolio: inputs (what a client may send) apart from
outputs (what it reads). Inputs only shape and type the data; the rules and
their messages are the pages' own (portfolio.forms, then the services)."""

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework import serializers

from classes.models import User
from portfolio.models import (
    Attachment,
    Comment,
    Entry,
    EntryFormation,
    EntryKind,
    EntryMetier,
    Interest,
    Interview,
    RomeDomain,
    Visibility,
)
from webclasseur.api.base import InputSerializer, etag_of

# --- Outputs ----------------------------------------------------------------


class PersonOut(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "first_name", "last_name"]


class MetierOut(serializers.ModelSerializer):
    class Meta:
        model = EntryMetier
        fields = ["label", "rome_code"]


class FormationOut(serializers.ModelSerializer):
    class Meta:
        model = EntryFormation
        fields = ["label", "diploma"]


class AttachmentOut(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()
    api_download_url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = [
            "id",
            "original_name",
            "content_type",
            "size",
            "is_image",
            "download_url",
            "api_download_url",
        ]

    def get_download_url(self, attachment: Attachment) -> str:
        """The website's link (session only)."""
        return reverse("portfolio:attachment_download", args=[attachment.pk])

    def get_api_download_url(self, attachment: Attachment) -> str:
        """The API's link (session or token)."""
        return reverse("api:attachment_download", args=[attachment.pk])


def entry_etag(entry: Entry) -> str:
    return etag_of("entry", entry.pk, entry.updated_at.isoformat(), entry.reviewed_at)


class EntryOut(serializers.ModelSerializer):
    owner = PersonOut(read_only=True)
    school_year: serializers.Field = serializers.StringRelatedField()
    tags: serializers.Field = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="name"
    )
    metiers = MetierOut(many=True, read_only=True)
    formations = FormationOut(many=True, read_only=True)
    attachments = AttachmentOut(many=True, read_only=True)
    etag = serializers.SerializerMethodField(
        help_text="The value to send in If-Match to change this entry."
    )

    class Meta:
        model = Entry
        fields = [
            "id",
            "owner",
            "kind",
            "title",
            "start_date",
            "end_date",
            "day_count",
            "school_year",
            "level",
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
            "is_draft",
            "assignment",
            "reviewed_at",
            "tags",
            "metiers",
            "formations",
            "attachments",
            "created_at",
            "updated_at",
            "etag",
        ]
        read_only_fields = fields

    def get_etag(self, entry: Entry) -> str:
        return entry_etag(entry)


class TrashedEntryOut(serializers.ModelSerializer):
    class Meta:
        model = Entry
        fields = ["id", "kind", "title", "start_date", "deleted_at"]
        read_only_fields = fields


class CommentOut(serializers.ModelSerializer):
    author = PersonOut(read_only=True)

    class Meta:
        model = Comment
        fields = ["id", "entry", "author", "body", "created_at"]
        read_only_fields = fields


class InterviewOut(serializers.ModelSerializer):
    """An interview as a list shows it: when, where, who, its status."""

    pupil = PersonOut(read_only=True)
    organiser = PersonOut(read_only=True, allow_null=True)
    school_year: serializers.Field = serializers.StringRelatedField()

    class Meta:
        model = Interview
        fields = [
            "id",
            "pupil",
            "school",
            "school_year",
            "level",
            "organiser",
            "planned_at",
            "place",
            "family_invited",
            "status",
            "in_passport",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class InterviewDetailOut(InterviewOut):
    """The whole interview. The pupil's preparation lists only the entries the
    reader may open; the synthesis, next steps and follow-up once it is held.
    `confidential_note` is in the answer only for the readers the school
    allows (the key is left out for everyone else, not sent empty)."""

    participants = PersonOut(many=True, read_only=True)
    entries = serializers.SerializerMethodField(
        help_text="The entries the pupil chose to talk about, among those the "
        "reader may open."
    )
    synthesis = serializers.SerializerMethodField()
    next_steps = serializers.SerializerMethodField()
    follow_up = serializers.SerializerMethodField()
    confidential_note = serializers.CharField(
        required=False,
        help_text="Only for the roles the school allows (the Psy-EN by default).",
    )

    class Meta(InterviewOut.Meta):
        fields = [
            *InterviewOut.Meta.fields,
            "participants",
            "entries",
            "prep_interests",
            "prep_worries",
            "prep_questions",
            "synthesis",
            "next_steps",
            "follow_up",
            "confidential_note",
        ]
        read_only_fields = fields

    def get_entries(self, interview: Interview) -> list[int]:
        readable: QuerySet[Entry] = self.context["readable_entries"]
        return sorted(
            readable.filter(pk__in=interview.entries.values("pk")).values_list(
                "pk", flat=True
            )
        )

    def _after_meeting(self, interview: Interview, name: str) -> str:
        return str(getattr(interview, name)) if interview.is_held else ""

    def get_synthesis(self, interview: Interview) -> str:
        return self._after_meeting(interview, "synthesis")

    def get_next_steps(self, interview: Interview) -> str:
        return self._after_meeting(interview, "next_steps")

    def get_follow_up(self, interview: Interview) -> str:
        return self._after_meeting(interview, "follow_up")

    def to_representation(self, instance: Interview) -> dict[str, Any]:
        data = dict(super().to_representation(instance))
        if not self.context.get("with_confidential_note", False):
            # Not blank, not null: the key itself is never sent.
            data.pop("confidential_note", None)
        return data


class CoverageRowOut(serializers.Serializer):
    headers = serializers.ListField(child=serializers.CharField())
    cells = serializers.ListField(
        child=serializers.JSONField(),
        help_text="Numbers (counts, percentages with one decimal), dates "
        "(YYYY-MM-DD), texts, or null when there is nothing to count.",
    )
    is_total = serializers.BooleanField()


class CoverageTableOut(serializers.Serializer):
    name = serializers.CharField()
    caption = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    header_columns = serializers.IntegerField(
        help_text="How many of the first columns (and row headers) name the row."
    )
    rows = CoverageRowOut(many=True)


class SchoolOverviewOut(serializers.Serializer):
    school = serializers.IntegerField()
    school_year = serializers.CharField(allow_null=True)
    weeks = serializers.IntegerField()
    since = serializers.DateField(
        help_text="Activities on or after this day count as recent."
    )
    pupil_total = serializers.IntegerField()
    with_activity = serializers.IntegerField()
    quiet_total = serializers.IntegerField()
    reads_no_entries = serializers.BooleanField(
        help_text="True when the reader is not on the school's team (the "
        "platform admin): they read no entries, so every count is zero."
    )
    tables = CoverageTableOut(many=True)


class ProjectOut(serializers.Serializer):
    is_shared = serializers.BooleanField()
    metiers = serializers.CharField()
    formations = serializers.CharField()
    interests = serializers.DictField(
        child=serializers.ChoiceField(choices=Interest.choices),
        help_text="ROME domain letter → interest level (domains without an "
        "opinion are left out).",
    )
    wish = serializers.CharField(help_text="The wishes for next year, this year.")
    updated_at = serializers.DateTimeField()
    etag = serializers.CharField()


# --- Inputs -----------------------------------------------------------------


class MetierLineIn(InputSerializer):
    label = serializers.CharField(max_length=200, allow_blank=True)  # type: ignore[assignment]
    rome_code = serializers.CharField(
        max_length=10, allow_blank=True, required=False, default=""
    )


class FormationLineIn(InputSerializer):
    label = serializers.CharField(max_length=200, allow_blank=True)  # type: ignore[assignment]
    diploma = serializers.CharField(
        max_length=120, allow_blank=True, required=False, default=""
    )


def _text(max_length: int) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length, allow_blank=True, required=False, default=""
    )


class EntryIn(InputSerializer):
    """An entry as the pupil writes it. `is_draft` keeps it as a draft (title
    and date may wait); the review mark, the owner and the school are not
    theirs to set."""

    kind = serializers.ChoiceField(choices=EntryKind.choices)
    title = _text(200)
    start_date = serializers.DateField(required=False, allow_null=True, default=None)
    end_date = serializers.DateField(required=False, allow_null=True, default=None)
    day_count = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, max_value=366
    )
    organisation_name = _text(200)
    organisation_sector = _text(120)
    organisation_town = _text(120)
    contact = _text(200)
    tutor = _text(200)
    what_i_did = _text(5000)
    what_i_learned = _text(5000)
    what_i_liked = _text(5000)
    interest = serializers.ChoiceField(
        choices=Interest.choices, required=False, allow_null=True, default=None
    )
    visibility = serializers.ChoiceField(
        choices=Visibility.choices, required=False, default=Visibility.PRIVATE
    )
    is_draft = serializers.BooleanField(required=False, default=False)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=100), required=False, default=list
    )
    metiers = serializers.ListField(
        child=MetierLineIn(), required=False, default=list, max_length=20
    )
    formations = serializers.ListField(
        child=FormationLineIn(), required=False, default=list, max_length=20
    )
    assignment = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The assignment this new entry answers (on creation only).",
    )


class EntryUpdateIn(EntryIn):
    """The same, without `assignment` (an answer stays the answer it is)."""

    assignment = None  # type: ignore[assignment]


class AttachmentUploadIn(InputSerializer):
    """Multipart only: one `uploads` part per file."""

    uploads = serializers.ListField(child=serializers.FileField(), min_length=1)


class CommentIn(InputSerializer):
    body = serializers.CharField(max_length=2000)


class ProjectIn(InputSerializer):
    is_shared = serializers.BooleanField(required=False)
    metiers = _text(2000)
    formations = _text(2000)
    wish = _text(2000)
    interests = serializers.DictField(
        child=serializers.ChoiceField(choices=Interest.choices, allow_null=True),
        required=False,
        default=dict,
        help_text="ROME domain letter (A–N) → interest level, or null for no "
        "opinion. Domains left out keep no opinion.",
    )

    def validate_interests(self, value: dict[str, Any]) -> dict[str, Any]:
        unknown = sorted(set(value) - set(RomeDomain.values))
        if unknown:
            raise serializers.ValidationError(
                _("Unknown domain: %(domains)s. Use the letters A to N.")
                % {"domains": ", ".join(unknown)}
            )
        return value
