"""A validated launch → our world: the person, the class, the role.

- The person is (platform registration, `sub`) → LtiIdentity → User; a new
  user gets the names (and the email, when no one uses it) from the claims.
  Accounts are never linked by email.
- The role comes from the signed roles claim of this launch only
  (lti_sso.lti.roles). A person we know as a pupil never becomes staff
  because of a launch, and a staff account is never made a pupil: refused
  and logged.
- The course (context claim) is an LtiContext of the registration; its class
  is one of the registration's school, for the current school year, chosen by
  a teacher of that class (or matched, among the classes they teach, by the
  course's label or title). A pupil from a course not linked yet is told to
  ask their teacher.
- Everything is written in one transaction: a refusal leaves nothing behind.
"""

import hashlib
import logging
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from classes import services as class_services
from classes.models import (
    Assignment,
    Class,
    Enrolment,
    SchoolYear,
    StaffRole,
    TeachingAssignment,
    User,
)
from classes.permissions import can_view_assignment, is_staff_account
from classes.roles import forget_roles
from lti_sso.lti.launch import (
    CONTEXT,
    CUSTOM,
    DEEP_LINKING_REQUEST,
    MESSAGE_TYPE,
    RESOURCE_LINK,
    ROLES,
)
from lti_sso.lti.roles import LtiProfile, profile_from_roles
from lti_sso.models import LtiContext, LtiIdentity, LtiPlatform, LtiResourceLink

logger = logging.getLogger(__name__)


class LtiRefusal(PermissionDenied):
    """A genuine launch that gives no access; `reason` is shown (French)."""

    def __init__(self, reason: str, contact: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.contact = contact


@dataclass
class LaunchOutcome:
    user: User
    profile: LtiProfile
    context: LtiContext | None
    assignment: Assignment | None = None
    # A teacher from a course not linked to a class yet: choose it.
    needs_class_choice: bool = False


def current_class(context: LtiContext | None) -> Class | None:
    """The context's class, when it is one of the current school year."""
    if context is None or context.school_class_id is None:
        return None
    year = SchoolYear.objects.current()
    school_class = context.school_class
    if school_class is None or year is None or school_class.year_id != year.pk:
        return None
    return school_class


def _clean_name(value: object) -> str:
    return str(value).strip()[:150] if isinstance(value, str) else ""


def _names(claims: dict[str, Any]) -> tuple[str, str]:
    first = _clean_name(claims.get("given_name"))
    last = _clean_name(claims.get("family_name"))
    if not first and not last:
        full = _clean_name(claims.get("name"))
        first, _sep, last = full.partition(" ")
    return first, last


def _new_user(platform: LtiPlatform, sub: str, claims: dict[str, Any]) -> User:
    digest = hashlib.sha256(f"{platform.pk}:{sub}".encode()).hexdigest()[:12]
    base = f"lti-{re.sub(r'[^a-z0-9]', '', sub.lower())[:20]}-{digest}"
    username, n = base, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}-{n}"
    email = claims.get("email")
    email = email.strip()[:254] if isinstance(email, str) else ""
    if email and User.objects.filter(email__iexact=email).exists():
        email = ""  # never linked by email; the other account keeps it
    first, last = _names(claims)
    return class_services.user_create(
        username=username,
        first_name=first,
        last_name=last,
        email=email,
        password=None,  # reached through the platform only
    )


def identity_user(platform: LtiPlatform, sub: str, claims: dict[str, Any]) -> User:
    """The user the platform's `sub` names, created on first launch."""
    identity = (
        LtiIdentity.objects.select_related("user")
        .filter(platform=platform, sub=sub)
        .first()
    )
    if identity is not None:
        user = identity.user
        first, last = _names(claims)
        changed = [
            name
            for name, value in (("first_name", first), ("last_name", last))
            if value and getattr(user, name) != value
        ]
        for name in changed:
            setattr(user, name, first if name == "first_name" else last)
        if changed:
            user.save(update_fields=changed)
        return user
    user = _new_user(platform, sub, claims)
    LtiIdentity.objects.create(platform=platform, sub=sub, user=user)
    return user


def _is_known_pupil(user: User) -> bool:
    return Enrolment.objects.filter(pupil=user).exists()


def _context_claim(claims: dict[str, Any]) -> dict[str, Any] | None:
    context = claims.get(CONTEXT)
    return context if isinstance(context, dict) and context.get("id") else None


def context_for(
    platform: LtiPlatform, claims: dict[str, Any], *, create: bool
) -> LtiContext | None:
    """The launch's course, created (for staff) on first sight; its title and
    label follow the platform."""
    claim = _context_claim(claims)
    if claim is None:
        return None
    title = _clean_name(claim.get("title"))[:255]
    label = _clean_name(claim.get("label"))[:255]
    context = (
        LtiContext.objects.select_related("school_class")
        .filter(platform=platform, context_id=str(claim["id"])[:255])
        .first()
    )
    if context is None:
        if not create:
            return None
        return LtiContext.objects.create(
            platform=platform,
            context_id=str(claim["id"])[:255],
            title=title,
            label=label,
        )
    if (title and context.title != title) or (label and context.label != label):
        context.title, context.label = title or context.title, label or context.label
        context.save(update_fields=["title", "label"])
    return context


def teachable_classes(user: User, platform: LtiPlatform) -> list[Class]:
    """The classes of the registration's school the user teaches this year."""
    year = SchoolYear.objects.current()
    if year is None:
        return []
    return list(
        Class.objects.filter(
            school=platform.school,
            year=year,
            teaching_assignments__teacher=user,
        ).order_by("name")
    )


def link_context(*, by: User, context: LtiContext, school_class: Class) -> None:
    """A teacher says which of their classes the course is."""
    if school_class not in teachable_classes(by, context.platform):
        raise LtiRefusal(_("Choose one of your classes."))
    context.school_class = school_class
    context.roster_synced_at = None
    context.save(update_fields=["school_class", "roster_synced_at"])


def _match_by_label(user: User, context: LtiContext) -> Class | None:
    names = {n.lower() for n in (context.label, context.title) if n}
    found = [
        c for c in teachable_classes(user, context.platform) if c.name.lower() in names
    ]
    return found[0] if len(found) == 1 else None


def _launch_assignment(
    platform: LtiPlatform, context: LtiContext, claims: dict[str, Any]
) -> Assignment | None:
    """The assignment a deep-linked resource opens (in the context's class)."""
    school_class = current_class(context)
    link_claim = claims.get(RESOURCE_LINK) or {}
    link_id = link_claim.get("id") if isinstance(link_claim, dict) else None
    if school_class is None or not isinstance(link_id, str):
        return None
    link = LtiResourceLink.objects.filter(
        platform=platform, resource_link_id=link_id[:255]
    ).first()
    if link is not None and link.assignment_id is not None:
        assignment = link.assignment
        return (
            assignment
            if assignment and assignment.school_class_id == school_class.pk
            else None
        )
    custom = claims.get(CUSTOM) or {}
    pk = custom.get("assignment") if isinstance(custom, dict) else None
    if not isinstance(pk, str | int) or not str(pk).isdigit():
        return None
    assignment = Assignment.objects.filter(
        pk=int(pk), school_class=school_class
    ).first()
    if assignment is None:
        return None
    LtiResourceLink.objects.update_or_create(
        platform=platform,
        resource_link_id=link_id[:255],
        defaults={"assignment": assignment, "context": context},
    )
    return assignment


def _refuse_role_change(user: User, platform: LtiPlatform, profile: LtiProfile) -> None:
    logger.warning(
        "LTI launch refused: user %s known as %s, platform %s says %s",
        user.pk,
        "pupil" if profile != LtiProfile.PUPIL else "staff",
        platform.pk,
        profile,
    )
    raise LtiRefusal(
        _(
            "Your role sent by the platform does not match your account in the "
            "Webclasseur: you are not logged in."
        ),
        _("your school's Webclasseur administrator"),
    )


def _as_pupil(
    platform: LtiPlatform, user: User, claims: dict[str, Any]
) -> LaunchOutcome:
    if is_staff_account(user):
        _refuse_role_change(user, platform, LtiProfile.PUPIL)
    context = context_for(platform, claims, create=False)
    school_class = current_class(context)
    if context is None or school_class is None:
        raise LtiRefusal(
            _(
                "This course is not linked to a class of the Webclasseur yet. "
                "Ask your teacher to open the activity once from the course; "
                "then try again."
            ),
            _("your teacher"),
        )
    year = school_class.year
    if not Enrolment.objects.filter(pupil=user, year=year).exists():
        class_services.enrolment_create(by=None, pupil=user, school_class=school_class)
    forget_roles(user)
    assignment = _launch_assignment(platform, context, claims)
    if assignment is not None and not can_view_assignment(user, assignment):
        # A pupil of another class, or an activity not opened yet.
        assignment = None
    return LaunchOutcome(user, LtiProfile.PUPIL, context, assignment=assignment)


def _as_teacher(
    platform: LtiPlatform, user: User, claims: dict[str, Any]
) -> LaunchOutcome:
    if _is_known_pupil(user):
        _refuse_role_change(user, platform, LtiProfile.TEACHER)
    context = context_for(platform, claims, create=True)
    if context is None:
        raise LtiRefusal(
            _("The platform did not say which course you came from."),
            _("the platform's administrator"),
        )
    school_class = current_class(context)
    if school_class is None:
        matched = _match_by_label(user, context)
        if matched is not None:
            link_context(by=user, context=context, school_class=matched)
            school_class = matched
    if school_class is None:
        return LaunchOutcome(user, LtiProfile.TEACHER, context, needs_class_choice=True)
    if not TeachingAssignment.objects.filter(
        teacher=user, school_class=school_class
    ).exists():
        # The platform, registered by the school, says this person teaches
        # the course that a teacher of the class linked to it.
        class_services.teaching_assignment_create(
            by=None, teacher=user, school_class=school_class
        )
    forget_roles(user)
    return LaunchOutcome(user, LtiProfile.TEACHER, context)


def _as_team(platform: LtiPlatform, user: User, profile: LtiProfile) -> LaunchOutcome:
    if _is_known_pupil(user):
        _refuse_role_change(user, platform, profile)
    school = platform.school
    held = set(
        StaffRole.objects.filter(user=user, school=school).values_list(
            "role", flat=True
        )
    )
    if profile == LtiProfile.ADMIN:
        role: str | None = (
            None if StaffRole.Role.SCHOOL_ADMIN in held else StaffRole.Role.SCHOOL_ADMIN
        )
    else:
        # A CPE-like follow role, unless the school already gave one.
        role = None if held else StaffRole.Role.CPE
    if role is not None:
        class_services.staff_role_grant(by=None, user=user, school=school, role=role)
    forget_roles(user)
    return LaunchOutcome(user, profile, None)


@transaction.atomic
def provision_from_launch(
    platform: LtiPlatform, claims: dict[str, Any]
) -> LaunchOutcome:
    """Create or refresh the person of a validated launch; all or nothing."""
    profile = profile_from_roles(claims.get(ROLES))
    if profile is None:
        raise LtiRefusal(
            _(
                "Your role in the platform does not give access to the "
                "Webclasseur (only learners, teachers, the educational team "
                "and administrators have access)."
            ),
            _("the platform's administrator"),
        )
    if (
        claims.get(MESSAGE_TYPE) == DEEP_LINKING_REQUEST
        and profile != LtiProfile.TEACHER
    ):
        raise LtiRefusal(_("Only teachers can add a Webclasseur activity to a course."))
    user = identity_user(platform, str(claims["sub"])[:255], claims)
    if not user.is_active:
        raise LtiRefusal(
            _("Your Webclasseur account is deactivated."),
            _("your school's Webclasseur administrator"),
        )
    if profile == LtiProfile.PUPIL:
        return _as_pupil(platform, user, claims)
    if profile == LtiProfile.TEACHER:
        return _as_teacher(platform, user, claims)
    return _as_team(platform, user, profile)
