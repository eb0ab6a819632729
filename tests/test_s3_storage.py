"""Uploaded files in an S3-compatible object store (S3_BUCKET set).

Against moto's S3 server on loopback (real HTTP, real signatures), with the
storage settings exactly as webclasseur/settings.py builds them from the
environment: attachments land in the bucket, private, never on the disk, and
come back only through the access policy.
"""

import datetime
import html
import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import boto3
import pytest
from django.conf import settings as django_settings
from django.core.files.storage import storages
from django.urls import reverse
from django.utils import timezone
from moto.server import ThreadedMotoServer

from classes.management.commands.sweep_orphan_files import orphan_files_sweep
from portfolio.models import Attachment, Entry
from tests.portfolio import files
from tests.portfolio.test_entries import entry_data

PROJECT = Path(__file__).resolve().parent.parent
REGION = "eu-west-3"
PUBLIC_GROUPS = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def default_storage_from_settings(**variables: str) -> dict:
    """STORAGES["default"] as settings.py builds it from these variables."""
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "S3_"))
    }
    environment |= {
        "DJANGO_DEBUG": "True",
        "DJANGO_SETTINGS_MODULE": "webclasseur.settings",
        **variables,
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, django; django.setup(); from django.conf import settings; "
            "print(json.dumps(settings.STORAGES['default']))",
        ],
        cwd=PROJECT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(result.stdout)


class S3:
    """moto's S3 server on loopback, with a bucket of its own."""

    def __init__(self) -> None:
        # moto keeps its buckets per process, across servers: a new name for
        # each server (pytest-django may set this module's fixtures up twice).
        self.bucket = f"webclasseur-test-{uuid.uuid4().hex[:12]}"
        port = free_port()
        self.server = ThreadedMotoServer(
            ip_address="127.0.0.1", port=port, verbose=False
        )
        self.server.start()
        self.endpoint = f"http://127.0.0.1:{port}"
        self.client = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="test-key",
            aws_secret_access_key="test-secret",
        )
        self.client.create_bucket(
            Bucket=self.bucket,
            CreateBucketConfiguration={"LocationConstraint": REGION},
        )

    def keys(self) -> set[str]:
        listed = self.client.list_objects_v2(Bucket=self.bucket)
        return {item["Key"] for item in listed.get("Contents", [])}


@pytest.fixture(scope="module")
def s3_server():
    s3 = S3()
    try:
        yield s3
    finally:
        s3.server.stop()


def s3_variables(endpoint: str, bucket: str) -> dict[str, str]:
    return {
        "S3_BUCKET": bucket,
        "S3_ENDPOINT_URL": endpoint,
        "S3_REGION": REGION,
        "S3_ACCESS_KEY_ID": "test-key",
        "S3_SECRET_ACCESS_KEY": "test-secret",
    }


@pytest.fixture(scope="module")
def s3_storage_config(s3_server):
    return default_storage_from_settings(
        **s3_variables(s3_server.endpoint, s3_server.bucket)
    )


@pytest.fixture
def on_s3(settings, s3_storage_config, tmp_path):
    """Default storage on the bucket; MEDIA_ROOT an empty folder to watch."""
    settings.STORAGES = {**settings.STORAGES, "default": s3_storage_config}
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_without_a_bucket_files_stay_on_the_disk():
    config = default_storage_from_settings()
    assert config == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_a_bucket_puts_files_in_the_object_store_privately(
    s3_storage_config, s3_server
):
    assert s3_storage_config["BACKEND"] == "webclasseur.storage.PrivateS3Storage"
    options = s3_storage_config["OPTIONS"]
    assert options["bucket_name"] == s3_server.bucket
    assert options["addressing_style"] == "path"
    assert options["default_acl"] is None
    assert options["file_overwrite"] is False


def test_an_attachment_goes_to_the_bucket_and_back_through_the_policy(
    world, on_s3, s3_server
):
    client, bucket = s3_server.client, s3_server.bucket
    response = world.client_for("pupil").post(
        reverse("portfolio:entry_create"),
        {**entry_data(), "uploads": [files.pdf()]},
    )
    assert response.status_code == 302
    attachment = Attachment.objects.get(entry__title="Visite de la boulangerie")
    stored = client.get_object(Bucket=bucket, Key=attachment.file.name)["Body"].read()
    assert stored.startswith(b"%PDF")
    assert not any(path.is_file() for path in on_s3.rglob("*"))  # nothing on disk

    url = reverse("portfolio:attachment_download", args=[attachment.pk])
    download = world.client_for("pupil").get(url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == stored
    assert download["Cache-Control"] == "private, max-age=0, no-store"
    # The entry is private: nobody else gets the file, from the app...
    assert world.client_for("teacher").get(url).status_code == 404
    # ...or from the store: the object has no public grant and an
    # unsigned request is refused.
    grants = client.get_object_acl(Bucket=bucket, Key=attachment.file.name)["Grants"]
    assert not any(g["Grantee"].get("URI") in PUBLIC_GROUPS for g in grants)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{s3_server.endpoint}/{bucket}/{attachment.file.name}")  # noqa: S310
    assert refused.value.code == 403


def test_a_file_gone_from_the_bucket_is_a_404(world, on_s3, s3_server):
    client, bucket = s3_server.client, s3_server.bucket
    world.client_for("pupil").post(
        reverse("portfolio:entry_create"),
        {**entry_data(), "uploads": [files.pdf()]},
    )
    attachment = Attachment.objects.get(entry__title="Visite de la boulangerie")
    client.delete_object(Bucket=bucket, Key=attachment.file.name)
    url = reverse("portfolio:attachment_download", args=[attachment.pk])
    assert world.client_for("pupil").get(url).status_code == 404


def test_an_object_store_failure_is_told_next_to_the_file_and_nothing_is_kept(
    world, settings, s3_server, tmp_path
):
    # A bucket that does not exist: every write is refused by the store.
    config = default_storage_from_settings(
        **s3_variables(s3_server.endpoint, "no-such-bucket")
    )
    settings.STORAGES = {**settings.STORAGES, "default": config}
    settings.MEDIA_ROOT = tmp_path
    before = Entry.objects.count()
    response = world.client_for("pupil").post(
        reverse("portfolio:entry_create"),
        {**entry_data(), "uploads": [files.pdf()]},
    )
    assert response.status_code == 422
    assert "L'enregistrement du fichier a échoué" in html.unescape(
        response.content.decode()
    )
    assert Entry.objects.count() == before


def test_the_test_run_itself_keeps_files_on_the_disk():
    """The rest of the suite does not depend on the object store."""
    assert django_settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage")


def test_the_orphan_sweep_walks_the_bucket(world, on_s3, s3_server):
    """The daily sweep lists and deletes objects as it does files on a disk:
    an object no row names goes, an attachment's object stays."""
    client, bucket = s3_server.client, s3_server.bucket
    world.client_for("pupil").post(
        reverse("portfolio:entry_create"),
        {**entry_data(), "uploads": [files.pdf()]},
    )
    attachment = Attachment.objects.get(entry__title="Visite de la boulangerie")
    client.put_object(Bucket=bucket, Key="attachments/ab/orphan.pdf", Body=b"%PDF")
    later = timezone.now() + datetime.timedelta(days=2)
    removed = orphan_files_sweep(now=later, storage=storages["default"])
    assert "attachments/ab/orphan.pdf" in removed
    assert attachment.file.name not in removed
    keys = s3_server.keys()
    assert attachment.file.name in keys
    assert "attachments/ab/orphan.pdf" not in keys
