"""The conseil de classe synthesis of the professeur principal."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from classes.models import TeachingAssignment
from portfolio import services
from portfolio.models import Entry, EntryKind, Visibility


def synthesis_url(world) -> str:
    return reverse("staff:class_synthesis", args=[world.college_class("3e A").pk])


def test_it_sums_up_shared_entries_metiers_and_comments(world):
    page = world.client_for("teacher").get(synthesis_url(world)).content.decode()
    lea = page[page.index("MARTIN Léa") :]
    lea = lea[: lea.index("</section>")]
    assert "2 traces partagées cette année" in lea
    assert "Soins infirmiers généralistes" in lea
    assert "Très bon compte rendu, Léa" in lea
    assert "Bac pro CIEL" not in lea  # from her private entry


def test_a_teacher_of_the_class_who_is_not_principal_may_not_open_it(world):
    other = TeachingAssignment.objects.get(
        school_class=world.college_class("3e A"), is_principal=False
    ).teacher
    client = world.client_for("anonymous")
    client.force_login(other)
    assert client.get(synthesis_url(world)).status_code == 403
    follow_up = reverse("staff:class_progress", args=[world.college_class("3e A").pk])
    assert client.get(follow_up).status_code == 200


def test_queries_do_not_grow_with_entries_and_comments(world):
    client = world.client_for("teacher")
    client.get(
        synthesis_url(world)
    )  # warm-up: session bookkeeping is not the page's cost
    with CaptureQueriesContext(connection) as before:
        client.get(synthesis_url(world))
    lea = world.user("pupil")
    for index in range(30):
        entry = services.entry_save(
            by=lea,
            entry=Entry(
                kind=EntryKind.FORUM,
                title=f"Forum {index}",
                start_date=timezone.localdate(),
                visibility=Visibility.SHARED,
            ),
            metiers=[services.MetierLine(f"Métier {index}")],
        )
        services.comment_create(
            by=world.user("teacher"), entry=entry, body=f"Vu {index}"
        )
    client.get(
        synthesis_url(world)
    )  # warm-up: session bookkeeping is not the page's cost
    with CaptureQueriesContext(connection) as after:
        page = client.get(synthesis_url(world)).content.decode()
    assert len(before) > 3
    assert len(after) == len(before)
    assert "Métier 29" in page
