"""Tiny, strict readers for settings taken from the environment.

A malformed value stops start-up with ImproperlyConfigured naming the variable:
a deployment that silently falls back to a default is worse than one that
refuses to start.
"""

import os
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def env_str(name: str, default: str = "") -> str:
    """The value, or `default` when the variable is unset or empty."""
    return os.environ.get(name) or default


def env_bool(name: str, default: bool) -> bool:
    """Return True or False; anything but those two words is an error."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw == "True":
        return True
    if raw == "False":
        return False
    raise ImproperlyConfigured(
        f"{name} doit valoir True ou False (valeur reçue : {raw!r})."
    )


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} doit être un nombre entier (valeur reçue : {raw!r})."
        ) from None
    if value < minimum:
        raise ImproperlyConfigured(
            f"{name} doit être supérieur ou égal à {minimum} (valeur reçue : {value})."
        )
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list; blank items are dropped; unset or empty: default."""
    raw = os.environ.get(name)
    if not raw:
        return list(default)
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_database(name: str, default: str) -> dict[str, object]:
    raw = os.environ.get(name) or default
    scheme = urlsplit(raw).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"{name} doit être une URL sqlite:/// ou postgres:// "
            f"(valeur reçue : {raw!r})."
        )
    try:
        config = dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True)
    except (ValueError, KeyError) as error:
        raise ImproperlyConfigured(
            f"{name} n'est pas une URL de base de données valide : {error}"
        ) from None
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} ne précise pas le nom de la base.")
    return dict(config)


def env_redis_url(name: str) -> str:
    """Return the Redis URL, or "" when the variable is unset or empty."""
    raw = os.environ.get(name, "")
    if raw == "":
        return ""
    parts = urlsplit(raw)
    if parts.scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(
            f"{name} doit commencer par redis://, rediss:// ou unix:// "
            f"(valeur reçue : {raw!r})."
        )
    if parts.scheme != "unix":
        try:
            parts.port  # noqa: B018 - raises ValueError on a malformed port
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} contient un port invalide (valeur reçue : {raw!r})."
            ) from None
        if not parts.hostname:
            raise ImproperlyConfigured(f"{name} ne précise pas d'hôte.")
    return raw
