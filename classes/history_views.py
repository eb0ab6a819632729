"""The school managers' page of the history of roles (classes/history.py)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from classes.history import ROLE_HISTORY_LIMIT, history_enabled, role_history
from classes.permissions import authenticated_user, get_school_for


def role_history_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Team roles and teaching assignments granted, changed and removed."""
    user = authenticated_user(request)
    school = get_school_for(user, pk, "manage")
    return render(
        request,
        "classes/role_history.html",
        {
            "school": school,
            "changes": role_history(school),
            "limit": ROLE_HISTORY_LIMIT,
            "history_enabled": history_enabled(),
        },
    )
