"""The role matrix: every URL of the app, every role, the expected answer.

A row per URL name, a column per user of the cast. The URL sweep in
test_urls.py fails when a URL pattern is neither public nor a row here, so a
new view cannot ship without deciding who may open it.

Codes: 200 shown, 302 redirected (anonymous: to the login page), 403 seen but
not allowed, 404 not visible (no existence leak). SELF means "the user's own
account page": any logged-in user gets a page or an account redirect, never an
error, and anonymous users are sent to the login page.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from allauth.socialaccount.models import SocialApp
from django.urls import reverse
from django.utils import timezone

from classes import services as classes_services
from classes.models import StaffRole, TeachingAssignment, User
from exports.batch import batch_finish
from exports.models import BatchExport

SELF = "self"

CAST = (
    "anonymous",
    "pupil",
    "classmate",
    "other_class_pupil",
    "other_school_pupil",
    "teacher",
    "other_teacher",
    "other_school_teacher",
    "head",
    "cpe",
    "psyen",
    "documentalist",
    "other_school_head",
    "platform_admin",
)


def _class_3e_a(world):
    return {"pk": world.college_class("3e A").pk}


def _college(world):
    return {"pk": world.college_class("3e A").school_id}


def _pupil(world):
    return {"pupil_pk": world.user("pupil").pk}


def _shared_entry(world):
    return {"pk": world.entry("Visite de l'atelier du Garage des Tonkins").pk}


def _private_entry(world):
    return {"pk": world.entry("Recherches sur les bacs pro du numérique").pk}


def _trashed_entry(world):
    return {"pk": world.entry("Essai supprimé").pk}


def _photo(world):
    entry = world.entry("Visite de l'atelier du Garage des Tonkins")
    return {"pk": entry.attachments.get().pk}


def _assignment(world):
    return {"pk": world.assignment("Préparer la visite du lycée Marie-Curie").pk}


def _answer(world):
    """Léa's answer to the assignment, shared with its teacher only."""
    return {"pk": world.answer_of_lea().pk}


def _resource(world):
    return {"pk": world.college_class("3e A").resources.get().pk}


def _announcement(world):
    return {"pk": world.college_class("3e A").announcements.get().pk}


def _past_event(world):
    return {"pk": world.college_class("3e A").events.get(title__startswith="Visite").pk}


def _interview(world):
    return {"pk": world.interview_of_lea().pk}


def _teaching(world):
    return {
        "pk": TeachingAssignment.objects.get(
            school_class=world.college_class("3e A"), teacher__username="prof"
        ).pk
    }


def _documentalist_role(world):
    return {"pk": StaffRole.objects.get(user__username="documentaliste").pk}


def _departure(world):
    school_class = world.college_class("3e B")
    pupil = User.objects.filter(enrolments__school_class=school_class).order_by("pk")[0]
    enrolment = classes_services.pupil_departure_record(
        by=None, pupil=pupil, school=school_class.school, left_on=timezone.localdate()
    )
    return {"pk": enrolment.pk}


def _flag(world):
    flag = classes_services.pupil_flag_raise(
        by=world.user("cpe"),
        school=world.college_class("3e A").school,
        pupil=world.user("pupil"),
        reason="Absences",
    )
    return {"pk": flag.pk}


def _flag_history(world):
    return {
        "pk": world.college_class("3e A").school_id,
        "pupil_pk": world.user("pupil").pk,
    }


def _batch(world):
    """A finished class batch requested by prof (an empty ZIP)."""
    batch = BatchExport.objects.create(
        requester=world.user("teacher"),
        school_class=world.college_class("3e A"),
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    return {"pk": batch_finish(batch_id=batch.pk, parts=[]).pk}


def _class_3e_a_for_batch(world):
    return {"class_pk": world.college_class("3e A").pk}


def _identity_provider(world):
    app = SocialApp.objects.create(
        provider="saml",
        provider_id="https://ent.example.fr/idp",
        client_id="ent",
        name="ENT",
        settings={
            "idp": {
                "entity_id": "https://ent.example.fr/idp",
                "sso_url": "https://ent.example.fr/sso",
                "x509cert": "",
            },
            "webclasseur": {"allowed_uais": ["0693901R"]},
        },
    )
    return {"pk": world.college_class("3e A").school_id, "app_pk": app.pk}


def _lti_platform(world):
    from lti_sso.models import LtiDeployment, LtiPlatform

    platform = LtiPlatform.objects.create(
        school=world.college_class("3e A").school,
        name="Moodle",
        issuer="https://moodle.example.fr",
        client_id="webclasseur",
        auth_login_url="https://moodle.example.fr/mod/lti/auth.php",
        auth_token_url="https://moodle.example.fr/mod/lti/token.php",
        key_set_url="https://moodle.example.fr/mod/lti/certs.php",
    )
    LtiDeployment.objects.create(platform=platform, deployment_id="1")
    return {"pk": platform.school_id, "platform_pk": platform.pk}


def _unknown_lti_launch(world):
    return {"launch_id": "lti1p3-launch-not-of-this-session"}


GET, POST = "GET", "POST"
COMMENT = {"body": "Bien vu."}
SHARE = {"visibility": "private"}


@dataclass(frozen=True)
class Row:
    url_name: str
    kwargs: Callable[[Any], dict[str, int]] | None
    codes: tuple[int | str, ...]
    method: str = GET
    data: dict[str, str] = field(default_factory=dict)
    label: str = ""

    @property
    def id(self) -> str:
        return self.label or self.url_name


# fmt: off
# Demo accounts have a password; the other pupils and teachers are SSO-only.
#                              anon pupil mate ocls osch tchr otch osct head cpe  psy  doc  oshd admin
REAUTHENTICATION =           (302, 200, 403, 403, 200, 200, 403, 200, 200, 200, 200, 200, 200, 200)
REAUTHENTICATION_BY_CODE =   (302, 302, 403, 403, 302, 302, 403, 302, 302, 302, 302, 302, 302, 302)
OWN_ACCOUNT =                (302, *[SELF] * 13)
# The pupil space: every pupil has their own; staff are not pupils.
PUPIL_SPACE =                (302, 200, 200, 200, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403)
PUPIL_SPACE_POST =           (302, 302, 302, 302, 302, 403, 403, 403, 403, 403, 403, 403, 403, 403)
# Léa's shared entry: her teachers and her school's team read it.
SHARED_ENTRY =               (302, 200, 404, 404, 404, 200, 404, 404, 200, 200, 200, 200, 404, 404)
PRIVATE_ENTRY =              (302, 200, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404)
# The class space of 3e A: its pupils, its teachers, the school's team.
CLASS_VIEW =                 (302, 200, 200, 404, 404, 200, 404, 404, 200, 200, 200, 200, 404, 200)
# What only the class's teachers do: the others who see the class get 403.
CLASS_TEACH =                (302, 403, 403, 404, 404, 200, 404, 404, 403, 403, 403, 403, 404, 403)
CLASS_TEACH_POST =           (302, 403, 403, 404, 404, 302, 404, 404, 403, 403, 403, 403, 404, 403)
# Managing a school: head, deputy, school admin, platform admin.
SCHOOL_MANAGE =              (302, 403, 403, 403, 404, 403, 403, 404, 200, 403, 403, 403, 404, 200)
# Following pupils (flags): the school's educational team only.
TEAM_FOLLOW =                (302, 403, 403, 403, 404, 403, 403, 404, 200, 200, 200, 200, 404, 403)
# Changing an entry happens in the pupil space: other pupils get 404, staff
# (who are not pupils) 403 before any entry is looked up.
OWNER_ONLY =                 (302, 200, 404, 404, 404, 403, 403, 403, 403, 403, 403, 403, 403, 403)
OWNER_ONLY_POST =            (302, 302, 404, 404, 404, 403, 403, 403, 403, 403, 403, 403, 403, 403)

MATRIX = [
    #                                                      anon pupil mate ocls osch tchr otch osct head cpe  psy  doc  oshd admin
    Row("home", None,                                     (302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    Row("portfolio:home", None, PUPIL_SPACE),
    Row("portfolio:pupil_portfolio", _pupil,              (302, 200, 404, 404, 404, 200, 404, 404, 200, 200, 200, 200, 404, 404)),
    Row("portfolio:pupil_project", _pupil,                (302, 200, 404, 404, 404, 200, 404, 404, 200, 200, 200, 200, 404, 404)),
    Row("portfolio:entry_create", None, PUPIL_SPACE),
    Row("portfolio:draft_autosave", None,                 (302, 200, 200, 200, 200, 403, 403, 403, 403, 403, 403, 403, 403, 403), POST),
    Row("portfolio:entry_detail", _shared_entry, SHARED_ENTRY, label="entry_detail-shared"),
    Row("portfolio:entry_detail", _private_entry, PRIVATE_ENTRY, label="entry_detail-private"),
    Row("portfolio:entry_detail", _trashed_entry,         (302, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404), label="entry_detail-trashed"),
    Row("portfolio:entry_edit", _shared_entry, OWNER_ONLY),
    Row("portfolio:entry_edit", _private_entry, OWNER_ONLY, label="entry_edit-private"),
    Row("portfolio:entry_delete", _shared_entry, OWNER_ONLY),
    Row("portfolio:entry_share", _shared_entry, OWNER_ONLY_POST, POST, SHARE),
    # An entry's history (every earlier version): its pupil only, even for a
    # shared entry staff may read; trash included.
    Row("portfolio:entry_history", _shared_entry, PRIVATE_ENTRY),
    Row("portfolio:entry_history", _trashed_entry, PRIVATE_ENTRY, label="entry_history-trashed"),
    Row("portfolio:comment_create", _shared_entry,        (302, 302, 404, 404, 404, 302, 404, 404, 302, 302, 302, 302, 404, 404), POST, COMMENT),
    Row("portfolio:comment_create", _private_entry,       (302, 403, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404), POST, COMMENT, label="comment_create-private"),
    Row("portfolio:trash", None, PUPIL_SPACE),
    Row("portfolio:entry_restore", _trashed_entry, OWNER_ONLY_POST, POST),
    Row("portfolio:attachment_download", _photo, SHARED_ENTRY),
    Row("portfolio:attachment_thumbnail", _photo, SHARED_ENTRY),
    # Deleting a file checks the entry's owner, not the pupil space: staff see
    # the photo (403), the others do not (404).
    Row("portfolio:attachment_delete", _photo,            (302, 302, 404, 404, 404, 403, 404, 404, 403, 403, 403, 403, 404, 404), POST),
    Row("portfolio:project", None, PUPIL_SPACE),
    Row("portfolio:project_edit", None, PUPIL_SPACE),
    Row("portfolio:self_assessment", None, PUPIL_SPACE),
    Row("portfolio:project_share", None, PUPIL_SPACE_POST, POST, {"shared": "yes"}),
    Row("portfolio:metier_search", None,                  (302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    Row("staff:class_progress", _class_3e_a,              (302, 403, 403, 404, 404, 200, 404, 404, 200, 200, 200, 200, 404, 403)),
    # Only the professeur principal (prof, for 3e A) and the team.
    Row("staff:class_synthesis", _class_3e_a,             (302, 403, 403, 404, 404, 200, 404, 404, 200, 200, 200, 200, 404, 403)),
    # Assignments and the class space (3e A, given by prof).
    Row("staff:assignment_detail", _assignment, CLASS_VIEW),
    Row("classes:assignment_create", _class_3e_a, CLASS_TEACH),
    Row("classes:assignment_edit", _assignment, CLASS_TEACH),
    Row("classes:assignment_close", _assignment, CLASS_TEACH_POST, POST, {"closed": "1"}),
    Row("staff:assignment_delete", _assignment, CLASS_TEACH),
    Row("classes:resource_create", _class_3e_a, CLASS_TEACH),
    # A link resource: the ones who see it are sent on to the link.
    Row("classes:resource_download", _resource,           (302, 302, 302, 404, 404, 302, 404, 404, 302, 302, 302, 302, 404, 302)),
    Row("classes:resource_delete", _resource, CLASS_TEACH_POST, POST),
    Row("classes:announcement_create", _class_3e_a, CLASS_TEACH_POST, POST, {"body": "Sortie lundi."}),
    Row("classes:announcement_delete", _announcement, CLASS_TEACH_POST, POST),
    Row("classes:event_create", _class_3e_a, CLASS_TEACH),
    Row("classes:event_delete", _past_event, CLASS_TEACH_POST, POST),
    Row("staff:event_record", _past_event, CLASS_TEACH_POST, POST),
    # Léa's answer shared with the assigning teacher only: not the team.
    Row("portfolio:entry_detail", _answer,                (302, 200, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404), label="entry_detail-answer"),
    Row("portfolio:entry_review", _answer,                (302, 403, 404, 404, 404, 302, 404, 404, 404, 404, 404, 404, 404, 404), POST),
    # Orientation interviews: Léa's, organised by the Psy-EN with her PP (prof).
    Row("interviews:mine", None, PUPIL_SPACE),
    Row("interviews:class_list", _class_3e_a,             (302, 403, 403, 404, 404, 200, 404, 404, 200, 200, 200, 200, 404, 403)),
    # Planning: the pupil's PP and the Psy-EN only.
    Row("interviews:plan", _pupil,                        (302, 403, 404, 404, 404, 200, 404, 404, 403, 403, 200, 403, 404, 404)),
    Row("interviews:detail", _interview,                  (302, 200, 404, 404, 404, 200, 404, 404, 200, 200, 200, 200, 404, 404)),
    # Held already: nobody prepares it any more.
    Row("interviews:prepare", _interview,                 (302, 403, 404, 404, 404, 403, 404, 404, 403, 403, 403, 403, 404, 404)),
    Row("interviews:record", _interview,                  (302, 403, 404, 404, 404, 200, 404, 404, 403, 403, 200, 403, 404, 404)),
    # A held interview cannot be cancelled, not even by its organiser.
    Row("interviews:cancel", _interview,                  (302, 403, 404, 404, 404, 403, 404, 404, 403, 403, 403, 403, 404, 404), POST),
    Row("interviews:passport", _interview,                (302, 302, 404, 404, 404, 403, 404, 404, 403, 403, 403, 403, 404, 404), POST, {"shown": "1"}),
    Row("portfolio:access_log", None, PUPIL_SPACE),
    # The school's coverage and its CSV tables: the school's team.
    Row("coverage:school_coverage", _college,             (302, 403, 403, 403, 404, 403, 403, 404, 200, 200, 200, 200, 404, 200)),
    Row("coverage:school_coverage_csv", _college,         (302, 403, 403, 403, 404, 403, 403, 404, 200, 200, 200, 200, 404, 200), GET, {"table": "kinds"}),
    # Importing pupils and rolling the year over: the school's managers. The
    # import POST carries no file: managers are told to choose one (422).
    Row("school_import:pupils_import", _college,          (302, 403, 403, 403, 404, 403, 403, 404, 200, 403, 403, 403, 404, 200)),
    Row("school_import:pupils_import", _college,          (302, 403, 403, 403, 404, 403, 403, 404, 422, 403, 403, 403, 404, 422), POST, {"action": "dry_run"}, label="pupils_import-post"),
    Row("school_import:year_rollover", _college,          (302, 403, 403, 403, 404, 403, 403, 404, 200, 403, 403, 403, 404, 200)),
    Row("school_import:year_rollover", _college,          (302, 403, 403, 403, 404, 403, 403, 404, 302, 403, 403, 403, 404, 302), POST, label="year_rollover-post"),
    # The passport: the pupil's own, from the pupil space.
    Row("exports:passport", None, PUPIL_SPACE),
    Row("exports:passport_preview", None, PUPIL_SPACE),
    Row("exports:passport_pdf", None, PUPIL_SPACE),
    # A class's passports in one ZIP: the class's teachers and the team start
    # one; a batch is its requester's alone.
    Row("batch:start", _class_3e_a_for_batch,             (302, 403, 403, 404, 404, 200, 404, 404, 200, 200, 200, 200, 404, 403)),
    Row("batch:start", _class_3e_a_for_batch,             (302, 403, 403, 404, 404, 302, 404, 404, 302, 302, 302, 302, 404, 403), POST, label="batch_start-post"),
    Row("batch:progress", _batch,                         (302, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404)),
    Row("batch:download", _batch,                         (302, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404, 404, 404, 404)),
    Row("exports:archive", None, PUPIL_SPACE),
    Row("exports:archive_download", None, PUPIL_SPACE),
    Row("exports:leap2a", None, PUPIL_SPACE),
    # No file posted: each pupil is told to choose one, nothing is imported.
    Row("exports:archive_import", None,                   (302, 422, 422, 422, 422, 403, 403, 403, 403, 403, 403, 403, 403, 403), POST),
    # School administration and follow-up flags.
    Row("school_admin:manage", _college, SCHOOL_MANAGE),
    # Connecting an ENT or the GAR (SAML identity providers): the managers.
    Row("sso:idp_list", _college, SCHOOL_MANAGE),
    Row("sso:idp_create", _college, SCHOOL_MANAGE),
    Row("sso:idp_create", _college,                       (302, 403, 403, 403, 404, 403, 403, 404, 422, 403, 403, 403, 404, 422), POST, {"name": ""}, label="idp_create-post"),
    Row("sso:idp_detail", _identity_provider, SCHOOL_MANAGE),
    Row("sso:idp_detail", _identity_provider,             (302, 403, 403, 403, 404, 403, 403, 404, 422, 403, 403, 403, 404, 422), POST, {"name": ""}, label="idp_detail-post"),
    # LTI 1.3 platforms of the school (lti_sso.permissions).
    Row("lti:platform_list", _college, SCHOOL_MANAGE),
    Row("lti:platform_create", _college, SCHOOL_MANAGE),
    Row("lti:platform_create", _college,                   (302, 403, 403, 403, 404, 403, 403, 404, 422, 403, 403, 403, 404, 422), POST, {"name": ""}, label="lti_platform_create-post"),
    Row("lti:platform_detail", _lti_platform, SCHOOL_MANAGE),
    Row("lti:platform_detail", _lti_platform,              (302, 403, 403, 403, 404, 403, 403, 404, 422, 403, 403, 403, 404, 422), POST, {"name": ""}, label="lti_platform_detail-post"),
    # The tool's signing keys: the platform administrator only.
    Row("lti:tool_keys", None,                             (302, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 403, 200)),
    # A launch in progress is continued only by the session it was validated
    # in: nobody reaches another one.
    Row("lti:context_link", _unknown_lti_launch,           (302, *[404] * 13)),
    Row("lti:deep_link", _unknown_lti_launch,              (302, *[404] * 13)),
    # Roster sync (NRPS): the class's teachers.
    Row("lti:roster_sync", _class_3e_a, CLASS_TEACH_POST, POST),
    Row("school_admin:class_create", _college, SCHOOL_MANAGE),
    Row("school_admin:teaching_add", _college, SCHOOL_MANAGE),
    Row("school_admin:role_grant", _college, SCHOOL_MANAGE),
    Row("school_admin:settings", _college, SCHOOL_MANAGE),
    Row("school_admin:departure_create", _college, SCHOOL_MANAGE),
    Row("school_admin:teaching_remove", _teaching,        (302, 403, 403, 404, 404, 403, 404, 404, 302, 403, 403, 403, 404, 302), POST),
    Row("school_admin:role_revoke", _documentalist_role,  (302, 404, 404, 404, 404, 404, 404, 404, 302, 403, 403, 403, 404, 302), POST),
    Row("school_admin:role_history", _college, SCHOOL_MANAGE),
    Row("school_admin:departure_undo", _departure,        (302, 404, 404, 404, 404, 404, 404, 404, 302, 404, 404, 404, 404, 302), POST),
    # RGPD requests (access, rectification, erasure): the school's managers.
    Row("rgpd:requests", _college, SCHOOL_MANAGE),
    Row("rgpd:summary", _flag_history, SCHOOL_MANAGE),
    Row("rgpd:erase", _flag_history, SCHOOL_MANAGE),
    Row("rgpd:erase", _flag_history,                      (302, 403, 403, 403, 404, 403, 403, 404, 302, 403, 403, 403, 404, 302), POST, {"confirm": "on"}, label="erase-post"),
    Row("notice:privacy_notice", None,                    (302, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    Row("school_admin:flag_list", _college, TEAM_FOLLOW),
    Row("school_admin:flag_create", _college, TEAM_FOLLOW),
    Row("school_admin:flag_history", _flag_history, TEAM_FOLLOW),
    Row("school_admin:flag_clear", _flag,                 (302, 404, 404, 404, 404, 404, 404, 404, 302, 302, 302, 302, 404, 404), POST, {"clearing_note": "Tout va bien."}),
    # The API's documentation page (Swagger UI) is for staff.
    Row("api:docs", None,                                 (302, 403, 403, 403, 403, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    Row("classes:my_classes", None,                       (302, 403, 403, 403, 403, 200, 200, 200, 403, 403, 403, 403, 403, 403)),
    Row("classes:class_detail", _class_3e_a,              (302, 200, 200, 404, 404, 200, 404, 404, 200, 200, 200, 200, 404, 200)),
    Row("classes:school_home", None,                      (302, 403, 403, 403, 403, 403, 403, 403, 302, 302, 302, 302, 302, 200)),
    Row("classes:school_overview", _college,              (302, 403, 403, 403, 404, 403, 403, 404, 200, 200, 200, 200, 404, 200)),
    # django-allauth's own account pages (local accounts)
    Row("account_email", None, OWN_ACCOUNT),
    Row("socialaccount_connections", None, OWN_ACCOUNT),
    # allauth's page after a failed SSO login answers 401 to everyone.
    Row("socialaccount_login_error", None, (302, *[401] * 13)),
    Row("account_change_password", None, OWN_ACCOUNT),
    Row("account_set_password", None, OWN_ACCOUNT),
    Row("account_confirm_reauthentication_code", None, OWN_ACCOUNT),
    # Re-authenticating asks for a password: SSO-only accounts have none ...
    Row("account_reauthenticate", None, REAUTHENTICATION),
    # ... and by emailed code is off: password accounts are sent to the form above.
    Row("account_request_reauthentication_code", None, REAUTHENTICATION_BY_CODE),
    # The optional second factor (allauth.mfa, classes/mfa.py): staff only,
    # pupils get 404. Setting it up asks for the password again first (302;
    # SSO-only accounts have none: 403); the pages about an authenticator
    # that does not exist yet answer 404.
    Row("mfa_index", None,                                (302, 404, 404, 404, 404, 200, 200, 200, 200, 200, 200, 200, 200, 200)),
    Row("mfa_activate_totp", None,                        (302, 404, 404, 404, 404, 302, 403, 302, 302, 302, 302, 302, 302, 302)),
    Row("mfa_generate_recovery_codes", None,              (302, 404, 404, 404, 404, 302, 403, 302, 302, 302, 302, 302, 302, 302)),
    Row("mfa_deactivate_totp", None,                      (302, *[404] * 13)),
    Row("mfa_view_recovery_codes", None,                  (302, *[404] * 13)),
    Row("mfa_download_recovery_codes", None,              (302, *[404] * 13)),
    Row("mfa_reauthenticate", None, REAUTHENTICATION_BY_CODE),
]
# fmt: on
MATRIX_URL_NAMES = {row.url_name for row in MATRIX}

CASES = [
    pytest.param(row, column, expected, id=f"{row.id}-{column}")
    for row in MATRIX
    for column, expected in zip(CAST, row.codes, strict=True)
]


@pytest.mark.parametrize(("row", "who", "expected"), CASES)
def test_it_answers_each_role_as_the_matrix_says(world, row, who, expected):
    url = reverse(row.url_name, kwargs=row.kwargs(world) if row.kwargs else None)
    client = world.client_for(who)
    response = (
        client.post(url, row.data) if row.method == POST else client.get(url, row.data)
    )
    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif expected == SELF:
        assert response.status_code in {200, 302}
        if response.status_code == 302:
            assert not response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected


# The confidential note of Léa's interview: the Psy-EN only (the school's
# default), never the pupil, her professeur principal or the rest of the team.
#                     anon   pupil  mate   ocls   osch   tchr   otch   osct   head   cpe    psy   doc    oshd   admin
CONFIDENTIAL_NOTE = (
    False,
    False,
    False,
    False,
    False,
    False,
    False,
    False,
    False,
    False,
    True,
    False,
    False,
    False,
)
NOTE = "Situation familiale à suivre"


@pytest.mark.parametrize(
    ("who", "shown"), list(zip(CAST, CONFIDENTIAL_NOTE, strict=True)), ids=CAST
)
def test_the_confidential_note_reaches_only_the_roles_the_school_allows(
    world, who, shown
):
    interview = world.interview_of_lea()
    client = world.client_for(who)
    for name in ("interviews:detail", "interviews:record", "interviews:mine"):
        kwargs = None if name == "interviews:mine" else {"pk": interview.pk}
        page = client.get(reverse(name, kwargs=kwargs))
        assert (NOTE in page.content.decode()) is (shown and name != "interviews:mine")
    record = client.get(reverse("interviews:record", kwargs={"pk": interview.pk}))
    assert ('name="confidential_note"' in record.content.decode()) is shown
