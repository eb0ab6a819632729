"""Deep Linking: the response that places an assignment in the course.

The JWT is built by pylti1p3 (LtiDeepLinkingResponse, signed RS256 by our
active key, its kid in the header) and posted to the deep_link_return_url of
the validated launch only (kept server-side under the launch id).
"""

from typing import Any, cast

from pylti1p3.deep_link import DeepLink, TDeepLinkData
from pylti1p3.deep_link_resource import DeepLinkResource

from classes.models import Assignment
from lti_sso.lti.config import ToolRegistration
from lti_sso.lti.launch import DEEP_LINKING_SETTINGS, DEPLOYMENT_ID
from lti_sso.models import LtiPlatform


def return_url_of(claims: dict[str, Any]) -> str:
    settings = claims.get(DEEP_LINKING_SETTINGS) or {}
    return str(settings.get("deep_link_return_url") or "")


def response_jwt(
    *,
    platform: LtiPlatform,
    claims: dict[str, Any],
    assignment: Assignment,
    launch_url: str,
) -> str:
    """The signed LtiDeepLinkingResponse carrying one ltiResourceLink."""
    resource = (
        DeepLinkResource()
        .set_title(assignment.title)
        .set_url(launch_url)
        .set_custom_params({"assignment": str(assignment.pk)})
    )
    deep_link = DeepLink(
        ToolRegistration(platform),
        str(claims[DEPLOYMENT_ID]),
        cast("TDeepLinkData", claims.get(DEEP_LINKING_SETTINGS) or {}),
    )
    return str(deep_link.get_response_jwt([resource]))
