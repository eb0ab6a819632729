"""API serializers of the class space: inputs apart from outputs. The rules
and their messages are the pages' (classes.forms, then classes.services)."""

from rest_framework import serializers

from classes.kinds import ActivityKind
from classes.models import Assignment, Class, School, User
from webclasseur.api.base import InputSerializer


class SchoolOut(serializers.ModelSerializer):
    class Meta:
        model = School
        fields = ["id", "uai", "name", "city"]
        read_only_fields = fields


class ClassOut(serializers.ModelSerializer):
    school = SchoolOut(read_only=True)
    year: serializers.Field = serializers.StringRelatedField()

    class Meta:
        model = Class
        fields = ["id", "name", "level", "year", "school"]
        read_only_fields = fields


class PupilOut(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "first_name", "last_name"]
        read_only_fields = fields


class AssignmentOut(serializers.ModelSerializer):
    author = PupilOut(read_only=True)
    for_whole_class = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = [
            "id",
            "school_class",
            "author",
            "title",
            "kind",
            "instructions",
            "opens_on",
            "due_on",
            "answer_expected",
            "is_closed",
            "for_whole_class",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_for_whole_class(self, assignment: Assignment) -> bool:
        # Which pupils were chosen is the teacher's business: pupils only
        # learn whether it was given to the whole class.
        chosen = getattr(assignment, "has_chosen_pupils", None)
        if chosen is None:  # not annotated (a single assignment)
            chosen = assignment.chosen_pupils.exists()
        return not chosen


class AnswerOut(serializers.Serializer):
    """A pupil the assignment is given to, with the answer the reader may read
    (a private answer or a draft counts as none)."""

    pupil = PupilOut()
    answer_id = serializers.IntegerField(allow_null=True)
    answer_title = serializers.CharField(allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)
    reviewed_at = serializers.DateTimeField(allow_null=True)


class AssignmentIn(InputSerializer):
    title = serializers.CharField(max_length=200, allow_blank=True)
    kind = serializers.ChoiceField(choices=ActivityKind.choices)
    instructions = serializers.CharField(max_length=5000, allow_blank=True)
    opens_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Today when left out."
    )
    due_on = serializers.DateField()
    answer_expected = serializers.BooleanField(required=False, default=True)
    chosen_pupils = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31),
        required=False,
        default=list,
        max_length=200,
        help_text="Pupils of the class; empty gives it to the whole class.",
    )
