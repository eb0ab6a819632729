"""Timeline cost at 10 and 200 entries: query count and median render time.

Run with `make bench` (not part of `make test`). It creates a throw-away test
database (SQLite, or PostgreSQL when DATABASE_URL is set), loads the demo world,
gives one pupil 10 then 200 entries through the real services, and times the
pupil's timeline and the teacher's view of it, each as the median of 30 renders
in this process. Prints a table and writes bench/results.json.
"""

import datetime
import json
import os
import statistics
import sys
import tempfile
import time
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

from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

RUNS = 30


def measure(client: Client, url: str) -> tuple[int, float]:
    client.get(url)  # warm caches
    executed = []

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        status = client.get(url).status_code
    if status != 200:
        raise SystemExit(f"{url} answered {status}")
    timings = []
    for _ in range(RUNS):
        start = time.perf_counter()
        client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
    return len(executed), statistics.median(timings)


PLAIN_STATIC = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@override_settings(STORAGES=PLAIN_STATIC, MEDIA_ROOT=tempfile.mkdtemp())
def main() -> None:
    setup_test_environment()
    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from classes.models import SchoolYear, User
        from portfolio import services
        from portfolio.demo import build_demo
        from portfolio.models import Entry, EntryKind, Visibility

        build_demo()
        lea = User.objects.get(username="eleve")
        Entry.objects.filter(owner=lea).delete()
        start = datetime.date(SchoolYear.objects.get().start_year, 9, 1)
        pupil, teacher = Client(), Client()
        pupil.force_login(lea)
        teacher.force_login(User.objects.get(username="prof"))
        pages = {
            "pupil timeline": (pupil, reverse("portfolio:home")),
            "teacher view of the pupil": (
                teacher,
                reverse("portfolio:pupil_portfolio", args=[lea.pk]),
            ),
        }
        results = []
        made = 0
        for size in (10, 200):
            for index in range(made, size):
                services.entry_save(
                    by=lea,
                    entry=Entry(
                        kind=EntryKind.COMPANY_VISIT if index % 2 else EntryKind.FORUM,
                        title=f"Découverte {index}",
                        start_date=start + datetime.timedelta(days=index % 250),
                        what_i_learned="Ce que j'ai appris " * 10,
                        visibility=Visibility.SHARED,
                    ),
                    metiers=[services.MetierLine(f"Métier {index}", "")],
                    tag_names=[f"tag{index % 5}"],
                )
            made = size
            for name, (client, url) in pages.items():
                queries, median_ms = measure(client, url)
                results.append(
                    {
                        "page": name,
                        "entries": size,
                        "queries": queries,
                        "median_ms": round(median_ms, 1),
                    }
                )
        print(f"database: {connection.vendor}; median of {RUNS} renders each")
        print(f"{'page':28} {'entries':>7} {'queries':>7} {'median ms':>10}")
        for row in results:
            print(
                f"{row['page']:28} {row['entries']:>7} {row['queries']:>7} "
                f"{row['median_ms']:>10}"
            )
        out = ROOT / "bench" / "results.json"
        out.write_text(json.dumps({"timeline": results}, indent=2, ensure_ascii=False))
        print(f"written to {out.relative_to(ROOT)}")
    finally:
        connection.creation.destroy_test_db(test_db, verbosity=0)


if __name__ == "__main__":
    main()
