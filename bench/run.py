"""`make bench`: seed (once per scale) and measure, print the table, write
bench/results.json. See docs/performance.md for what each figure means.

    python -m bench.run --scale 1 --growth-scale 10 --reuse

Each scale lives in its own PostgreSQL database, wc_bench_s<scale>, on the
server of DATABASE_URL (postgres://postgres@127.0.0.1:5432 by default); with
--reuse a database seeded earlier is used as it is. Redis: REDIS_URL
(redis://127.0.0.1:6379/6 by default).
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.common import ROOT, database_url, is_postgresql, process_env, table

GROWTH_LIMIT = 1.3


def _session(scale: float, parts: str, args: argparse.Namespace) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = Path(handle.name)
    command = [
        sys.executable,
        "-m",
        "bench.session",
        f"--scale={scale:g}",
        f"--parts={parts}",
        f"--runs={args.runs}",
        f"--batch-runs={args.batch_runs}",
        f"--load-seconds={args.load_seconds}",
        f"--out={out}",
    ]
    if args.reuse:
        command.append("--reuse")
    subprocess.run(command, cwd=ROOT, env=process_env(scale), check=True)  # noqa: S603
    data = json.loads(out.read_text())
    out.unlink()
    return data


def _growth(base: dict, grown: dict) -> list[dict]:
    by_name = {row["figure"]: row for row in base["rows"]}
    rows = []
    for row in grown["rows"]:
        if not row["figure"].startswith("page:") or row["figure"] not in by_name:
            continue
        first = by_name[row["figure"]]
        ratio = row["value"] / first["value"] if first["value"] else None
        rows.append(
            {
                **row,
                "figure": "growth: " + row["figure"].removeprefix("page: "),
                "workload": f"scale {row['scale']} vs {first['scale']}",
                "scale": f"{first['scale']} → {row['scale']}",
                "baseline_name": f"scale {first['scale']}",
                "baseline": first["value"],
                "ratio": round(ratio, 2) if ratio is not None else None,
                "queries": f"{first['queries']} → {row['queries']}",
                "target": f"≤ {GROWTH_LIMIT:g}×",
                "met": ratio is not None and ratio <= GROWTH_LIMIT,
                "extra": {"queries_constant": first["queries"] == row["queries"]},
            }
        )
    return rows


def _machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    server = ""
    try:
        import psycopg

        with psycopg.connect(database_url(1).rsplit("/", 1)[0] + "/postgres") as conn:
            found = conn.execute("SHOW server_version").fetchone()
            server = str(found[0]) if found else "?"
    except Exception:  # only informative
        server = "?"
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(
            os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
        ),
        "python": platform.python_version(),
        "postgresql": server,
        "system": platform.platform(),
    }


def _machine_of(result: dict) -> dict:
    return dict(result["machine"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="scale measured (default 1)"
    )
    parser.add_argument(
        "--growth-scale",
        type=float,
        default=None,
        help="second scale for the growth figure (pages only); none by default",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="keep a database seeded earlier"
    )
    parser.add_argument(
        "--parts",
        default="pages,passport,batch,sso,load",
        help="what to measure at --scale (comma-separated)",
    )
    parser.add_argument(
        "--runs", type=int, default=15, help="runs per median (pages, SSO)"
    )
    parser.add_argument("--batch-runs", type=int, default=3)
    parser.add_argument("--load-seconds", type=int, default=60)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args()
    if not is_postgresql(database_url(args.scale)) or not is_postgresql(
        os.environ.get("DATABASE_URL", "postgres://")
    ):
        raise SystemExit(
            "The bench measures on PostgreSQL only (the scale figures mean nothing on "
            "SQLite): set DATABASE_URL=postgres://user@host:port/anything."
        )
    started = datetime.datetime.now(datetime.UTC)
    main_run = _session(args.scale, args.parts, args)
    sessions = [main_run]
    rows = list(main_run["rows"])
    if args.growth_scale:
        grown = _session(args.growth_scale, "pages", args)
        sessions.append(grown)
        rows += grown["rows"]
        rows += _growth(main_run, grown)
    result = {
        "command": " ".join(["python -m bench.run", *sys.argv[1:]]),
        "started": started.isoformat(timespec="seconds"),
        "finished": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
        "seeds": [
            {
                "scale": s["scale"],
                "database": s["database"],
                "seeded_in_this_run": s["seeded_now"],
                **s["seed"],
            }
            for s in sessions
        ],
        "rows": rows,
    }
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print()
    for s in result["seeds"]:
        counts = s.get("counts", {})
        print(
            f"scale {s['scale']:g} ({s['database']}): {counts.get('schools')} schools, "
            f"{counts.get('pupils')} pupils, {counts.get('entries')} entries, "
            f"{counts.get('comments')} comments; seeded in {s.get('seconds')} s "
            f"({'this run' if s['seeded_in_this_run'] else 'earlier, reused'})"
        )
    machine = _machine_of(result)
    print(
        f"machine: {machine['cores']} cores {machine['cpu']}, "
        f"{machine['memory_gb']} GB, "
        f"PostgreSQL {machine['postgresql']}, Python {machine['python']}"
    )
    print()
    print(table(rows))
    met = [r for r in rows if r["met"] is not None]
    done = sum(1 for r in met if r["met"])
    print(f"\n{done}/{len(met)} targets met; written to {args.out}")


if __name__ == "__main__":
    main()
