"""Just-in-time provisioning from a SAML assertion (GAR / ENT attributes).

An identity is the pair (IdP entity ID, IDO): it is stored as an allauth
SocialAccount whose `provider` is the IdP's entity ID (SocialApp.provider_id)
and whose `uid` is the IDO. `User.external_id` is left to the school-system
imports (SIECLE/STS identifiers): it is never written here.

Every login refreshes, from the assertion:
- the names (PRE, NOM);
- the team role in each asserted school (PRO: head, CPE, documentalist…);
  roles are granted, never taken back (a head or the school admin revokes);
- teachers: the classes they teach this school year in the asserted schools,
  when the assertion carries the classes attribute (added and removed);
- pupils: their class this school year (enrolled, or moved; a class in
  another school is a school change, the portfolio stays theirs).

Classes are opaque codes scoped by UAI: a value "0693901R$3e A" names the class
"3e A" of the school 0693901R; a value without "$" ("3e A") belongs to the only
asserted school (ignored when several are asserted). The code is matched with
the class name, case-insensitively, within the school for the current school
year. Unknown codes are ignored.
"""

import re
from dataclasses import dataclass, field
from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from classes import services as class_services
from classes.models import (
    Class,
    Enrolment,
    School,
    SchoolYear,
    StaffRole,
    TeachingAssignment,
    User,
)
from classes.roles import forget_roles


class Profile(StrEnum):
    PUPIL = "pupil"
    TEACHER = "teacher"
    DOCUMENTALIST = "documentalist"
    EDUCATION = "education"  # vie scolaire: CPE (or Psy-EN, see below)
    HEAD = "head"


# GAR / ENT national profile codes (PRO), compared in lower case.
GAR_PROFILES = {
    "national_elv": Profile.PUPIL,
    "national_ens": Profile.TEACHER,
    "national_doc": Profile.DOCUMENTALIST,
    "national_evs": Profile.EDUCATION,
    "national_dir": Profile.HEAD,
}

# The GAR/ENT preset: which SAML attribute carries what.
GAR_ATTRIBUTES = {
    "person_id": "IDO",
    "first_name": "PRE",
    "last_name": "NOM",
    "schools": "UAI",
    "profile": "PRO",
    "classes": "DIV",
}

_TEAM_ROLE = {
    Profile.DOCUMENTALIST: StaffRole.Role.DOCUMENTALIST,
    Profile.HEAD: StaffRole.Role.HEAD,
}
_UAI = re.compile(r"^[0-9]{7}[A-Z]$")


class Refusal(PermissionDenied):
    """The assertion is genuine but gives no access; `reason` says why (French
    once translated) and `contact` whom to ask."""

    def __init__(self, reason: str, contact: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.contact = contact


@dataclass(frozen=True)
class Assertion:
    """What provisioning needs from a verified SAML assertion."""

    idp_entity_id: str
    person_id: str
    first_name: str
    last_name: str
    uais: tuple[str, ...]
    profile_codes: tuple[str, ...]
    class_codes: tuple[str, ...] | None  # None: the attribute was not sent
    allowed_uais: frozenset[str] = field(default_factory=frozenset)


def _values(attributes: dict[str, list[str]], name: str) -> list[str]:
    raw = attributes.get(name) or []
    if isinstance(raw, str):
        raw = [raw]
    return [str(value).strip() for value in raw if str(value).strip()]


def assertion_from_attributes(
    *,
    idp_entity_id: str,
    attributes: dict[str, list[str]],
    mapping: dict[str, str] | None = None,
    allowed_uais: frozenset[str] = frozenset(),
) -> Assertion:
    """Read the mapped attributes. IDO is required (never the NameID)."""
    names = {**GAR_ATTRIBUTES, **(mapping or {})}
    person_ids = _values(attributes, names["person_id"])
    if len(person_ids) != 1:
        raise Refusal(
            _("Your ENT did not send your identifier: you cannot be logged in."),
            _("your ENT's administrator"),
        )
    classes_present = names["classes"] in attributes
    return Assertion(
        idp_entity_id=idp_entity_id,
        person_id=person_ids[0],
        first_name=(_values(attributes, names["first_name"]) or [""])[0][:150],
        last_name=(_values(attributes, names["last_name"]) or [""])[0][:150],
        uais=tuple(
            dict.fromkeys(u.upper() for u in _values(attributes, names["schools"]))
        ),
        profile_codes=tuple(p.lower() for p in _values(attributes, names["profile"])),
        class_codes=(
            tuple(_values(attributes, names["classes"])) if classes_present else None
        ),
        allowed_uais=allowed_uais,
    )


def _profile_of(assertion: Assertion, profiles: dict[str, Profile]) -> Profile:
    found = [profiles[c] for c in assertion.profile_codes if c in profiles]
    if not found:
        raise Refusal(
            _(
                "Your profile in the ENT does not give access to the Webclasseur "
                "(only pupils, teachers, documentalists, vie scolaire and the "
                "head's office have access)."
            ),
            _("your school's Webclasseur administrator or your ENT's administrator"),
        )
    # A person with several profiles: the most staff-like one wins.
    order = [
        Profile.HEAD,
        Profile.EDUCATION,
        Profile.DOCUMENTALIST,
        Profile.TEACHER,
        Profile.PUPIL,
    ]
    return min(found, key=order.index)


def _schools_of(assertion: Assertion) -> list[School]:
    uais = [u for u in assertion.uais if _UAI.match(u)]
    if assertion.allowed_uais:
        uais = [u for u in uais if u in assertion.allowed_uais]
    schools = list(School.objects.filter(uai__in=uais))
    if not schools:
        raise Refusal(
            _(
                "Your school (UAI %(uai)s) does not use the Webclasseur yet, or "
                "is not connected to this ENT."
            )
            % {"uai": ", ".join(assertion.uais) or "?"},
            _("your school's head's office"),
        )
    return schools


def _classes_of(
    assertion: Assertion, schools: list[School], year: SchoolYear | None
) -> list[Class]:
    if not assertion.class_codes or year is None:
        return []
    by_uai = {school.uai: school for school in schools}
    wanted: list[tuple[School, str]] = []
    for code in assertion.class_codes:
        uai, sep, name = code.partition("$")
        if sep and uai.upper() in by_uai:
            wanted.append((by_uai[uai.upper()], name.strip()))
        elif not sep and len(schools) == 1:
            wanted.append((schools[0], code))
    found: list[Class] = []
    for school, name in wanted:
        school_class = Class.objects.filter(
            school=school, year=year, name__iexact=name
        ).first()
        if school_class is not None and school_class not in found:
            found.append(school_class)
    return found


def _account_user(*, existing: User | None, assertion: Assertion) -> User:
    if existing is not None:
        changed = []
        for name in ("first_name", "last_name"):
            value = getattr(assertion, name)
            if value and getattr(existing, name) != value:
                setattr(existing, name, value)
                changed.append(name)
        if changed:
            existing.save(update_fields=changed)
        return existing
    base = f"sso-{re.sub(r'[^a-z0-9]', '', assertion.person_id.lower())[:40]}"
    username, n = base, 1
    while User.objects.filter(username=username).exists():
        n += 1
        username = f"{base}-{n}"
    return class_services.user_create(
        username=username,
        first_name=assertion.first_name,
        last_name=assertion.last_name,
        password=None,  # single sign-on only
    )


def _sync_pupil(user: User, classes: list[Class], year: SchoolYear | None) -> None:
    if not classes or year is None:
        return
    target = classes[0]
    enrolment = Enrolment.objects.filter(pupil=user, year=year).first()
    if enrolment is None:
        class_services.enrolment_create(by=None, pupil=user, school_class=target)
    elif enrolment.school_class_id != target.pk:
        class_services.enrolment_move(by=None, pupil=user, to_class=target)


def _sync_teacher(
    user: User,
    schools: list[School],
    classes: list[Class],
    year: SchoolYear | None,
    class_codes_sent: bool,
) -> None:
    if not class_codes_sent or year is None:
        return
    current = TeachingAssignment.objects.filter(
        teacher=user, school_class__year=year, school_class__school__in=schools
    )
    kept = {a.school_class_id for a in current}
    wanted = {c.pk for c in classes}
    current.exclude(school_class_id__in=wanted).delete()
    for school_class in classes:
        if school_class.pk not in kept:
            class_services.teaching_assignment_create(
                by=None, teacher=user, school_class=school_class
            )
    forget_roles(user)


def _sync_team_role(user: User, schools: list[School], profile: Profile) -> None:
    for school in schools:
        held = set(
            StaffRole.objects.filter(user=user, school=school).values_list(
                "role", flat=True
            )
        )
        if profile == Profile.EDUCATION:
            # Vie scolaire: CPE, unless the school already gave this person a
            # team role (a Psy-EN, a referent): the ENT profile cannot tell.
            role = None if held else StaffRole.Role.CPE
        else:
            role = _TEAM_ROLE.get(profile)
        if role is not None and role not in held:
            class_services.staff_role_grant(
                by=None, user=user, school=school, role=role
            )


@transaction.atomic
def provision_from_assertion(
    *,
    assertion: Assertion,
    existing: User | None,
    profiles: dict[str, Profile] | None = None,
) -> User:
    """Create or refresh the person the (verified) assertion names.

    All or nothing: a Refusal leaves the database as it was. `existing` is the
    user already linked to (IdP entity ID, IDO), if any.
    """
    profile = _profile_of(assertion, profiles or GAR_PROFILES)
    schools = _schools_of(assertion)
    year = SchoolYear.objects.current()
    classes = _classes_of(assertion, schools, year)
    user = _account_user(existing=existing, assertion=assertion)
    if profile == Profile.PUPIL:
        _sync_pupil(user, classes, year)
    elif profile == Profile.TEACHER:
        _sync_teacher(user, schools, classes, year, assertion.class_codes is not None)
    else:
        _sync_team_role(user, schools, profile)
        if profile == Profile.DOCUMENTALIST:
            _sync_teacher(
                user, schools, classes, year, assertion.class_codes is not None
            )
    forget_roles(user)
    return user
