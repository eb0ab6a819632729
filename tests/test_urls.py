"""Default deny, checked over the whole URL resolver.

- The public views (reachable without logging in) are pinned: adding one is a
  deliberate change to this list.
- Every other URL pattern must be a row of the role matrix, so a view cannot
  ship without its access rules tested. Django admin's pages are covered as a
  whole by test_admin_pages_need_a_staff_account.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.test_access_matrix import MATRIX_URL_NAMES

PUBLIC_VIEWS = {
    "healthz",
    "set_language",
    # django-allauth: logging in and recovering a password happen before login.
    "account_login",
    "account_logout",
    "account_signup",  # closed by the adapter: answers "sign-up closed"
    "account_inactive",
    "account_email_verification_sent",
    "account_confirm_email",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_confirm_login_code",
    # The second factor's code, asked between the password and the session
    # (allauth.mfa's login stage: nobody is logged in yet).
    "mfa_authenticate",
    # SAML single sign-on (django-allauth's SAML provider): the IdP posts to
    # the ACS and reads the metadata before anyone is logged in.
    "saml_login",
    "saml_acs",
    "saml_finish_acs",
    "saml_metadata",
    "saml_sls",
    "socialaccount_login_cancelled",
    "socialaccount_signup",  # closed: accounts come from the IdP's assertion
    # LTI 1.3: the platform starts the login and posts the signed launch
    # before anyone is logged in; platforms read the tool's public keys.
    "lti:login",
    "lti:launch",
    "lti:jwks",
    # Django admin's own login page.
    "admin:login",
}


def _walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}{entry.namespace}:"
            yield from _walk(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            yield namespace, entry


def all_patterns():
    return list(_walk(get_resolver().url_patterns))


def _is_public(pattern: URLPattern) -> bool:
    return getattr(pattern.callback, "login_required", True) is False


def _is_legacy_social_redirect(pattern: URLPattern) -> bool:
    """allauth's unnamed redirects from its former social/ URLs to the named
    socialaccount pages (which are public or in the matrix)."""
    return not pattern.name and str(pattern.pattern).startswith("social/")


def test_every_url_pattern_is_named():
    unnamed = [
        str(p.pattern)
        for namespace, p in all_patterns()
        if not p.name
        and namespace != "admin:"  # admin's own redirects
        and not _is_legacy_social_redirect(p)
    ]
    assert unnamed == []


# The API (namespace "api") authenticates by session or token through DRF and
# answers 401 itself, so its views are not behind LoginRequiredMiddleware; its
# own matrix (tests/api/test_api_matrix.py) covers every operation of the
# generated schema, anonymous included.
API = "api:"


def test_the_public_views_are_exactly_the_pinned_list():
    public = {
        f"{ns}{p.name}" for ns, p in all_patterns() if _is_public(p) and ns != API
    }
    assert public == PUBLIC_VIEWS


def test_every_url_is_public_or_in_the_role_matrix():
    uncovered = []
    for namespace, pattern in all_patterns():
        name = f"{namespace}{pattern.name}"
        if name in PUBLIC_VIEWS or name in MATRIX_URL_NAMES or namespace == "admin:":
            continue
        if namespace == API:
            continue
        if _is_legacy_social_redirect(pattern):
            continue
        uncovered.append(name)
    assert uncovered == [], "add these URLs to the role matrix or the public list"


def test_the_matrix_names_no_url_that_does_not_exist():
    names = {f"{ns}{p.name}" for ns, p in all_patterns()}
    assert MATRIX_URL_NAMES - names == set()


@pytest.mark.parametrize(
    "url_name", ["healthz", "account_login", "account_reset_password"]
)
def test_it_serves_public_pages_without_a_login(db, client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 200


def _admin_urls_without_arguments():
    return [
        reverse(f"admin:{p.name}")
        for ns, p in all_patterns()
        if ns == "admin:"
        and p.name not in {"login", "logout"}
        and not p.pattern.regex.groupindex
    ]


@pytest.mark.parametrize("who", ["anonymous", "pupil", "teacher", "head"])
def test_admin_pages_need_a_staff_account(world, who):
    client = world.client_for(who)
    for url in _admin_urls_without_arguments():
        response = client.get(url)
        assert response.status_code == 302, url
        location = response["Location"]
        assert location.startswith(
            (reverse("admin:login"), reverse("account_login"))
        ), url


def test_the_platform_admin_opens_the_admin(world):
    response = world.client_for("platform_admin").get(reverse("admin:index"))
    assert response.status_code == 200
