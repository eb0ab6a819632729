"""History of entries, comments and interviews (django-pghistory).

PostgreSQL triggers (installed by the migrations) copy each inserted or
changed row into an event table (`EntryEvent`, `CommentEvent`,
`InterviewEvent`), so bulk `QuerySet.update()` and `bulk_create` are recorded
like any save. Each event carries the moment, the kind of change and who made
it (`pgh_context`: the request's user, set by `HistoryMiddleware`, or what a
command put in `history_context`). The interview's confidential note is never
copied (the history has other readers than the note).

On SQLite (development, demo) nothing is recorded: pgtrigger installs no
trigger there and no library records bulk updates on SQLite. `history_enabled`
says which case applies; the pages say it.

Who reads it: the pupil, for their own entries (the policy for this page is
`portfolio.permissions.get_entry_history_for`: staff get a 404 even for an
entry they may read). The
events go with what they describe: an erasure removes the pupil's events
(`history_erase_pupil`) and the purges remove the events of entries and
interviews deleted for good (`history_purge_deleted`).
"""

import contextlib
import datetime
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

import pghistory
from django.apps import apps
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _
from pghistory.middleware import HistoryMiddleware as PghistoryMiddleware

from classes.history import (
    Change,
    FieldChange,
    context_user_id,
    display_value,
    history_enabled,
    role_event_models,
    user_names,
)
from classes.models import User
from portfolio.models import Comment, Entry, Interview


def event_model(name: str) -> type[models.Model]:
    return apps.get_model("portfolio", name)


@contextlib.contextmanager
def history_context(**metadata: Any) -> Iterator[None]:
    """Name who changes rows in this block (for commands and tasks; pages get it
    from the middleware). pghistory adds a `set_config` to each SQL statement,
    which only PostgreSQL understands: elsewhere this does nothing."""
    if not history_enabled():
        yield
        return
    with pghistory.context(**metadata):
        yield


class HistoryMiddleware(PghistoryMiddleware):
    """pghistory's middleware (the user and the URL of each writing request),
    on PostgreSQL only."""

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if not history_enabled():
            return self.get_response(request)
        return super().__call__(request)


# --- The policy: whose history a user may read --------------------------------


# --- Reading it ---------------------------------------------------------------

#: Entry fields that say nothing to the pupil (set by the application).
ENTRY_HIDDEN_FIELDS = frozenset(
    {
        "id",
        "owner",
        "created_at",
        "source_id",
        "school",
        "school_year",
        "level",
        "class_event",
        "assignment",
        "reviewed_by",
    }
)


def _diff(before: Any, after: Any) -> list[FieldChange]:
    """The visible fields that differ between two snapshots of an entry (all
    the filled ones for the first snapshot)."""
    changes = []
    for model_field in type(after)._meta.concrete_fields:
        name = model_field.name
        if name.startswith("pgh_") or name in ENTRY_HIDDEN_FIELDS:
            continue
        new = getattr(after, model_field.attname)
        if before is None:
            if new in (None, "", False):
                continue
            old_text = "—"
        else:
            old = getattr(before, model_field.attname)
            if old == new:
                continue
            old_text = display_value(model_field, old)
        changes.append(
            FieldChange(
                label=str(model_field.verbose_name),
                before=old_text,
                after=display_value(model_field, new),
            )
        )
    return changes


def entry_history(entry: Entry) -> list[Change]:
    """The entry's versions and the comments written, changed or deleted on
    it, oldest first."""
    entry_events: list[Any] = list(
        event_model("EntryEvent")
        ._default_manager.filter(pgh_obj_id=entry.pk)
        .order_by("pgh_id")
    )
    comment_events: list[Any] = list(
        event_model("CommentEvent")
        ._default_manager.filter(entry_id=entry.pk)
        .order_by("pgh_id")
    )
    names = user_names(
        context_user_id(event) for event in [*entry_events, *comment_events]
    )

    def who(event: Any) -> str:
        user_id = context_user_id(event)
        if user_id is None:
            return _("the application (import or automatic task)")
        if user_id == entry.owner_id:
            return _("you")
        return names.get(user_id, _("a deleted account"))

    lines: list[tuple[datetime.datetime, int, int, Change]] = []
    previous = None
    for event in entry_events:
        changes = _diff(previous, event)
        previous = event
        if event.pgh_label != "insert" and not changes:
            continue  # only a hidden field changed
        what = _("Created") if event.pgh_label == "insert" else _("Changed")
        change = Change(event.pgh_created_at, who(event), what, changes=changes)
        lines.append((event.pgh_created_at, 0, event.pgh_id, change))
    body_label = str(Comment._meta.get_field("body").verbose_name)
    last_version: dict[int, Any] = {}
    for event in comment_events:
        before = last_version.get(event.pgh_obj_id)
        last_version[event.pgh_obj_id] = event
        if event.pgh_label == "insert":
            what, body = _("Comment written"), FieldChange(body_label, "—", event.body)
        elif event.pgh_label == "delete":
            what, body = _("Comment deleted"), FieldChange(body_label, event.body, "—")
        else:
            old = before.body if before is not None else "—"
            if old == event.body:
                continue
            what, body = _("Comment changed"), FieldChange(body_label, old, event.body)
        change = Change(event.pgh_created_at, who(event), what, changes=[body])
        lines.append((event.pgh_created_at, 1, event.pgh_id, change))
    lines.sort(key=lambda line: line[:3])
    return [line[3] for line in lines]


# --- Deleting it with what it describes ---------------------------------------


def _pupil_events(
    pupil_id: int, entry_ids: Iterable[int]
) -> list[tuple[type[models.Model], Q]]:
    """Which events are about the pupil, per event model: their entries
    (`entry_ids`, and any entry event naming them as owner), the comments on
    those entries, their interviews, and any event whose change they made."""
    entry_event = event_model("EntryEvent")
    ids = set(entry_ids) | set(
        entry_event._default_manager.filter(owner_id=pupil_id).values_list(
            "pgh_obj_id", flat=True
        )
    )
    by_pupil = Q(pgh_context__user=pupil_id)
    return [
        (entry_event, Q(owner_id=pupil_id) | Q(pgh_obj_id__in=ids) | by_pupil),
        (
            event_model("CommentEvent"),
            Q(entry_id__in=ids) | Q(author_id=pupil_id) | by_pupil,
        ),
        (event_model("InterviewEvent"), Q(pupil_id=pupil_id) | by_pupil),
        *((model, by_pupil) for model in role_event_models()),
    ]


def history_erase_pupil(*, pupil_id: int, entry_ids: Iterable[int]) -> Counter[str]:
    """Delete every event about the pupil (`_pupil_events`). Run after the
    account is deleted (the cascade itself writes "delete" events). Counts
    per model."""
    counts: Counter[str] = Counter()
    for model, condition in _pupil_events(pupil_id, entry_ids):
        deleted, _by_model = model._base_manager.filter(condition).delete()
        counts[model._meta.label] += deleted
    return +counts


def history_rows_of(pupil: User) -> Counter[str]:
    """The events an erasure of the pupil would delete (for the summary)."""
    entry_ids = Entry.objects.filter(owner=pupil).values_list("pk", flat=True)
    counts: Counter[str] = Counter(
        {
            model._meta.label: model._base_manager.filter(condition).count()
            for model, condition in _pupil_events(pupil.pk, entry_ids)
        }
    )
    return +counts


def history_purge_deleted() -> int:
    """Delete the events of entries, comments' entries and interviews that no
    longer exist (deleted for good from the trash, or with an account).
    Returns the number of events deleted."""
    entry_gone = ~Exists(Entry.objects.filter(pk=OuterRef("pgh_obj_id")))
    comment_entry_gone = ~Exists(Entry.objects.filter(pk=OuterRef("entry_id")))
    interview_gone = ~Exists(Interview.objects.filter(pk=OuterRef("pgh_obj_id")))
    total = 0
    for name, gone in (
        ("EntryEvent", entry_gone),
        ("CommentEvent", comment_entry_gone),
        ("InterviewEvent", interview_gone),
    ):
        deleted, _by_model = event_model(name)._base_manager.filter(gone).delete()
        total += deleted
    return total
