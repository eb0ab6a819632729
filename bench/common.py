"""What every part of the bench shares: the environment, the bench databases,
medians, query counts and the rows of the table."""

import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/wc_bench_s1"
DEFAULT_REDIS = "redis://127.0.0.1:6379/6"
# What the bench's own processes (this one, the Celery worker, gunicorn) run with:
# production settings (DEBUG off, hashed static files), HTTP on 127.0.0.1.
BENCH_ENV = {
    "DJANGO_SETTINGS_MODULE": "webclasseur.settings",
    "DJANGO_DEBUG": "False",
    "DJANGO_SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
    "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost,webclasseur.example.fr",
    "DJANGO_SECURE_SSL_REDIRECT": "False",
    "DJANGO_LOG_LEVEL": "WARNING",
    "REDIS_KEY_PREFIX": "wc-bench",
    "STATIC_ROOT": str(WORK / "static"),
    "MEDIA_ROOT": str(WORK / "media"),
}


def scale_label(scale: float) -> str:
    """1 → "1", 10 → "10", 0.02 → "0_02" (for database names)."""
    text = f"{scale:g}"
    return text.replace(".", "_")


def database_url(scale: float, base: str | None = None) -> str:
    """The bench database of a scale, on the server of DATABASE_URL: each scale
    is seeded once into its own database, wc_bench_s<scale>."""
    parts = urlsplit(base or os.environ.get("DATABASE_URL") or DEFAULT_SERVER)
    return urlunsplit(parts._replace(path=f"/wc_bench_s{scale_label(scale)}"))


def is_postgresql(url: str) -> bool:
    return urlsplit(url).scheme in {"postgres", "postgresql", "pgsql"}


def process_env(scale: float) -> dict[str, str]:
    """The environment of a bench process working on the database of `scale`."""
    env = dict(os.environ)
    for name, value in BENCH_ENV.items():
        env.setdefault(name, value)
    env["DJANGO_DEBUG"] = "False"  # figures with DEBUG on would mean nothing
    env["DATABASE_URL"] = database_url(scale)
    env.setdefault("REDIS_URL", DEFAULT_REDIS)
    return env


def setup_django(scale: float) -> None:
    """Point this process at the scale's database and start Django."""
    os.environ.update(process_env(scale))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def create_database_if_missing(url: str) -> bool:
    """CREATE DATABASE on the server; returns True when it was created."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone():
            return False
        conn.execute(f'CREATE DATABASE "{name}"')
        return True


def drop_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def median_ms(
    run: Callable[[], object],
    times: int,
    *,
    before: Callable[[], object] | None = None,
    warm: bool = True,
) -> tuple[float, list[float]]:
    """Median wall time of `run` over `times` runs, after one warm-up run;
    `before` runs before each, outside the timing."""
    if warm:
        if before:
            before()
        run()
    timings = []
    for _ in range(times):
        if before:
            before()
        start = time.perf_counter()
        run()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), timings


def count_queries(run: Callable[[], object]) -> int:
    """How many SQL statements `run` sends to the default database."""
    from django.db import connection

    executed: list[str] = []

    def count(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        executed.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        run()
    return len(executed)


@dataclass
class Row:
    """One line of the table: a figure measured against its baseline."""

    figure: str
    workload: str
    value: float | None
    unit: str = "ms"
    baseline_name: str = ""
    baseline: float | None = None
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    queries: int | None = None
    scale: str = ""
    runs: int | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def ratio_row(
    figure: str,
    workload: str,
    value: float,
    baseline_name: str,
    baseline: float,
    limit: float,
    **more: Any,
) -> Row:
    """A row whose target is `value / baseline <= limit`."""
    ratio = value / baseline if baseline else None
    return Row(
        figure=figure,
        workload=workload,
        value=round(value, 1),
        baseline_name=baseline_name,
        baseline=round(baseline, 1),
        ratio=round(ratio, 2) if ratio is not None else None,
        target=f"≤ {limit:g}×",
        met=ratio is not None and ratio <= limit,
        **more,
    )


def _cell(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "met" if value else "NOT met"
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 10 else f"{value:,.0f}"
    return str(value)


def table(rows: list[dict[str, Any]]) -> str:
    """The rows as a Markdown table (readable in a terminal too)."""
    header = [
        "figure",
        "workload",
        "scale",
        "measured",
        "baseline",
        "ratio",
        "queries",
        "target",
        "met",
    ]
    lines = []
    for row in rows:
        value = _cell(row["value"])
        unit = row["unit"]
        measured = f"{value} {unit}" if row["value"] is not None else "—"
        baseline = (
            f"{_cell(row['baseline'])} {unit} ({row['baseline_name']})"
            if row["baseline"] is not None
            else (row["baseline_name"] or "—")
        )
        ratio = f"{row['ratio']:.2f}×" if row["ratio"] is not None else "—"
        lines.append(
            [
                row["figure"],
                row["workload"],
                row["scale"] or "—",
                measured,
                baseline,
                ratio,
                _cell(row["queries"]),
                row["target"] or "—",
                _cell(row["met"]) if row["met"] is not None else "—",
            ]
        )
    widths = [
        max(len(h), *(len(line[i]) for line in lines)) for i, h in enumerate(header)
    ]

    def fmt(cells: list[str]) -> str:
        return (
            "| "
            + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True))
            + " |"
        )

    out = [fmt(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [fmt(line) for line in lines]
    return "\n".join(out)
