"""One bench process on the database of one scale: seed it if needed, then
measure the parts asked for and write the rows to a JSON file. bench/run.py
starts one for each scale (Django reads DATABASE_URL once per process)."""

import argparse
import json
import time
import traceback
from pathlib import Path
from urllib.parse import urlsplit

from bench.common import (
    Row,
    create_database_if_missing,
    database_url,
    drop_database,
    is_postgresql,
    process_env,
    scale_label,
    setup_django,
)

PARTS = ("pages", "passport", "batch", "sso", "load")


def _seeded(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            found = conn.execute(
                "SELECT to_regclass('bench_seed') IS NOT NULL"
            ).fetchone()
            return bool(found and found[0])
    except psycopg.OperationalError:
        return False


def log(message: str) -> None:
    print(message, flush=True)


def _measure(part: str, args: argparse.Namespace, label: str, env: dict) -> list:
    from bench import pages

    school_class, pupil, teacher, _head = pages.measured_people()
    if part == "pages":
        found = pages.measure(args.runs, label)
    elif part == "passport":
        from bench import passport

        found = passport.measure(pupil, max(5, args.runs // 2), label)
    elif part == "batch":
        from bench import batch

        found = batch.measure(teacher, school_class, args.batch_runs, label, env)
    elif part == "sso":
        from bench import sso

        found = sso.measure(args.runs, label)
    elif part == "load":
        from bench import load

        found = load.measure(args.load_seconds, label, env)
    else:
        raise SystemExit(f"unknown part {part}; choose among {', '.join(PARTS)}")
    return [row.as_dict() for row in found]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, required=True)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--parts", default=",".join(PARTS))
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--batch-runs", type=int, default=3)
    parser.add_argument("--load-seconds", type=int, default=60)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    parts = [p for p in args.parts.split(",") if p]
    scale = args.scale
    label = scale_label(scale).replace("_", ".")
    url = database_url(scale)
    if not is_postgresql(url):
        raise SystemExit("the bench needs PostgreSQL (DATABASE_URL=postgres://…)")
    name = urlsplit(url).path.lstrip("/")
    if args.reuse and _seeded(url):
        log(f"scale {label}: reusing the seeded database {name}")
        seeded_now = False
    else:
        drop_database(url)
        create_database_if_missing(url)
        log(f"scale {label}: seeding {name} (this takes a while at scale ≥ 1)…")
        seeded_now = True
    setup_django(scale)

    from django.core.management import call_command
    from django.db import connection

    from bench import seed

    if seeded_now:
        info = seed.seed(scale, log=log)
        log(f"scale {label}: seeded in {info['seconds']:.0f} s {info['phases']}")
    else:
        call_command(
            "migrate", "--noinput", verbosity=0
        )  # new migrations since the seed
        info = seed.seeded_info() or {}
    seed.ensure_measured_state()
    env = process_env(scale)
    from django.conf import settings

    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        log("collecting static files (hashed names, once)…")
        call_command("collectstatic", "--noinput", verbosity=0)

    rows: list[dict] = []
    for part in parts:
        began = time.perf_counter()
        log(f"scale {label}: measuring {part}…")
        try:
            rows += _measure(part, args, label, env)
        except (Exception, SystemExit) as error:  # the other parts still run
            traceback.print_exc()
            rows.append(
                Row(
                    figure=part,
                    workload="FAILED",
                    value=None,
                    met=False,
                    scale=label,
                    note=f"{type(error).__name__}: {error}",
                ).as_dict()
            )
        log(f"scale {label}: {part} took {time.perf_counter() - began:.0f} s")
    args.out.write_text(
        json.dumps(
            {
                "scale": scale,
                "database": name,
                "vendor": connection.vendor,
                "seed": info,
                "seeded_now": seeded_now,
                "rows": rows,
            },
            indent=2,
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
