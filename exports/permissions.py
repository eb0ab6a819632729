"""Access policy for exports: a class batch is started by the class's
teachers and the school's team, and belongs to its requester alone."""

from django.db.models import QuerySet

from classes.models import Class
from classes.permissions import AnyUser, can_follow_class, get_checked
from exports.models import BatchExport, BatchStatus


def can_start_batch(user: AnyUser, school_class: Class) -> bool:
    """The class's teachers this year and the school's educational team."""
    return can_follow_class(user, school_class)


def batches_visible_to(user: AnyUser) -> QuerySet[BatchExport]:
    """A batch is its requester's only: nobody else sees it."""
    if not user.is_authenticated:
        return BatchExport.objects.none()
    return BatchExport.objects.filter(requester_id=user.pk)


def can_download_batch(user: AnyUser, batch: BatchExport) -> bool:
    return batch.requester_id == user.pk and batch.status == BatchStatus.DONE


def get_batch_for(user: AnyUser, pk: int, action: str) -> BatchExport:
    """404 for anybody but the requester; `download` once it is done."""
    checks = {"view": lambda _u, _b: True, "download": can_download_batch}
    visible = batches_visible_to(user).select_related("school_class__school")
    return get_checked(user, visible, pk, action, checks)
