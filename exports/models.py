"""Class batch exports: one ZIP of passports, made in the background."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def batch_file_path(instance: "BatchExport", filename: str) -> str:
    """A random name: the file is only reached through the download view."""
    return f"exports/batches/{secrets.token_urlsafe(24)}.zip"


class BatchStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class BatchExport(models.Model):
    """The passports of a class's pupils, as their requester may see them,
    zipped; kept until `expires_at`, downloadable by the requester only."""

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="batch_exports",
        verbose_name=_("requested by"),
    )
    school_class = models.ForeignKey(
        "classes.Class",
        on_delete=models.CASCADE,
        related_name="batch_exports",
        verbose_name=_("class"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=BatchStatus.choices,
        default=BatchStatus.QUEUED,
    )
    total = models.PositiveIntegerField(_("pupils"), default=0)
    done = models.PositiveIntegerField(_("passports processed"), default=0)
    # [{"pupil": "Léa Martin", "reason": "render_error"}, ...]
    failures = models.JSONField(_("failures"), default=list, blank=True)
    file = models.FileField(
        _("file"), upload_to=batch_file_path, max_length=200, blank=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("class batch export")
        verbose_name_plural = _("class batch exports")

    def __str__(self) -> str:
        return f"{self.school_class} ({self.created_at:%Y-%m-%d %H:%M})"

    @property
    def is_finished(self) -> bool:
        return self.status in {BatchStatus.DONE, BatchStatus.FAILED}

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100
