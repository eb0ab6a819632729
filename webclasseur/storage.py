"""Uploaded files in an S3-compatible object store (S3_BUCKET set).

Objects are private: no ACL is sent, so they get the bucket's (private) one,
and the app never hands out their URL; every file is streamed by
webclasseur.files.protected_file_response after the access policy.
"""

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.base import File
from storages.backends.s3 import S3Storage

STORE_ERRORS = (BotoCoreError, ClientError)


@contextmanager
def _as_os_error() -> Iterator[None]:
    """The object store's failures, raised as OSErrors."""
    try:
        yield
    except STORE_ERRORS as error:
        raise OSError(f"object store: {error}") from error


class PrivateS3Storage(S3Storage):
    """S3Storage whose failures are OSErrors, as the disk's are.

    The callers already handle a storage failure as an OSError (the upload
    form's message, files deleted after a failed write, the passport's
    missing picture); boto's own exceptions would reach them as a 500.
    """

    def _open(self, name: str, mode: str = "rb") -> File:
        with _as_os_error():
            return super()._open(name, mode)

    def _save(self, name: str, content: Any) -> str:
        with _as_os_error():
            return super()._save(name, content)

    def delete(self, name: str) -> None:
        with _as_os_error():
            super().delete(name)

    def exists(self, name: str) -> bool:
        with _as_os_error():
            return super().exists(name)

    def size(self, name: str) -> int:
        with _as_os_error():
            return super().size(name)

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        with _as_os_error():
            return super().listdir(path)

    def get_modified_time(self, name: str) -> datetime.datetime:
        with _as_os_error():
            return super().get_modified_time(name)
