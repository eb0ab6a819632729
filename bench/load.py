"""HTTP load: gunicorn (2 × cores + 1 sync workers) on the bench database and
Redis, driven by locust headless (bench/locustfile.py): 100 users for 60 s."""

import csv
import json
import math
import os
import subprocess
import time
import urllib.request

from bench.batch import stop
from bench.common import ROOT, WORK, Row

USERS = 100
PORT = 8765
PUPILS, TEACHERS, TEAM = 70, 25, 5


def _accounts() -> list[dict]:
    """Sessions for 70 pupils, 25 teachers and 5 team members of several schools
    (never the measured class), opened through the session engine."""
    from django.test import Client
    from django.urls import reverse

    from classes.models import Class, SchoolYear, StaffRole, TeachingAssignment
    from classes.queries import class_pupils
    from portfolio.models import Entry

    def session(user) -> str:  # type: ignore[no-untyped-def]
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    year = SchoolYear.objects.current()
    classes = list(
        Class.objects.filter(year=year)
        .select_related("school")
        .order_by("school_id", "pk")
    )[1:]  # not the measured class
    picked = classes[:: max(1, len(classes) // TEACHERS)][:TEACHERS]
    # A small seed has fewer classes than teachers: some teachers then have two
    # sessions (two browser tabs), which the figure does not mind.
    per_class = math.ceil(PUPILS / len(picked))
    accounts = []
    for n in range(TEACHERS):
        school_class = picked[n % len(picked)]
        teacher = TeachingAssignment.objects.get(school_class=school_class).teacher
        pupils = list(class_pupils(school_class).order_by("pk")[:10])
        accounts.append(
            {
                "role": "teacher",
                "session": session(teacher),
                "urls": {
                    "my_classes": reverse("classes:my_classes"),
                    "class_progress": reverse(
                        "staff:class_progress", args=[school_class.pk]
                    ),
                    "pupils": [
                        reverse("portfolio:pupil_portfolio", args=[p.pk])
                        for p in pupils
                    ],
                },
            }
        )
    pupils = []
    for school_class in picked:
        pupils += list(class_pupils(school_class).order_by("pk")[1 : per_class + 1])
    for pupil in pupils[:PUPILS]:
        entries = Entry.objects.filter(owner=pupil).values_list("pk", flat=True)[:5]
        accounts.append(
            {
                "role": "pupil",
                "session": session(pupil),
                "urls": {
                    "timeline": reverse("portfolio:home"),
                    "entries": [
                        reverse("portfolio:entry_detail", args=[pk]) for pk in entries
                    ],
                    "project": reverse("portfolio:project"),
                    "api_entries": reverse("api:entry_list"),
                    "api_create": reverse("api:entry_list"),
                },
            }
        )
    schools = list(dict.fromkeys(c.school for c in picked))
    team = StaffRole.objects.filter(school__in=schools).select_related("user", "school")
    team_roles = list(team)
    for n in range(TEAM):
        role = team_roles[n % len(team_roles)]
        accounts.append(
            {
                "role": "team",
                "session": session(role.user),
                "urls": {
                    "school_home": reverse("classes:school_home"),
                    "overview": reverse(
                        "coverage:school_coverage", args=[role.school_id]
                    ),
                },
            }
        )
    return accounts


def _wait_up(url: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped; see {WORK / 'gunicorn.log'}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("gunicorn did not answer within 60 s")


def measure(seconds: int, scale: str, env: dict[str, str]) -> list[Row]:
    from portfolio.models import Entry

    accounts = _accounts()
    counts = {
        r: sum(1 for a in accounts if a["role"] == r)
        for r in ("pupil", "teacher", "team")
    }
    if counts != {"pupil": PUPILS, "teacher": TEACHERS, "team": TEAM}:
        raise SystemExit(f"not enough accounts for the load: {counts}")
    WORK.mkdir(parents=True, exist_ok=True)
    users_file = WORK / "load_users.json"
    users_file.write_text(json.dumps(accounts))
    workers = 2 * (os.cpu_count() or 1) + 1
    began = time.time()
    log = open(WORK / "gunicorn.log", "wb")  # noqa: SIM115 - closed with the process
    server = subprocess.Popen(  # noqa: S603 - our own venv's gunicorn
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "webclasseur.wsgi",
            f"--workers={workers}",
            f"--bind=127.0.0.1:{PORT}",
            "--timeout=120",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    prefix = WORK / "locust"
    try:
        _wait_up(f"http://127.0.0.1:{PORT}/healthz", server)
        subprocess.run(  # noqa: S603 - our own venv's locust
            [
                str(ROOT / ".venv" / "bin" / "locust"),
                "-f",
                str(ROOT / "bench" / "locustfile.py"),
                "--headless",
                f"--users={USERS}",
                "--spawn-rate=20",
                f"--run-time={seconds}s",
                f"--host=http://127.0.0.1:{PORT}",
                f"--csv={prefix}",
                "--only-summary",
                "--loglevel=WARNING",
            ],
            cwd=ROOT,
            env={**env, "BENCH_USERS": str(users_file)},
            check=False,
            stdout=open(WORK / "locust.log", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT,
            timeout=seconds + 120,
        )
    finally:
        stop(server)
        # What the load wrote goes, so the next run starts from the same data.
        Entry.objects.filter(
            title="Charge : forum des métiers", created_at__gte=_aware(began)
        ).delete()
    with open(f"{prefix}_stats.csv", encoding="utf-8") as handle:
        rows = {row["Name"]: row for row in csv.DictReader(handle)}
    total = rows["Aggregated"]
    requests = int(total["Request Count"])
    failures = int(total["Failure Count"])
    rps = float(total["Requests/s"])
    p50, p95, p99 = (float(total[k]) for k in ("50%", "95%", "99%"))
    per_name = {
        name: {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "p50": float(row["50%"]),
            "p95": float(row["95%"]),
        }
        for name, row in rows.items()
        if name != "Aggregated"
    }
    workload = (
        f"{USERS} users (70 % pupils, 25 % teachers, 5 % team), {seconds} s, "
        f"gunicorn {workers} workers; {requests} requests, {failures} errors"
    )
    extra = {"per_request": per_name, "workers": workers}
    return [
        Row(
            figure="HTTP load: throughput",
            workload=workload,
            value=round(rps, 1),
            unit="req/s",
            target="0 errors",
            met=failures == 0 and requests > 0,
            scale=scale,
            extra=extra,
        ),
        Row(
            figure="HTTP load: p50",
            workload="all requests",
            value=p50,
            target="report",
            scale=scale,
            extra=extra,
        ),
        Row(
            figure="HTTP load: p95",
            workload="all requests",
            value=p95,
            target="report",
            scale=scale,
            extra=extra,
        ),
        Row(
            figure="HTTP load: p99",
            workload="all requests",
            value=p99,
            target="report",
            scale=scale,
            extra=extra,
        ),
    ]


def _aware(timestamp: float):  # type: ignore[no-untyped-def]
    import datetime

    return datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC)
