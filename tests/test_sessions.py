"""Sessions: idle and absolute timeouts, a new key at login, deactivated users
logged out, cookie flags, and the brute-force limit on the local login."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from webclasseur.middleware import SEEN_KEY, STARTED_KEY

PASSWORD = "parcours-avenir"
PUPIL_EMAIL = "eleve@demo.webclasseur.test"


def _clear_rate_limits() -> None:
    """Forget allauth's failed-login counts. On Redis only those keys go: a
    flush of the whole database would also drop what tests running at the
    same time keep there (other xdist workers, the two-server tests' app
    servers and their LTI login states)."""
    if isinstance(cache, RedisCache):
        client = cache._cache.get_client(write=True)
        pattern = cache.make_key("allauth:rl:*")
        for key in client.scan_iter(match=pattern):
            client.delete(key)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth counts failed logins in the cache: start and end clean."""
    _clear_rate_limits()
    yield
    _clear_rate_limits()


def _logged_in(world, alias="pupil", page="portfolio:home") -> Client:
    client = world.client_for(alias)
    assert client.get(reverse(page)).status_code == 200
    return client


def _age_session(
    client: Client, *, idle: datetime.timedelta, opened: datetime.timedelta
):
    now = timezone.now()
    session = client.session
    session[SEEN_KEY] = (now - idle).timestamp()
    session[STARTED_KEY] = (now - opened).timestamp()
    session.save()


def _sent_to_login(response) -> bool:
    return response.status_code == 302 and response["Location"].startswith(
        reverse("account_login")
    )


def test_an_active_session_goes_on(world):
    client = _logged_in(world)
    _age_session(
        client,
        idle=datetime.timedelta(minutes=29),
        opened=datetime.timedelta(hours=11, minutes=59),
    )
    assert client.get(reverse("portfolio:home")).status_code == 200


def test_a_session_idle_for_more_than_30_minutes_ends(world):
    client = _logged_in(world)
    old_key = client.session.session_key
    _age_session(
        client, idle=datetime.timedelta(minutes=31), opened=datetime.timedelta(hours=1)
    )
    response = client.get(reverse("portfolio:home"))
    assert _sent_to_login(response)
    assert not Session.objects.filter(session_key=old_key).exists()
    login_page = client.get(response["Location"])
    assert login_page.status_code == 200
    assert 'id="session-expired"' in login_page.content.decode()
    # Said once: the next visit of the login page is a plain one.
    again = client.get(reverse("account_login"))
    assert 'id="session-expired"' not in again.content.decode()


def test_a_session_opened_more_than_12_hours_ago_ends_even_when_active(world):
    client = _logged_in(world)
    _age_session(
        client, idle=datetime.timedelta(minutes=1), opened=datetime.timedelta(hours=13)
    )
    response = client.get(reverse("portfolio:home"))
    assert _sent_to_login(response)
    assert 'id="session-expired"' in client.get(response["Location"]).content.decode()


def test_the_timeouts_follow_the_settings(world, settings):
    settings.SESSION_IDLE_TIMEOUT_MINUTES = 5
    client = _logged_in(world)
    _age_session(
        client, idle=datetime.timedelta(minutes=6), opened=datetime.timedelta(minutes=6)
    )
    assert _sent_to_login(client.get(reverse("portfolio:home")))


def test_a_login_starts_a_new_session_key_and_a_new_clock(db):
    client = Client()
    session = client.session  # an anonymous session with a key
    session["before_login"] = True
    session.save()
    anonymous_key = session.session_key
    response = client.post(
        reverse("account_login"), {"login": PUPIL_EMAIL, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session.session_key != anonymous_key
    assert not Session.objects.filter(session_key=anonymous_key).exists()
    assert client.get(reverse("portfolio:home")).status_code == 200
    started = client.session[STARTED_KEY]
    assert abs(started - timezone.now().timestamp()) < 60


def test_deactivating_a_user_ends_their_sessions(world):
    client = _logged_in(world, "teacher", "classes:my_classes")
    key = client.session.session_key
    teacher = world.user("teacher")
    teacher.is_active = False
    teacher.save(update_fields=["is_active"])
    assert _sent_to_login(client.get(reverse("classes:my_classes")))
    assert not Session.objects.filter(session_key=key).exists()


def test_the_session_cookie_is_secure_httponly_and_lax(db, settings):
    assert settings.SESSION_COOKIE_SECURE  # tests run with DJANGO_DEBUG=False
    response = Client().post(
        reverse("account_login"), {"login": PUPIL_EMAIL, "password": PASSWORD}
    )
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    # Dies with the browser; the server ends it after 12 hours anyway.
    assert cookie["expires"] == ""
    assert cookie["max-age"] == ""


def test_five_failed_logins_lock_the_account_out_for_a_while(db):
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    for _ in range(5):
        response = client.post(
            reverse("account_login"), {"login": PUPIL_EMAIL, "password": "wrong"}
        )
        assert response.status_code == 200
        assert 'id="login-errors"' in response.content.decode()
    # Even the right password is refused now, with a clear message.
    response = client.post(
        reverse("account_login"), {"login": PUPIL_EMAIL, "password": PASSWORD}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    page = response.content.decode()
    assert 'id="login-errors"' in page
    # allauth's own French catalogue.
    assert "Trop de tentatives de connexion échouées" in page
    # Another account is not locked.
    other = client.post(
        reverse("account_login"),
        {"login": "prof@demo.webclasseur.test", "password": PASSWORD},
    )
    assert other.status_code == 302
