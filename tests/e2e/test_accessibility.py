"""axe-core over every page each role can reach: no serious or critical violation."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from classes.models import Assignment, Class, School, User
from lti_sso.lti.registration import register_platform
from lti_sso.models import LtiPlatform
from portfolio.models import Entry, Interview
from tests.e2e.conftest import log_in, screenshot

pytestmark = pytest.mark.e2e

BLOCKING = {"serious", "critical"}


def _lti_platform(school: School) -> LtiPlatform:
    """A registered LMS, for its page (https addresses: nothing is fetched)."""
    return register_platform(
        school=school,
        name="Moodle du collège",
        issuer="https://moodle.example.fr",
        client_id="webclasseur-college",
        auth_login_url="https://moodle.example.fr/mod/lti/auth.php",
        auth_token_url="https://moodle.example.fr/mod/lti/token.php",
        key_set_url="https://moodle.example.fr/mod/lti/certs.php",
        deployment_ids=["1"],
    )


def _pages_for(alias: str) -> list[str]:
    college = School.objects.get(uai="0693901R")
    class_3e_a = Class.objects.get(school=college, name="3e A")
    pupil = User.objects.get(username="eleve")
    account_pages = [reverse("account_email"), reverse("account_change_password")]
    visit = Entry.objects.get(title="Visite de l'atelier du Garage des Tonkins")
    assignment = Assignment.objects.get(title__startswith="Préparer la visite")
    interview = Interview.objects.get(pupil=pupil)
    lms = _lti_platform(college)
    pages = {
        "anonymous": [reverse("account_login"), reverse("account_reset_password")],
        "eleve": [
            reverse("portfolio:home"),
            reverse("portfolio:pupil_portfolio", args=[pupil.pk]),
            reverse("classes:class_detail", args=[class_3e_a.pk]),
            reverse("classes:my_classes"),  # a 403 page
            "/page-qui-n-existe-pas/",  # the 404 page
            reverse("portfolio:entry_create"),
            reverse("portfolio:entry_detail", args=[visit.pk]),
            reverse("portfolio:entry_edit", args=[visit.pk]),
            reverse("portfolio:entry_delete", args=[visit.pk]),
            reverse("portfolio:home") + "?kind=forum",
            reverse("portfolio:trash"),
            reverse("portfolio:project"),
            reverse("portfolio:project_edit"),
            reverse("portfolio:self_assessment"),
            reverse("staff:assignment_detail", args=[assignment.pk]),
            reverse("portfolio:entry_create") + f"?activite={assignment.pk}",
            reverse("exports:passport"),
            reverse("exports:passport_preview"),
            reverse("interviews:mine"),
            reverse("interviews:detail", args=[interview.pk]),
            reverse("portfolio:access_log"),
            reverse("portfolio:entry_history", args=[visit.pk]),
            *account_pages,
        ],
        "prof": [
            reverse("classes:my_classes"),
            reverse("classes:class_detail", args=[class_3e_a.pk]),
            reverse("portfolio:pupil_portfolio", args=[pupil.pk]),
            reverse("portfolio:entry_detail", args=[visit.pk]),
            reverse("portfolio:pupil_project", args=[pupil.pk]),
            reverse("staff:class_progress", args=[class_3e_a.pk]),
            reverse("staff:class_progress", args=[class_3e_a.pk]) + "?tri=entries",
            reverse("staff:class_synthesis", args=[class_3e_a.pk]),
            reverse("staff:assignment_detail", args=[assignment.pk]),
            reverse("classes:assignment_create", args=[class_3e_a.pk]),
            reverse("classes:assignment_edit", args=[assignment.pk]),
            reverse("staff:assignment_delete", args=[assignment.pk]),
            reverse("classes:resource_create", args=[class_3e_a.pk]),
            reverse("classes:event_create", args=[class_3e_a.pk]),
            reverse("mfa_index"),
            *account_pages,
        ],
        "principal": [
            reverse("classes:school_overview", args=[college.pk]),
            reverse("school_admin:role_history", args=[college.pk]),
            reverse("lti:platform_list", args=[college.pk]),
            reverse("lti:platform_create", args=[college.pk]),
            reverse("lti:platform_detail", args=[college.pk, lms.pk]),
            reverse("coverage:school_coverage", args=[college.pk]),
            reverse("school_admin:manage", args=[college.pk]),
            reverse("school_admin:class_create", args=[college.pk]),
            reverse("school_admin:teaching_add", args=[college.pk]),
            reverse("school_admin:settings", args=[college.pk]),
            reverse("school_admin:flag_list", args=[college.pk]),
            reverse("school_admin:flag_create", args=[college.pk]),
            reverse("school_import:pupils_import", args=[college.pk]),
            reverse("school_import:year_rollover", args=[college.pk]),
            reverse("interviews:class_list", args=[class_3e_a.pk]),
            reverse("interviews:detail", args=[interview.pk]),
            reverse("classes:class_detail", args=[class_3e_a.pk]),
            reverse("portfolio:pupil_portfolio", args=[pupil.pk]),
            *account_pages,
        ],
        "admin": [reverse("classes:school_home")],
    }
    return pages[alias]


@pytest.mark.parametrize("alias", ["anonymous", "eleve", "prof", "principal", "admin"])
def test_no_serious_accessibility_violation_on_pages_a_role_reaches(page, alias):
    if alias != "anonymous":
        log_in(page, alias)
    axe = Axe()
    report = {}
    for path in _pages_for(alias):
        page.goto(path)
        results = axe.run(page)
        blocking = [
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(node["target"][0] for node in v["nodes"][:3])
            for v in results.response["violations"]
            if v["impact"] in BLOCKING
        ]
        if blocking:
            report[path] = blocking
        screenshot(page, f"axe-{alias}-{path.strip('/').replace('/', '-') or 'home'}")
    assert report == {}
