"""Template context for every page: the spaces in the header."""

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise, SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from classes.roles import roles_of
from portfolio.permissions import unread_comments_for


@dataclass(frozen=True)
class Space:
    label: str | Promise
    url: str
    is_current: bool
    unread: int = 0


def spaces_for(request: HttpRequest) -> list[Space]:
    """The spaces shown in the header, as the user's roles allow."""
    roles = roles_of(request.user)
    wanted = [
        (roles.is_pupil, _("My path"), "portfolio:home"),
        (roles.is_teacher, _("My classes"), "classes:my_classes"),
        (roles.is_team or roles.is_platform_admin, _("School"), "classes:school_home"),
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
