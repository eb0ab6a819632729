"""The one-use state and nonce hold across app servers: two gunicorn servers
sharing PostgreSQL and Redis (as behind a load balancer, both answer for the
same host), the in-process platform on loopback.

A login initiated on server A is completed on server B; the same launch
replayed on A, or on B with a fresh state, is refused.
"""

import json
import subprocess
import sys
from urllib.parse import urlsplit

import pytest
import redis
import requests
from django.conf import settings
from django.db import connection

from tests.lti_sso.lti_fixtures import LEA_SUB
from tests.lti_sso.lti_platform import LEARNER, auth_request_from, login_query
from tests.test_two_app_servers import PROJECT, Servers, shared_database

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql" or not settings.REDIS_URL,
    reason="PostgreSQL + Redis only; runs in that pass (DATABASE_URL, REDIS_URL)",
)

__all__ = ["shared_database"]  # a fixture, used below

REGISTER = """
import json, sys
from classes.demo import COLLEGE_UAI
from classes.models import Class, School, User
from lti_sso.lti.registration import register_platform
from lti_sso.models import LtiContext, LtiIdentity

data = json.loads(sys.argv[-1])
school = School.objects.get(uai=COLLEGE_UAI)
platform = register_platform(school=school, deployment_ids=["1"], **data["platform"])
LtiIdentity.objects.create(
    platform=platform, sub=data["sub"], user=User.objects.get(username="eleve")
)
LtiContext.objects.create(
    platform=platform,
    context_id="course-3eA",
    title="3e A",
    school_class=Class.objects.get(school=school, name="3e A"),
)
"""


@pytest.fixture
def app_servers(tmp_path, shared_database, lti_server):
    running = Servers(tmp_path, shared_database)
    lti_server.reset()
    data = {
        "sub": LEA_SUB,
        "platform": {
            "name": "Moodle du collège",
            "issuer": lti_server.issuer,
            "client_id": lti_server.client_id,
            "auth_login_url": lti_server.auth_login_url,
            "auth_token_url": lti_server.token_url,
            "key_set_url": lti_server.jwks_url,
        },
    }
    done = subprocess.run(
        [sys.executable, "-c", _django_script(REGISTER), json.dumps(data)],
        cwd=PROJECT,
        env=running.environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    try:
        yield running, running.start_app("a"), running.start_app("b")
    finally:
        running.stop_all()
        client = redis.Redis.from_url(settings.REDIS_URL)
        for key in client.scan_iter(f"{running.key_prefix}:*"):
            client.delete(key)


def _django_script(body: str) -> str:
    return (
        "import django, os\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'webclasseur.settings')\n"
        "django.setup()\n" + body
    )


def _login(session: requests.Session, server: str, host: str, platform):
    """Login initiation sent to `server`, for the public `host`."""
    launch_url = f"http://{host}/lti/launch/"
    response = session.get(
        f"{server}/lti/login/?{login_query(platform, target_link_uri=launch_url)}",
        headers={"Host": host},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 302, response.text[:2000]
    auth = auth_request_from(response.headers["Location"], platform)
    assert auth.redirect_uri == launch_url
    return auth


def _launch(session: requests.Session, server: str, host: str, data: dict):
    return session.post(
        f"{server}/lti/launch/",
        data=data,
        headers={"Host": host},
        allow_redirects=False,
        timeout=30,
    )


def test_state_and_nonce_are_one_use_across_app_servers(app_servers, lti_server):
    _running, server_a, server_b = app_servers
    host = urlsplit(server_a).netloc  # the public host, served by both
    browser = requests.Session()

    # Login initiated on A, completed on B: the state is shared.
    auth = _login(browser, server_a, host, lti_server)
    claims = lti_server.id_token_claims(auth, sub=LEA_SUB, roles=[LEARNER], nrps=False)
    form = {"id_token": lti_server.sign(claims), "state": auth.state}
    first = _launch(browser, server_b, host, form)
    assert first.status_code == 302, first.text[:2000]
    assert first.headers["Location"] == "/parcours/"

    # The same POST again, on A: the state was used up on B.
    assert _launch(browser, server_a, host, form).status_code == 403
    # A fresh state from B, with the old token: its nonce is used up.
    other = requests.Session()
    fresh = _login(other, server_b, host, lti_server)
    replay = _launch(other, server_a, host, {**form, "state": fresh.state})
    assert replay.status_code == 403
    # And a genuine new launch still works on either server.
    again = _login(other, server_a, host, lti_server)
    genuine = lti_server.id_token_claims(
        again, sub=LEA_SUB, roles=[LEARNER], nrps=False
    )
    form = {"id_token": lti_server.sign(genuine), "state": again.state}
    assert _launch(other, server_b, host, form).status_code == 302
