"""The optional second factor for staff (allauth.mfa, TOTP): a teacher sets it
up with a code their app would show (computed here with allauth's own TOTP
helpers), then the login asks for a code after the password. Pupils are not
offered it. The pages keep the Content-Security-Policy (no inline script)."""

import re
import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import Client
from django.urls import reverse

PASSWORD = "parcours-avenir"  # the demo accounts' password
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>")


def code_for(secret: str) -> str:
    """What an authenticator app shows now for this secret."""
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


def logged_in(email: str) -> Client:
    """Logged in through the login form, as a person would (allauth records
    the authentication, which the setup pages ask for)."""
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": email, "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


def assert_no_inline_script(response) -> None:
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert (
        "unsafe-inline"
        not in response["Content-Security-Policy"].split("script-src")[1].split(";")[0]
    )
    assert not INLINE_SCRIPT.search(response.content.decode())


def test_a_teacher_sets_up_totp_and_then_logs_in_with_a_code(world):
    teacher = world.user("teacher")
    client = logged_in(teacher.email)

    index = client.get(reverse("mfa_index"))
    assert index.status_code == 200
    assert_no_inline_script(index)
    page = client.get(reverse("mfa_activate_totp"))
    # allauth asks for the password again before a security change.
    assert page["Location"].startswith(reverse("account_reauthenticate"))
    confirm = client.get(page["Location"])
    assert_no_inline_script(confirm)
    client.post(page["Location"], {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    assert_no_inline_script(page)
    assert b"fr-input" in page.content  # the DSFR fields, not allauth's bare form
    secret = page.context["form"].secret

    wrong = client.post(
        reverse("mfa_activate_totp"),
        {"code": "000000" if code_for(secret) != "000000" else "111111"},
    )
    assert wrong.status_code == 200
    assert not Authenticator.objects.filter(
        user=teacher, type=Authenticator.Type.TOTP
    ).exists()

    done = client.post(reverse("mfa_activate_totp"), {"code": code_for(secret)})
    assert done.status_code == 302
    assert Authenticator.objects.filter(
        user=teacher, type=Authenticator.Type.TOTP
    ).exists()
    # Recovery codes are made at the same time, and shown on a page of ours.
    codes = client.get(done["Location"])
    assert codes.status_code == 200
    assert_no_inline_script(codes)

    # The next login: the password is not enough.
    browser = Client()
    response = browser.post(
        reverse("account_login"), {"login": teacher.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in browser.session
    stage = browser.get(reverse("mfa_authenticate"))
    assert stage.status_code == 200
    assert_no_inline_script(stage)
    refused = browser.post(reverse("mfa_authenticate"), {"code": "12345"})
    assert refused.status_code == 200
    assert "_auth_user_id" not in browser.session
    accepted = browser.post(reverse("mfa_authenticate"), {"code": code_for(secret)})
    assert accepted.status_code == 302
    assert browser.session["_auth_user_id"] == str(teacher.pk)


def test_without_a_second_factor_the_password_is_enough(world):
    client = Client()
    response = client.post(
        reverse("account_login"),
        {"login": world.user("head").email, "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] != reverse("mfa_authenticate")
    assert client.session["_auth_user_id"] == str(world.user("head").pk)


@pytest.mark.parametrize(
    "name",
    [
        "mfa_index",
        "mfa_activate_totp",
        "mfa_deactivate_totp",
        "mfa_view_recovery_codes",
        "mfa_generate_recovery_codes",
        "mfa_download_recovery_codes",
    ],
)
def test_pupils_are_not_offered_a_second_factor(world, name):
    pupil = world.user("pupil")
    client = logged_in(pupil.email)
    assert client.get(reverse(name)).status_code == 404
    assert client.post(reverse(name), {"code": "123456"}).status_code == 404
    assert not Authenticator.objects.filter(user=pupil).exists()


def test_staff_of_every_kind_may_set_it_up(world):
    for alias in ("teacher", "head", "cpe", "psyen", "platform_admin"):
        client = world.client_for(alias)
        assert client.get(reverse("mfa_index")).status_code == 200, alias


@pytest.mark.parametrize(
    ("member", "offered"),
    [("teacher", True), ("head", True), ("psyen", True), ("pupil", False)],
)
def test_the_header_links_to_the_second_factor_for_staff_only(world, member, offered):
    client = Client()
    client.force_login(world.user(member))
    page = client.get(
        reverse("portfolio:home" if member == "pupil" else "home"), follow=True
    )
    assert page.status_code == 200
    assert (reverse("mfa_index") in page.content.decode()) is offered
