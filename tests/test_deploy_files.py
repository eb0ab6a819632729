"""The deployment files in deploy/ agree with the code they deploy: the upload
limit, the variables settings read, the system libraries, one beat."""

import os
import re
import runpy
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from exports.archive import MAX_UPLOAD_BYTES
from portfolio.forms import MAX_FILES_PER_ENTRY

PROJECT = Path(__file__).resolve().parent.parent
DEPLOY = PROJECT / "deploy"
NGINX_FILES = [DEPLOY / "nginx" / "webclasseur.conf", DEPLOY / "compose" / "nginx.conf"]
# Variables of the images the compose file runs (postgres, minio), not ours.
IMAGE_VARIABLES = {
    "POSTGRES_DB",
    "POSTGRES_USER",
    "POSTGRES_PASSWORD",
    "REPLICATION_PASSWORD",
    "MINIO_ROOT_USER",
    "MINIO_ROOT_PASSWORD",
}
# Read by deploy/gunicorn.conf.py and the worker's systemd unit.
PROCESS_VARIABLES = {
    "GUNICORN_BIND",
    "WEB_CONCURRENCY",
    "GUNICORN_TIMEOUT",
    "GUNICORN_FORWARDED_ALLOW_IPS",
    "GUNICORN_LOG_LEVEL",
    "CELERY_CONCURRENCY",
}


def settings_variables() -> set[str]:
    source = (PROJECT / "webclasseur" / "settings.py").read_text()
    return set(re.findall(r'env_[a-z_]+\(\s*"([A-Z][A-Z0-9_]*)"', source))


def assigned(path: Path) -> set[str]:
    """The variables an env file sets, commented-out examples included."""
    return set(
        re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", path.read_text(), flags=re.MULTILINE)
    )


@pytest.mark.parametrize("path", NGINX_FILES, ids=lambda p: p.name)
def test_nginx_accepts_the_largest_upload_the_app_accepts_and_little_more(path):
    (size,) = re.findall(r"client_max_body_size (\d+)m;", path.read_text())
    limit = int(size) * 1024 * 1024
    largest = max(MAX_UPLOAD_BYTES, MAX_FILES_PER_ENTRY * settings.ATTACHMENT_MAX_BYTES)
    assert largest < limit <= largest * 1.2


@pytest.mark.parametrize(
    "path",
    [DEPLOY / "webclasseur.env.example", DEPLOY / "compose.env.example"],
    ids=lambda p: p.name,
)
def test_env_files_set_only_variables_that_something_reads(path):
    unknown = assigned(path) - settings_variables() - IMAGE_VARIABLES
    assert unknown - PROCESS_VARIABLES == set()


def test_gunicorn_runs_two_workers_per_core_plus_one_unless_told(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert config["workers"] == 2 * os.cpu_count() + 1
    assert config["worker_class"] == "sync"
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    monkeypatch.setenv("GUNICORN_BIND", "0.0.0.0:9000")
    config = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert (config["workers"], config["bind"]) == (3, "0.0.0.0:9000")


def test_the_image_installs_the_libraries_the_makefile_lists():
    makefile = (PROJECT / "Makefile").read_text()
    (line,) = re.findall(r"apt-get install -y -qq (lib[^>]+?) xmlsec1 >", makefile)[:1]
    containerfile = (DEPLOY / "Containerfile").read_text()
    for package in line.split():
        assert re.search(rf"\b{re.escape(package)}\b", containerfile), package
    assert "FROM python:3.11-slim-bookworm" in containerfile


def test_the_compose_stack_has_two_app_servers_and_one_beat():
    stack = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    assert {"web1", "web2", "worker", "beat", "postgres", "postgres-replica"} <= set(
        stack
    )
    assert {"redis", "minio", "migrate"} <= set(stack)
    beats = [
        name for name, service in stack.items() if "beat" in service.get("command", [])
    ]
    assert beats == ["beat"]
    assert "replicas" not in stack["beat"].get("deploy", {})
    for name in ("web1", "web2", "worker", "beat"):
        assert stack[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }


@pytest.mark.parametrize(
    "unit", sorted((DEPLOY / "systemd").glob("*.service")), ids=lambda p: p.name
)
def test_systemd_units_read_the_shared_environment_file(unit):
    text = unit.read_text()
    assert "EnvironmentFile=/etc/webclasseur/webclasseur.env" in text
    assert "User=webclasseur" in text
    assert "NoNewPrivileges=yes" in text
