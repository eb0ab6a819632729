"""SSO logins: signed SAML responses from the test IdP (tests/lti_sso/idp.py,
pysaml2 signing with xmlsec1) posted to the ACS, each for a pupil never seen
before (the account, the enrolment and the link are provisioned), against
python3-saml validating the same response alone (signature, conditions,
audience, InResponseTo), with the same hardened settings."""

import importlib
import statistics
import tempfile
import time
from pathlib import Path

from django.test import Client, RequestFactory, override_settings

from bench.common import Row, ratio_row
from bench.seed import class_name, uai

LIMIT = 3.0


def measure(runs: int, scale: str) -> list[Row]:
    from allauth.socialaccount.models import SocialAccount, SocialApp
    from allauth.socialaccount.providers.saml.utils import (
        build_saml_config,
        prepare_django_request,
    )
    from onelogin.saml2.response import OneLogin_Saml2_Response
    from onelogin.saml2.settings import OneLogin_Saml2_Settings

    from classes.models import User
    from lti_sso.adapters import hardened_settings

    # The SSO tests' own helpers (the browser-like login, the GAR attributes,
    # the app settings); imported by name so mypy, which skips tests/, does too.
    conftest = importlib.import_module("tests.lti_sso.conftest")
    app_settings, gar_attributes = conftest.app_settings, conftest.gar_attributes
    post_response, start_login = conftest.post_response, conftest.start_login
    from tests.lti_sso.idp import (
        HOST,
        IDP_ENTITY_ID,
        SLUG,
        TestIdP,
        encode,
        make_key_pair,
    )

    folder = Path(tempfile.mkdtemp(prefix="wc-bench-saml-"))
    keys = conftest.Keys(
        idp=make_key_pair(folder / "idp", "ent.example.fr"),
        sp=make_key_pair(folder / "sp", "webclasseur.example.fr"),
        stranger=make_key_pair(folder / "stranger", "ent.example.fr"),
    )
    idp = TestIdP(keys.idp, keys.sp, folder / "work")
    SocialApp.objects.filter(provider="saml", client_id=SLUG).delete()
    app = SocialApp.objects.create(
        provider="saml",
        provider_id=IDP_ENTITY_ID,
        client_id=SLUG,
        name="ENT du banc",
        settings=app_settings(keys),
    )
    school_uai = uai(0)
    division = f"{school_uai}${class_name(1)}"
    made: list[int] = []
    acs_ms: list[float] = []
    alone_ms: list[float] = []
    with override_settings(
        SAML_SP_PRIVATE_KEY_FILE=str(keys.sp.key_file),
        SAML_SP_CERTIFICATE_FILE=str(keys.sp.cert_file),
    ):
        request = RequestFactory().post(f"/accounts/saml/{SLUG}/acs/", HTTP_HOST=HOST)
        config = build_saml_config(request, hardened_settings(app.settings), SLUG)
        saml_settings = OneLogin_Saml2_Settings(config, sp_validation_only=True)
        request_data = prepare_django_request(request)
        stamp = int(time.time())
        try:
            for n in range(runs + 1):  # the first is the warm-up
                client = Client(HTTP_HOST=HOST)
                request_id = start_login(client)
                ido = f"BENCH-SSO-{stamp}-{n}"
                xml = idp.authn_response(
                    gar_attributes(ido, uai=school_uai, div=[division]),
                    in_response_to=request_id,
                )
                began = time.perf_counter()
                final = post_response(client, xml)
                elapsed = (time.perf_counter() - began) * 1000
                if final.status_code != 302 or "_auth_user_id" not in client.session:
                    raise SystemExit(f"SSO login {n} failed: {final.status_code}")
                made.append(int(client.session["_auth_user_id"]))
                encoded = encode(xml)
                began = time.perf_counter()
                response = OneLogin_Saml2_Response(saml_settings, encoded)
                response.is_valid(request_data, request_id, raise_exceptions=True)
                alone = (time.perf_counter() - began) * 1000
                if n:
                    acs_ms.append(elapsed)
                    alone_ms.append(alone)
            provisioned = User.objects.filter(
                pk__in=made, enrolments__school_class__name=class_name(1)
            ).count()
        finally:
            User.objects.filter(pk__in=made).delete()
            SocialAccount.objects.filter(uid__startswith=f"BENCH-SSO-{stamp}-").delete()
            app.delete()
    if provisioned != len(made):
        raise SystemExit(f"only {provisioned} of {len(made)} SSO pupils were enrolled")
    return [
        ratio_row(
            "SSO login",
            "signed SAML response → ACS, new pupil provisioned",
            statistics.median(acs_ms),
            "python3-saml validation alone",
            statistics.median(alone_ms),
            LIMIT,
            scale=scale,
            runs=runs,
            extra={
                "all_ms": [round(t, 1) for t in acs_ms],
                "baseline_all_ms": [round(t, 1) for t in alone_ms],
            },
        )
    ]
