"""Page cost: four pages against the empty page in the same layout, for the
same user, each the median of repeated requests through Django's test client
(the whole middleware stack, templates, sessions in Redis; no network)."""

from dataclasses import dataclass

from django.test import Client, override_settings
from django.urls import reverse

from bench.common import Row, count_queries, median_ms, ratio_row
from bench.seed import class_name, uai

LIMIT = 3.0


@dataclass
class Page:
    name: str
    workload: str
    client: Client
    url: str
    clear_cache: bool = False


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def _get(client: Client, url: str) -> None:
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")


def measured_people():  # type: ignore[no-untyped-def]
    """The measured school, class, pupil (60 entries, 10 photos), teacher and head."""
    from classes.models import Class, SchoolYear, StaffRole, TeachingAssignment
    from classes.queries import class_pupils

    year = SchoolYear.objects.current()
    school_class = Class.objects.select_related("school").get(
        school__uai=uai(0), year=year, name=class_name(0)
    )
    pupil = class_pupils(school_class).order_by("pk").first()
    teacher = TeachingAssignment.objects.get(school_class=school_class).teacher
    head = StaffRole.objects.get(
        school=school_class.school, role=StaffRole.Role.HEAD
    ).user
    return school_class, pupil, teacher, head


@override_settings(ROOT_URLCONF="bench.urls")
def measure(runs: int, scale: str) -> list[Row]:
    from django.core.cache import cache

    from classes.queries import class_pupils

    school_class, pupil, teacher, head = measured_people()
    school = school_class.school
    pupil_client, teacher_client, head_client = (
        _client(pupil),
        _client(teacher),
        _client(head),
    )
    empty = reverse("bench_empty")
    from classes.models import Enrolment

    school_size = Enrolment.objects.filter(
        school_class__school=school, year=school_class.year
    ).count()
    pages = [
        Page(
            "page: pupil timeline",
            f"{pupil.entries.count()} entries",
            pupil_client,
            reverse("portfolio:home"),
        ),
        Page(
            "page: teacher class progress",
            f"{class_pupils(school_class).count()} pupils × 60 entries",
            teacher_client,
            reverse("staff:class_progress", args=[school_class.pk]),
        ),
        Page(
            "page: school overview",
            f"{school_size} pupils",
            head_client,
            reverse("coverage:school_coverage", args=[school.pk]),
        ),
        Page(
            "page: school overview, cache cleared",
            f"{school_size} pupils, cache.clear() before each",
            head_client,
            reverse("coverage:school_coverage", args=[school.pk]),
            clear_cache=True,
        ),
        Page(
            "page: entries API list",
            "teacher, page of 50",
            teacher_client,
            reverse("api:entry_list") + "?page_size=50",
        ),
    ]
    rows = []
    for page in pages:
        before = cache.clear if page.clear_cache else None

        def empty_page(client: Client = page.client) -> None:
            _get(client, empty)

        def measured_page(client: Client = page.client, url: str = page.url) -> None:
            _get(client, url)

        baseline_ms, _ = median_ms(empty_page, runs)
        if before:
            before()
        queries = count_queries(measured_page)
        value_ms, timings = median_ms(measured_page, runs, before=before)
        base_queries = count_queries(empty_page)
        rows.append(
            ratio_row(
                page.name,
                page.workload,
                value_ms,
                "empty page",
                baseline_ms,
                LIMIT,
                queries=queries,
                scale=scale,
                runs=runs,
                extra={
                    "url": page.url,
                    "baseline_queries": base_queries,
                    "all_ms": [round(t, 1) for t in timings],
                },
            )
        )
    return rows
