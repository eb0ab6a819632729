from django.conf import settings
from django.core.management.base import BaseCommand

from portfolio.services import trash_purge


class Command(BaseCommand):
    help = (
        "Delete for good the entries in the trash for more than TRASH_RETENTION_DAYS."
    )

    def handle(self, *args: object, **options: object) -> None:
        count = trash_purge()
        self.stdout.write(
            f"{count} entries purged (trash kept {settings.TRASH_RETENTION_DAYS} days)."
        )
