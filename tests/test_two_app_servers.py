"""Two app servers, one PostgreSQL, one Redis, one object store: a session
started on one is valid on the other, and a file uploaded through one is
served by the other (docs/deploy.md).

Real processes over real HTTP: moto's S3 server, and two gunicorn servers
started with deploy/gunicorn.conf.py on free loopback ports, sharing
DATABASE_URL (a database the test migrates and loads with the demo world),
REDIS_URL and S3_*, and nothing else: each has its own empty MEDIA_ROOT.

The servers run with DJANGO_DEBUG=True only so that they serve static files
without a collectstatic of the DSFR (minutes); what is shared between them
(sessions, cache, files) does not depend on it.
"""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import boto3
import psycopg
import pytest
import redis
import requests
from django.conf import settings
from django.db import connection, connections
from psycopg import sql

from tests.portfolio import files
from tests.portfolio.test_entries import entry_data

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql" or not settings.REDIS_URL,
    reason="PostgreSQL + Redis only; runs in that pass (DATABASE_URL, REDIS_URL)",
)

PROJECT = Path(__file__).resolve().parent.parent
BUCKET = "webclasseur-two-servers"
REGION = "eu-west-3"
PASSWORD = "parcours-avenir"  # the demo accounts' (README)
START_TIMEOUT = 90


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{url} exited at start:\n{log.read_text()[-4000:]}")
        try:
            # The first request loads the whole app: it may take seconds.
            if requests.get(url, timeout=20).status_code < 500:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass
        time.sleep(0.3)
    pytest.fail(f"{url} did not answer in {START_TIMEOUT} s:\n{log.read_text()}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def admin_connection() -> psycopg.Connection:
    """A connection to the server's maintenance database, as the test user."""
    params = connections["default"].get_connection_params()
    params["dbname"] = "postgres"
    return psycopg.connect(**params, autocommit=True)


@pytest.fixture
def shared_database() -> Iterator[str]:
    """A database of its own for the servers, migrated and with the demo
    world (as `make run` prepares one), dropped at the end."""
    name = f"wc_twoservers_{os.getpid()}"
    params = connections["default"].get_connection_params()
    with admin_connection() as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name))
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    auth = quote(params.get("user") or "postgres", safe="")
    if params.get("password"):
        auth += ":" + quote(params["password"], safe="")
    url = f"postgres://{auth}@{params.get('host') or '127.0.0.1'}"
    url += f":{params.get('port') or 5432}/{name}"
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "S3_"))
    } | {"DJANGO_DEBUG": "True", "DATABASE_URL": url}
    try:
        for command in (["migrate", "--noinput", "-v0"], ["seed_demo"]):
            done = subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=PROJECT,
                env=environment,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert done.returncode == 0, done.stderr[-4000:]
        yield url
    finally:
        with admin_connection() as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(name)
                )
            )


class Servers:
    def __init__(self, tmp_path: Path, database_url: str) -> None:
        self.tmp_path = tmp_path
        self.processes: list[subprocess.Popen] = []
        self.key_prefix = f"webclasseur-two-servers-{os.getpid()}"
        self.s3_endpoint = ""
        self.environment = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "DATABASE_", "REDIS_", "S3_", "AWS_"))
        } | {
            "DJANGO_DEBUG": "True",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),  # the same for both
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url,
            "REDIS_URL": settings.REDIS_URL,
            "REDIS_KEY_PREFIX": self.key_prefix,
            "WEB_CONCURRENCY": "1",
        }

    def start(self, name: str, command: list[str], env: dict[str, str]) -> str:
        port = free_port()
        log = self.tmp_path / f"{name}.log"
        process = subprocess.Popen(
            [arg.replace("{port}", str(port)) for arg in command],
            cwd=PROJECT,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url + ("/healthz" if name != "s3" else "/"), process, log)
        return url

    def start_s3(self) -> None:
        self.s3_endpoint = self.start(
            "s3",
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", "{port}"],
            self.environment,
        )
        self.environment |= {
            "S3_BUCKET": BUCKET,
            "S3_ENDPOINT_URL": self.s3_endpoint,
            "S3_REGION": REGION,
            "S3_ACCESS_KEY_ID": "test-key",
            "S3_SECRET_ACCESS_KEY": "test-secret",
        }
        self.s3().create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )

    def s3(self):
        return boto3.client(
            "s3",
            endpoint_url=self.s3_endpoint,
            region_name=REGION,
            aws_access_key_id="test-key",
            aws_secret_access_key="test-secret",
        )

    def start_app(self, name: str) -> str:
        media = self.tmp_path / f"media-{name}"
        media.mkdir()
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "-c",
            "deploy/gunicorn.conf.py",
            "--bind",
            "127.0.0.1:{port}",
            "webclasseur.wsgi",
        ]
        return self.start(name, command, self.environment | {"MEDIA_ROOT": str(media)})

    def stop_all(self) -> None:
        for process in reversed(self.processes):
            stop(process)


@pytest.fixture
def servers(tmp_path, shared_database) -> Iterator[Servers]:
    running = Servers(tmp_path, shared_database)
    try:
        running.start_s3()
        yield running
    finally:
        running.stop_all()
        client = redis.Redis.from_url(settings.REDIS_URL)
        for key in client.scan_iter(f"{running.key_prefix}:*"):
            client.delete(key)


def csrf_token(page: requests.Response) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert found, page.text[:2000]
    return found.group(1)


def test_a_session_and_a_file_started_on_one_server_work_on_the_other(servers):
    server_a = servers.start_app("a")
    server_b = servers.start_app("b")
    assert server_a != server_b

    # Léa logs in on server A.
    on_a = requests.Session()
    login = on_a.get(f"{server_a}/accounts/login/", timeout=30)
    answer = on_a.post(
        f"{server_a}/accounts/login/",
        data={
            "login": "eleve@demo.webclasseur.test",
            "password": PASSWORD,
            "csrfmiddlewaretoken": csrf_token(login),
        },
        headers={"Referer": f"{server_a}/accounts/login/"},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.text[:2000]
    session_id = on_a.cookies["sessionid"]

    # Server B knows nobody without the cookie, and Léa with it.
    assert (
        requests.get(f"{server_b}/parcours/", allow_redirects=False, timeout=30)
    ).status_code == 302
    on_b = requests.Session()
    on_b.cookies.set("sessionid", session_id)
    home = on_b.get(f"{server_b}/parcours/", allow_redirects=False, timeout=30)
    assert home.status_code == 200
    assert "Léa" in home.text
    # The session is cached in the shared Redis (and kept in PostgreSQL).
    cached = redis.Redis.from_url(settings.REDIS_URL).keys(f"{servers.key_prefix}:*")
    assert any(session_id.encode() in key for key in cached)

    # An entry with a PDF, posted through A...
    form = on_a.get(f"{server_a}/parcours/traces/nouvelle/", timeout=30)
    upload = files.pdf()
    content = upload.read()
    data = entry_data(title="Visite servie par deux serveurs")
    data["csrfmiddlewaretoken"] = csrf_token(form)
    created = on_a.post(
        f"{server_a}/parcours/traces/nouvelle/",
        data=data,
        files={"uploads": (upload.name, content, "application/pdf")},
        headers={"Referer": f"{server_a}/parcours/traces/nouvelle/"},
        allow_redirects=False,
        timeout=60,
    )
    assert created.status_code == 302, created.text[:3000]
    entry_path = created.headers["Location"]

    # ...is shown and its file served by B, byte for byte.
    entry_page = on_b.get(f"{server_b}{entry_path}", timeout=30)
    assert "Visite servie par deux serveurs" in entry_page.text
    links = set(re.findall(r'href="(/parcours/fichiers/\d+/)"', entry_page.text))
    assert len(links) == 1, entry_page.text[:3000]
    download = on_b.get(f"{server_b}{links.pop()}", timeout=30)
    assert download.status_code == 200
    assert download.content == content

    # The file is an object in the bucket, and on neither server's disk.
    objects = servers.s3().list_objects_v2(Bucket=BUCKET).get("Contents", [])
    assert len(objects) == 1
    stored = servers.s3().get_object(Bucket=BUCKET, Key=objects[0]["Key"])
    assert stored["Body"].read() == content
    on_disk = [
        path
        for name in ("a", "b")
        for path in (servers.tmp_path / f"media-{name}").rglob("*")
        if path.is_file()
    ]
    assert on_disk == []
