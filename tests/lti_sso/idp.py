"""A real SAML identity provider for the tests: pysaml2's Server, signing with
xmlsec1 and an RSA key generated for the test run (see the `idp` fixture)."""

import base64
import datetime
import zlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from saml2 import BINDING_HTTP_POST, BINDING_HTTP_REDIRECT, saml
from saml2.config import IdPConfig
from saml2.saml import NAME_FORMAT_BASIC
from saml2.server import Server
from saml2.xmldsig import (
    DIGEST_SHA1,
    DIGEST_SHA256,
    SIG_RSA_SHA1,
    SIG_RSA_SHA256,
)

IDP_ENTITY_ID = "https://ent.example.fr/idp"
IDP_SSO_URL = "https://ent.example.fr/idp/sso"
IDP_SLO_URL = "https://ent.example.fr/idp/slo"
SP_ENTITY_ID = "https://webclasseur.example.fr/saml/sp"
SLUG = "ent-test"
HOST = "webclasseur.example.fr"
ACS_URL = f"http://{HOST}/accounts/saml/{SLUG}/acs/"


@dataclass(frozen=True)
class KeyPair:
    key_pem: str
    cert_pem: str
    key_file: Path
    cert_file: Path

    @property
    def cert_body(self) -> str:
        """The certificate as metadata and SocialApp settings carry it."""
        lines = self.cert_pem.strip().splitlines()
        return "".join(line for line in lines if "-----" not in line)


def make_key_pair(folder: Path, common_name: str) -> KeyPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()
    cert_pem = cert.public_bytes(serialization.Encoding.PEM).decode()
    folder.mkdir(parents=True, exist_ok=True)
    key_file, cert_file = folder / "key.pem", folder / "cert.pem"
    key_file.write_text(key_pem)
    cert_file.write_text(cert_pem)
    return KeyPair(key_pem, cert_pem, key_file, cert_file)


def sp_metadata(sp_cert: KeyPair, acs_url: str = ACS_URL) -> str:
    return f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{SP_ENTITY_ID}">
  <md:SPSSODescriptor AuthnRequestsSigned="true" WantAssertionsSigned="true"
      protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>
      <ds:X509Certificate>{sp_cert.cert_body}</ds:X509Certificate>
    </ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:AssertionConsumerService index="0" isDefault="true"
        Binding="{BINDING_HTTP_POST}" Location="{acs_url}"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>"""


class TestIdP:
    """pysaml2's IdP, answering the webclasseur's AuthnRequests."""

    def __init__(self, keys: KeyPair, sp_cert: KeyPair, work: Path) -> None:
        self.keys = keys
        config = IdPConfig()
        config.load(
            {
                "entityid": IDP_ENTITY_ID,
                "key_file": str(keys.key_file),
                "cert_file": str(keys.cert_file),
                "xmlsec_binary": "/usr/bin/xmlsec1",
                "metadata": {"inline": [sp_metadata(sp_cert)]},
                "service": {
                    "idp": {
                        "endpoints": {
                            "single_sign_on_service": [
                                (IDP_SSO_URL, BINDING_HTTP_REDIRECT)
                            ],
                            "single_logout_service": [
                                (IDP_SLO_URL, BINDING_HTTP_REDIRECT)
                            ],
                        },
                        "policy": {
                            "default": {
                                "lifetime": {"minutes": 5},
                                "attribute_restrictions": None,
                                "name_form": NAME_FORMAT_BASIC,
                            }
                        },
                        "name_id_format": [saml.NAMEID_FORMAT_TRANSIENT],
                    }
                },
            }
        )
        self.server = Server(config=config)

    def authn_response(
        self,
        attributes: dict[str, list[str]],
        *,
        in_response_to: str | None,
        destination: str = ACS_URL,
        audience: str = SP_ENTITY_ID,
        sha1: bool = False,
        sign_response: bool = False,
        sign_assertion: bool = True,
        name_id: str = "session-3f2a",
    ) -> str:
        """A signed Response as XML text."""
        from saml2.saml import NameID

        response = self.server.create_authn_response(
            identity=attributes,
            in_response_to=in_response_to,
            destination=destination,
            sp_entity_id=audience,
            name_id=NameID(format=saml.NAMEID_FORMAT_TRANSIENT, text=name_id),
            authn={
                "class_ref": saml.AUTHN_PASSWORD,
                "authn_auth": IDP_ENTITY_ID,
            },
            sign_response=sign_response,
            sign_assertion=sign_assertion,
            sign_alg=SIG_RSA_SHA1 if sha1 else SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA1 if sha1 else DIGEST_SHA256,
        )
        return str(response)

    def logout_request_url(
        self,
        *,
        destination: str,
        name_id: str = "session-3f2a",
        sign: bool = True,
    ) -> str:
        """An IdP-initiated LogoutRequest, HTTP-Redirect binding (signed in the
        query string, RSA-SHA256), as the URL the browser is sent to."""
        from saml2.saml import NameID

        _id, request = self.server.create_logout_request(
            destination=destination,
            issuer_entity_id=SP_ENTITY_ID,
            name_id=NameID(format=saml.NAMEID_FORMAT_TRANSIENT, text=name_id),
            expire=None,
            sign=False,
        )
        info = self.server.apply_binding(
            BINDING_HTTP_REDIRECT,
            str(request),
            destination,
            relay_state="",
            sign=sign,
            sigalg=SIG_RSA_SHA256,
        )
        return dict(info["headers"])["Location"]


def request_id_from_redirect(location: str) -> str:
    """The ID of the AuthnRequest carried by an HTTP-Redirect binding URL."""
    query = parse_qs(urlparse(location).query)
    xml = zlib.decompress(base64.b64decode(query["SAMLRequest"][0]), -15)
    return etree.fromstring(xml).get("ID")


def encode(xml: str | bytes) -> str:
    data = xml.encode() if isinstance(xml, str) else xml
    return base64.b64encode(data).decode()


def idp_metadata(
    cert_body: str | None,
    *,
    entity_id: str = IDP_ENTITY_ID,
    sso_url: str = IDP_SSO_URL,
    slo_url: str | None = IDP_SLO_URL,
) -> str:
    """The IdP's metadata as an ENT operator hands it out."""
    key = (
        f"""<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data>
      <ds:X509Certificate>{cert_body}</ds:X509Certificate>
    </ds:X509Data></ds:KeyInfo></md:KeyDescriptor>"""
        if cert_body is not None
        else ""
    )
    slo = (
        f'<md:SingleLogoutService Binding="{BINDING_HTTP_REDIRECT}" '
        f'Location="{slo_url}"/>'
        if slo_url
        else ""
    )
    return f"""<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
    xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="{entity_id}">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="true"
      protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    {key}
    {slo}
    <md:SingleSignOnService Binding="{BINDING_HTTP_REDIRECT}" Location="{sso_url}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"""
