"""Run one class batch export against the real database and the real Celery
worker, and check the ZIP (CI's PostgreSQL + Redis run, after seed_demo).

    manage.py batch_smoke [--class "3e A"] [--requester prof] [--require-worker]

Exits non-zero when no worker answers (with --require-worker), when the batch
does not finish in time, when a pupil failed, or when the ZIP is not one PDF
per pupil with no private entry in any of them. The batch is deleted at the end.
"""

import io
import time
import zipfile
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from classes.demo import COLLEGE_UAI
from classes.models import Class, User
from exports import batch as services
from exports.models import BatchExport, BatchStatus
from portfolio.models import Entry, Visibility


class Command(BaseCommand):
    help = "Export a demo class's passports through Celery and check the ZIP."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--class", dest="class_name", default="3e A")
        parser.add_argument("--school", default=COLLEGE_UAI, help="UAI")
        parser.add_argument("--requester", default="prof", help="username")
        parser.add_argument("--timeout", type=float, default=300.0)
        parser.add_argument(
            "--require-worker",
            action="store_true",
            help="fail unless a Celery worker answers (no eager run)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from webclasseur.celery import app

        if options["require_worker"]:
            if settings.CELERY_TASK_ALWAYS_EAGER:
                raise CommandError("Celery is eager here: set REDIS_URL.")
            stats: dict[str, Any] = {}
            deadline = time.monotonic() + options["timeout"] / 5
            while not stats and time.monotonic() < deadline:
                stats = app.control.inspect(timeout=2).stats() or {}
            if not stats:
                raise CommandError("No Celery worker answered.")
            for name, stat in stats.items():
                pool = stat.get("pool", {})
                self.stdout.write(
                    f"worker {name}: {pool.get('max-concurrency')} processes"
                )
        school_class = Class.objects.select_related("school").get(
            school__uai=options["school"], name=options["class_name"]
        )
        requester = User.objects.get(username=options["requester"])
        started = time.monotonic()
        made = services.batch_start(by=requester, school_class=school_class)
        try:
            made = self._wait(made, options["timeout"], started)
            self._check(made, requester, school_class)
        finally:
            if made.file:
                made.file.delete(save=False)
            made.delete()

    def _wait(self, made: BatchExport, timeout: float, started: float) -> BatchExport:
        shown = -1
        while True:
            made.refresh_from_db()
            if made.done != shown:
                shown = made.done
                self.stdout.write(f"{made.done} / {made.total} ({made.status})")
            if made.is_finished:
                self.stdout.write(
                    f"finished in {time.monotonic() - started:.1f} s: {made.status}"
                )
                return made
            if time.monotonic() - started > timeout:
                raise CommandError(
                    f"The batch did not finish in {timeout:.0f} s "
                    f"({made.done} / {made.total}, {made.status})."
                )
            time.sleep(0.5)

    def _check(self, made: BatchExport, requester: User, school_class: Class) -> None:
        from pypdf import PdfReader

        if made.status != BatchStatus.DONE:
            raise CommandError(f"The batch ended {made.status}.")
        if made.failures:
            raise CommandError(f"Some passports failed: {made.failures}")
        pupils = list(services.batch_pupils(requester, school_class))
        if not pupils or made.total != len(pupils) or made.done != made.total:
            raise CommandError(f"{made.done} / {made.total} for {len(pupils)} pupils.")
        with made.file.open("rb") as handle:
            archive = zipfile.ZipFile(io.BytesIO(handle.read()))
        names = archive.namelist()
        if len(names) != len(pupils):
            raise CommandError(f"{len(names)} PDFs in the ZIP for {len(pupils)}.")
        taken: set[str] = set()
        by_name = {services.zip_name(pupil, taken): pupil for pupil in pupils}
        checked = 0
        for name in names:
            pupil = by_name.get(name)
            if pupil is None:
                raise CommandError(f"{name}: no such pupil.")
            data = archive.read(name)
            if not data.startswith(b"%PDF"):
                raise CommandError(f"{name} is not a PDF.")
            reader = PdfReader(io.BytesIO(data))
            text = "\n".join(page.extract_text() or "" for page in reader.pages)
            # Titles the pupil kept private (and did not reuse for a shared one).
            own = Entry.objects.filter(owner=pupil)
            private = set(
                own.filter(visibility=Visibility.PRIVATE).values_list(
                    "title", flat=True
                )
            ) - set(
                own.exclude(visibility=Visibility.PRIVATE).values_list(
                    "title", flat=True
                )
            )
            checked += len(private)
            leaked = [title for title in private if title and title in text]
            if leaked:
                raise CommandError(f"{name} holds private entries: {leaked}")
        self.stdout.write(
            self.style.SUCCESS(
                f"OK: {len(names)} passports, none with any of their "
                f"pupils' {checked} private entries."
            )
        )
