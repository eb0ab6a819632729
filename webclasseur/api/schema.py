"""The OpenAPI schema: every operation documents its problem-details answers."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.views import SpectacularAPIView
from rest_framework.renderers import BaseRenderer

from webclasseur.api.base import PROBLEM_CONTENT_TYPE, ApiView

PROBLEM = {
    "type": "object",
    "description": "Problem details (RFC 7807).",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "For invalid data: each field (or non_field_errors) "
            "with its messages.",
            "additionalProperties": {},
        },
    },
    "required": ["type", "title", "status", "detail"],
}
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

DESCRIPTIONS = {
    "400": "Invalid data (errors: field → messages)",
    "401": "No credentials, or an invalid token",
    "403": "Seen but not allowed",
    "404": "Not visible (or no such object)",
    "410": "Expired: nothing to download any more",
    "412": "Changed since the ETag sent in If-Match",
    "428": "If-Match is missing",
    "429": "Too many requests",
}


def add_problem_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Add the problem answers each operation can give, and the Problem schema."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if (
                    parameter["in"] == "path"
                    and parameter["schema"].get("type") == "integer"
                ):
                    # Ids are positive: the URL patterns match no other.
                    parameter["schema"]["minimum"] = 1
            codes = ["400", "401", "403", "404", "429"]
            headers = [
                p["name"]
                for p in operation.get("parameters", [])
                if p["in"] == "header"
            ]
            if "If-Match" in headers:
                codes += ["412", "428"]
            responses = operation.setdefault("responses", {})
            if "410" in responses:
                # Declared by the view (extend_schema): a problem too.
                del responses["410"]
                codes.append("410")
            for code in codes:
                responses.setdefault(
                    code,
                    {
                        "description": DESCRIPTIONS[code],
                        "content": {PROBLEM_CONTENT_TYPE: {"schema": PROBLEM_REF}},
                    },
                )
    return result


SCHEMA_SETTINGS = {
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "webclasseur.api.schema.add_problem_responses",
    ],
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "InterviewStatusEnum": "portfolio.models.InterviewStatus",
        "BatchStatusEnum": "exports.models.BatchStatus",
    },
    "DESCRIPTION": "Webclasseur's API v1: the same rules as the website. "
    "Errors are problem details (RFC 7807); entries carry an ETag and take "
    "If-Match on change.",
}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "webclasseur.api.tokens.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token: `Authorization: Bearer wc_…`.",
        }


class SchemaView(ApiView, SpectacularAPIView):
    """The OpenAPI 3 schema: JSON by default (errors too), YAML on request."""

    custom_settings = SCHEMA_SETTINGS
    renderer_classes: list[type[BaseRenderer]] = [
        OpenApiJsonRenderer,
        OpenApiJsonRenderer2,
        OpenApiYamlRenderer,
        OpenApiYamlRenderer2,
    ]
