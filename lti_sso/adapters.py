"""django-allauth's social account adapter for SAML single sign-on.

- Every SAML app is hardened when it is read, whatever was saved in the
  database: strict mode, signed assertions required, SHA-256 or better only,
  signed AuthnRequests (with the SP key from the settings), unsolicited
  (IdP-initiated) responses refused.
- A verified assertion is mapped to school, class and role, and the account is
  provisioned (lti_sso.provisioning); a refusal answers 403 with a French page.
"""

from pathlib import Path
from typing import Any

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp, SocialLogin
from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import render
from django.utils.translation import gettext as _
from onelogin.saml2.constants import OneLogin_Saml2_Constants

from lti_sso.provisioning import (
    GAR_ATTRIBUTES,
    GAR_PROFILES,
    Profile,
    Refusal,
    assertion_from_attributes,
    provision_from_assertion,
)

SAML = "saml"


def _read(path: str) -> str | None:
    return Path(path).read_text() if path else None


def hardened_settings(
    app_settings: dict[str, Any], *, logout: bool = False
) -> dict[str, Any]:
    """The app's settings with the security options forced on; for the single
    logout endpoint (`logout`), IdP messages must be signed too (python3-saml
    ties that option to Responses as well, which ENTs sign at the assertion)."""
    hardened = dict(app_settings)
    # Metadata is never fetched: only the certificate pinned in the app counts.
    hardened["idp"] = {
        key: value
        for key, value in (hardened.get("idp") or {}).items()
        if key != "metadata_url"
    }
    advanced = dict(hardened.get("advanced") or {})
    advanced.update(
        strict=True,
        want_assertion_signed=True,
        reject_deprecated_algorithm=True,
        signature_algorithm=OneLogin_Saml2_Constants.RSA_SHA256,
        digest_algorithm=OneLogin_Saml2_Constants.SHA256,
        want_attribute_statement=True,
        # No replay cache yet: unsolicited responses are always refused.
        reject_idp_initiated_sso=True,
    )
    if logout:
        advanced["want_message_signed"] = True
    key = _read(settings.SAML_SP_PRIVATE_KEY_FILE)
    cert = _read(settings.SAML_SP_CERTIFICATE_FILE)
    if key and cert:
        advanced.update(private_key=key, x509cert=cert, authn_request_signed=True)
        advanced.setdefault("logout_request_signed", True)
        advanced.setdefault("logout_response_signed", True)
    hardened["advanced"] = advanced
    mapping = {**GAR_ATTRIBUTES, **(hardened.get("webclasseur_attributes") or {})}
    # allauth reads the uid through "attribute_mapping"; the IDO only.
    hardened["attribute_mapping"] = {
        "uid": mapping["person_id"],
        "first_name": mapping["first_name"],
        "last_name": mapping["last_name"],
    }
    return hardened


def refusal_page(request: HttpRequest, reason: str, contact: str) -> Any:
    return render(
        request,
        "lti_sso/refused.html",
        {"reason": reason, "contact": contact},
        status=403,
    )


class SamlAccountAdapter(DefaultSocialAccountAdapter):
    def list_apps(
        self, request: HttpRequest, provider: Any = None, client_id: Any = None
    ) -> list[SocialApp]:
        apps = super().list_apps(request, provider=provider, client_id=client_id)
        match = getattr(request, "resolver_match", None)
        logout = match is not None and match.url_name == "saml_sls"
        for app in apps:
            if app.provider == SAML:
                app.settings = hardened_settings(app.settings or {}, logout=logout)
        return apps

    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        # Accounts arriving by SAML are created in pre_social_login (just-in-time
        # provisioning); allauth's own social sign-up form stays closed.
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: SocialLogin) -> None:
        app = sociallogin.provider.app if sociallogin.provider else None
        if app is None or app.provider != SAML:
            raise ImmediateHttpResponse(
                refusal_page(request, _("This way of logging in is not available."), "")
            )
        if not app.provider_id:
            raise ImmediateHttpResponse(
                refusal_page(
                    request,
                    _("This identity provider is not fully configured."),
                    _("your school's Webclasseur administrator"),
                )
            )
        extra: dict[str, Any] = app.settings.get("webclasseur") or {}
        attributes: dict[str, list[str]] = sociallogin.account.extra_data or {}
        profiles = dict(GAR_PROFILES)
        for code, profile in (extra.get("profiles") or {}).items():
            profiles[code.lower()] = Profile(profile)
        try:
            with transaction.atomic():
                self._provision(app, sociallogin, attributes, extra, profiles)
        except Refusal as refusal:
            raise ImmediateHttpResponse(
                refusal_page(request, refusal.reason, refusal.contact)
            ) from None

    def _provision(
        self,
        app: SocialApp,
        sociallogin: SocialLogin,
        attributes: dict[str, list[str]],
        extra: dict[str, Any],
        profiles: dict[str, Profile],
    ) -> None:
        assertion = assertion_from_attributes(
            idp_entity_id=app.provider_id,
            attributes=attributes,
            mapping=app.settings.get("webclasseur_attributes"),
            allowed_uais=frozenset(extra.get("allowed_uais") or ()),
        )
        if sociallogin.account.uid != assertion.person_id:
            # allauth fell back to the NameID: never identify by it.
            raise Refusal(
                _("Your ENT did not send your identifier: you cannot be logged in."),
                _("your ENT's administrator"),
            )
        existing = sociallogin.user if sociallogin.is_existing else None
        user = provision_from_assertion(
            assertion=assertion, existing=existing, profiles=profiles
        )
        if not sociallogin.is_existing:
            sociallogin.user = user
            sociallogin.account.user = user
            sociallogin.account.save()

    def on_authentication_error(
        self,
        request: HttpRequest,
        provider: Any,
        error: Any = None,
        exception: Any = None,
        extra_context: Any = None,
    ) -> None:
        raise ImmediateHttpResponse(
            refusal_page(
                request,
                _(
                    "The answer of your ENT could not be verified: you are not "
                    "logged in. Start again from your ENT."
                ),
                _("your ENT's administrator if it happens again"),
            )
        )
