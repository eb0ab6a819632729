"""Template context for every page: the spaces in the header and whether it
offers the second factor (staff accounts only)."""

from dataclasses import dataclass

from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import Promise, SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from classes.permissions import (
    can_use_pupil_space,
    can_use_school_space,
    can_use_teacher_space,
)
from classes.queries import new_assignments_for
from portfolio.permissions import unread_comments_for


@dataclass(frozen=True)
class Space:
    label: str | Promise
    url: str
    is_current: bool
    unread: int = 0
    new_assignments: int = 0


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
            is_pupil_space = url_name == "portfolio:home"
            spaces.append(
                Space(
                    label,
                    url,
                    request.path.startswith(url),
                    unread_comments_for(user).count() if is_pupil_space else 0,
                    new_assignments_for(user).count() if is_pupil_space else 0,
                )
            )
    return spaces


def offers_second_factor(request: HttpRequest) -> bool:
    """Whether the header links to the second-factor pages (staff only)."""
    adapter = get_mfa_adapter()
    can_set_up = getattr(adapter, "can_set_up", None)
    return bool(
        request.user.is_authenticated and can_set_up and can_set_up(request.user)
    )


def spaces(request: HttpRequest) -> dict[str, object]:
    return {
        "spaces": SimpleLazyObject(lambda: spaces_for(request)),
        "offers_second_factor": SimpleLazyObject(lambda: offers_second_factor(request)),
    }
