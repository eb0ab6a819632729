"""Access policy for portfolio data.

The pupil owns their portfolio. Staff (the pupil's current teachers and the
school's educational team) may open it, and will see only what the pupil shares
once entries exist. Nothing is visible across schools.
See classes/permissions.py for the shape of these functions.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from classes.models import User
from classes.permissions import AnyUser, pupils_visible_to


def portfolio_owners_visible_to(user: AnyUser) -> QuerySet[User]:
    """Pupils whose portfolio the user may open: themself, or their pupils (staff)."""
    return pupils_visible_to(user)


def can_view_portfolio(user: AnyUser, owner: User) -> bool:
    return portfolio_owners_visible_to(user).filter(pk=owner.pk).exists()


def can_edit_portfolio(user: AnyUser, owner: User) -> bool:
    """Only the pupil writes in their portfolio."""
    return user.is_authenticated and owner.pk == user.pk


PORTFOLIO_ACTIONS = {"view": can_view_portfolio, "edit": can_edit_portfolio}


def get_portfolio_owner_for(user: AnyUser, owner_pk: int, action: str) -> User:
    """The pupil whose portfolio is asked for (404 not visible, 403 not allowed)."""
    owner = portfolio_owners_visible_to(user).filter(pk=owner_pk).first()
    if owner is None:
        raise Http404
    check = PORTFOLIO_ACTIONS.get(action)
    if check is None or not check(user, owner):
        raise PermissionDenied
    return owner
