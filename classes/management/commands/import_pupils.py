"""manage.py import_pupils <UAI> <file.csv> [--dry-run]: the CSV import of
classes.imports, as the platform operator, printing the report."""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from classes.imports import pupils_import
from classes.models import School


class Command(BaseCommand):
    help = (
        "Import a school's classes and pupils from a CSV file "
        "(columns classe;niveau;nom;prenom;identifiant)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("uai", help="the school's UAI, for example 0693901R")
        parser.add_argument("file", type=Path, help="the CSV file")
        parser.add_argument(
            "--dry-run", action="store_true", help="show the changes, write nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        school = School.objects.filter(uai=options["uai"].strip().upper()).first()
        if school is None:
            raise CommandError(f"No school with the UAI {options['uai']}.")
        try:
            data = options["file"].read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {options['file']}: {error}") from error
        with translation.override(settings.LANGUAGE_CODE):
            report = pupils_import(
                by=None, school=school, data=data, dry_run=options["dry_run"]
            )
            for line in report.lines():
                self.stdout.write(line)
        if report.refused:
            raise CommandError(
                "The file was refused: nothing was written."
                if report.file_errors
                else f"{len(report.rejected)} rejected lines: nothing was written."
            )
