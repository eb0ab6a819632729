"""Malformed SAML messages answer 403, not 500.

python3-saml raises on some hostile documents instead of reporting an error
(a DOCTYPE or an entity: DTDForbidden, EntitiesForbidden; broken XML or
base64). allauth's SAML views only catch the toolkit's own errors; this
middleware turns the rest into the refusal page, for the SAML URLs only.
"""

import binascii
import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from lxml.etree import XMLSyntaxError

logger = logging.getLogger(__name__)

SAML_URL_NAMES = frozenset(
    {"saml_acs", "saml_finish_acs", "saml_sls", "saml_login", "saml_metadata"}
)


class SamlErrorsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is None or match.url_name not in SAML_URL_NAMES:
            return None
        if not isinstance(exception, ValueError | XMLSyntaxError | binascii.Error):
            return None
        logger.warning("Refused SAML message: %r", exception)
        from lti_sso.adapters import refusal_page

        return refusal_page(
            request,
            _(
                "The answer of your ENT could not be verified: you are not "
                "logged in. Start again from your ENT."
            ),
            _("your ENT's administrator if it happens again"),
        )
