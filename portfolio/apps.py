from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortfolioConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "portfolio"
    verbose_name = _("Portfolios")

    def ready(self) -> None:
        # Cache invalidation for the school coverage (see portfolio/signals.py).
        from portfolio import signals  # noqa: F401
