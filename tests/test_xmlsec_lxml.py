"""python3-saml signs through xmlsec, which must share libxml2 with lxml: a
mismatch makes every signature check fail. Sign and verify a small document
the way the SAML toolkit does."""

import subprocess

import lxml.etree
import xmlsec
from onelogin.saml2.utils import OneLogin_Saml2_Utils

DOCUMENT = (
    '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
    'ID="_demo" Version="2.0" IssueInstant="2026-11-28T10:00:00Z">'
    '<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">'
    "https://ent.example.fr</saml:Issuer>"
    "<Pupil>Léa Martin</Pupil></samlp:Response>"
)


def _key_pair(tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=webclasseur-test",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return key.read_text(), cert.read_text()


def test_lxml_and_xmlsec_use_the_same_libxml2():
    assert xmlsec.get_libxml_version() == lxml.etree.LIBXML_VERSION


def test_a_document_signed_with_sha256_verifies_and_a_tampered_one_does_not(tmp_path):
    key, cert = _key_pair(tmp_path)
    signed = OneLogin_Saml2_Utils.add_sign(
        DOCUMENT,
        key,
        cert,
        sign_algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
        digest_algorithm="http://www.w3.org/2001/04/xmlenc#sha256",
    )
    assert b"rsa-sha256" in signed
    assert OneLogin_Saml2_Utils.validate_sign(signed, cert, raise_exceptions=True)
    assert b"Martin" in signed
    tampered = signed.replace(b"Martin", b"Dupont")
    assert not OneLogin_Saml2_Utils.validate_sign(tampered, cert)
