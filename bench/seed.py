"""The synthetic académie the figures are measured on, seeded once per scale.

Scale 1 is 20 schools and 14,000 pupils (700 a school on average), 40 entries
per pupil, a teacher per class of 35, a head and a CPE per school, two
assignments per class and a staff comment on every fourth shared entry. The
first school (the one whose overview is measured) has 1,000 pupils; the other
schools share the rest. Scale 10 is ten times the schools and pupils; the
measured school, class and pupil are the same at every scale, so the growth
figure compares the same pages with ten times more data around them.

What goes through which path (docs/performance.md repeats it):

- schools, school year, staff accounts, staff roles, teaching assignments,
  class assignments: the services of classes/services.py, one call each;
- pupils and classes: the CSV import of classes/imports.py (one file a school,
  the same path as the school admin's import page);
- the measured class (35 pupils × 60 entries, the measured pupil's 10 with a
  photo) and its comments: portfolio/services.py `entry_save` and
  `comment_create`, one call each, as a pupil and a teacher would;
- every other pupil's 40 entries, their métier line and the comments on them:
  `bulk_create` of the same model objects (Entry, EntryMetier, Comment) with
  the fields `entry_save` would set (school year, level and school from the
  enrolment); no tags, no attachments.
"""

import datetime
import io
import json
import string
import time
from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection

CLASS_SIZE = 35
MEASURED_SCHOOL_PUPILS = 1000
MEASURED_ENTRIES = 60
MEASURED_IMAGES = 10
ENTRIES_PER_PUPIL = 40
ASSIGNMENTS_PER_CLASS = 2
COMMENT_EVERY = 4  # a staff comment on one shared entry in four
BULK_BATCH = 2000
LEVELS = ["3e", "4e", "5e", "6e"]


@dataclass(frozen=True)
class Plan:
    scale: float
    schools: int
    first_school_pupils: int
    other_school_pupils: int

    @property
    def pupils(self) -> int:
        return self.first_school_pupils + (self.schools - 1) * self.other_school_pupils


def plan_for(scale: float) -> Plan:
    total = round(14_000 * scale)
    schools = max(1, round(20 * scale))
    first = min(MEASURED_SCHOOL_PUPILS, total)
    other = (total - first) // (schools - 1) if schools > 1 else 0
    return Plan(scale, schools, first, other)


def uai(index: int) -> str:
    from classes.validators import uai_check_letter

    digits = f"09{index:05d}"
    return digits + uai_check_letter(digits)


def class_name(index: int) -> str:
    return (
        f"{LEVELS[index % len(LEVELS)]} {string.ascii_uppercase[index // len(LEVELS)]}"
    )


# --- The marker: which scale this database holds -----------------------------


def seeded_info() -> dict | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_seed') IS NOT NULL")
        if not cursor.fetchone()[0]:
            return None
        cursor.execute("SELECT info FROM bench_seed ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()
    if row is None:
        return None
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


def _mark_seeded(info: dict) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_seed (id serial PRIMARY KEY, info jsonb)"
        )
        cursor.execute("INSERT INTO bench_seed (info) VALUES (%s)", [json.dumps(info)])


# --- Seeding -------------------------------------------------------------------


def _today() -> datetime.date:
    from django.utils import timezone

    return timezone.localdate()


def _dates(start: datetime.date, count: int) -> list[datetime.date]:
    """`count` days spread over this school year up to today."""
    span = max(1, (_today() - start).days)
    return [start + datetime.timedelta(days=j * span // count) for j in range(count)]


def _csv(school_index: int, pupils: int) -> bytes:
    lines = ["classe;niveau;nom;prenom;identifiant"]
    for n in range(pupils):
        k = n // CLASS_SIZE
        lines.append(
            f"{class_name(k)};{LEVELS[k % len(LEVELS)]};Banc{school_index};"
            f"Élève{n};B{school_index:05d}N{n:05d}"
        )
    return "\n".join(lines).encode()


def _photo(index: int):  # type: ignore[no-untyped-def]
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (1600, 1200), (20 * index % 255, 90, 140))
    ImageDraw.Draw(image).ellipse((200, 200, 1400, 1000), fill=(230, 200, 40 + index))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return SimpleUploadedFile(f"photo-{index}.jpg", out.getvalue())


def _school(index: int, pupils: int, year, phases: dict[str, float]) -> None:  # type: ignore[no-untyped-def]
    from classes import services
    from classes.imports import pupils_import
    from classes.models import Class, StaffRole

    began = time.perf_counter()
    school = services.school_create(
        by=None,
        uai=uai(index),
        name=f"Collège du Banc {index}",
        city="Lyon",
        academy="Lyon",
        kind="college",
    )
    for role, name in ((StaffRole.Role.HEAD, "direction"), (StaffRole.Role.CPE, "cpe")):
        person = services.user_create(
            username=f"s{index}.{name}",
            first_name=name.title(),
            last_name=f"Banc{index}",
        )
        services.staff_role_grant(by=None, user=person, school=school, role=role)
    phases["structure (services)"] += time.perf_counter() - began

    began = time.perf_counter()
    report = pupils_import(
        by=None, school=school, data=_csv(index, pupils), dry_run=False
    )
    if not report.written:
        raise SystemExit(f"CSV import refused: {report.lines()[:5]}")
    phases["pupils (CSV import)"] += time.perf_counter() - began

    began = time.perf_counter()
    due = _today() + datetime.timedelta(days=30)
    for k, school_class in enumerate(
        Class.objects.filter(school=school, year=year).order_by("pk")
    ):
        teacher = services.user_create(
            username=f"s{index}.prof{k}",
            first_name="Prof",
            last_name=f"Banc{index}-{k}",
        )
        services.teaching_assignment_create(
            by=None,
            teacher=teacher,
            school_class=school_class,
            subject="Français",
            is_principal=True,
        )
        for a in range(ASSIGNMENTS_PER_CLASS):
            services.assignment_create(
                by=teacher,
                school_class=school_class,
                title=f"Activité {a + 1}",
                kind="forum",
                instructions="Racontez ce que vous avez découvert.",
                due_on=due,
            )
    phases["structure (services)"] += time.perf_counter() - began


def _measured_class(year, phases: dict[str, float]) -> None:  # type: ignore[no-untyped-def]
    """35 pupils × 60 entries through entry_save; the first pupil's first 10
    entries carry a photo; the teacher comments on one shared entry in four."""
    from classes.models import Class, TeachingAssignment
    from classes.queries import class_pupils
    from portfolio import services
    from portfolio.models import Entry, Visibility
    from webclasseur.uploads import clean_upload

    began = time.perf_counter()
    school_class = Class.objects.get(school__uai=uai(0), year=year, name=class_name(0))
    teacher = TeachingAssignment.objects.get(school_class=school_class).teacher
    dates = _dates(datetime.date(year.start_year, 9, 1), MEASURED_ENTRIES)
    for p, pupil in enumerate(class_pupils(school_class).order_by("pk")):
        for j in range(MEASURED_ENTRIES):
            uploads = (
                [clean_upload(_photo(j))] if p == 0 and j < MEASURED_IMAGES else []
            )
            entry = services.entry_save(
                by=pupil,
                entry=Entry(
                    kind="company_visit" if j % 2 else "forum",
                    title=f"Découverte {j}",
                    start_date=dates[j],
                    what_i_did="Une visite, " * 20,
                    what_i_learned="Ce que j'ai appris " * 15,
                    visibility=_visibility(p, j),
                ),
                metiers=[services.MetierLine(f"Métier {j}", "")],
                tag_names=[f"thème {j % 5}"],
                uploads=uploads,
            )
            if entry.visibility == Visibility.SHARED and j % COMMENT_EVERY == 0:
                services.comment_create(
                    by=teacher, entry=entry, body="Très bien, continuez."
                )
    phases["measured class entries (entry_save)"] += time.perf_counter() - began


def _visibility(pupil_index: int, j: int) -> str:
    """One entry in six is private, except the measured pupil's 10 with a
    photo: all of them are in the passport."""
    from portfolio.models import Visibility

    if j % 6 == 5 and not (pupil_index == 0 and j < MEASURED_IMAGES):
        return Visibility.PRIVATE
    return Visibility.SHARED


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _bulk_entries(year, phases: dict[str, float]) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """40 entries, a métier each and the comments, for every other pupil."""
    from classes.models import Enrolment, TeachingAssignment
    from portfolio.models import Comment, Entry, EntryMetier, Visibility

    began = time.perf_counter()
    measured = Enrolment.objects.filter(
        school_class__school__uai=uai(0), school_class__name=class_name(0), year=year
    ).values_list("pupil_id", flat=True)
    teachers = dict(
        TeachingAssignment.objects.filter(school_class__year=year).values_list(
            "school_class_id", "teacher_id"
        )
    )
    rows = list(
        Enrolment.objects.filter(year=year)
        .exclude(pupil_id__in=list(measured))
        .values_list(
            "pupil_id",
            "school_class_id",
            "school_class__level",
            "school_class__school_id",
        )
        .order_by("pupil_id")
    )
    dates = _dates(datetime.date(year.start_year, 9, 1), ENTRIES_PER_PUPIL)
    counts = {"entries": 0, "metiers": 0, "comments": 0}
    # A few thousand pupils at a time, so memory stays flat at scale 10.
    for group in _chunks(rows, 1000):
        entries = [
            Entry(
                owner_id=pupil_id,
                kind="company_visit" if j % 2 else "forum",
                title=f"Découverte {j}",
                start_date=dates[j],
                school_year_id=year.pk,
                level=level,
                school_id=school_id,
                what_i_learned="Ce que j'ai appris " * 5,
                visibility=Visibility.PRIVATE if j % 6 == 5 else Visibility.SHARED,
            )
            for pupil_id, _class_id, level, school_id in group
            for j in range(ENTRIES_PER_PUPIL)
        ]
        Entry.objects.bulk_create(entries, batch_size=BULK_BATCH)
        EntryMetier.objects.bulk_create(
            (
                EntryMetier(entry_id=e.pk, label=f"Métier {i % 40}")
                for i, e in enumerate(entries)
            ),
            batch_size=BULK_BATCH,
        )
        comments = [
            Comment(
                entry_id=entries[i * ENTRIES_PER_PUPIL + j].pk,
                author_id=teachers[class_id],
                body="Très bien, continuez.",
            )
            for i, (_pupil, class_id, _level, _school) in enumerate(group)
            for j in range(0, ENTRIES_PER_PUPIL, COMMENT_EVERY)
            if j % 6 != 5
        ]
        Comment.objects.bulk_create(comments, batch_size=BULK_BATCH)
        counts["entries"] += len(entries)
        counts["metiers"] += len(entries)
        counts["comments"] += len(comments)
    phases["other entries (bulk_create)"] += time.perf_counter() - began
    return counts


def seed(scale: float, log=print) -> dict:  # type: ignore[no-untyped-def]
    """Migrate and seed this (empty) database; returns what was made and how long."""
    from django.core.management import call_command

    from classes import services
    from classes.models import SchoolYear, school_year_start_for

    plan = plan_for(scale)
    phases = {
        "migrate": 0.0,
        "structure (services)": 0.0,
        "pupils (CSV import)": 0.0,
        "measured class entries (entry_save)": 0.0,
        "other entries (bulk_create)": 0.0,
        "analyze": 0.0,
    }
    began_all = time.perf_counter()
    began = time.perf_counter()
    call_command("migrate", "--noinput", verbosity=0)
    phases["migrate"] = time.perf_counter() - began
    year = services.school_year_get_or_create(
        start_year=school_year_start_for(_today())
    )
    assert SchoolYear.objects.current() == year  # noqa: S101
    for index in range(plan.schools):
        pupils = plan.first_school_pupils if index == 0 else plan.other_school_pupils
        _school(index, pupils, year, phases)
        if index % 10 == 0:
            log(f"  seeded school {index + 1}/{plan.schools}")
    _measured_class(year, phases)
    log("  measured class done; bulk entries…")
    counts = _bulk_entries(year, phases)
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    phases["analyze"] = time.perf_counter() - began
    from classes.models import Class, User
    from portfolio.models import Comment, Entry

    info = {
        "scale": scale,
        "plan": plan.__dict__,
        "seconds": round(time.perf_counter() - began_all, 1),
        "phases": {name: round(s, 1) for name, s in phases.items()},
        "counts": {
            "schools": plan.schools,
            "pupils": plan.pupils,
            "classes": Class.objects.count(),
            "users": User.objects.count(),
            "entries": Entry.objects.count(),
            "comments": Comment.objects.count(),
            "bulk": counts,
        },
        "seeded_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }
    _mark_seeded(info)
    return info


def ensure_measured_state() -> None:
    """A database seeded by the first version of this file had one of the
    measured pupil's photo entries private; share it, as a seed does now."""
    from classes.models import Class, SchoolYear
    from classes.queries import class_pupils
    from portfolio import services
    from portfolio.models import Entry, Visibility

    year = SchoolYear.objects.current()
    school_class = Class.objects.get(school__uai=uai(0), year=year, name=class_name(0))
    pupil = class_pupils(school_class).order_by("pk").first()
    if pupil is None:
        return
    for entry in Entry.objects.filter(
        owner=pupil, attachments__isnull=False, visibility=Visibility.PRIVATE
    ).distinct():
        services.entry_set_visibility(
            by=pupil, entry=entry, visibility=Visibility.SHARED
        )
