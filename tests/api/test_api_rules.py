"""Field-level rules, problem details, ETags and tokens of the API."""

import json

from django.utils import translation

from classes.models import ApiToken
from portfolio.models import Entry, Visibility
from portfolio.serializers import entry_etag
from tests.api.helpers import API
from webclasseur.api.tokens import api_token_create, api_token_revoke

SHARED = "Visite de l'atelier du Garage des Tonkins"
PRIVATE = "Recherches sur les bacs pro du numérique"


def _patch(client, entry, data, **headers):
    return client.patch(
        f"{API}/entries/{entry.pk}/",
        json.dumps(data),
        content_type="application/json",
        **headers,
    )


def _all_ids(client, url):
    ids, page = [], 1
    while True:
        body = client.get(url, {"page": page, "page_size": 100}).json()
        ids += [row["id"] for row in body["results"]]
        if not body["next"]:
            return ids
        page += 1


def test_a_private_entry_never_reaches_a_teachers_list(world):
    private = world.entry(PRIVATE)
    shared = world.entry(SHARED)
    teacher_ids = _all_ids(world.client_for("teacher"), f"{API}/entries/")
    assert shared.pk in teacher_ids
    assert private.pk not in teacher_ids
    assert private.pk in _all_ids(world.client_for("pupil"), f"{API}/entries/")


def test_a_staff_read_goes_to_the_pupils_access_log(world):
    from portfolio.models import AccessLog

    shared = world.entry(SHARED)
    world.client_for("teacher").get(f"{API}/entries/{shared.pk}/")
    assert AccessLog.objects.filter(
        pupil=shared.owner, reader=world.user("teacher"), object_id=shared.pk
    ).exists()


def test_a_pupil_cannot_set_the_review_mark(world):
    """Fields that belong to the teacher or the school are refused, by name."""
    entry = world.entry(SHARED)
    client = world.client_for("pupil")
    for field, value in [
        ("reviewed_at", "2026-01-01T00:00:00Z"),
        ("owner", world.user("classmate").pk),
        ("school_year", 1),
    ]:
        response = _patch(
            client, entry, {field: value}, HTTP_IF_MATCH=entry_etag(entry)
        )
        assert response.status_code == 400
        assert field in response.json()["errors"]
    entry.refresh_from_db()
    assert entry.reviewed_at is None
    assert entry.owner == world.user("pupil")


def test_bad_input_gets_the_pages_message_next_to_its_field(world):
    client = world.client_for("pupil")
    with translation.override("en"):
        response = client.post(
            f"{API}/entries/",
            json.dumps(
                {
                    "kind": "company_visit",
                    "title": "Visite",
                    "start_date": "2026-03-10",
                    "end_date": "2026-03-01",
                    "metiers": [{"label": "", "rome_code": "M1805"}],
                }
            ),
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400
    assert "end_date" in problem["errors"]
    assert problem["errors"]["metiers"][0]["label"]
    assert not Entry.objects.filter(title="Visite", owner__username="eleve").exists()


def test_a_finished_entry_needs_a_title_and_a_draft_does_not(world):
    client = world.client_for("pupil")
    refused = client.post(
        f"{API}/entries/",
        json.dumps({"kind": "forum"}),
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert {"title", "start_date"} <= set(refused.json()["errors"])
    draft = client.post(
        f"{API}/entries/",
        json.dumps({"kind": "forum", "is_draft": True}),
        content_type="application/json",
    )
    assert draft.status_code == 201
    assert draft.json()["is_draft"] is True


def test_changing_an_entry_takes_its_current_etag(world):
    entry = world.entry(SHARED)
    client = world.client_for("pupil")
    read = client.get(f"{API}/entries/{entry.pk}/")
    etag = read["ETag"]
    assert read.json()["etag"] == etag
    assert _patch(client, entry, {"title": "Sans version"}).status_code == 428
    assert (
        _patch(client, entry, {"title": "Vieille"}, HTTP_IF_MATCH='"0"').status_code
        == 412
    )
    first = _patch(client, entry, {"title": "Première"}, HTTP_IF_MATCH=etag)
    assert first.status_code == 200
    assert first["ETag"] != etag
    # A second client with the ETag read before the first change is refused.
    stale = _patch(client, entry, {"title": "Seconde"}, HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    entry.refresh_from_db()
    assert entry.title == "Première"
    # PATCH keeps what is not sent.
    assert entry.visibility == Visibility.SHARED
    assert entry.metiers.exists()


def test_trash_and_restore(world):
    entry = world.entry(PRIVATE)
    client = world.client_for("pupil")
    assert client.delete(f"{API}/entries/{entry.pk}/").status_code == 204
    assert client.get(f"{API}/entries/{entry.pk}/").status_code == 404
    trash = client.get(f"{API}/trash/").json()["results"]
    assert entry.pk in [row["id"] for row in trash]
    restored = client.post(f"{API}/trash/{entry.pk}/restore/")
    assert restored.status_code == 200
    assert client.get(f"{API}/entries/{entry.pk}/").status_code == 200


def test_a_read_only_token_reads_and_cannot_write(world):
    lea = world.user("pupil")
    token, key = api_token_create(by=lea, name="ENT", scope=ApiToken.Scope.READ)
    client = type(world.client_for("anonymous"))(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get(f"{API}/me/").json()["id"] == lea.pk
    refused = client.post(
        f"{API}/entries/",
        json.dumps({"kind": "forum", "is_draft": True}),
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert ApiToken.objects.get(pk=token.pk).key_hash not in key
    api_token_revoke(by=lea, token=token)
    assert client.get(f"{API}/me/").status_code == 401


def test_a_wrong_token_is_refused(world):
    client = type(world.client_for("anonymous"))(HTTP_AUTHORIZATION="Bearer wc_x_y")
    response = client.get(f"{API}/me/")
    assert response.status_code == 401
    assert response.json()["status"] == 401


def test_a_read_write_token_writes_without_csrf(world):
    lea = world.user("pupil")
    _token, key = api_token_create(by=lea, name="ENT", scope=ApiToken.Scope.READ_WRITE)
    client = type(world.client_for("anonymous"))(
        enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    response = client.post(
        f"{API}/entries/",
        json.dumps({"kind": "forum", "is_draft": True}),
        content_type="application/json",
    )
    assert response.status_code == 201


def test_a_teacher_gives_an_assignment_and_reads_the_answers(world):
    school_class = world.college_class("3e A")
    client = world.client_for("teacher")
    refused = client.post(
        f"{API}/classes/{school_class.pk}/assignments/",
        json.dumps(
            {"title": "", "kind": "forum", "instructions": "", "due_on": "2000-01-01"}
        ),
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert {"title", "instructions", "due_on"} <= set(refused.json()["errors"])
    answer = world.answer_of_lea()
    assignment = answer.assignment
    rows = client.get(f"{API}/assignments/{assignment.pk}/answers/").json()["results"]
    lea_row = next(row for row in rows if row["pupil"]["id"] == answer.owner_id)
    assert lea_row["answer_id"] == answer.pk


def test_a_pupil_never_learns_which_classmates_were_chosen(world):
    client = world.client_for("pupil")
    for row in client.get(f"{API}/assignments/").json()["results"]:
        assert "chosen_pupils" not in row
