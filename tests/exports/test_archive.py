"""The portfolio archive: what it holds (and never holds), its import (all or
nothing, idempotent, refusing bad archives), the round trip and the pages."""

import hashlib
import io
import json
import zipfile
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation

from exports import archive
from exports.archive import (
    MANIFEST,
    archive_build,
    archive_import,
    build_manifest,
    validate_manifest,
)
from portfolio import services
from portfolio.models import (
    AccessLog,
    Attachment,
    Entry,
    EntryKind,
    Project,
    SelfAssessment,
    Visibility,
)


def read_archive(data: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        manifest = json.loads(zf.read(MANIFEST))
        files = {name: zf.read(name) for name in zf.namelist() if name != MANIFEST}
    return manifest, files


def make_zip(manifest: Any, files: dict[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(
            MANIFEST, manifest if isinstance(manifest, str) else json.dumps(manifest)
        )
        for name, data in (files or {}).items():
            zf.writestr(name, data)
    return out.getvalue()


@pytest.fixture
def lea_archive(world) -> bytes:
    return archive_build(owner=world.user("pupil"), with_passport=False)


@pytest.fixture
def fresh_pupil(world):
    """The lycée pupil, with an empty portfolio: “elsewhere”."""
    pupil = world.user("other_school_pupil")
    Entry.objects.filter(owner=pupil).delete()
    Project.objects.filter(owner=pupil).delete()
    return pupil


def counts(owner) -> tuple[int, int, int]:
    return (
        Entry.objects.filter(owner=owner).count(),
        Attachment.objects.filter(entry__owner=owner).count(),
        SelfAssessment.objects.filter(project__owner=owner).count(),
    )


def stored_files() -> set[str]:
    found: set[str] = set()

    def walk(folder: str) -> None:
        dirs, files = default_storage.listdir(folder)
        found.update(f"{folder}/{name}" for name in files)
        for name in dirs:
            walk(f"{folder}/{name}")

    if default_storage.exists("attachments"):
        walk("attachments")
    return found


# --- What the archive holds --------------------------------------------------


def test_the_archive_holds_all_of_the_pupils_own_data(world):
    lea = world.user("pupil")
    services.access_log_record(
        reader=world.user("teacher"), pupil_id=lea.pk, what=AccessLog.What.PORTFOLIO
    )
    data = archive_build(owner=lea)
    manifest, files = read_archive(data)
    validate_manifest(manifest)
    assert manifest["schema_version"] == "1.0"
    assert manifest["pupil"]["id"] == lea.pk
    titles = {entry["title"] for entry in manifest["entries"]}
    alive = Entry.objects.alive().filter(owner=lea)
    assert titles == set(alive.values_list("title", flat=True))
    assert "Recherches sur les bacs pro du numérique" in titles  # private: hers
    assert not Entry.objects.in_trash().filter(owner=lea, title__in=titles).exists()
    for entry in manifest["entries"]:
        for attachment in entry["attachments"]:
            body = files[attachment["path"]]
            assert hashlib.sha256(body).hexdigest() == attachment["sha256"]
            assert len(body) == attachment["size"]
    assert any(e["attachments"] for e in manifest["entries"])
    assert any(e["comments"] for e in manifest["entries"])
    assert manifest["project"] is not None
    assert manifest["interviews"]
    assert manifest["access_log"]
    assert files["passeport.pdf"].startswith(b"%PDF")
    assert (
        manifest["passport"]["sha256"]
        == hashlib.sha256(files["passeport.pdf"]).hexdigest()
    )


def test_the_archive_never_holds_a_confidential_note_or_another_pupils_data(world):
    lea, mate = world.user("pupil"), world.user("classmate")
    services.entry_save(
        by=mate,
        entry=Entry(
            title="Le secret du camarade",
            kind=EntryKind.OTHER,
            start_date=timezone.localdate(),
            visibility=Visibility.SHARED,
        ),
    )
    interview = world.interview_of_lea()
    assert interview.confidential_note
    data = archive_build(owner=lea, with_passport=False)
    text = zipfile.ZipFile(io.BytesIO(data)).read(MANIFEST).decode()
    assert interview.confidential_note not in text
    assert "confidential" not in text
    assert json.loads(text)["interviews"][0]["synthesis"] == interview.synthesis
    assert "Le secret du camarade" not in text
    assert mate.last_name not in text


def test_another_pupils_access_log_is_not_in_the_archive(world):
    lea, mate = world.user("pupil"), world.user("classmate")
    services.access_log_record(
        reader=world.user("teacher"),
        pupil_id=mate.pk,
        what=AccessLog.What.ENTRY,
        object_id=987654,
    )
    manifest = build_manifest(owner=lea, files={})
    assert all(row["object_id"] != 987654 for row in manifest["access_log"])


# --- Import ---------------------------------------------------------------


def test_import_is_idempotent_and_files_go_through_the_upload_checks(
    world, lea_archive, fresh_pupil
):
    first = archive_import(by=fresh_pupil, data=lea_archive)
    lea_entries = Entry.objects.alive().filter(owner=world.user("pupil")).count()
    assert first.created == lea_entries
    assert first.files >= 1
    assert first.interviews_not_imported >= 1
    before = counts(fresh_pupil)
    assert before[0] == lea_entries
    # Private by default: the pupil decides what their new teachers see.
    assert not Entry.objects.filter(owner=fresh_pupil).exclude(
        visibility=Visibility.PRIVATE
    )
    second = archive_import(by=fresh_pupil, data=lea_archive)
    assert second.created == 0
    assert second.already_there == lea_entries
    assert second.project_items == 0
    assert counts(fresh_pupil) == before


def identities(manifest: dict[str, Any]) -> list[str]:
    return sorted(entry["source_id"] for entry in manifest["entries"])


def emptied(pupil):
    Entry.objects.filter(owner=pupil).delete()
    Project.objects.filter(owner=pupil).delete()
    return pupil


def test_an_entry_keeps_one_identity_from_school_to_school(
    world, settings, lea_archive, fresh_pupil
):
    """Exported at school A, imported at B, exported again, imported at C (another
    instance): one identity all along, so C recognises A's archive too."""
    from_a, _files = read_archive(lea_archive)
    count = len(from_a["entries"])
    settings.WEBCLASSEUR_INSTANCE_ID = "lycee-b"
    assert archive_import(by=fresh_pupil, data=lea_archive).created == count
    stored = Entry.objects.filter(owner=fresh_pupil).values_list("source_id", flat=True)
    assert sorted(stored) == identities(from_a)
    archive_b = archive_build(owner=fresh_pupil, with_passport=False)
    from_b, _files = read_archive(archive_b)
    assert from_b["instance"] == "lycee-b"
    assert identities(from_b) == identities(from_a)

    settings.WEBCLASSEUR_INSTANCE_ID = "lycee-c"
    pupil_c = emptied(world.user("other_class_pupil"))
    assert archive_import(by=pupil_c, data=archive_b).created == count
    from_c, _files = read_archive(archive_build(owner=pupil_c, with_passport=False))
    assert identities(from_c) == identities(from_a)
    # A's own archive, or B's again, brings nothing new to C.
    for data in (lea_archive, archive_b):
        again = archive_import(by=pupil_c, data=data)
        assert (again.created, again.already_there) == (0, count)
    assert Entry.objects.filter(owner=pupil_c).count() == count


def test_a_pupil_reimporting_her_own_archive_here_creates_nothing(world, lea_archive):
    lea = world.user("pupil")
    before = counts(lea)
    result = archive_import(by=lea, data=lea_archive)
    assert result.created == 0
    assert result.already_there == len(read_archive(lea_archive)[0]["entries"])
    assert counts(lea) == before


def test_an_entry_in_the_trash_is_not_imported_again(world, lea_archive, fresh_pupil):
    archive_import(by=fresh_pupil, data=lea_archive)
    trashed = Entry.objects.filter(owner=fresh_pupil).first()
    assert trashed is not None
    Entry.objects.filter(pk=trashed.pk).update(deleted_at=timezone.now())
    assert archive_import(by=fresh_pupil, data=lea_archive).created == 0


def test_entries_imported_before_source_id_existed_are_recognised(
    world, lea_archive, fresh_pupil
):
    archive_import(by=fresh_pupil, data=lea_archive)
    mine = Entry.objects.filter(owner=fresh_pupil)
    mine.update(source_id="")  # as imported by the first version of the import
    before = counts(fresh_pupil)
    assert archive_import(by=fresh_pupil, data=lea_archive).created == 0
    assert counts(fresh_pupil) == before
    # They took the archive's identity on the way.
    assert sorted(mine.values_list("source_id", flat=True)) == identities(
        read_archive(lea_archive)[0]
    )


def normalised(manifest: dict[str, Any]) -> dict[str, Any]:
    """What must survive a round trip: not ids, import dates, nor what stays in
    the other school's records (comments, interviews, access log, the answer's
    assignment), nor where the pupil was (recomputed from their enrolment)."""
    entries = []
    for entry in manifest["entries"]:
        kept = {
            key: value
            for key, value in entry.items()
            if key
            not in {
                "id",
                "updated_at",
                "comments",
                "assignment",
                "reviewed_at",
                "school",
                "level",
                "school_year",
            }
        }
        kept["attachments"] = [
            {
                key: value
                for key, value in attachment.items()
                # Pictures are re-encoded on the way in (EXIF and hidden bytes go).
                if key not in {"id", "path"}
                and not (attachment["is_image"] and key in {"sha256", "size"})
            }
            for attachment in entry["attachments"]
        ]
        entries.append(kept)
    project = dict(manifest["project"] or {})
    project.pop("updated_at", None)
    return {"entries": entries, "project": project}


def test_round_trip_export_import_export(world, lea_archive, fresh_pupil):
    archive_import(by=fresh_pupil, data=lea_archive, keep_sharing=True)
    again = archive_build(owner=fresh_pupil, with_passport=False)
    original, _files = read_archive(lea_archive)
    copy, _files = read_archive(again)
    assert normalised(copy) == normalised(original)


def test_only_the_pupil_imports_into_their_own_portfolio(world, lea_archive):
    with pytest.raises(PermissionDenied):
        archive_import(by=world.user("teacher"), data=lea_archive)


# --- Bad archives: a clear message, nothing written -------------------------


def refused(world, data: bytes) -> ValidationError:
    mate = world.user("classmate")
    before, files = counts(mate), stored_files()
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        archive_import(by=mate, data=data)
    assert counts(mate) == before
    assert stored_files() == files
    return caught.value


def good_manifest(data: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    return read_archive(data)


def test_not_a_zip(world):
    error = refused(world, b"%PDF-1.7 not a zip at all")
    assert error.code == "not_zip"
    assert "not a ZIP archive" in error.messages[0]


def test_malformed_json(world):
    error = refused(world, make_zip("{not json"))
    assert error.code == "bad_json"


def test_no_manifest(world):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("hello.txt", "hi")
    assert refused(world, out.getvalue()).code == "no_manifest"


@pytest.mark.parametrize(
    "name", ["../evil.txt", "/etc/evil", "files/../../x", "a\\..\\b"]
)
def test_paths_out_of_the_archive(world, lea_archive, name):
    manifest, files = good_manifest(lea_archive)
    files[name] = b"x"
    error = refused(world, make_zip(manifest, files))
    assert error.code == "bad_path"


def test_a_zip_bomb_is_refused_before_extraction(world, monkeypatch):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(MANIFEST, "{}")
        zf.writestr("files/bomb.bin", b"\0" * (8 * 1024 * 1024))
    data = out.getvalue()
    assert len(data) < 100_000
    monkeypatch.setattr(archive, "MAX_EXPANDED_BYTES", 4 * 1024 * 1024)
    assert refused(world, data).code == "zip_bomb"


def test_too_many_members(world, monkeypatch):
    monkeypatch.setattr(archive, "MAX_MEMBERS", 10)
    files = {f"files/{n}.txt": b"x" for n in range(11)}
    assert refused(world, make_zip({}, files)).code == "zip_bomb"


def test_a_newer_schema_version(world, lea_archive):
    manifest, files = good_manifest(lea_archive)
    manifest["schema_version"] = "2.0"
    error = refused(world, make_zip(manifest, files))
    assert error.code == "newer_version"
    assert "newer version" in error.messages[0]


def test_a_manifest_that_breaks_the_schema(world, lea_archive):
    manifest, files = good_manifest(lea_archive)
    manifest["entries"][0]["visibility"] = "everyone"
    error = refused(world, make_zip(manifest, files))
    assert error.code == "schema"
    assert "entries/0/visibility" in error.messages[0]


def test_a_file_missing_from_the_zip(world, lea_archive):
    manifest, files = good_manifest(lea_archive)
    path = next(a["path"] for e in manifest["entries"] for a in e["attachments"])
    del files[path]
    error = refused(world, make_zip(manifest, files))
    assert error.code == "missing_file"
    assert path in error.messages[0]


def test_a_tampered_file(world, lea_archive):
    manifest, files = good_manifest(lea_archive)
    path = next(a["path"] for e in manifest["entries"] for a in e["attachments"])
    files[path] = files[path][:-1] + b"!"
    assert refused(world, make_zip(manifest, files)).code == "checksum"


def test_a_disguised_attachment_is_refused_by_the_upload_checks(world, lea_archive):
    manifest, files = good_manifest(lea_archive)
    entry = next(e for e in manifest["entries"] if e["attachments"])
    attachment = entry["attachments"][0]
    body = b"<html><script>alert(1)</script></html>"
    files[attachment["path"]] = body
    attachment.update(sha256=hashlib.sha256(body).hexdigest(), size=len(body))
    assert refused(world, make_zip(manifest, files)).code == "bad_attachment"


def test_the_same_entry_twice_in_one_archive(world, lea_archive):
    manifest, files = good_manifest(lea_archive)
    manifest["entries"][1]["source_id"] = manifest["entries"][0]["source_id"]
    assert refused(world, make_zip(manifest, files)).code == "duplicate_entry"


def test_a_failure_late_in_the_import_leaves_nothing(world, lea_archive):
    """Files of entries already saved are removed when a later entry fails."""
    manifest, files = good_manifest(lea_archive)
    # Entries with files first; the last one is refused by the entry rules
    # (it ends before it starts), once the others and their files are saved.
    manifest["entries"].sort(key=lambda e: not e["attachments"])
    assert manifest["entries"][0]["attachments"]
    last = manifest["entries"][-1]
    assert not last["attachments"]
    last.update(start_date="2024-05-10", end_date="2024-05-01", is_draft=True)
    error = refused(world, make_zip(manifest, files))
    assert error.code == "bad_entry"


# --- Pages ------------------------------------------------------------------


def test_the_archive_page_and_download(world):
    client = world.client_for("pupil")
    page = client.get(reverse("exports:archive"))
    assert page.status_code == 200
    assert b'id="archive-import-form"' in page.content
    response = client.get(reverse("exports:archive_download"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    manifest, _files = read_archive(response.content)
    assert manifest["pupil"]["id"] == world.user("pupil").pk


def test_importing_through_the_page(world, lea_archive, fresh_pupil):
    client = world.client_for("other_school_pupil")
    upload = SimpleUploadedFile("archive.zip", lea_archive, "application/zip")
    response = client.post(reverse("exports:archive_import"), {"archive": upload})
    assert response.status_code == 200
    assert b'id="import-report"' in response.content
    assert Entry.objects.filter(owner=fresh_pupil).exists()


def test_a_bad_upload_gets_its_message_next_to_the_field(world):
    client = world.client_for("classmate")
    before = counts(world.user("classmate"))
    upload = SimpleUploadedFile("archive.zip", b"not a zip", "application/zip")
    response = client.post(reverse("exports:archive_import"), {"archive": upload})
    assert response.status_code == 422
    assert b'id="id_archive-errors"' in response.content
    assert counts(world.user("classmate")) == before


def test_an_upload_over_the_limit_is_refused(world, monkeypatch):
    monkeypatch.setattr(archive, "MAX_UPLOAD_BYTES", 10)
    client = world.client_for("classmate")
    upload = SimpleUploadedFile("archive.zip", b"x" * 11, "application/zip")
    response = client.post(reverse("exports:archive_import"), {"archive": upload})
    assert response.status_code == 422
    assert b'id="id_archive-errors"' in response.content


@pytest.mark.parametrize("alias", ["teacher", "head", "psyen", "platform_admin"])
def test_staff_have_no_archive_pages(world, alias):
    client = world.client_for(alias)
    assert client.get(reverse("exports:archive")).status_code == 403
    assert client.get(reverse("exports:archive_download")).status_code == 403
    assert client.post(reverse("exports:archive_import"), {}).status_code == 403


def test_anonymous_is_sent_to_log_in(world):
    response = world.client_for("anonymous").get(reverse("exports:archive_download"))
    assert response.status_code == 302
