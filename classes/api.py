"""API of the class space: the classes the user sees with their pupils
(staff), and assignments (teachers give them and read the answers; pupils
list theirs). Objects from classes.permissions, writes through
classes.services, messages from classes.forms."""

import datetime
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response

from classes import services
from classes.forms import AssignmentForm
from classes.kinds import ActivityKind
from classes.models import Assignment, Class, Level, User
from classes.permissions import (
    assignments_visible_to,
    classes_visible_to,
    get_assignment_for,
    get_class_for,
    pupils_visible_to,
)
from classes.queries import class_pupils
from classes.serializers import (
    AnswerOut,
    AssignmentIn,
    AssignmentOut,
    ClassOut,
    PupilOut,
)
from portfolio.permissions import entries_visible_to
from portfolio.queries import assignment_answers
from webclasseur.api.base import ApiListView, ApiView, acting_user, form_errors


class ClassFilter(filters.FilterSet):
    year = filters.NumberFilter(
        field_name="year__start_year",
        min_value=1900,
        max_value=3000,
        help_text="First calendar year of the school year (2026 for 2026-2027).",
    )
    level = filters.ChoiceFilter(choices=Level.choices)

    class Meta:
        model = Class
        fields = ["year", "level"]


class ClassListView(ApiListView):
    """Classes the user sees: their own (pupil), those they teach this year,
    every class of their school (team)."""

    serializer_class = ClassOut
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = ClassFilter

    def get_queryset(self) -> QuerySet[Class]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return Class.objects.none()
        return (
            classes_visible_to(acting_user(self.request))
            .select_related("school", "year")
            .order_by("-year__start_year", "school__name", "name", "pk")
        )


class ClassDetailView(ApiView):
    @extend_schema(responses=ClassOut, summary="A class")
    def get(self, request: Request, pk: int) -> Response:
        return Response(ClassOut(get_class_for(acting_user(request), pk, "view")).data)


class ClassPupilListView(ApiListView):
    """The pupils of a class, for those who follow it (its teachers this year,
    the school's educational team)."""

    serializer_class = PupilOut

    def get_queryset(self) -> QuerySet[User]:
        user = acting_user(self.request)
        school_class = get_class_for(user, self.kwargs["pk"], "follow")
        return (
            pupils_visible_to(user)
            .filter(pk__in=class_pupils(school_class).values("pk"))
            .order_by("last_name", "first_name", "pk")
        )


class AssignmentFilter(filters.FilterSet):
    school_class = filters.NumberFilter(
        field_name="school_class_id", min_value=1, max_value=2**31
    )
    kind = filters.ChoiceFilter(choices=ActivityKind.choices)
    is_closed = filters.BooleanFilter()

    class Meta:
        model = Assignment
        fields = ["school_class", "kind", "is_closed"]


def _assignments(user: User) -> QuerySet[Assignment]:
    chosen = Assignment.chosen_pupils.through.objects.filter(
        assignment_id=OuterRef("pk")
    )
    return (
        assignments_visible_to(user)
        .select_related("author")
        # AssignmentOut.for_whole_class without a query per assignment.
        .annotate(has_chosen_pupils=Exists(chosen))
        .order_by("is_closed", "due_on", "pk")
    )


class AssignmentListView(ApiListView):
    """Assignments the user reads: a pupil's (opened, given to them), the
    ones of the classes a teacher teaches, the school's for its team."""

    serializer_class = AssignmentOut
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = AssignmentFilter

    def get_queryset(self) -> QuerySet[Assignment]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator
            return Assignment.objects.none()
        return _assignments(acting_user(self.request))


class AssignmentDetailView(ApiView):
    @extend_schema(responses=AssignmentOut, summary="An assignment")
    def get(self, request: Request, pk: int) -> Response:
        assignment = get_assignment_for(acting_user(request), pk, "view")
        return Response(AssignmentOut(assignment).data)


class ClassAssignmentListView(ApiListView):
    """A class's assignments the user reads; its teachers give new ones."""

    serializer_class = AssignmentOut

    def get_queryset(self) -> QuerySet[Assignment]:
        user = acting_user(self.request)
        school_class = get_class_for(user, self.kwargs["pk"], "view")
        return _assignments(user).filter(school_class=school_class)

    @extend_schema(
        request=AssignmentIn,
        responses={201: AssignmentOut},
        summary="Give an assignment to the class (its teachers)",
    )
    def post(self, request: Request, pk: int) -> Response:
        user = acting_user(request)
        school_class = get_class_for(user, pk, "teach")
        serializer = AssignmentIn(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        pupils = class_pupils(school_class)
        form = AssignmentForm(
            {
                "title": data["title"],
                "kind": data["kind"],
                "instructions": data["instructions"],
                "opens_on": data["opens_on"] or timezone.localdate(),
                "due_on": data["due_on"],
                "answer_expected": data["answer_expected"],
                "chosen_pupils": data["chosen_pupils"],
            },
            pupils=pupils,
        )
        if not form.is_valid():
            raise exceptions.ValidationError(form_errors(form.errors))
        clean: dict[str, Any] = form.cleaned_data
        opens_on: datetime.date = clean["opens_on"]
        assignment = services.assignment_create(
            by=user,
            school_class=school_class,
            title=clean["title"],
            kind=clean["kind"],
            instructions=clean["instructions"],
            opens_on=opens_on,
            due_on=clean["due_on"],
            answer_expected=clean["answer_expected"],
            pupils=clean["chosen_pupils"],
        )
        return Response(AssignmentOut(assignment).data, status=status.HTTP_201_CREATED)


class AssignmentAnswerListView(ApiListView):
    """Who the assignment is given to, and the answers the teacher may read."""

    serializer_class = AnswerOut

    def get_queryset(self) -> Any:
        user = acting_user(self.request)
        assignment = get_assignment_for(user, self.kwargs["pk"], "edit")
        rows = assignment_answers(
            assignment,
            list(class_pupils(assignment.school_class)),
            entries_visible_to(user),
        )
        return [
            {
                "pupil": row.pupil,
                "answer_id": row.answer.pk if row.answer else None,
                "answer_title": row.answer.title if row.answer else None,
                "answered_at": row.answer.updated_at if row.answer else None,
                "reviewed_at": row.answer.reviewed_at if row.answer else None,
            }
            for row in rows
        ]
