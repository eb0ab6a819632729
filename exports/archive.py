"""The pupil's portfolio archive: everything of theirs in one ZIP, and its import.

`archive_build` writes `manifest.json` (schema `exports/schema/manifest-1.0.json`,
documented in docs/archive.md), the attachments under `files/` and the passport PDF.
Everything is read through the access policy as the pupil: their entries (drafts
and private ones included, the trash left out), the comments they can read, their
project, their interviews (synthesis and next steps only: never the confidential
note) and the log of who opened their portfolio.

`archive_import` brings an archive into the pupil's own portfolio (after a change of
school, or from another webclasseur): the whole ZIP is checked before anything is
written, entries go through `portfolio.services.entry_save` and files through
`webclasseur.uploads.clean_upload`, all in one transaction. Each entry carries a
`source_id` (kept from the archive on import, re-emitted on export): importing
the same entry again, here or in any later school, creates nothing.
"""

import datetime
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

import jsonschema
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from classes.models import Enrolment, SchoolYear, User
from classes.permissions import can_use_pupil_space
from exports.passport import PassportChoice, build_passport
from exports.render import passport_html, passport_pdf
from portfolio import permissions, services
from portfolio.models import (
    AccessLog,
    Competence,
    DomainInterest,
    Entry,
    EntryKind,
    Interest,
    SelfAssessment,
    Visibility,
    Wish,
)
from webclasseur.uploads import CleanUpload, clean_upload

SCHEMA_VERSION = "1.0"
SCHEMA_PATH = Path(__file__).parent / "schema" / "manifest-1.0.json"
MANIFEST = "manifest.json"
PASSPORT = "passeport.pdf"
GENERATOR = "webclasseur"
# What an archive may hold, checked before anything is decompressed.
MAX_UPLOAD_BYTES = 100 * 1024 * 1024
MAX_EXPANDED_BYTES = 500 * 1024 * 1024
MAX_MEMBERS = 5000
MAX_MANIFEST_BYTES = 20 * 1024 * 1024
MAX_PASSPORT_BYTES = 50 * 1024 * 1024


@cache
def manifest_schema() -> dict[str, Any]:
    with SCHEMA_PATH.open(encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema


def instance_id() -> str:
    """A stable, non-secret name for this webclasseur (settings.WEBCLASSEUR_INSTANCE_ID
    when set, else derived one-way from the secret key)."""
    configured = getattr(settings, "WEBCLASSEUR_INSTANCE_ID", "")
    if configured:
        return str(configured)
    digest = hashlib.sha256(f"webclasseur-instance:{settings.SECRET_KEY}".encode())
    return digest.hexdigest()[:16]


def source_id(instance: str, entry_id: int, created_at: str) -> str:
    """The identity of an entry made here (never imported): stable across
    exports, different on every instance."""
    return hashlib.sha256(f"{instance}\n{entry_id}\n{created_at}".encode()).hexdigest()


def entry_source_id(entry: Entry, instance: str) -> str:
    """The entry's identity across archives and schools: the one it came in
    with when it was imported, else the one of an entry made here."""
    return entry.source_id or source_id(
        instance, entry.pk, _iso(entry.created_at) or ""
    )


def _iso(value: datetime.datetime | datetime.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _person(user: User | None, fallback: str = "") -> str:
    if user is None:
        return fallback
    return user.get_full_name() or user.get_username()


# --- Export -----------------------------------------------------------------


def archive_build(*, owner: User, with_passport: bool = True) -> bytes:
    """The pupil's archive as ZIP bytes (read as the pupil themself)."""
    files: dict[str, bytes] = {}
    manifest = build_manifest(owner=owner, files=files)
    if with_passport:
        pdf = passport_pdf(
            owner,
            passport_html(build_passport(owner, PassportChoice()), for_pdf=True),
        )
        manifest["passport"] = _file_record(PASSPORT, pdf, "application/pdf")
        files[PASSPORT] = pdf
    validate_manifest(manifest)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True)
        )
        for name, data in files.items():
            # Pictures and PDFs are compressed already.
            archive.writestr(name, data, compress_type=zipfile.ZIP_STORED)
    return out.getvalue()


def _file_record(path: str, data: bytes, content_type: str) -> dict[str, Any]:
    return {
        "path": path,
        "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data),
        "content_type": content_type,
    }


def build_manifest(*, owner: User, files: dict[str, bytes]) -> dict[str, Any]:
    """The manifest of the pupil's archive; attachment bytes go into `files`."""
    instance = instance_id()
    enrolment = (
        Enrolment.objects.filter(pupil=owner, year=SchoolYear.objects.current())
        .select_related("school_class__school")
        .first()
    )
    entries = (
        permissions.entries_visible_to(owner)
        .filter(owner=owner)
        .select_related("school_year", "school", "assignment")
        .prefetch_related("metiers", "formations", "tags", "attachments")
        .order_by("created_at", "pk")
    )
    comments: dict[int, list[dict[str, Any]]] = {}
    for comment in (
        permissions.comments_visible_to(owner)
        .filter(entry__owner=owner)
        .select_related("author")
        .order_by("created_at", "pk")
    ):
        comments.setdefault(comment.entry_id, []).append(
            {
                "id": comment.pk,
                "author": _person(comment.author),
                "by_me": comment.author_id == owner.pk,
                "body": comment.body,
                "created_at": _iso(comment.created_at),
            }
        )
    return {
        "schema_version": SCHEMA_VERSION,
        "generator": GENERATOR,
        "instance": instance,
        "exported_at": _iso(timezone.now()),
        "pupil": {
            "id": owner.pk,
            "first_name": owner.first_name,
            "last_name": owner.last_name,
            "school": enrolment.school_class.school.name if enrolment else None,
            "class_name": enrolment.school_class.name if enrolment else None,
        },
        "entries": [
            _entry_record(entry, instance, comments.get(entry.pk, []), files)
            for entry in entries
        ],
        "project": _project_record(owner),
        "interviews": _interview_records(owner),
        "access_log": [
            {
                "at": _iso(row.at),
                "reader_name": row.reader_name,
                "what": row.what,
                "object_id": row.object_id,
            }
            for row in AccessLog.objects.filter(pupil=owner).order_by("at", "pk")
        ],
        "passport": None,
    }


def _entry_record(
    entry: Entry,
    instance: str,
    comments: list[dict[str, Any]],
    files: dict[str, bytes],
) -> dict[str, Any]:
    attachments = []
    for attachment in entry.attachments.all():
        with attachment.file.open("rb") as handle:
            data = handle.read()
        suffix = PurePosixPath(attachment.original_name).suffix.lower()
        path = f"files/{attachment.pk}{suffix}"
        files[path] = data
        attachments.append(
            {
                "id": attachment.pk,
                "name": attachment.original_name,
                **_file_record(path, data, attachment.content_type),
                "is_image": attachment.is_image,
            }
        )
    created = _iso(entry.created_at) or ""
    return {
        "id": entry.pk,
        "source_id": entry_source_id(entry, instance),
        "title": entry.title,
        "kind": entry.kind,
        "start_date": _iso(entry.start_date),
        "end_date": _iso(entry.end_date),
        "day_count": entry.day_count,
        "school_year": str(entry.school_year) if entry.school_year else None,
        "level": entry.level,
        "school": entry.school.name if entry.school else None,
        "organisation_name": entry.organisation_name,
        "organisation_sector": entry.organisation_sector,
        "organisation_town": entry.organisation_town,
        "contact": entry.contact,
        "tutor": entry.tutor,
        "what_i_did": entry.what_i_did,
        "what_i_learned": entry.what_i_learned,
        "what_i_liked": entry.what_i_liked,
        "interest": entry.interest,
        "visibility": entry.visibility,
        "is_draft": entry.is_draft,
        "assignment": entry.assignment.title if entry.assignment else None,
        "reviewed_at": _iso(entry.reviewed_at),
        "created_at": created,
        "updated_at": _iso(entry.updated_at),
        "metiers": [
            {"label": m.label, "rome_code": m.rome_code} for m in entry.metiers.all()
        ],
        "formations": [
            {"label": f.label, "diploma": f.diploma} for f in entry.formations.all()
        ],
        "tags": sorted(tag.name for tag in entry.tags.all()),
        "attachments": attachments,
        "comments": comments,
    }


def _project_record(owner: User) -> dict[str, Any] | None:
    project = permissions.projects_visible_to(owner).filter(owner=owner).first()
    if project is None:
        return None
    return {
        "is_shared": project.is_shared,
        "metiers": project.metiers,
        "formations": project.formations,
        "updated_at": _iso(project.updated_at),
        "interests": [
            {"domain": i.domain, "level": i.level}
            for i in project.interests.order_by("domain")
        ],
        "wishes": [
            {
                "school_year": str(wish.school_year),
                "start_year": wish.school_year.start_year,
                "text": wish.text,
            }
            for wish in project.wishes.select_related("school_year").order_by(
                "school_year__start_year"
            )
        ],
        "self_assessments": [
            {
                "competence": a.competence.label,
                "category": a.competence.category,
                "level": a.level,
                "assessed_on": _iso(a.assessed_on),
            }
            for a in project.self_assessments.select_related("competence").order_by(
                "assessed_on", "competence__label", "pk"
            )
        ],
    }


def _interview_records(owner: User) -> list[dict[str, Any]]:
    """Synthesis and next steps only: the confidential note is never read."""
    rows = (
        permissions.interviews_visible_to(owner)
        .filter(pupil=owner)
        .select_related("school")
        .only(
            "pk",
            "planned_at",
            "level",
            "status",
            "school__name",
            "synthesis",
            "next_steps",
        )
        .order_by("planned_at", "pk")
    )
    return [
        {
            "id": interview.pk,
            "planned_at": _iso(interview.planned_at),
            "level": interview.level,
            "status": interview.status,
            "school": interview.school.name,
            "synthesis": interview.synthesis,
            "next_steps": interview.next_steps,
        }
        for interview in rows
    ]


def validate_manifest(manifest: Any) -> None:
    """ValidationError (French, with where) unless the manifest fits the schema."""
    validator = jsonschema.Draft202012Validator(
        manifest_schema(), format_checker=jsonschema.FormatChecker()
    )
    error = jsonschema.exceptions.best_match(validator.iter_errors(manifest))
    if error is not None:
        where = "/".join(str(part) for part in error.absolute_path) or "manifest"
        raise ValidationError(
            _(
                "The archive's manifest does not follow the expected format "
                "(at %(where)s: %(detail)s)."
            ),
            code="schema",
            params={"where": where, "detail": error.message[:200]},
        )


# --- Import -----------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    created: int
    already_there: int
    files: int
    project_items: int
    # Kept in the archive for the pupil, not copied: they belong to the other
    # school's records (their authors are not users here).
    comments_not_imported: int
    interviews_not_imported: int
    access_log_not_imported: int


@dataclass
class _CheckedEntry:
    record: dict[str, Any]
    created_at: datetime.datetime
    uploads: list[CleanUpload]


def _refuse(message: str, code: str, **params: Any) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


def _read_zip(data: bytes) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The manifest and the attached files, after every check on the ZIP."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise _refuse(
            _("The archive is too big (%(max)s at most)."),
            "too_big",
            max=filesizeformat(MAX_UPLOAD_BYTES),
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        raise _refuse(
            _("This file is not a ZIP archive: choose the archive you downloaded."),
            "not_zip",
        ) from None
    with archive:
        _check_members(members)
        names = {member.filename: member for member in members}
        if MANIFEST not in names:
            raise _refuse(
                _("The archive has no manifest.json: it is not a portfolio archive."),
                "no_manifest",
            )
        raw = _read_member(archive, names[MANIFEST], MAX_MANIFEST_BYTES)
        try:
            manifest = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise _refuse(
                _("The archive's manifest.json is not valid JSON: it is damaged."),
                "bad_json",
            ) from None
        _check_version(manifest)
        validate_manifest(manifest)
        files: dict[str, bytes] = {}
        for record in _file_records(manifest):
            path = record["path"]
            member = names.get(path)
            if member is None:
                raise _refuse(
                    _(
                        "The manifest refers to “%(path)s”, which is not in the "
                        "archive: the archive is incomplete."
                    ),
                    "missing_file",
                    path=path,
                )
            limit = (
                MAX_PASSPORT_BYTES
                if path == PASSPORT
                else settings.ATTACHMENT_MAX_BYTES
            )
            body = _read_member(archive, member, limit)
            if (
                len(body) != record["size"]
                or hashlib.sha256(body).hexdigest() != record["sha256"]
            ):
                raise _refuse(
                    _(
                        "“%(path)s” does not match its checksum in the manifest: "
                        "the archive was modified or damaged."
                    ),
                    "checksum",
                    path=path,
                )
            files[path] = body
    return manifest, files


def _check_members(members: list[zipfile.ZipInfo]) -> None:
    expanded = sum(member.file_size for member in members)
    if len(members) > MAX_MEMBERS or expanded > MAX_EXPANDED_BYTES:
        raise _refuse(
            _(
                "The archive expands too much (%(members)s files, %(size)s; at "
                "most %(max_members)s files and %(max_size)s): it is refused."
            ),
            "zip_bomb",
            members=len(members),
            size=filesizeformat(expanded),
            max_members=MAX_MEMBERS,
            max_size=filesizeformat(MAX_EXPANDED_BYTES),
        )
    seen: set[str] = set()
    for member in members:
        name = member.filename
        parts = PurePosixPath(name).parts
        if (
            not name
            or name.startswith(("/", "\\"))
            or "\\" in name
            or ".." in parts
            or (len(name) > 1 and name[1] == ":")
            or name in seen
        ):
            raise _refuse(
                _("The archive contains a forbidden path (“%(name)s”): it is refused."),
                "bad_path",
                name=name.encode("unicode_escape").decode()[:80],
            )
        if member.flag_bits & 0x1:
            raise _refuse(
                _("The archive is encrypted: it cannot be imported."), "encrypted"
            )
        seen.add(name)


def _read_member(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, limit: int
) -> bytes:
    """A member's bytes, never more than its declared size nor `limit`."""
    if member.file_size > limit:
        raise _refuse(
            _("“%(name)s” is too big: %(size)s, the limit is %(max)s."),
            "too_big",
            name=member.filename,
            size=filesizeformat(member.file_size),
            max=filesizeformat(limit),
        )
    try:
        with archive.open(member) as handle:
            body = handle.read(member.file_size + 1)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, EOFError):
        raise _refuse(
            _("“%(name)s” cannot be read in the archive: it is damaged."),
            "damaged",
            name=member.filename,
        ) from None
    if len(body) != member.file_size:
        raise _refuse(
            _("“%(name)s” cannot be read in the archive: it is damaged."),
            "damaged",
            name=member.filename,
        )
    return body


def _check_version(manifest: Any) -> None:
    version = manifest.get("schema_version") if isinstance(manifest, dict) else None
    if not isinstance(version, str):
        raise _refuse(
            _("The archive's manifest has no schema version: it is not valid."),
            "no_version",
        )
    try:
        major, minor = (int(part) for part in version.split("."))
    except ValueError:
        raise _refuse(
            _("The archive's manifest has an unknown schema version (%(version)s)."),
            "bad_version",
            version=version[:20],
        ) from None
    if (major, minor) > (1, 0):
        raise _refuse(
            _(
                "This archive was made by a newer version of webclasseur (format "
                "%(version)s; this one reads %(supported)s): it cannot be imported "
                "here yet."
            ),
            "newer_version",
            version=version[:20],
            supported=SCHEMA_VERSION,
        )
    if (major, minor) != (1, 0):
        raise _refuse(
            _("The archive's manifest has an unknown schema version (%(version)s)."),
            "bad_version",
            version=version[:20],
        )


def _file_records(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    records = [a for entry in manifest["entries"] for a in entry["attachments"]]
    if manifest["passport"] is not None:
        records.append(manifest["passport"])
    return records


def _check_entries(
    manifest: dict[str, Any], files: dict[str, bytes]
) -> list[_CheckedEntry]:
    """Every entry's values and files, checked before anything is written."""
    kinds = set(EntryKind.values)
    checked = []
    identities: set[str] = set()
    for record in manifest["entries"]:
        title = record["title"] or _("Untitled draft")
        if record["source_id"] in identities:
            raise _refuse(
                _(
                    "The archive holds the entry “%(title)s” twice: it was modified "
                    "or damaged."
                ),
                "duplicate_entry",
                title=title,
            )
        identities.add(record["source_id"])
        created_at = parse_datetime(record["created_at"])
        dates_ok = all(
            record[key] is None or parse_date(record[key]) is not None
            for key in ("start_date", "end_date")
        )
        if record["kind"] not in kinds or created_at is None or not dates_ok:
            raise _refuse(
                _("The entry “%(title)s” in the archive is not valid."),
                "bad_entry",
                title=title,
            )
        uploads = []
        for attachment in record["attachments"]:
            upload = SimpleUploadedFile(attachment["name"], files[attachment["path"]])
            try:
                uploads.append(clean_upload(upload))
            except ValidationError as error:
                raise _refuse(
                    _("The entry “%(title)s”: %(error)s"),
                    "bad_attachment",
                    title=title,
                    error=" ".join(error.messages),
                ) from None
        checked.append(_CheckedEntry(record, created_at, uploads))
    return checked


def _existing(by: User, item: _CheckedEntry, *, same_instance: bool) -> bool:
    """Is the entry already in the pupil's portfolio (the trash included)?

    Recognised by (owner, source_id). Also: on the instance that made the
    archive, the pupil's own entry it was exported from (its `source_id` is
    still empty); and an entry imported before `Entry.source_id` existed (same
    creation time, kind, title and start date), which then takes the archive's
    `source_id` so that later imports recognise it directly."""
    record = item.record
    identity = record["source_id"]
    mine = Entry.objects.filter(owner=by)
    if mine.filter(source_id=identity).exists():
        return True
    if same_instance:
        original = mine.filter(pk=record["id"], source_id="").first()
        if (
            original is not None
            and entry_source_id(original, instance_id()) == identity
        ):
            return True
    start = parse_date(record["start_date"]) if record["start_date"] else None
    legacy = mine.filter(
        source_id="",
        created_at=item.created_at,
        kind=record["kind"],
        title=record["title"],
        start_date=start,
    ).values_list("pk", flat=True)[:1]
    if legacy:
        Entry.objects.filter(pk=legacy[0]).update(source_id=identity)
        return True
    return False


def archive_import(
    *, by: User, data: bytes, keep_sharing: bool = False
) -> ImportResult:
    """Import an archive into the pupil's own portfolio, all or nothing.

    Entries come in private unless `keep_sharing`: the pupil decides what their
    new teachers see. Comments, interviews and the access log stay in the
    archive (they are the other school's records)."""
    if not (permissions.can_edit_portfolio(by, by) and can_use_pupil_space(by)):
        raise PermissionDenied
    manifest, files = _read_zip(data)
    checked = _check_entries(manifest, files)
    same_instance = manifest["instance"] == instance_id()
    written: list[str] = []
    created = already = file_count = 0
    try:
        with transaction.atomic():
            for item in checked:
                if _existing(by, item, same_instance=same_instance):
                    already += 1
                    continue
                entry = _import_entry(by, item, keep_sharing)
                written.extend(
                    name
                    for pair in entry.attachments.values_list("file", "thumbnail")
                    for name in pair
                    if name
                )
                created += 1
                file_count += len(item.uploads)
            project_items = _import_project(by, manifest["project"], keep_sharing)
    except Exception as error:
        for name in written:
            default_storage.delete(name)
        if isinstance(error, IntegrityError):
            # The same archive imported twice at the same moment: the second
            # import meets the (owner, source_id) constraint.
            raise _refuse(
                _(
                    "This archive is being imported already: wait a moment, then "
                    "reload the page."
                ),
                "conflict",
            ) from None
        raise
    return ImportResult(
        created=created,
        already_there=already,
        files=file_count,
        project_items=project_items,
        comments_not_imported=sum(len(e["comments"]) for e in manifest["entries"]),
        interviews_not_imported=len(manifest["interviews"]),
        access_log_not_imported=len(manifest["access_log"]),
    )


def _import_entry(by: User, item: _CheckedEntry, keep_sharing: bool) -> Entry:
    record = item.record
    visibility = (
        Visibility.SHARED
        if keep_sharing and record["visibility"] == Visibility.SHARED
        else Visibility.PRIVATE
    )
    year = (
        SchoolYear.objects.filter(start_year=int(record["school_year"][:4])).first()
        if record.get("school_year") and record["school_year"][:4].isdigit()
        else None
    )
    entry = Entry(
        title=record["title"],
        kind=record["kind"],
        start_date=parse_date(record["start_date"]) if record["start_date"] else None,
        end_date=parse_date(record["end_date"]) if record["end_date"] else None,
        day_count=record.get("day_count"),
        school_year=year,
        level=record.get("level", ""),
        organisation_name=record.get("organisation_name", ""),
        organisation_sector=record.get("organisation_sector", ""),
        organisation_town=record.get("organisation_town", ""),
        contact=record.get("contact", ""),
        tutor=record.get("tutor", ""),
        what_i_did=record.get("what_i_did", ""),
        what_i_learned=record.get("what_i_learned", ""),
        what_i_liked=record.get("what_i_liked", ""),
        interest=record.get("interest"),
        visibility=visibility,
        # Its identity since it was first exported: recognises it on a later
        # import, here or in the next school, and goes into the next export.
        source_id=record["source_id"],
    )
    try:
        services.entry_save(
            by=by,
            entry=entry,
            metiers=[services.MetierLine(**m) for m in record["metiers"]],
            formations=[services.FormationLine(**f) for f in record["formations"]],
            tag_names=record["tags"],
            uploads=item.uploads,
            finish=not record["is_draft"],
        )
    except ValidationError as error:
        raise _refuse(
            _("The entry “%(title)s”: %(error)s"),
            "bad_entry",
            title=record["title"] or _("Untitled draft"),
            error=" ".join(error.messages),
        ) from None
    # The original creation time: it dates the entry.
    Entry.objects.filter(pk=entry.pk).update(created_at=item.created_at)
    return entry


def _import_project(by: User, record: dict[str, Any] | None, keep_sharing: bool) -> int:
    """Fill what the pupil's project here does not have yet; returns how many
    things were added (nothing on a second import)."""
    if record is None:
        return 0
    project = services.project_for(owner=by)
    if project.owner_id != by.pk:
        raise PermissionDenied
    added = 0
    changed = []
    for field in ("metiers", "formations"):
        if record[field] and not getattr(project, field):
            setattr(project, field, record[field])
            changed.append(field)
    if keep_sharing and record["is_shared"] and not project.is_shared:
        project.is_shared = True
        changed.append("is_shared")
    if changed:
        project.full_clean()
        project.save()
        added += 1
    levels = set(Interest.values)
    for interest in record["interests"]:
        if interest["level"] in levels:
            _obj, made = DomainInterest.objects.get_or_create(
                project=project,
                domain=interest["domain"],
                defaults={"level": interest["level"]},
            )
            added += made
    for wish in record["wishes"]:
        year = SchoolYear.objects.filter(start_year=wish["start_year"]).first()
        if year is not None and wish["text"].strip():
            _wish, made = Wish.objects.get_or_create(
                project=project, school_year=year, defaults={"text": wish["text"]}
            )
            added += made
    competences = {c.label: c for c in Competence.objects.all()}
    for assessment in record["self_assessments"]:
        competence = competences.get(assessment["competence"])
        assessed_on = parse_date(assessment["assessed_on"])
        if competence is None or assessed_on is None:
            continue
        _assessment, made = SelfAssessment.objects.get_or_create(
            project=project,
            competence=competence,
            assessed_on=assessed_on,
            defaults={"level": assessment["level"]},
        )
        added += made
    return added
