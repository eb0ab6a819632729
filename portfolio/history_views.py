"""The pupil's page of an entry's history (portfolio/history.py)."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from classes.permissions import authenticated_user
from portfolio.history import entry_history, history_enabled
from portfolio.permissions import get_entry_history_for


def entry_history_page(request: HttpRequest, pk: int) -> HttpResponse:
    """Every version of the pupil's own entry and the comments on it."""
    user = authenticated_user(request)
    entry = get_entry_history_for(user, pk)
    return render(
        request,
        "portfolio/history.html",
        {
            "entry": entry,
            "changes": entry_history(entry),
            "history_enabled": history_enabled(),
        },
    )
