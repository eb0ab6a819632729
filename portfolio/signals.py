"""Cache invalidation, not domain logic: a write that changes a school's
coverage figures (portfolio/coverage.py) gives the school a new cache version
once it has committed. Signals rather than calls in the services, so every
writer is covered: services, imports, the year rollover, the RGPD erasure
(cascades), the admin and the archive import.

What changes the figures: a finished, readable entry saved, shared, trashed,
restored or deleted; an enrolment made, moved, ended or deleted; a class; a
pupil's name; an assignment deleted (its answers shared with its author
become private). Bulk inserts of enrolments send no signal: the cache key
carries the school's enrolment count and last id instead.
"""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from classes.models import Assignment, Class, Enrolment, User
from portfolio.coverage import coverage_changed
from portfolio.models import Entry, Visibility

# Saves that cannot change a figure.
QUIET_USER_FIELDS = frozenset({"last_login", "password", "is_active", "email"})


def _after_commit(school_ids: Iterable[int | None]) -> None:
    """A new version now, and again once the write has committed: a page
    computed in between, from the data before the write, is left under the
    version of the moment and never read."""
    ids = {pk for pk in school_ids if pk is not None}
    if ids:
        coverage_changed(ids)
        transaction.on_commit(lambda: coverage_changed(ids))


def _schools_of_pupil(pupil_id: int) -> list[int | None]:
    return list(
        Enrolment.objects.filter(pupil_id=pupil_id).values_list(
            "school_class__school_id", flat=True
        )
    )


def _school_of_class(class_id: int) -> list[int | None]:
    return list(Class.objects.filter(pk=class_id).values_list("school_id", flat=True))


@receiver(post_save, sender=Entry, dispatch_uid="coverage_entry_saved")
def _entry_saved(sender: Any, instance: Entry, created: bool, **kwargs: Any) -> None:
    # A new draft or a new private entry is counted by nobody.
    if created and (instance.is_draft or instance.visibility == Visibility.PRIVATE):
        return
    _after_commit(_schools_of_pupil(instance.owner_id))


@receiver(post_delete, sender=Entry, dispatch_uid="coverage_entry_deleted")
def _entry_deleted(sender: Any, instance: Entry, **kwargs: Any) -> None:
    if instance.is_draft or instance.deleted_at is not None:
        return  # drafts and the trash are never counted
    _after_commit(_schools_of_pupil(instance.owner_id))


@receiver(post_save, sender=Enrolment, dispatch_uid="coverage_enrolment_saved")
@receiver(post_delete, sender=Enrolment, dispatch_uid="coverage_enrolment_deleted")
def _enrolment_changed(sender: Any, instance: Enrolment, **kwargs: Any) -> None:
    _after_commit(_school_of_class(instance.school_class_id))


@receiver(post_save, sender=Class, dispatch_uid="coverage_class_saved")
@receiver(post_delete, sender=Class, dispatch_uid="coverage_class_deleted")
def _class_changed(sender: Any, instance: Class, **kwargs: Any) -> None:
    _after_commit([instance.school_id])


@receiver(post_save, sender=User, dispatch_uid="coverage_user_saved")
def _user_saved(
    sender: Any,
    instance: User,
    created: bool,
    update_fields: frozenset[str] | None,
    **kwargs: Any,
) -> None:
    if created or (update_fields is not None and update_fields <= QUIET_USER_FIELDS):
        return
    _after_commit(_schools_of_pupil(instance.pk))


@receiver(post_delete, sender=Assignment, dispatch_uid="coverage_assignment_deleted")
def _assignment_deleted(sender: Any, instance: Assignment, **kwargs: Any) -> None:
    _after_commit(_school_of_class(instance.school_class_id))
