"""Pupils, teachers and the Psy-EN log in through the in-process IdP and land in
their space with the right class and role (genuinely signed responses)."""

from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from classes.models import Enrolment, StaffRole, TeachingAssignment, User
from classes.roles import roles_of
from tests.lti_sso.conftest import browser, gar_attributes, link
from tests.lti_sso.idp import IDP_ENTITY_ID


def _logged_in_user(client) -> User:
    return User.objects.get(pk=client.session["_auth_user_id"])


def test_the_demo_pupil_lands_in_her_space(world, sso_login):
    lea = world.user("pupil")
    link(lea, "GAR-ELV-1")
    client, response = sso_login(gar_attributes("GAR-ELV-1", div=["3e A"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert _logged_in_user(client) == lea
    assert client.get("/").url == reverse("portfolio:home")
    assert client.get(reverse("portfolio:home")).status_code == 200


def test_the_demo_teacher_lands_in_her_classes(world, sso_login):
    prof = world.user("teacher")
    link(prof, "GAR-ENS-1")
    taught = set(
        TeachingAssignment.objects.filter(teacher=prof).values_list(
            "school_class__name", flat=True
        )
    )
    client, _response = sso_login(
        gar_attributes("GAR-ENS-1", pro="National_ens", first="Sophie", last="Bernard")
    )
    assert _logged_in_user(client) == prof
    assert client.get("/").url == reverse("classes:my_classes")
    # No DIV attribute sent: the classes stay as the school set them.
    assert (
        set(
            TeachingAssignment.objects.filter(teacher=prof).values_list(
                "school_class__name", flat=True
            )
        )
        == taught
    )


def test_the_demo_psyen_keeps_her_role_and_lands_in_the_school_space(world, sso_login):
    psyen = world.user("psyen")
    link(psyen, "GAR-EVS-1")
    client, _response = sso_login(
        gar_attributes("GAR-EVS-1", pro="national_EVS", first="Claire", last="Rousseau")
    )
    assert _logged_in_user(client) == psyen
    assert client.get("/").url == reverse("classes:school_home")
    roles = set(StaffRole.objects.filter(user=psyen).values_list("role", flat=True))
    assert roles == {StaffRole.Role.PSYEN}


def test_a_first_login_creates_the_pupil_in_her_class(world, sso_login):
    client, response = sso_login(
        gar_attributes(
            "GAR-NEW-1", first="Inès", last="Nouvelle", div=["0693901R$4e A"]
        )
    )
    assert response.status_code == 302
    account = SocialAccount.objects.get(provider=IDP_ENTITY_ID, uid="GAR-NEW-1")
    user = account.user
    assert (user.first_name, user.last_name) == ("Inès", "Nouvelle")
    assert not user.has_usable_password()
    assert user.external_id == ""
    assert _logged_in_user(client) == user
    enrolment = Enrolment.objects.get(pupil=user)
    assert enrolment.school_class == world.college_class("4e A")


def test_a_second_login_with_another_class_moves_the_pupil(world, sso_login):
    sso_login(gar_attributes("GAR-NEW-2", div=["4e A"]))
    user = SocialAccount.objects.get(uid="GAR-NEW-2").user
    _client, response = sso_login(
        gar_attributes("GAR-NEW-2", first="Léa-Rose", div=["3e B"])
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.first_name == "Léa-Rose"
    assert Enrolment.objects.get(pupil=user).school_class == world.college_class("3e B")
    assert SocialAccount.objects.filter(uid="GAR-NEW-2").count() == 1


def test_a_teacher_who_lost_a_class_loses_access_to_it(world, sso_login):
    sso_login(gar_attributes("GAR-ENS-9", pro="National_ens", div=["5e A", "4e A"]))
    teacher = SocialAccount.objects.get(uid="GAR-ENS-9").user
    assert roles_of(teacher).taught_class_ids == {
        world.college_class("5e A").pk,
        world.college_class("4e A").pk,
    }
    sso_login(gar_attributes("GAR-ENS-9", pro="National_ens", div=["4e A"]))
    teacher = User.objects.get(pk=teacher.pk)
    assert roles_of(teacher).taught_class_ids == {world.college_class("4e A").pk}


def test_a_head_and_a_documentalist_get_their_team_role(world, sso_login):
    sso_login(gar_attributes("GAR-DIR-1", pro="National_dir"))
    sso_login(gar_attributes("GAR-DOC-1", pro="NATIONAL_DOC"))
    head = SocialAccount.objects.get(uid="GAR-DIR-1").user
    doc = SocialAccount.objects.get(uid="GAR-DOC-1").user
    assert list(StaffRole.objects.filter(user=head).values_list("role", flat=True)) == [
        StaffRole.Role.HEAD
    ]
    assert list(StaffRole.objects.filter(user=doc).values_list("role", flat=True)) == [
        StaffRole.Role.DOCUMENTALIST
    ]


def test_the_same_ido_from_another_idp_is_another_account(world, sso_login):
    lea = world.user("pupil")
    SocialAccount.objects.create(
        user=lea, provider="https://other-ent.example.fr/idp", uid="GAR-X"
    )
    client, _response = sso_login(gar_attributes("GAR-X", div=["4e A"]))
    assert _logged_in_user(client) != lea


def test_the_authn_request_is_signed(saml_app):
    from urllib.parse import parse_qs, urlparse

    response = browser().get("/accounts/saml/ent-test/login/")
    query = parse_qs(urlparse(response["Location"]).query)
    assert query["SigAlg"] == ["http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"]
    assert query["Signature"]


def test_the_sp_metadata_is_public(saml_app):
    response = browser().get("/accounts/saml/ent-test/metadata/")
    assert response.status_code == 200
    assert b"https://webclasseur.example.fr/saml/sp" in response.content
    assert b'AuthnRequestsSigned="true"' in response.content
