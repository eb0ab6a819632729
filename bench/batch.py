"""Class batch: the 35 passports of the measured class, ZIP included, through
the real Celery chord on Redis with a worker of 2 processes (started here as
its own process, as .ci/run does), against the same chord run eagerly in this
process: the 35 rendered one after another."""

import os
import signal
import subprocess
import sys
import time

from bench.common import ROOT, WORK, Row, median_ms, ratio_row

LIMIT = 0.6
WORKER_CONCURRENCY = 2


def _run_batch(teacher, school_class, pupils: int) -> None:  # type: ignore[no-untyped-def]
    from exports import batch
    from exports.models import BatchStatus

    made = batch.batch_start(by=teacher, school_class=school_class)
    deadline = time.monotonic() + 900
    while True:
        made.refresh_from_db()
        if made.status in {BatchStatus.DONE, BatchStatus.FAILED}:
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"batch {made.pk} still {made.status} after 15 minutes")
        time.sleep(0.05)
    if made.status != BatchStatus.DONE or made.done != pupils or made.failures:
        raise SystemExit(
            f"batch ended {made.status}: {made.done}/{pupils} {made.failures}"
        )
    if made.file:
        made.file.delete(save=False)
    made.delete()


def start_worker(env: dict[str, str]) -> subprocess.Popen:
    from webclasseur.celery import app

    WORK.mkdir(parents=True, exist_ok=True)
    log = open(WORK / "worker.log", "wb")  # noqa: SIM115 - closed with the process
    worker = subprocess.Popen(  # noqa: S603 - our own venv's celery
        [
            str(ROOT / ".venv" / "bin" / "celery"),
            "-A",
            "webclasseur",
            "worker",
            f"--concurrency={WORKER_CONCURRENCY}",
            "--loglevel=warning",
            "--without-gossip",
            "--without-mingle",
            "--hostname=wc-bench@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise SystemExit(f"the Celery worker stopped; see {WORK / 'worker.log'}")
        if app.control.ping(destination=[_worker_name()], timeout=1.0):
            return worker
    stop(worker)
    raise SystemExit("the Celery worker did not answer within 60 s")


def _worker_name() -> str:
    import socket

    return f"wc-bench@{socket.gethostname()}"


def stop(process: subprocess.Popen) -> None:
    """Stop a process this bench started (and its children), by its group id."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)


def measure(  # type: ignore[no-untyped-def]
    teacher, school_class, runs: int, scale: str, env: dict[str, str]
) -> list[Row]:
    from exports import batch
    from webclasseur.celery import app

    pupils = batch.batch_pupils(teacher, school_class).count()

    def one_batch() -> None:
        _run_batch(teacher, school_class, pupils)

    app.conf.task_always_eager = True
    try:
        # This process has rendered passports already (fonts loaded); the
        # worker's processes are warmed by one batch first.
        baseline_ms, base_all = median_ms(one_batch, runs, warm=False)
    finally:
        app.conf.task_always_eager = False
    worker = start_worker(env)
    try:
        value_ms, all_ms = median_ms(one_batch, runs)
    finally:
        stop(worker)
    return [
        ratio_row(
            "class batch",
            f"{pupils} passports + ZIP, {WORKER_CONCURRENCY} Celery worker "
            "processes on Redis",
            value_ms,
            f"same {pupils} one after another",
            baseline_ms,
            LIMIT,
            scale=scale,
            runs=runs,
            extra={
                "cores": os.cpu_count(),
                "all_ms": [round(t) for t in all_ms],
                "baseline_all_ms": [round(t) for t in base_all],
                "python": sys.version.split()[0],
            },
        )
    ]
