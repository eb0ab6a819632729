"""A Redis cache that degrades instead of failing when Redis is down.

Django's RedisCache raises on every call while the server cannot be reached;
here the cache is only an accelerator (sessions are cached_db: the database
holds them), so a lost Redis must not turn pages into errors. A call that meets
a connection error is logged (at most once a minute per process) and answers
like Django's DummyCache: reads give the default, writes are dropped, `add`
says it added (so allauth's rate-limit lock does not wait for ever: the rate
limits are off while Redis is down), `incr` says the key is missing.

No stale value after the outage: every key whose write or delete was dropped
is remembered (per process) and deleted from Redis as soon as Redis answers
again, before anything else is read. A session that was logged out or changed
during the outage is therefore read from the database afterwards, never from
an old cached copy.

Used as the `default` cache when REDIS_URL is set (webclasseur/settings.py).
"""

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

#: What an unreachable or stalled Redis raises.
UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
#: Seconds between two log lines about the same outage.
LOG_EVERY_SECONDS = 60.0
#: Dropped writes remembered per server; beyond that, the oldest are forgotten
#: (logged): their cached values expire with their own timeout.
MAX_PENDING_KEYS = 50_000

T = TypeVar("T")

_lock = threading.Lock()
# Server locations → Redis keys (prefixed, versioned) to delete on recovery.
_pending: dict[tuple[str, ...], dict[str, None]] = {}
_last_logged = [0.0]


class DegradingRedisCache(RedisCache):
    """RedisCache whose calls never raise because Redis cannot be reached."""

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._where = (server,) if isinstance(server, str) else tuple(server)

    def _pending_keys(self) -> dict[str, None]:
        return _pending.setdefault(self._where, {})

    def _remember(self, keys: Iterable[Any], version: int | None) -> None:
        made = [self.make_and_validate_key(key, version=version) for key in keys]
        with _lock:
            pending = self._pending_keys()
            pending.update(dict.fromkeys(made))
            overflow = len(pending) - MAX_PENDING_KEYS
            if overflow > 0:
                for key in list(pending)[:overflow]:
                    del pending[key]
                logger.error(
                    "cache: %s dropped writes forgotten; they expire on their own",
                    overflow,
                )

    def _replay(self) -> None:
        """Delete from Redis what changed while it was down (raises when it
        is still down)."""
        with _lock:
            keys = list(self._pending_keys())
        if not keys:
            return
        self._cache.delete_many(keys)
        with _lock:
            pending = self._pending_keys()
            for key in keys:
                pending.pop(key, None)
        logger.warning("cache: Redis is back; %s stale keys deleted", len(keys))

    def _degrade(
        self,
        operation: str,
        call: Callable[[], T],
        fallback: T,
        *,
        written: Iterable[Any] = (),
        version: int | None = None,
    ) -> T:
        try:
            self._replay()
            return call()
        except UNREACHABLE as error:
            self._remember(written, version)
            now = time.monotonic()
            if now - _last_logged[0] >= LOG_EVERY_SECONDS:
                _last_logged[0] = now
                logger.warning(
                    "cache: Redis unreachable (%s: %s); %s skipped, the site "
                    "goes on without the cache",
                    type(error).__name__,
                    error,
                    operation,
                )
            return fallback

    def add(
        self,
        key: Any,
        value: Any,
        timeout: Any = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> bool:
        return self._degrade(
            "add",
            lambda: super(DegradingRedisCache, self).add(key, value, timeout, version),
            True,
            written=[key],
            version=version,
        )

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._degrade(
            "get",
            lambda: super(DegradingRedisCache, self).get(key, default, version),
            default,
        )

    def set(
        self,
        key: Any,
        value: Any,
        timeout: Any = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> None:
        self._degrade(
            "set",
            lambda: super(DegradingRedisCache, self).set(key, value, timeout, version),
            None,
            written=[key],
            version=version,
        )

    def touch(
        self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> bool:
        return self._degrade(
            "touch",
            lambda: super(DegradingRedisCache, self).touch(key, timeout, version),
            False,
            written=[key],
            version=version,
        )

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._degrade(
            "delete",
            lambda: super(DegradingRedisCache, self).delete(key, version),
            False,
            written=[key],
            version=version,
        )

    def get_many(self, keys: Iterable[Any], version: int | None = None) -> dict:
        keys = list(keys)
        return self._degrade(
            "get_many",
            lambda: super(DegradingRedisCache, self).get_many(keys, version),
            {},
        )

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._degrade(
            "has_key",
            lambda: super(DegradingRedisCache, self).has_key(key, version),
            False,
        )

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        missing = object()
        value = self._degrade(
            "incr",
            lambda: super(DegradingRedisCache, self).incr(key, delta, version),
            missing,
            written=[key],
            version=version,
        )
        if value is missing:
            # What a missing key gives: callers then set it (dropped too).
            raise ValueError(f"Key '{key}' not found (cache unreachable).")
        return int(value)  # type: ignore[call-overload]

    def set_many(
        self,
        data: dict,
        timeout: Any = DEFAULT_TIMEOUT,
        version: int | None = None,
    ) -> list:
        return self._degrade(
            "set_many",
            lambda: super(DegradingRedisCache, self).set_many(data, timeout, version),
            list(data),  # nothing was stored: every key failed
            written=list(data),
            version=version,
        )

    def delete_many(self, keys: Iterable[Any], version: int | None = None) -> None:
        keys = list(keys)
        self._degrade(
            "delete_many",
            lambda: super(DegradingRedisCache, self).delete_many(keys, version),
            None,
            written=keys,
            version=version,
        )

    def clear(self) -> None:
        self._degrade("clear", lambda: super(DegradingRedisCache, self).clear(), None)
