"""Template context for every page: the spaces in the header."""

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise, SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from classes.permissions import (
    can_use_pupil_space,
    can_use_school_space,
    can_use_teacher_space,
)
from portfolio.permissions import unread_comments_for


@dataclass(frozen=True)
class Space:
    label: str | Promise
    url: str
    is_current: bool
    unread: int = 0


def spaces_for(request: HttpRequest) -> list[Space]:
    """The spaces shown in the header, as the user's roles allow."""
    user = request.user
    wanted = [
        (can_use_pupil_space(user), _("My path"), "portfolio:home"),
        (can_use_teacher_space(user), _("My classes"), "classes:my_classes"),
        (can_use_school_space(user), _("School"), "classes:school_home"),
    ]
    spaces = []
    for allowed, label, url_name in wanted:
        if allowed:
            url = reverse(url_name)
            unread = _unread_comments(request) if url_name == "portfolio:home" else 0
            spaces.append(Space(label, url, request.path.startswith(url), unread))
    return spaces


def _unread_comments(request: HttpRequest) -> int:
    return unread_comments_for(request.user).count()


def spaces(request: HttpRequest) -> dict[str, object]:
    return {"spaces": SimpleLazyObject(lambda: spaces_for(request))}
