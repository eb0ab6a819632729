from django.conf import settings
from django.core.management.base import BaseCommand

from portfolio.history import history_purge_deleted
from portfolio.services import trash_purge


class Command(BaseCommand):
    help = (
        "Delete for good the entries in the trash for more than "
        "TRASH_RETENTION_DAYS, and the history of entries deleted for good."
    )

    def handle(self, *args: object, **options: object) -> None:
        count = trash_purge()
        events = history_purge_deleted()
        self.stdout.write(
            f"{count} entries purged (trash kept {settings.TRASH_RETENTION_DAYS} "
            f"days); {events} history events of deleted entries removed."
        )
