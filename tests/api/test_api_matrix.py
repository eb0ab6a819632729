# ruff: noqa: E501 - the matrix is a table, one row a line
"""The API's role matrix: every operation of the generated schema, every role.

The list of operations is read from the schema itself: an endpoint (or a
method) added to the API without rows here fails the suite. Codes: 401 without
credentials, 404 for what the user may not see, 403 for what they see but may
not do (and for writes with a read-only token).
"""

import datetime
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from classes.models import ApiToken, User
from exports.batch import BATCH_KEEP, batch_finish
from exports.models import BatchExport
from portfolio import services as portfolio_services
from portfolio.serializers import entry_etag
from tests.api.helpers import API, CAST, api_client, operations, schema_of
from webclasseur.api.tokens import api_token_create

GET, POST, PUT, PATCH, DELETE = "GET", "POST", "PUT", "PATCH", "DELETE"

SHARED = "Visite de l'atelier du Garage des Tonkins"
PRIVATE = "Recherches sur les bacs pro du numérique"
TRASHED = "Essai supprimé"
ASSIGNMENT = "Préparer la visite du lycée Marie-Curie"


def _shared_entry(world: Any) -> dict[str, int]:
    return {"id": world.entry(SHARED).pk}


def _private_entry(world: Any) -> dict[str, int]:
    return {"id": world.entry(PRIVATE).pk}


def _trashed_entry(world: Any) -> dict[str, int]:
    return {"id": world.entry(TRASHED).pk}


def _class_3e_a(world: Any) -> dict[str, int]:
    return {"id": world.college_class("3e A").pk}


def _assignment(world: Any) -> dict[str, int]:
    return {"id": world.assignment(ASSIGNMENT).pk}


def _photo(world: Any) -> dict[str, int]:
    return {"id": world.entry(SHARED).attachments.get().pk}


def _interview(world: Any) -> dict[str, int]:
    return {"id": world.interview_of_lea().pk}


def _college(world: Any) -> dict[str, int]:
    return {"id": world.college_class("3e A").school_id}


def _batch(world: Any) -> dict[str, int]:
    """A finished class batch requested by prof (an empty ZIP)."""
    batch = BatchExport.objects.create(
        requester=world.user("teacher"),
        school_class=world.college_class("3e A"),
        expires_at=timezone.now() + BATCH_KEEP,
    )
    return {"id": batch_finish(batch_id=batch.pk, parts=[]).pk}


def png_upload(name: str = "atelier.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 80, 40)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def _pupil_token(world: Any) -> dict[str, int]:
    token, _key = api_token_create(
        by=world.user("pupil"), name="ENT", scope=ApiToken.Scope.READ_WRITE
    )
    return {"id": token.pk}


def _entry_etag(world: Any, user: User | None) -> dict[str, str]:
    return {"HTTP_IF_MATCH": entry_etag(world.entry(SHARED))}


def _project_etag(world: Any, user: User | None) -> dict[str, str]:
    """The user's own project's ETag (staff have none: they are refused first)."""
    if user is None:
        return {}
    from portfolio.api import _project_etag as etag

    return {"HTTP_IF_MATCH": etag(portfolio_services.project_for(owner=user))}


def _yesterday() -> str:
    return (timezone.localdate() - datetime.timedelta(days=1)).isoformat()


def _in_two_weeks() -> str:
    return (timezone.localdate() + datetime.timedelta(days=14)).isoformat()


NEW_ENTRY = {"kind": "company_visit", "title": "Visite du dépôt", "start_date": "Y"}
NEW_ASSIGNMENT = {
    "title": "Recherche sur un métier",
    "kind": "personal_research",
    "instructions": "Choisissez un métier et présentez-le.",
    "due_on": "D",
}


def _data(data: dict[str, Any] | None) -> dict[str, Any] | None:
    if data is None:
        return None
    dates = {"Y": _yesterday(), "D": _in_two_weeks()}
    return {key: dates.get(value, value) for key, value in data.items()}


@dataclass(frozen=True)
class Row:
    path: str
    method: str
    kwargs: Callable[[Any], dict[str, int]] | None
    codes: tuple[int, ...]
    data: dict[str, Any] | None = None
    headers: Callable[[Any, User | None], dict[str, str]] | None = None
    label: str = ""
    multipart: bool = False

    @property
    def id(self) -> str:
        return self.label or f"{self.method} {self.path}"


# fmt: off
# Every signed-in user; anonymous gets 401.                anon pupil mate ocls osch tchr otch osct head cpe  psy  doc  oshd admin token
ANYONE =                                                   (401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)
# Writing in one's own portfolio: pupils; staff are not pupils.
PUPIL_SPACE =                                              (401, 200, 200, 200, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200)
PUPIL_SPACE_WRITE =                                        (401, 201, 201, 201, 201, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403)
# Léa's shared entry: her teachers and her school's team read it.
SHARED_ENTRY =                                             (401, 200, 404, 404, 404, 200, 404, 404, 200, 200, 200, 200, 404, 404, 200)
PRIVATE_ENTRY =                                            (401, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 200)
# Changing an entry: its owner; other pupils do not see it, staff are refused first.
OWNER_ONLY =                                               (401, 200, 404, 404, 404, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403)
# The class space of 3e A: its pupils, its teachers, the school's team.
CLASS_VIEW =                                               (401, 200, 200, 404, 404, 200, 404, 404, 200, 200, 200, 200, 404, 200, 200)
# Managing one's tokens: the web session only, never with a token.
TOKENS =                                                   (401, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 403)

MATRIX = [
    Row("/schema/", GET, None, ANYONE),
    Row("/me/", GET, None, ANYONE),
    Row("/tokens/", GET, None, TOKENS),
    Row("/tokens/", POST, None,                            (401, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 403), {"name": "ENT", "scope": "read"}),
    Row("/tokens/{id}/", DELETE, _pupil_token,             (401, 204, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 403)),
    Row("/entries/", GET, None, ANYONE),
    Row("/entries/", POST, None, PUPIL_SPACE_WRITE, NEW_ENTRY),
    Row("/entries/{id}/", GET, _shared_entry, SHARED_ENTRY),
    Row("/entries/{id}/", GET, _private_entry, PRIVATE_ENTRY, label="GET private entry"),
    Row("/entries/{id}/", GET, _trashed_entry,             (401, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404), label="GET trashed entry"),
    Row("/entries/{id}/", PUT, _shared_entry, OWNER_ONLY, {**NEW_ENTRY, "visibility": "shared"}, _entry_etag),
    Row("/entries/{id}/", PATCH, _shared_entry, OWNER_ONLY, {"title": "Atelier du garage"}, _entry_etag),
    Row("/entries/{id}/", DELETE, _shared_entry,           (401, 204, 404, 404, 404, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403)),
    Row("/entries/{id}/comments/", GET, _shared_entry, SHARED_ENTRY),
    Row("/entries/{id}/comments/", POST, _shared_entry,    (401, 201, 404, 404, 404, 201, 404, 404, 201, 201, 201, 201, 404, 404, 403), {"body": "Bien vu."}),
    Row("/entries/{id}/comments/", POST, _private_entry,   (401, 403, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 403), {"body": "Bien vu."}, label="POST comment on a private entry"),
    # Attachments: the owner adds files (multipart); whoever sees the entry downloads.
    Row("/entries/{id}/attachments/", POST, _shared_entry, (401, 201, 404, 404, 404, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403), multipart=True),
    Row("/attachments/{id}/", GET, _photo, SHARED_ENTRY),
    Row("/trash/", GET, None, PUPIL_SPACE),
    Row("/trash/{id}/restore/", POST, _trashed_entry,      (401, 200, 404, 404, 404, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403)),
    Row("/project/", GET, None, PUPIL_SPACE),
    Row("/project/", PUT, None,                            (401, 200, 200, 200, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403), {"metiers": "Mécanicienne"}, _project_etag),
    Row("/project/", PATCH, None,                          (401, 200, 200, 200, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403), {"is_shared": True}, _project_etag),
    # Léa's interview (organised by the Psy-EN with her PP): Léa, prof, her school's team.
    Row("/interviews/", GET, None, ANYONE),
    Row("/interviews/{id}/", GET, _interview,              (401, 200, 404, 404, 404, 200, 404, 404, 200, 200, 200, 200, 404, 404, 200)),
    # The school's overview figures: its educational team (and the platform admin).
    Row("/schools/{id}/overview/", GET, _college,          (401, 403, 403, 403, 404, 403, 403, 404, 200, 200, 200, 200, 404, 200, 403)),
    Row("/classes/", GET, None, ANYONE),
    Row("/classes/{id}/", GET, _class_3e_a, CLASS_VIEW),
    # Following the pupils: the class's teachers and the school's team.
    Row("/classes/{id}/pupils/", GET, _class_3e_a,         (401, 403, 403, 404, 404, 200, 404, 404, 200, 200, 200, 200, 404, 403, 403)),
    Row("/classes/{id}/assignments/", GET, _class_3e_a, CLASS_VIEW),
    Row("/classes/{id}/assignments/", POST, _class_3e_a,   (401, 403, 403, 404, 404, 201, 404, 404, 403, 403, 403, 403, 404, 403, 403), NEW_ASSIGNMENT),
    Row("/assignments/", GET, None, ANYONE),
    Row("/assignments/{id}/", GET, _assignment, CLASS_VIEW),
    # The answers: the class's teachers.
    Row("/assignments/{id}/answers/", GET, _assignment,    (401, 403, 403, 404, 404, 200, 404, 404, 403, 403, 403, 403, 404, 403, 403)),
    # Exports: a pupil's own passport (the PDF); class batches for the class's
    # teachers and the school's team, each batch its requester's alone.
    Row("/exports/passport/", POST, None,                  (401, 200, 200, 200, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403), {}),
    Row("/classes/{id}/exports/", POST, _class_3e_a,       (401, 403, 403, 404, 404, 202, 404, 404, 202, 202, 202, 202, 404, 403, 403)),
    Row("/exports/{id}/", GET, _batch,                     (401, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
    Row("/exports/{id}/download/", GET, _batch,            (401, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404)),
]
# fmt: on

CASES = [
    pytest.param(row, who, expected, id=f"{row.id}-{who}")
    for row in MATRIX
    for who, expected in zip(CAST, row.codes, strict=True)
]


def call(client: Any, row: Row, url: str, headers: dict[str, str]) -> Any:
    data = _data(row.data)
    if row.method == GET:
        return client.get(url, **headers)
    if row.multipart:
        return client.post(url, {"uploads": png_upload()}, **headers)
    body = json.dumps(data) if data is not None else None
    send = getattr(client, row.method.lower())
    return send(url, body, content_type="application/json", **headers)


@pytest.mark.parametrize(("row", "who", "expected"), CASES)
def test_it_answers_each_role_as_the_matrix_says(world, row, who, expected):
    kwargs = row.kwargs(world) if row.kwargs else {}
    client, user = api_client(world, who)
    headers = row.headers(world, user) if row.headers else {}
    response = call(client, row, API + row.path.format(**kwargs), headers)
    assert response.status_code == expected, response.content[:300]
    if expected >= 400:
        assert response["Content-Type"] == "application/problem+json"
        problem = response.json()
        assert problem["status"] == expected
        assert {"type", "title", "detail"} <= set(problem)
    if who == "anonymous":
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_every_operation_of_the_schema_has_rows(world):
    """A new endpoint or method without a row here fails."""
    described = operations(schema_of(world.client_for("pupil")))
    covered = {(API + row.path, row.method) for row in MATRIX}
    # The schema does not describe itself; its row is above.
    assert described - covered == set()
    assert covered - described == {(f"{API}/schema/", GET)}
