"""Shared helpers of the API tests: the cast, clients, the schema."""

import json
from typing import Any

from django.test import Client

from classes.models import ApiToken, User
from webclasseur.api.tokens import api_token_create

API = "/api/v1"
# The page matrix's cast, plus Léa with a read-only token.
CAST = (
    "anonymous",
    "pupil",
    "classmate",
    "other_class_pupil",
    "other_school_pupil",
    "teacher",
    "other_teacher",
    "other_school_teacher",
    "head",
    "cpe",
    "psyen",
    "documentalist",
    "other_school_head",
    "platform_admin",
    "pupil_read_token",
)


def api_client(world: Any, alias: str) -> tuple[Client, User | None]:
    """A client acting as `alias` (session), or as Léa with a read-only token."""
    if alias == "pupil_read_token":
        user = world.user("pupil")
        _token, key = api_token_create(
            by=user, name="lecture", scope=ApiToken.Scope.READ
        )
        return Client(HTTP_AUTHORIZATION=f"Bearer {key}"), user
    return world.client_for(alias), world.user(alias)


def schema_of(client: Client) -> dict[str, Any]:
    response = client.get(f"{API}/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def operations(schema: dict[str, Any]) -> set[tuple[str, str]]:
    """Every (path, METHOD) the schema describes."""
    return {
        (path, method.upper())
        for path, ops in schema["paths"].items()
        for method in ops
        if method in {"get", "post", "put", "patch", "delete"}
    }
