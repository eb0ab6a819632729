"""Names and Role Provisioning: the course's learners become pupils of the
linked class.

Requests go only to URLs the platform gave in a validated launch (the
memberships URL) or that the school registered (the token URL), and only to
the registration's own origins; paging follows `Link: rel="next"` only on the
host of the memberships URL. The access token comes from pylti1p3's
ServiceConnector (client_credentials with a JWT signed by our active key).
"""

import datetime
import logging
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from pylti1p3.service_connector import ServiceConnector

from classes import services as class_services
from classes.models import Class, Enrolment
from classes.permissions import is_staff_account
from lti_sso.lti.accounts import current_class, identity_user
from lti_sso.lti.config import (
    TimeoutSession,
    ToolRegistration,
    is_acceptable_url,
    origin_of,
    platform_origins,
)
from lti_sso.lti.roles import is_learner_member
from lti_sso.models import LtiContext

logger = logging.getLogger(__name__)

SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
ACCEPT = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
#: A launch refreshes the roster at most this often.
REFRESH_EVERY = datetime.timedelta(hours=1)
MAX_PAGES = 50


class RosterError(Exception):
    pass


def roster_contexts(school_class: Class) -> QuerySet[LtiContext]:
    """The class's linked courses whose platform offers the list of learners."""
    return LtiContext.objects.filter(school_class=school_class).exclude(
        memberships_url=""
    )


def acceptable_memberships_url(context: LtiContext, url: object) -> bool:
    """A memberships URL of the platform: on one of its registered origins."""
    return (
        isinstance(url, str)
        and len(url) <= 500
        and is_acceptable_url(url)
        and origin_of(url) in platform_origins(context.platform)
    )


def remember_memberships_url(context: LtiContext, claim: object) -> None:
    """Keep the NRPS URL of a validated launch (ignored when foreign)."""
    url = claim.get("context_memberships_url") if isinstance(claim, dict) else None
    if url is None or url == context.memberships_url:
        return
    if not acceptable_memberships_url(context, url):
        logger.warning(
            "LTI: memberships URL %r of platform %s ignored", url, context.platform_id
        )
        return
    context.memberships_url = str(url)
    context.save(update_fields=["memberships_url"])


def _members(context: LtiContext) -> list[dict[str, Any]]:
    url = context.memberships_url
    if not acceptable_memberships_url(context, url):
        raise RosterError("no usable memberships URL")
    if not is_acceptable_url(context.platform.auth_token_url):
        raise RosterError("token URL refused")
    session = TimeoutSession()
    connector = ServiceConnector(ToolRegistration(context.platform), session)
    token = connector.get_access_token([SCOPE])
    host = origin_of(url)
    members: list[dict[str, Any]] = []
    next_url: str | None = url
    for _page in range(MAX_PAGES):
        if next_url is None:
            break
        response = session.get(
            next_url, headers={"Authorization": f"Bearer {token}", "Accept": ACCEPT}
        )
        if response.status_code != 200:
            raise RosterError(f"memberships answered {response.status_code}")
        body = response.json()
        page = body.get("members") if isinstance(body, dict) else None
        if not isinstance(page, list):
            raise RosterError("membership container expected")
        members.extend(m for m in page if isinstance(m, dict))
        # Parsed here: pylti1p3's connector lowercases the next-page URL.
        candidate = response.links.get("next", {}).get("url")
        next_url = (
            candidate
            if candidate
            and origin_of(candidate) == host
            and is_acceptable_url(candidate)
            else None
        )
    return members


def sync_roster(context: LtiContext) -> int:
    """Enrol the course's active learners not yet enrolled this year in the
    linked class; return how many were enrolled. Errors: RosterError."""
    school_class = current_class(context)
    if school_class is None:
        raise RosterError("context not linked to a class of this year")
    try:
        members = _members(context)
    except RosterError:
        raise
    except Exception as error:
        raise RosterError(f"{type(error).__name__}: {error}") from error
    enrolled = 0
    with transaction.atomic():
        for member in members:
            user_id = member.get("user_id")
            status = member.get("status", "Active")
            if not isinstance(user_id, str) or not user_id or status != "Active":
                continue
            if not is_learner_member(member.get("roles")):
                continue
            user = identity_user(context.platform, user_id[:255], member)
            if is_staff_account(user):
                continue
            if Enrolment.objects.filter(pupil=user, year=school_class.year).exists():
                continue
            class_services.enrolment_create(
                by=None, pupil=user, school_class=school_class
            )
            enrolled += 1
        context.roster_synced_at = timezone.now()
        context.save(update_fields=["roster_synced_at"])
    return enrolled


def refresh_if_stale(context: LtiContext | None) -> None:
    """On launch: sync when the last sync is older than an hour; a failing
    platform never breaks the launch."""
    if context is None or not context.memberships_url or current_class(context) is None:
        return
    synced = context.roster_synced_at
    if synced is not None and timezone.now() - synced < REFRESH_EVERY:
        return
    try:
        sync_roster(context)
    except RosterError as error:
        logger.warning("LTI roster refresh of context %s failed: %s", context.pk, error)
        # Tried: the next launches do not wait on a failing platform again.
        LtiContext.objects.filter(pk=context.pk).update(roster_synced_at=timezone.now())
