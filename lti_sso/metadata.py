"""Reading an identity provider's metadata XML pasted by a school admin.

Parsed with a locked-down lxml parser (no DTD, no entities, no network) before
python3-saml's metadata parser reads it. Nothing is ever fetched from a URL: the
signing certificate comes from the pasted XML and is pinned when saved.
"""

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography import x509
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from lxml import etree
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser

MAX_METADATA_CHARS = 200_000
_MARKUP_DECLARATION = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)


@dataclass(frozen=True)
class IdpMetadata:
    entity_id: str
    sso_url: str
    slo_url: str
    certificates: tuple[str, ...]  # base64 DER bodies, the first one is pinned

    @property
    def fingerprints(self) -> tuple[str, ...]:
        return tuple(fingerprint(cert) for cert in self.certificates)


def fingerprint(cert_body: str) -> str:
    """SHA-256 of the DER certificate, as AA:BB:… (what `openssl x509
    -fingerprint -sha256` prints)."""
    der = base64.b64decode(cert_body)
    digest = hashlib.sha256(der).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def _error(message: str) -> ValidationError:
    return ValidationError({"metadata": [message]})


def _safe_tree(xml: str) -> etree._Element:
    if len(xml) > MAX_METADATA_CHARS:
        raise _error(_("This metadata is too long (at most 200,000 characters)."))
    if _MARKUP_DECLARATION.search(xml):
        raise _error(
            _(
                "This metadata contains a DOCTYPE or an entity declaration, which "
                "are refused for security reasons."
            )
        )
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
    )
    try:
        root = etree.fromstring(xml.strip().encode(), parser)
    except (etree.XMLSyntaxError, ValueError):
        raise _error(
            _("This is not XML metadata: copy the whole XML document of your ENT.")
        ) from None
    if root.getroottree().docinfo.doctype:
        raise _error(
            _(
                "This metadata contains a DOCTYPE or an entity declaration, which "
                "are refused for security reasons."
            )
        )
    return root


def _certificate_body(text: str) -> str:
    body = "".join(text.split())
    try:
        x509.load_der_x509_certificate(base64.b64decode(body, validate=True))
    except (ValueError, binascii.Error):
        raise _error(
            _(
                "The signing certificate in this metadata is not a valid X.509 "
                "certificate."
            )
        ) from None
    return body


def parse_idp_metadata(xml: str) -> IdpMetadata:
    """The entity ID, SSO/SLO URLs (HTTP-Redirect) and signing certificates of
    the metadata, or a ValidationError on "metadata" saying what is wrong."""
    root = _safe_tree(xml)
    try:
        parsed = OneLogin_Saml2_IdPMetadataParser.parse(
            root,
            required_sso_binding=OneLogin_Saml2_Constants.BINDING_HTTP_REDIRECT,
            required_slo_binding=OneLogin_Saml2_Constants.BINDING_HTTP_REDIRECT,
        )
    except Exception:  # any parser failure is bad input
        parsed = {}
    idp = parsed.get("idp") or {}
    entity_id = (idp.get("entityId") or "").strip()
    if not entity_id:
        raise _error(
            _(
                "No identity provider (IDPSSODescriptor with an entityID) was "
                "found in this metadata."
            )
        )
    if len(entity_id) > 200:
        raise _error(_("The entity ID of this identity provider is too long."))
    sso_url = ((idp.get("singleSignOnService") or {}).get("url") or "").strip()
    if not sso_url.startswith("https://"):
        raise _error(
            _(
                "This metadata has no https single sign-on address with the "
                "HTTP-Redirect binding."
            )
        )
    slo_url = ((idp.get("singleLogoutService") or {}).get("url") or "").strip()
    if slo_url and not slo_url.startswith("https://"):
        slo_url = ""
    bodies: list[str] = []
    multi = (idp.get("x509certMulti") or {}).get("signing") or []
    bodies.extend(multi)
    if not bodies and idp.get("x509cert"):
        bodies.append(idp["x509cert"])
    if not bodies:
        raise _error(
            _(
                "This metadata has no signing certificate: the Webclasseur cannot "
                "check your ENT's signatures."
            )
        )
    certificates = tuple(dict.fromkeys(_certificate_body(body) for body in bodies))
    return IdpMetadata(entity_id, sso_url, slo_url, certificates)
