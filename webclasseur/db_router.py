"""Reads that may go to a PostgreSQL read replica.

With DATABASE_REPLICA_URL set, settings add a "replica" database. Only code
that runs inside `using_replica()` reads from it: the school overview (its
figures, CSV tables and API) and other heavy read-only work that tolerates a
few seconds of replication lag. Everything else, every write and every
migration stays on "default", so a pupil always reads what they just wrote.
Without a replica the context does nothing.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import connections
from django.db.models import Model

DEFAULT = "default"
REPLICA = "replica"

_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)


@contextmanager
def using_replica() -> Iterator[None]:
    """Send the reads made inside to the replica, when one is configured.

    Also a decorator (`@using_replica()`). A context variable, so it holds for
    one thread, task or coroutine and never leaks into the next request.
    """
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def replica_configured() -> bool:
    """Whether settings define the replica database."""
    return REPLICA in connections


class ReplicaRouter:
    """Reads inside `using_replica()` go to the replica; all else to default."""

    def db_for_read(self, model: type[Model], **hints: object) -> str:
        if _replica_reads.get() and replica_configured():
            return REPLICA
        # Named, not None: Django would otherwise follow the database an
        # instance came from, and a row read on the replica would keep
        # reading (and writing) there after the context ends.
        return DEFAULT

    def db_for_write(self, model: type[Model], **hints: object) -> str:
        return DEFAULT

    def allow_relation(self, obj1: Model, obj2: Model, **hints: object) -> bool:
        # Both databases hold the same rows.
        return {obj1._state.db, obj2._state.db} <= {DEFAULT, REPLICA, None}

    def allow_migrate(self, db: str, app_label: str, **hints: object) -> bool:
        # The replica follows the primary's schema through replication.
        return db == DEFAULT
