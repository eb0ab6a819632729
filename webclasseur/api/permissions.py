"""Who reads the API's documentation page: staff (teachers, educational teams,
the platform administrator). Pupils use the API through the apps they sign
in to; the schema itself stays readable by anyone signed in."""

from typing import Any

from django.utils.translation import gettext_lazy as _lazy
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from classes.permissions import AnyUser
from classes.roles import roles_of


def can_read_api_docs(user: AnyUser) -> bool:
    roles = roles_of(user)
    return roles.is_teacher or roles.is_team or roles.is_platform_admin


class ApiDocsPermission(BasePermission):
    message = _lazy("The API documentation is for staff.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return can_read_api_docs(request.user)
