from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExportsConfig(AppConfig):
    """The PDF passport, the archive and class batch exports (their own issue)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "exports"
    verbose_name = _("Exports")
