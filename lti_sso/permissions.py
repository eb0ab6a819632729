"""Who sees and changes a school's identity providers (SAML SocialApps).

An identity provider belongs to the schools whose UAIs it may assert
(`settings["webclasseur"]["allowed_uais"]`). A school's managers see those of
their school; they change one only when every school it serves is one they
manage (an académie-wide ENT shared with other schools is the platform
administrator's). The platform administrator sees and changes them all.
"""

from typing import TYPE_CHECKING

from allauth.socialaccount.models import SocialApp
from django.db.models import QuerySet

from classes.models import Class, School, User
from classes.permissions import AnyUser, can_manage_school, can_teach_class, get_checked
from classes.roles import roles_of

if TYPE_CHECKING:
    from lti_sso.models import LtiPlatform

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


# --- LTI 1.3 -----------------------------------------------------------------
# A platform registration belongs to one school: its managers (head, deputy,
# school admin) and the platform administrator see and change it. The tool's
# keys are the platform administrator's. A roster sync is for the class's
# teachers. A launch in progress (class choice, deep linking) is continued
# only by the session it was validated in, for the person it names.


def lti_platforms_of(school: School) -> "QuerySet[LtiPlatform]":
    from lti_sso.models import LtiPlatform

    return LtiPlatform.objects.filter(school=school).order_by("name", "pk")


def can_manage_lti_platform(user: AnyUser, platform: "LtiPlatform") -> bool:
    return can_manage_school(user, platform.school)


LTI_PLATFORM_ACTIONS = {
    "view": can_manage_lti_platform,
    "edit": can_manage_lti_platform,
}


def get_lti_platform_for(
    user: AnyUser, school: School, pk: int, action: str
) -> "LtiPlatform":
    """A platform registration of `school` (already checked as managed)."""
    return get_checked(
        user,
        lti_platforms_of(school).select_related("school"),
        pk,
        action,
        LTI_PLATFORM_ACTIONS,
    )


def can_rotate_tool_keys(user: AnyUser) -> bool:
    """Rotating the tool's signing key: the platform administrator only."""
    return roles_of(user).is_platform_admin


def can_sync_roster(user: AnyUser, school_class: Class) -> bool:
    """Pull the course's learners into the class: its teachers this year."""
    return can_teach_class(user, school_class)


def owns_launch(user: AnyUser, platform: "LtiPlatform", sub: object) -> bool:
    """The validated launch names this user (its `sub` on that platform)."""
    from lti_sso.models import LtiIdentity

    return (
        isinstance(user, User)
        and isinstance(sub, str)
        and LtiIdentity.objects.filter(platform=platform, sub=sub, user=user).exists()
    )
