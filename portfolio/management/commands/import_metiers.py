from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portfolio.services import metiers_import


class Command(BaseCommand):
    help = (
        "Import métiers from a UTF-8 CSV file with the columns label, rome_code, "
        "domain (for example an export of France Travail's ROME). Known codes "
        "are updated; a malformed line refuses the whole file."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("csv_path", type=Path)

    def handle(self, *args: object, csv_path: Path, **options: object) -> None:
        try:
            with csv_path.open(encoding="utf-8-sig", newline="") as lines:
                created, updated = metiers_import(lines=lines)
        except FileNotFoundError:
            raise CommandError(f"Fichier introuvable : {csv_path}") from None
        except UnicodeDecodeError:
            raise CommandError(f"{csv_path} n'est pas encodé en UTF-8.") from None
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(f"{created} métiers created, {updated} updated.")
        )
