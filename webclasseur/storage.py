"""Uploaded files in an S3-compatible object store (S3_BUCKET set).

Objects are private: no ACL is sent, so they get the bucket's (private) one,
and the app never hands out their URL; every file is streamed by
webclasseur.files.protected_file_response after the access policy.
"""

import datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from django.core.files.base import File
from storages.backends.s3 import S3Storage

STORE_ERRORS = (BotoCoreError, ClientError)


class PrivateS3Storage(S3Storage):
    """S3Storage whose failures are OSErrors, as the disk's are.

    The callers already handle a storage failure as an OSError (the upload
    form's message, files deleted after a failed write, the passport's
    missing picture); boto's own exceptions would reach them as a 500.
    """

    def _open(self, name: str, mode: str = "rb") -> File:
        try:
            return super()._open(name, mode)
        except STORE_ERRORS as error:
            raise OSError(f"object store: {error}") from error

    def _save(self, name: str, content: Any) -> str:
        try:
            return super()._save(name, content)
        except STORE_ERRORS as error:
            raise OSError(f"object store: {error}") from error

    def delete(self, name: str) -> None:
        try:
            super().delete(name)
        except STORE_ERRORS as error:
            raise OSError(f"object store: {error}") from error

    def exists(self, name: str) -> bool:
        try:
            return super().exists(name)
        except STORE_ERRORS as error:
            raise OSError(f"object store: {error}") from error

    def size(self, name: str) -> int:
        try:
            return super().size(name)
        except STORE_ERRORS as error:
            raise OSError(f"object store: {error}") from error

    def listdir(self, path: str) -> tuple[list[str], list[str]]:
        try:
            return super().listdir(path)
        except STORE_ERRORS as error:
            raise OSError(f"object store: {error}") from error

    def get_modified_time(self, name: str) -> datetime.datetime:
        try:
            return super().get_modified_time(name)
        except STORE_ERRORS as error:
            raise OSError(f"object store: {error}") from error
