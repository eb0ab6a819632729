"""Settings come from the environment; a malformed value stops start-up with a
message that names the variable."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from webclasseur import env

PROJECT = Path(__file__).resolve().parent.parent
GOOD = {
    "DJANGO_DEBUG": "False",
    "DJANGO_SECRET_KEY": "x" * 60,
    "DJANGO_ALLOWED_HOSTS": "example.fr",
}
PRINT_SETTINGS = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.DEBUG, s.CACHES['default']['BACKEND'], s.SESSION_ENGINE, "
    "s.CELERY_TASK_ALWAYS_EAGER, s.DATABASES['default']['ENGINE'], "
    "s.LANGUAGE_CODE, s.TIME_ZONE)"
)


def start(**overrides: str | None) -> subprocess.CompletedProcess[str]:
    """Start Django in a fresh interpreter with the given environment."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_"))
    }
    environment |= GOOD
    for key, value in overrides.items():
        if value is None:
            environment.pop(key, None)
        else:
            environment[key] = value
    environment["DJANGO_SETTINGS_MODULE"] = "webclasseur.settings"
    return subprocess.run(
        [sys.executable, "-c", PRINT_SETTINGS],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_it_starts_on_the_embedded_defaults():
    result = start()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "django.core.cache.backends.locmem.LocMemCache",
        "django.contrib.sessions.backends.db",
        "True",
        "django.db.backends.sqlite3",
        "fr",
        "Europe/Paris",
    ]


def test_it_puts_cache_sessions_and_broker_on_redis_when_configured():
    result = start(REDIS_URL="redis://127.0.0.1:6379/3")
    assert result.returncode == 0, result.stderr
    _debug, cache, sessions, eager, *_ = result.stdout.split()
    assert cache == "webclasseur.cache.DegradingRedisCache"
    assert sessions == "django.contrib.sessions.backends.cached_db"
    assert eager == "False"


def test_it_uses_postgresql_from_database_url():
    result = start(DATABASE_URL="postgres://postgres@127.0.0.1:5432/some_db")
    assert result.returncode == 0, result.stderr
    assert "django.db.backends.postgresql" in result.stdout


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"DJANGO_DEBUG": "yes"}, "DJANGO_DEBUG doit valoir True ou False"),
        ({"DJANGO_DEBUG": "true"}, "DJANGO_DEBUG doit valoir True ou False"),
        ({"DJANGO_SECRET_KEY": None}, "DJANGO_SECRET_KEY est obligatoire"),
        ({"DATABASE_URL": "mysql://root@localhost/x"}, "DATABASE_URL doit être"),
        ({"DATABASE_URL": "postgres://127.0.0.1:5432/"}, "DATABASE_URL ne précise pas"),
        ({"REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL doit commencer"),
        ({"REDIS_URL": "redis://127.0.0.1:port/0"}, "REDIS_URL contient un port"),
        ({"DJANGO_HSTS_SECONDS": "one year"}, "DJANGO_HSTS_SECONDS doit être"),
        ({"DJANGO_SECURE_SSL_REDIRECT": "1"}, "DJANGO_SECURE_SSL_REDIRECT doit"),
    ],
)
def test_a_malformed_value_stops_start_up_naming_the_variable(overrides, named):
    result = start(**overrides)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr


def test_debug_mode_runs_without_a_secret_key():
    result = start(DJANGO_DEBUG="True", DJANGO_SECRET_KEY=None)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "True"


def test_env_list_drops_blank_items(monkeypatch):
    monkeypatch.setenv("SOME_LIST", " a.fr, ,b.fr ,")
    assert env.env_list("SOME_LIST", []) == ["a.fr", "b.fr"]


def test_env_int_refuses_values_below_the_minimum(monkeypatch):
    monkeypatch.setenv("SOME_INT", "-1")
    with pytest.raises(ImproperlyConfigured, match="SOME_INT doit être supérieur"):
        env.env_int("SOME_INT", 3)


def test_env_example_documents_exactly_the_variables_settings_read():
    settings_source = (PROJECT / "webclasseur" / "settings.py").read_text()
    read = set(re.findall(r'env_[a-z_]+\(\s*"([A-Z][A-Z0-9_]*)"', settings_source))
    example = (PROJECT / ".env.example").read_text()
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))
    assert read == documented


def test_an_env_file_copied_from_the_example_starts_in_debug():
    values = dict(
        line.split("=", 1)
        for line in (PROJECT / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    values.pop("DJANGO_SECRET_KEY")
    result = start(DJANGO_SECRET_KEY=None, **values)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "True"


def test_the_deploy_check_is_clean_with_production_settings():
    """`check --deploy` at the WARNING level, as CI runs it at the end (the API
    schema's own warnings included): caught here, in `make test`, first."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_"))
    }
    environment |= GOOD | {
        "DJANGO_SETTINGS_MODULE": "webclasseur.settings",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr + result.stdout
