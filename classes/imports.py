"""Importing a school's classes and pupils from a CSV file.

The file is the export of the school information system (SIECLE, the ENT…),
one pupil a line, with at least these columns, in any order (more columns are
ignored; the header is matched without accents or capitals, so "Prénom" is
"prenom"):

    classe;niveau;nom;prenom;identifiant
    3e A;3e;Martin;Léa;1234567890A

- ``classe``: the class name this school year, such as "3e A" or "301";
- ``niveau``: the level, a value of ``classes.models.Level`` ("3e", "2de_pro")
  or its French label ("3e", "2de pro", "Tle", "CAP 1re année");
- ``nom`` and ``prenom``: the pupil's last and first names;
- ``identifiant``: the pupil's identifier in the school information system,
  stored in ``User.external_id``; pupils are recognised by it from one import
  to the next.

The separator is ``;`` (French spreadsheets) or ``,``, read from the header
line. The file should be UTF-8 (with or without BOM); a file saved as
Windows-1252/Latin-1 (older Excel) is decoded as such and the report says so;
UTF-16 with a BOM (Excel's "Unicode text") is read too.

An import is all or nothing: when any line is rejected, nothing is written and
the report lists each rejected line with its number and reason. A dry run
computes the same report without writing. Importing the same file twice
changes nothing the second time. New pupils get an unusable password (they
log in by single sign-on) and a generated username. Names of pupils already
known are left as they are.
"""

import csv
import io
import secrets
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from classes import services
from classes.models import (
    Class,
    Enrolment,
    Level,
    School,
    SchoolYear,
    User,
    school_year_start_for,
)
from classes.permissions import can_manage_school

REQUIRED_COLUMNS = ("classe", "niveau", "nom", "prenom", "identifiant")
MAX_FILE_SIZE = 5 * 1024 * 1024
# Rows per query: below SQLite's historical limit of 999 parameters.
CHUNK = 900

_CLASS_NAME_MAX = Class._meta.get_field("name").max_length or 40
_EXTERNAL_ID_MAX = User._meta.get_field("external_id").max_length or 64
_NAME_MAX = User._meta.get_field("last_name").max_length or 150


# --- The report -------------------------------------------------------------


@dataclass(frozen=True)
class RejectedLine:
    number: int
    reason: str


@dataclass(frozen=True)
class Move:
    pupil: str
    from_class: str
    to_class: str


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do).

    `file_errors` means the whole file was refused (unreadable, missing
    columns); `rejected` lists the refused lines. In both cases nothing was
    written.
    """

    dry_run: bool
    encoding: str = "utf-8"
    file_errors: list[str] = field(default_factory=list)
    rejected: list[RejectedLine] = field(default_factory=list)
    line_count: int = 0
    classes_created: list[str] = field(default_factory=list)
    pupils_created: int = 0
    # Known pupils, not enrolled this year: enrolled in their class.
    pupils_enrolled: int = 0
    moves: list[Move] = field(default_factory=list)
    unchanged: int = 0
    written: bool = False

    @property
    def pupils_moved(self) -> int:
        return len(self.moves)

    @property
    def refused(self) -> bool:
        return bool(self.file_errors or self.rejected)

    @property
    def encoding_note(self) -> str:
        if self.encoding == "cp1252":
            return _(
                "The file was not in UTF-8: it was read as Windows-1252 "
                "(Latin-1). Check the accents of a few names; next time, save "
                "the file as “CSV UTF-8”."
            )
        return ""

    def lines(self) -> list[str]:
        """The report as plain text lines (for the management command)."""
        lines = [*self.file_errors]
        if self.encoding_note:
            lines.append(self.encoding_note)
        if not self.file_errors:
            lines += [
                _("Lines read: %(count)d") % {"count": self.line_count},
                _("Classes created: %(count)d") % {"count": len(self.classes_created)},
                _("Pupils created: %(count)d") % {"count": self.pupils_created},
                _("Known pupils enrolled: %(count)d") % {"count": self.pupils_enrolled},
                _("Pupils moved to another class: %(count)d")
                % {"count": self.pupils_moved},
                _("Unchanged lines: %(count)d") % {"count": self.unchanged},
                _("Rejected lines: %(count)d") % {"count": len(self.rejected)},
            ]
            lines += [
                _("%(name)s: %(from)s → %(to)s")
                % {"name": move.pupil, "from": move.from_class, "to": move.to_class}
                for move in self.moves
            ]
            lines += [
                _("Line %(number)d: %(reason)s")
                % {"number": line.number, "reason": line.reason}
                for line in self.rejected
            ]
        if self.refused:
            lines.append(_("Nothing was written."))
        elif self.dry_run:
            lines.append(_("Dry run: nothing was written."))
        return lines


# --- Reading the file -------------------------------------------------------


def _fold(text: str) -> str:
    """Lower case, no accents, single spaces: for headers and levels."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.replace("_", " ").casefold().split())


def _level_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for value, label in Level.choices:
        lookup[_fold(value)] = value
        with override(None):
            lookup[_fold(str(label))] = value
        with override("fr"):
            lookup[_fold(str(label))] = value
    # Spellings seen in school exports.
    extra = {
        "6eme": "6e",
        "5eme": "5e",
        "4eme": "4e",
        "3eme": "3e",
        "sixieme": "6e",
        "cinquieme": "5e",
        "quatrieme": "4e",
        "troisieme": "3e",
        "2nde": "2de",
        "seconde": "2de",
        "1ere": "1re",
        "premiere": "1re",
        "terminale": "tle",
        "term": "tle",
        "2nde pro": "2de_pro",
        "1ere pro": "1re_pro",
        "terminale pro": "tle_pro",
        "cap 1": "cap1",
        "cap 2": "cap2",
    }
    lookup.update(extra)
    return lookup


def level_from(text: str) -> str | None:
    """The Level value for a level written in a file, or None if unknown."""
    return _level_lookup().get(_fold(text))


def _decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding it was read with.

    Raises ValidationError for what is not a text file."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in data:
        try:
            return data.decode("utf-8-sig"), "utf-8"
        except UnicodeDecodeError:
            try:
                return data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                pass
    raise ValidationError(
        _(
            "This file cannot be read as text. Open it in your spreadsheet and "
            "save it as “CSV UTF-8 (comma or semicolon separated)”."
        ),
        code="encoding",
    )


@dataclass(frozen=True)
class _Line:
    number: int
    class_name: str
    level_text: str
    last_name: str
    first_name: str
    external_id: str


def _read(text: str) -> Iterator[_Line]:
    """The pupil lines of the file; raises ValidationError for a bad header."""
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    if not first_line.strip():
        raise ValidationError(_("The file is empty."), code="empty")
    delimiter = max((";", ",", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    header = [_fold(name) for name in next(reader)]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ValidationError(
            _(
                "Columns missing in the first line of the file: %(missing)s. "
                "The first line must name the columns %(required)s."
            )
            % {
                "missing": ", ".join(missing),
                "required": ";".join(REQUIRED_COLUMNS),
            },
            code="missing_columns",
        )
    index = {name: header.index(name) for name in REQUIRED_COLUMNS}
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        cells = {
            name: row[position].strip() if position < len(row) else ""
            for name, position in index.items()
        }
        yield _Line(
            number=reader.line_num,
            class_name=" ".join(cells["classe"].split()),
            level_text=cells["niveau"],
            last_name=cells["nom"],
            first_name=cells["prenom"],
            external_id=cells["identifiant"],
        )


# --- Planning: what the file asks for, checked against the database --------


@dataclass
class _Plan:
    year: SchoolYear | None
    # Classes to create: name → level.
    new_classes: dict[str, str] = field(default_factory=dict)
    # Lines of pupils to create, and known pupils to enrol or move.
    to_create: list[_Line] = field(default_factory=list)
    to_enrol: list[tuple[User, str]] = field(default_factory=list)
    to_move: list[tuple[User, str, str]] = field(default_factory=list)
    unchanged: int = 0
    rejected: list[RejectedLine] = field(default_factory=list)
    line_count: int = 0


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _users_by_external_id(external_ids: Iterable[str]) -> dict[str, User]:
    wanted = sorted(set(external_ids))
    found: dict[str, User] = {}
    for chunk in _chunks(wanted):
        for user in User.objects.filter(external_id__in=chunk):
            found[user.external_id] = user
    return found


def _check_line(line: _Line, levels: dict[str, str]) -> tuple[str, str | None]:
    """The first problem of a line on its own (empty string if none), and its level."""
    level = levels.get(_fold(line.level_text))
    if not line.external_id:
        return _("the identifier (column identifiant) is empty."), level
    if len(line.external_id) > _EXTERNAL_ID_MAX:
        return (
            _("the identifier is longer than %(max)d characters.")
            % {"max": _EXTERNAL_ID_MAX},
            level,
        )
    if not line.last_name or not line.first_name:
        return _("the last name (nom) or the first name (prenom) is empty."), level
    if len(line.last_name) > _NAME_MAX or len(line.first_name) > _NAME_MAX:
        return _("the name is longer than %(max)d characters.") % {
            "max": _NAME_MAX
        }, level
    if not line.class_name:
        return _("the class (column classe) is empty."), level
    if len(line.class_name) > _CLASS_NAME_MAX:
        return (
            _("the class name is longer than %(max)d characters.")
            % {"max": _CLASS_NAME_MAX},
            level,
        )
    if level is None:
        return (
            _("unknown level “%(level)s”; write for example 6e, 3e, 2de, 1re, Tle.")
            % {"level": line.level_text},
            level,
        )
    return "", level


def _plan(school: School, lines: list[_Line], year: SchoolYear | None) -> _Plan:
    plan = _Plan(year=year, line_count=len(lines))
    levels = _level_lookup()
    existing_classes: dict[str, Class] = {}
    if year is not None:
        existing_classes = {
            c.name: c for c in Class.objects.filter(school=school, year=year)
        }
    users = _users_by_external_id(line.external_id for line in lines)
    # pupil id → (class name, school id, school name) of this year's enrolment
    enrolments: dict[int, tuple[str, int, str]] = {}
    if year is not None:
        user_ids = [user.pk for user in users.values()]
        for start in range(0, len(user_ids), CHUNK):
            for enrolment in Enrolment.objects.filter(
                year=year, pupil_id__in=user_ids[start : start + CHUNK]
            ).values(
                "pupil_id",
                "school_class__name",
                "school_class__school_id",
                "school_class__school__name",
            ):
                enrolments[enrolment["pupil_id"]] = (
                    enrolment["school_class__name"],
                    enrolment["school_class__school_id"],
                    enrolment["school_class__school__name"],
                )

    seen_ids: dict[str, int] = {}
    class_levels: dict[str, tuple[str, int]] = {}
    for line in lines:
        problem, level = _check_line(line, levels)
        if problem:
            plan.rejected.append(RejectedLine(line.number, problem))
            continue
        assert level is not None  # noqa: S101 - _check_line guarantees it
        if line.external_id in seen_ids:
            plan.rejected.append(
                RejectedLine(
                    line.number,
                    _("the same pupil (identifier %(id)s) is already on line %(line)d.")
                    % {"id": line.external_id, "line": seen_ids[line.external_id]},
                )
            )
            continue
        seen_ids[line.external_id] = line.number
        existing_class = existing_classes.get(line.class_name)
        if existing_class is not None and existing_class.level != level:
            plan.rejected.append(
                RejectedLine(
                    line.number,
                    _(
                        "the class %(class)s already exists with the level "
                        "%(existing)s, not %(level)s."
                    )
                    % {
                        "class": line.class_name,
                        "existing": existing_class.get_level_display(),
                        "level": Level(level).label,
                    },
                )
            )
            continue
        first = class_levels.setdefault(line.class_name, (level, line.number))
        if first[0] != level:
            plan.rejected.append(
                RejectedLine(
                    line.number,
                    _(
                        "the class %(class)s has the level %(level)s on line "
                        "%(line)d and another level here."
                    )
                    % {
                        "class": line.class_name,
                        "level": Level(first[0]).label,
                        "line": first[1],
                    },
                )
            )
            continue
        if existing_class is None:
            plan.new_classes.setdefault(line.class_name, level)

        user = users.get(line.external_id)
        if user is None:
            plan.to_create.append(line)
            continue
        current = enrolments.get(user.pk)
        if current is None:
            plan.to_enrol.append((user, line.class_name))
            continue
        current_class, school_id, school_name = current
        if school_id != school.pk:
            plan.rejected.append(
                RejectedLine(
                    line.number,
                    _(
                        "%(pupil)s (identifier %(id)s) is enrolled this school "
                        "year in another school, %(school)s; that school must "
                        "record their departure first."
                    )
                    % {
                        "pupil": user,
                        "id": line.external_id,
                        "school": school_name,
                    },
                )
            )
        elif current_class == line.class_name:
            plan.unchanged += 1
        else:
            plan.to_move.append((user, current_class, line.class_name))
    return plan


# --- Writing ----------------------------------------------------------------


def _slug(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = decomposed.encode("ascii", "ignore").decode().lower()
    return "".join(c if c.isalnum() else "-" for c in ascii_text).strip("-")


def _usernames_for(lines: list[_Line]) -> list[str]:
    """A unique username per new pupil: first.last.identifier, with a number
    added in the rare case it is taken."""
    wanted = []
    for line in lines:
        base = ".".join(
            part
            for part in (
                _slug(line.first_name)[:40],
                _slug(line.last_name)[:40],
                _slug(line.external_id)[:60],
            )
            if part
        )
        wanted.append(base or "eleve")
    taken: set[str] = set()
    for chunk in _chunks(sorted(set(wanted))):
        taken.update(
            User.objects.filter(username__in=chunk).values_list("username", flat=True)
        )
    result = []
    for name in wanted:
        candidate, suffix = name, 1
        while candidate in taken:
            suffix += 1
            candidate = f"{name}.{suffix}"
        if candidate != name and User.objects.filter(username=candidate).exists():
            # Taken in the database too: look further (rare enough for queries).
            while User.objects.filter(username=candidate).exists():
                suffix += 1
                candidate = f"{name}.{suffix}"
        taken.add(candidate)
        result.append(candidate)
    return result


def _write(*, by: User | None, school: School, plan: _Plan) -> None:
    year = plan.year or services.school_year_get_or_create(
        start_year=school_year_start_for(timezone.localdate())
    )
    classes = {c.name: c for c in Class.objects.filter(school=school, year=year)}
    for name, level in plan.new_classes.items():
        if name not in classes:
            classes[name] = services.class_create(
                by=by, school=school, year=year, name=name, level=level
            )

    new_users = [
        User(
            username=username,
            first_name=line.first_name,
            last_name=line.last_name,
            external_id=line.external_id,
            # What set_unusable_password() writes, without its slow generator.
            password=UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30),
        )
        for line, username in zip(
            plan.to_create, _usernames_for(plan.to_create), strict=True
        )
    ]
    created = User.objects.bulk_create(new_users, batch_size=500)
    if any(user.pk is None for user in created):  # databases without RETURNING
        by_id = _users_by_external_id(line.external_id for line in plan.to_create)
        created = [by_id[line.external_id] for line in plan.to_create]
    enrolments = [
        Enrolment(pupil=user, school_class=classes[line.class_name], year=year)
        for user, line in zip(created, plan.to_create, strict=True)
    ]
    enrolments += [
        Enrolment(pupil=user, school_class=classes[class_name], year=year)
        for user, class_name in plan.to_enrol
    ]
    Enrolment.objects.bulk_create(enrolments, batch_size=500)
    for user, _from_class, to_class in plan.to_move:
        services.enrolment_move(by=by, pupil=user, to_class=classes[to_class])


def pupils_import(
    *, by: User | None, school: School, data: bytes, dry_run: bool
) -> ImportReport:
    """Import the classes and pupils of a CSV file into the school, this year.

    `by=None` is the platform operator (management command). Returns the
    report; nothing is written for a dry run or when any line is rejected.
    """
    if by is not None and not can_manage_school(by, school):
        raise PermissionDenied
    report = ImportReport(dry_run=dry_run)
    if len(data) > MAX_FILE_SIZE:
        report.file_errors.append(_file_too_large())
        return report
    try:
        text, report.encoding = _decode(data)
        lines = list(_read(text))
    except ValidationError as error:
        report.file_errors.extend(error.messages)
        return report
    except csv.Error as error:
        report.file_errors.append(
            _("The file is not a valid CSV file (%(error)s).") % {"error": error}
        )
        return report
    if not lines:
        report.file_errors.append(_("The file has no pupil line under its header."))
        return report

    try:
        with transaction.atomic():
            year = SchoolYear.objects.current()
            plan = _plan(school, lines, year)
            _fill(report, plan)
            if dry_run or plan.rejected:
                return report
            _write(by=by, school=school, plan=plan)
            report.written = True
    except ValidationError as error:
        report.file_errors.extend(error.messages)
    except IntegrityError:
        # Another import of the same pupils ran at the same moment.
        report.file_errors.append(
            _(
                "Another import changed these pupils at the same time. Nothing "
                "was written: import the file again."
            )
        )
    return report


def _fill(report: ImportReport, plan: _Plan) -> None:
    report.line_count = plan.line_count
    report.rejected = plan.rejected
    report.classes_created = sorted(plan.new_classes)
    report.pupils_created = len(plan.to_create)
    report.pupils_enrolled = len(plan.to_enrol)
    report.moves = [
        Move(pupil=str(user), from_class=from_class, to_class=to_class)
        for user, from_class, to_class in plan.to_move
    ]
    report.unchanged = plan.unchanged


def _file_too_large() -> str:
    return _("The file is larger than 5 MB. Split it, or remove unneeded columns.")
