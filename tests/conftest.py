"""The shared test world: the demo school, built once per test database through
the real services (classes.demo), and a fixed cast of users to act as."""

import pytest
from django.conf import settings as django_settings
from django.test import Client, override_settings
from django.utils import translation

from classes.demo import COLLEGE_UAI
from classes.models import Assignment, Class, Enrolment, TeachingAssignment, User
from portfolio import coverage
from portfolio import services as portfolio_services
from portfolio.demo import build_demo
from portfolio.models import Entry, Interview


@pytest.fixture(scope="session", autouse=True)
def _static_files_from_the_apps(tmp_path_factory):
    """Static files without a collectstatic manifest (the live server serves
    them from the apps; WhiteNoise scanning them for every test client would
    cost 0.4 s a client), and uploaded files in a temporary folder."""
    django_settings.STATIC_ROOT.mkdir(parents=True, exist_ok=True)
    storages = {
        **django_settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
    media = tmp_path_factory.mktemp("media")
    with override_settings(
        STORAGES=storages, WHITENOISE_USE_FINDERS=False, MEDIA_ROOT=media
    ):
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        build_demo()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in French: a request that switched the thread to
    English must not leak into the next test."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_coverage_cache():
    """The school coverage figures are cached across requests; the writes of
    the previous test were rolled back without telling the cache."""
    coverage.cache_namespace_reset()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # MD5 for speed; PBKDF2 still checks the demo accounts' seeded hash.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


class World:
    """Looks the cast up in the demo world (rows are re-read in each test)."""

    def college_class(self, name: str) -> Class:
        return Class.objects.get(school__uai=COLLEGE_UAI, name=name)

    def user(self, alias: str) -> User | None:
        """A user by role alias, as used by the role matrix; None is anonymous."""
        if alias == "anonymous":
            return None
        lookups = {
            "pupil": lambda: User.objects.get(username="eleve"),
            "classmate": lambda: self._pupils_of("3e A").exclude(username="eleve")[0],
            "other_class_pupil": lambda: self._pupils_of("4e A")[0],
            "other_school_pupil": lambda: User.objects.get(username="lycee.eleve"),
            "teacher": lambda: User.objects.get(username="prof"),
            "other_teacher": lambda: (
                TeachingAssignment.objects.get(
                    school_class=self.college_class("6e A"), is_principal=True
                ).teacher
            ),
            "other_school_teacher": lambda: User.objects.get(username="lycee.prof"),
            "head": lambda: User.objects.get(username="principal"),
            "cpe": lambda: User.objects.get(username="cpe"),
            "psyen": lambda: User.objects.get(username="psyen"),
            "documentalist": lambda: User.objects.get(username="documentaliste"),
            "other_school_head": lambda: User.objects.get(username="proviseure"),
            "platform_admin": lambda: User.objects.get(username="admin"),
        }
        return lookups[alias]()

    def assignment(self, title: str) -> Assignment:
        return Assignment.objects.get(title=title)

    def answer_of_lea(self) -> Entry:
        """Léa's answer to the lycée visit assignment, made through the services."""
        lea = User.objects.get(username="eleve")
        assignment = self.assignment("Préparer la visite du lycée Marie-Curie")
        entry = portfolio_services.answer_draft_for(by=lea, assignment=assignment)
        return portfolio_services.entry_save(by=lea, entry=entry)

    def interview_of_lea(self) -> Interview:
        return Interview.objects.get(pupil__username="eleve")

    def entry(self, title: str) -> Entry:
        """One of the demo entries, by title (trash included)."""
        return Entry.objects.get(title=title)

    def _pupils_of(self, class_name: str):
        return User.objects.filter(
            pk__in=Enrolment.objects.filter(
                school_class=self.college_class(class_name)
            ).values("pupil")
        ).order_by("pk")

    def client_for(self, alias: str) -> Client:
        client = Client()
        user = self.user(alias)
        if user is not None:
            client.force_login(user)
        return client


@pytest.fixture
def world(db) -> World:
    return World()
