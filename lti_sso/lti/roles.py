"""LTI roles (LIS vocabulary) → what the person is here.

Context roles (membership in the course) decide; institution roles count
only when the launch carries no context role we know. Short forms
("Learner", "Instructor") are the deprecated simple names of context roles.
An unknown role gives no access.
"""

from collections.abc import Iterable
from enum import StrEnum

CONTEXT = "http://purl.imsglobal.org/vocab/lis/v2/membership"
INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person"
SYSTEM = "http://purl.imsglobal.org/vocab/lis/v2/system/person"


class LtiProfile(StrEnum):
    PUPIL = "pupil"
    TEACHER = "teacher"
    TEAM = "team"  # educational team: a CPE-like follow role
    ADMIN = "admin"  # the school's administrator


_CONTEXT_ROLES = {
    "Learner": LtiProfile.PUPIL,
    "Instructor": LtiProfile.TEACHER,
    "TeachingAssistant": LtiProfile.TEACHER,
    "Mentor": LtiProfile.TEAM,
    "Administrator": LtiProfile.ADMIN,
}
_INSTITUTION_ROLES = {
    "Student": LtiProfile.PUPIL,
    "Learner": LtiProfile.PUPIL,
    "Instructor": LtiProfile.TEACHER,
    "Faculty": LtiProfile.TEACHER,
    "Staff": LtiProfile.TEAM,
    "Mentor": LtiProfile.TEAM,
    "Administrator": LtiProfile.ADMIN,
}
# The most staff-like profile wins within one kind of role.
_ORDER = [LtiProfile.ADMIN, LtiProfile.TEAM, LtiProfile.TEACHER, LtiProfile.PUPIL]


def _context_profile(role: str) -> LtiProfile | None:
    if role.startswith(CONTEXT + "#"):
        return _CONTEXT_ROLES.get(role.removeprefix(CONTEXT + "#"))
    if role.startswith(CONTEXT + "/"):
        # Sub-role "…/membership/Instructor#TeachingAssistant": the principal
        # role is before the "#".
        principal, _sep, sub = role.removeprefix(CONTEXT + "/").partition("#")
        if principal == "Instructor" and sub == "TeachingAssistant":
            return LtiProfile.TEACHER
        return _CONTEXT_ROLES.get(principal)
    if "/" not in role and "#" not in role and ":" not in role:
        return _CONTEXT_ROLES.get(role)
    return None


def _institution_profile(role: str) -> LtiProfile | None:
    for prefix in (INSTITUTION + "#", SYSTEM + "#"):
        if role.startswith(prefix):
            name = role.removeprefix(prefix)
            if prefix.startswith(SYSTEM):
                return LtiProfile.ADMIN if name == "Administrator" else None
            return _INSTITUTION_ROLES.get(name)
    return None


def _best(found: Iterable[LtiProfile]) -> LtiProfile | None:
    found = list(found)
    return min(found, key=_ORDER.index) if found else None


def profile_from_roles(roles: object) -> LtiProfile | None:
    """The profile the signed roles claim gives, or None (no access)."""
    if not isinstance(roles, list):
        return None
    names = [role.strip() for role in roles if isinstance(role, str)]
    context = [p for p in map(_context_profile, names) if p is not None]
    if context:
        return _best(context)
    return _best(p for p in map(_institution_profile, names) if p is not None)


def is_learner_member(roles: object) -> bool:
    """An NRPS member whose context roles make them a pupil of the course."""
    return profile_from_roles(roles) == LtiProfile.PUPIL
