"""Passport cost: one passport of 60 entries with 10 images, and a class batch
of 35 pupils, each the median of several runs.

Run with `make bench-passport` (not part of `make test`). It creates a
throw-away test database (SQLite, or PostgreSQL when DATABASE_URL is set),
loads the demo world, gives Léa 60 shared entries (10 of them with a photo)
through the real services, and times:

- one passport: build + HTML + WeasyPrint PDF, as the pupil downloads it;
- a class batch of 35 pupils (3e A's 25 demo pupils plus 10 new ones; Léa's
  passport is the 60-entry one, the others hold the demo's few entries), run
  eagerly in this process through the real Celery chord, start to ZIP.

Prints a table and writes bench/passport_results.json.
"""

import datetime
import io
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webclasseur.settings")
os.environ.setdefault("DJANGO_DEBUG", "False")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-secret-key-" + "x" * 40)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "False")

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import override_settings  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

PASSPORT_RUNS = 7
BATCH_RUNS = 3
ENTRIES = 60
IMAGES = 10
BATCH_SIZE = 35

PLAIN_STATIC = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def photo(index: int) -> SimpleUploadedFile:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1600, 1200), (20 * index % 255, 90, 140))
    draw = ImageDraw.Draw(image)
    draw.ellipse((200, 200, 1400, 1000), fill=(230, 200, 40 + index))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return SimpleUploadedFile(f"photo-{index}.jpg", out.getvalue())


def median_ms(run: Callable[[], None], times: int) -> tuple[float, list[float]]:
    run()  # warm caches (fonts, templates)
    timings = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), timings


@override_settings(STORAGES=PLAIN_STATIC, MEDIA_ROOT=tempfile.mkdtemp())
def main() -> None:
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    logging.getLogger("celery").setLevel(logging.WARNING)
    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from classes import services as class_services
        from classes.demo import COLLEGE_UAI
        from classes.models import Class, SchoolYear, User
        from exports import batch
        from exports.models import BatchExport
        from exports.passport import PassportChoice, build_passport
        from exports.render import passport_html, passport_pdf
        from portfolio import services
        from portfolio.demo import build_demo
        from portfolio.models import Entry, EntryKind, Visibility
        from webclasseur.celery import app
        from webclasseur.uploads import clean_upload

        app.conf.task_always_eager = True
        build_demo()
        lea = User.objects.get(username="eleve")
        teacher = User.objects.get(username="prof")
        Entry.objects.filter(owner=lea).delete()
        start = datetime.date(SchoolYear.objects.get().start_year, 9, 1)
        for index in range(ENTRIES):
            services.entry_save(
                by=lea,
                entry=Entry(
                    kind=EntryKind.COMPANY_VISIT if index % 2 else EntryKind.FORUM,
                    title=f"Découverte {index}",
                    start_date=start + datetime.timedelta(days=index * 4),
                    what_i_did="Ce que j'ai fait : " + "une visite, " * 20,
                    what_i_learned="Ce que j'ai appris " * 15,
                    visibility=Visibility.SHARED,
                ),
                metiers=[services.MetierLine(f"Métier {index}", "")],
                uploads=[clean_upload(photo(index))] if index < IMAGES else [],
            )

        def one_passport() -> None:
            html = passport_html(build_passport(lea, PassportChoice()), for_pdf=True)
            passport_pdf(lea, html)

        passport_ms, passport_all = median_ms(one_passport, PASSPORT_RUNS)

        school_class = Class.objects.get(school__uai=COLLEGE_UAI, name="3e A")
        have = batch.batch_pupils(teacher, school_class).count()
        for index in range(BATCH_SIZE - have):
            pupil = class_services.user_create(
                username=f"bench.eleve{index}",
                first_name=f"Élève{index}",
                last_name="Banc",
            )
            class_services.enrolment_create(
                by=None, pupil=pupil, school_class=school_class
            )
        pupils = batch.batch_pupils(teacher, school_class).count()

        def one_batch() -> None:
            made = batch.batch_start(by=teacher, school_class=school_class)
            made.refresh_from_db()
            if made.status != "done" or made.done != pupils or made.failures:
                raise SystemExit(f"batch ended {made.status} {made.failures}")
            made.file.delete(save=False)
            made.delete()

        batch_ms, batch_all = median_ms(one_batch, BATCH_RUNS)
        if BatchExport.objects.exists():
            raise SystemExit("a batch was left behind")

        rows = [
            {
                "what": f"one passport ({ENTRIES} entries, {IMAGES} images)",
                "runs": PASSPORT_RUNS,
                "median_ms": round(passport_ms),
                "all_ms": [round(t) for t in passport_all],
            },
            {
                "what": f"class batch of {pupils} pupils, eager (ZIP)",
                "runs": BATCH_RUNS,
                "median_ms": round(batch_ms),
                "per_pupil_ms": round(batch_ms / pupils),
                "all_ms": [round(t) for t in batch_all],
            },
        ]
        print(f"database: {connection.vendor}")
        print(f"{'':48} {'runs':>4} {'median ms':>10}")
        for row in rows:
            extra = (
                f"  ({row['per_pupil_ms']} ms a pupil)" if "per_pupil_ms" in row else ""
            )
            print(f"{row['what']:48} {row['runs']:>4} {row['median_ms']:>10}{extra}")
        out = ROOT / "bench" / "passport_results.json"
        out.write_text(json.dumps({"passport": rows}, indent=2, ensure_ascii=False))
        print(f"written to {out.relative_to(ROOT)}")
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
