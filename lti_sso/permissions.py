"""Who sees and changes a school's identity providers (SAML SocialApps).

An identity provider belongs to the schools whose UAIs it may assert
(`settings["webclasseur"]["allowed_uais"]`). A school's managers see those of
their school; they change one only when every school it serves is one they
manage (an académie-wide ENT shared with other schools is the platform
administrator's). The platform administrator sees and changes them all.
"""

from allauth.socialaccount.models import SocialApp
from django.db.models import QuerySet

from classes.models import School, User
from classes.permissions import AnyUser, can_manage_school, get_checked
from classes.roles import roles_of

SAML = "saml"


def allowed_uais_of(app: SocialApp) -> list[str]:
    extra = (app.settings or {}).get("webclasseur") or {}
    return [str(uai) for uai in extra.get("allowed_uais") or []]


def identity_providers_of(school: School) -> QuerySet[SocialApp]:
    """The SAML apps that may assert this school's UAI (JSON lookups differ
    between SQLite and PostgreSQL: filtered in Python, there are few)."""
    apps = SocialApp.objects.filter(provider=SAML).only("pk", "settings")
    pks = [app.pk for app in apps if school.uai in allowed_uais_of(app)]
    return SocialApp.objects.filter(pk__in=pks).order_by("name", "pk")


def managed_schools_of(user: AnyUser) -> QuerySet[School]:
    """Schools whose UAI the user may let an identity provider assert."""
    if roles_of(user).is_platform_admin:
        return School.objects.order_by("name")
    if not isinstance(user, User):
        return School.objects.none()
    pks = [
        school.pk
        for school in School.objects.filter(staff_roles__user_id=user.pk).distinct()
        if can_manage_school(user, school)
    ]
    return School.objects.filter(pk__in=pks).order_by("name")


def can_view_identity_provider(user: AnyUser, app: SocialApp) -> bool:
    uais = set(allowed_uais_of(app))
    return roles_of(user).is_platform_admin or any(
        school.uai in uais for school in managed_schools_of(user)
    )


def can_edit_identity_provider(user: AnyUser, app: SocialApp) -> bool:
    """Every school the provider serves is managed by the user."""
    if roles_of(user).is_platform_admin:
        return True
    uais = set(allowed_uais_of(app))
    managed = set(managed_schools_of(user).values_list("uai", flat=True))
    return bool(uais) and uais <= managed


IDENTITY_PROVIDER_ACTIONS = {
    "view": can_view_identity_provider,
    "edit": can_edit_identity_provider,
}


def get_identity_provider_for(
    user: AnyUser, school: School, pk: int, action: str
) -> SocialApp:
    """An identity provider of `school` (already checked as managed by the
    user): 404 when it does not serve the school, 403 when it may not be
    changed by the user."""
    return get_checked(
        user, identity_providers_of(school), pk, action, IDENTITY_PROVIDER_ACTIONS
    )
