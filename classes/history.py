"""History of team roles and teaching assignments (django-pghistory).

PostgreSQL triggers copy each StaffRole and TeachingAssignment row that is
inserted, changed or deleted into `StaffRoleEvent` and
`TeachingAssignmentEvent` (bulk writes, imports and single sign-on included),
with who made the change when a page did (pghistory's context: the request's
user). A school's managers read their school's history
(`classes.permissions.can_manage_school`, on the management page). On SQLite
nothing is recorded (no triggers there): `history_enabled` says so.

The shapes shared with the portfolio's history (portfolio/history.py) live here,
since classes never imports portfolio.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db import connection, models
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from classes.models import Class, School, StaffRole, User

#: How many events the role history page shows (newest first).
ROLE_HISTORY_LIMIT = 300


def history_enabled() -> bool:
    """True where the history triggers exist: PostgreSQL only."""
    return connection.vendor == "postgresql"


def role_event_models() -> list[type[models.Model]]:
    return [
        apps.get_model("classes", "StaffRoleEvent"),
        apps.get_model("classes", "TeachingAssignmentEvent"),
    ]


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class Change:
    """One line of a history page."""

    at: datetime.datetime
    who: str
    what: str
    subject: str = ""
    changes: list[FieldChange] = field(default_factory=list)


def role_history_purge(*, before: datetime.datetime) -> int:
    """Delete the role history events older than `before` (the retention
    purge: they are kept as long as the access log they help explain)."""
    deleted = 0
    for model in role_event_models():
        count, _by_model = model._default_manager.filter(
            pgh_created_at__lt=before
        ).delete()
        deleted += count
    return deleted


def display_value(model_field: "models.Field[Any, Any]", value: object) -> str:
    """A stored value as the pages show it."""
    if value is None or value == "":
        return "—"
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


def context_user_id(event: Any) -> int | None:
    """The user who made the change (pghistory's context), if a page did."""
    user_id = (event.pgh_context or {}).get("user")
    return int(user_id) if user_id is not None else None


def user_names(ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {user_id for user_id in ids if user_id is not None}
    return {
        user.pk: user.get_full_name() or user.username
        for user in User.objects.filter(pk__in=wanted)
    }


def role_history(school: School) -> list[Change]:
    """The school's team roles and teaching assignments granted, changed and
    removed, newest first (at most ROLE_HISTORY_LIMIT)."""
    role_event, teaching_event = role_event_models()
    roles: list[Any] = list(
        role_event._default_manager.filter(school_id=school.pk).order_by("-pgh_id")[
            :ROLE_HISTORY_LIMIT
        ]
    )
    class_ids = Class.objects.filter(school=school).values("pk")
    teachings: list[Any] = list(
        teaching_event._default_manager.filter(school_class_id__in=class_ids).order_by(
            "-pgh_id"
        )[:ROLE_HISTORY_LIMIT]
    )
    names = user_names(
        [context_user_id(event) for event in [*roles, *teachings]]
        + [event.user_id for event in roles]
        + [event.teacher_id for event in teachings]
    )
    classes = dict(
        Class.objects.filter(
            pk__in={event.school_class_id for event in teachings}
        ).values_list("pk", "name")
    )
    role_labels = dict(StaffRole.Role.choices)

    def name(user_id: int | None) -> str:
        if user_id is None:
            return _("the application (import, single sign-on or automatic task)")
        return names.get(user_id, _("a deleted account"))

    def to_line(event: Any, verbs: dict[str, str], subject: str) -> tuple[Any, ...]:
        what = verbs.get(event.pgh_label, event.pgh_label)
        who = name(context_user_id(event))
        change = Change(event.pgh_created_at, who, what, subject)
        return (event.pgh_created_at, event.pgh_id, change)

    role_verbs = {
        "insert": _("Role granted"),
        "update": _("Role changed"),
        "delete": _("Role removed"),
    }
    teaching_verbs = {
        "insert": _("Teaching assignment added"),
        "update": _("Teaching assignment changed"),
        "delete": _("Teaching assignment removed"),
    }
    lines: list[tuple[Any, ...]] = []
    for event in roles:
        subject = _("%(person)s: %(role)s") % {
            "person": names.get(event.user_id, _("a deleted account")),
            "role": role_labels.get(event.role, event.role),
        }
        lines.append(to_line(event, role_verbs, subject))
    for event in teachings:
        label = _("%(person)s in %(class)s") % {
            "person": names.get(event.teacher_id, _("a deleted account")),
            "class": classes.get(event.school_class_id, "—"),
        }
        if event.is_principal:
            label += " — " + _("professeur principal")
        if event.subject:
            label += f" ({event.subject})"
        lines.append(to_line(event, teaching_verbs, label))
    lines.sort(key=lambda line: (line[0], line[1]), reverse=True)
    return [line[2] for line in lines[:ROLE_HISTORY_LIMIT]]
