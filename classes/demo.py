"""The demo school world: two schools of the académie de Lyon, their classes,
pupils, teachers and educational teams, built through the real services.

Deterministic: the same names, classes and accounts every time (only the
school year follows today's date). `make run` loads it once; the tests use it.
"""

import datetime
import random
import unicodedata
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from classes import services
from classes.kinds import ActivityKind
from classes.models import (
    Class,
    Level,
    School,
    SchoolYear,
    StaffRole,
    User,
    school_year_start_for,
)

DEMO_PASSWORD = "parcours-avenir"  # noqa: S105 - documented demo password
DEMO_DOMAIN = "demo.webclasseur.test"
PUPILS_PER_CLASS = 25


@dataclass(frozen=True)
class DemoAccount:
    alias: str
    first_name: str
    last_name: str
    role_label: str
    school_uai: str

    @property
    def email(self) -> str:
        return f"{self.alias}@{DEMO_DOMAIN}"


COLLEGE_UAI = "0693901R"
LYCEE_UAI = "0693902S"


@dataclass(frozen=True)
class DemoSchool:
    uai: str
    name: str
    city: str
    academy: str
    kind: str
    classes: list[tuple[str, str]]


SCHOOLS = [
    DemoSchool(
        uai=COLLEGE_UAI,
        name="Collège Jean-Moulin",
        city="Villeurbanne",
        academy="Lyon",
        kind=School.Kind.COLLEGE,
        classes=[
            ("6e A", Level.SIXIEME),
            ("5e A", Level.CINQUIEME),
            ("4e A", Level.QUATRIEME),
            ("3e A", Level.TROISIEME),
            ("3e B", Level.TROISIEME),
        ],
    ),
    DemoSchool(
        uai=LYCEE_UAI,
        name="Lycée polyvalent Marie-Curie",
        city="Vénissieux",
        academy="Lyon",
        kind=School.Kind.LYCEE_POLYVALENT,
        classes=[
            ("2de 1", Level.SECONDE),
            ("1re 1", Level.PREMIERE),
            ("Tle 1", Level.TERMINALE),
            ("2de pro MELEC", Level.SECONDE_PRO),
        ],
    ),
]

# One account per role and school, all with DEMO_PASSWORD. The first pupil of
# each school's first listed class below is the demo pupil.
DEMO_ACCOUNTS = [
    DemoAccount("eleve", "Léa", "Martin", "élève de 3e A", COLLEGE_UAI),
    DemoAccount(
        "prof", "Sophie", "Bernard", "professeure principale de 3e A", COLLEGE_UAI
    ),
    DemoAccount("principal", "Marc", "Lefèvre", "principal", COLLEGE_UAI),
    DemoAccount("cpe", "Nadia", "Haddad", "CPE", COLLEGE_UAI),
    DemoAccount("psyen", "Claire", "Rousseau", "Psy-EN", COLLEGE_UAI),
    DemoAccount(
        "documentaliste", "Julien", "Moreau", "professeur documentaliste", COLLEGE_UAI
    ),
    DemoAccount("lycee.eleve", "Hugo", "Garcia", "élève de 2de 1", LYCEE_UAI),
    DemoAccount(
        "lycee.prof", "Karim", "Benali", "professeur principal de 2de 1", LYCEE_UAI
    ),
    DemoAccount("proviseure", "Isabelle", "Fontaine", "proviseure", LYCEE_UAI),
]
DEMO_PUPIL_CLASS = {COLLEGE_UAI: "3e A", LYCEE_UAI: "2de 1"}
DEMO_TEAM_ROLES = {
    "principal": StaffRole.Role.HEAD,
    "cpe": StaffRole.Role.CPE,
    "psyen": StaffRole.Role.PSYEN,
    "documentaliste": StaffRole.Role.DOCUMENTALIST,
    "proviseure": StaffRole.Role.HEAD,
}
DEMO_PRINCIPAL_TEACHERS = {"prof": "3e A", "lycee.prof": "2de 1"}

FIRST_NAMES = [
    "Adam",
    "Alice",
    "Amir",
    "Anaïs",
    "Arthur",
    "Camille",
    "Chloé",
    "Clément",
    "Emma",
    "Enzo",
    "Eva",
    "Gabriel",
    "Hugo",
    "Inès",
    "Jade",
    "Jules",
    "Kenza",
    "Léna",
    "Léo",
    "Lina",
    "Louis",
    "Louise",
    "Lucas",
    "Maël",
    "Manon",
    "Mathis",
    "Maya",
    "Mohamed",
    "Nathan",
    "Noah",
    "Nora",
    "Paul",
    "Rayan",
    "Romane",
    "Sacha",
    "Sarah",
    "Théo",
    "Tom",
    "Yanis",
    "Zoé",
]
LAST_NAMES = [
    "Andre",
    "Barbier",
    "Benoît",
    "Blanc",
    "Bonnet",
    "Boyer",
    "Brun",
    "Chevalier",
    "Clément",
    "Colin",
    "Da Silva",
    "David",
    "Diallo",
    "Dubois",
    "Dumas",
    "Durand",
    "Faure",
    "Fournier",
    "François",
    "Gauthier",
    "Gérard",
    "Girard",
    "Guerin",
    "Henry",
    "Kaya",
    "Lambert",
    "Laurent",
    "Leroy",
    "Lopez",
    "Masson",
    "Mathieu",
    "Mercier",
    "Meunier",
    "Michel",
    "Morel",
    "Muller",
    "N'Diaye",
    "Nguyen",
    "Nicolas",
    "Perrin",
    "Petit",
    "Richard",
    "Robin",
    "Roux",
    "Roy",
    "Simon",
    "Thomas",
    "Traoré",
    "Vincent",
    "Zimmermann",
]
SUBJECTS = [
    "Français",
    "Mathématiques",
    "Histoire-géographie",
    "Anglais",
    "SVT",
    "Physique-chimie",
    "Technologie",
    "EPS",
]


def _ascii_slug(text: str) -> str:
    normalised = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in normalised.lower() if c.isalnum() or c == "-")


def demo_world_exists() -> bool:
    return School.objects.filter(uai=COLLEGE_UAI).exists()


@transaction.atomic
def build_demo_world() -> SchoolYear:
    """Create the demo world in an empty database and return the school year."""
    rng = random.Random(2026)  # a fixed seed: same names every time
    year = services.school_year_get_or_create(
        start_year=school_year_start_for(timezone.localdate())
    )
    demo_hash = make_password(DEMO_PASSWORD)
    accounts = {}
    for account in DEMO_ACCOUNTS:
        user = services.user_create(
            username=account.alias,
            first_name=account.first_name,
            last_name=account.last_name,
            email=account.email,
        )
        user.password = demo_hash
        user.save(update_fields=["password"])
        accounts[account.alias] = user

    for school_data in SCHOOLS:
        school = services.school_create(
            by=None,
            uai=school_data.uai,
            name=school_data.name,
            city=school_data.city,
            academy=school_data.academy,
            kind=school_data.kind,
        )
        classes = [
            services.class_create(
                by=None, school=school, year=year, name=name, level=level
            )
            for name, level in school_data.classes
        ]
        _staff_school(school, accounts)
        _teach(school, classes, accounts, rng)
        _enrol_pupils(school, classes, accounts, rng)
    _class_space(
        accounts["prof"], Class.objects.get(school__uai=COLLEGE_UAI, name="3e A")
    )

    admin = services.user_create(
        username="admin",
        first_name="Admin",
        last_name="Plateforme",
        email=f"admin@{DEMO_DOMAIN}",
    )
    admin.password = demo_hash
    admin.is_staff = admin.is_superuser = True
    admin.save(update_fields=["password", "is_staff", "is_superuser"])
    return year


def _class_space(teacher: User, school_class: Class) -> None:
    """3e A's space: two activities, a calendar, an announcement, a resource.
    Dates follow today's, so the demo always has something to do and to record."""
    today = timezone.localdate()
    services.assignment_create(
        by=teacher,
        school_class=school_class,
        title="Préparer la visite du lycée Marie-Curie",
        kind=ActivityKind.TRAINING_VISIT,
        instructions=(
            "Avant la visite, regarde les formations du lycée sur le site de "
            "l'Onisep et note trois questions à poser aux élèves de 2de.\n"
            "Après la visite, raconte ce que tu as vu et dis si une formation "
            "t'intéresse."
        ),
        opens_on=today - datetime.timedelta(days=3),
        due_on=today + datetime.timedelta(days=12),
    )
    services.assignment_create(
        by=teacher,
        school_class=school_class,
        title="Interroger un professionnel de ton entourage",
        kind=ActivityKind.PROFESSIONAL_MEETING,
        instructions=(
            "Pose cinq questions à un adulte sur son métier : ce qu'il fait, "
            "sa formation, ce qu'il aime, ce qui est difficile, un conseil."
        ),
        opens_on=today - datetime.timedelta(days=1),
        due_on=today + datetime.timedelta(days=21),
    )
    services.class_event_create(
        by=teacher,
        school_class=school_class,
        title="Visite de l'entreprise Boiron",
        kind=ActivityKind.COMPANY_VISIT,
        date=today - datetime.timedelta(days=6),
        place="Boiron, Messimy",
        description="Visite du laboratoire et de la chaîne de production.",
    )
    services.class_event_create(
        by=teacher,
        school_class=school_class,
        title="Forum des métiers de Villeurbanne",
        kind=ActivityKind.FORUM,
        date=today + datetime.timedelta(days=18),
        place="Palais du travail, Villeurbanne",
    )
    services.announcement_create(
        by=teacher,
        school_class=school_class,
        body=(
            "Rappel : la convention du stage d'observation est à rapporter "
            "signée avant les vacances de Noël."
        ),
    )
    services.class_resource_add(
        by=teacher,
        school_class=school_class,
        description="Onisep : les fiches métiers",
        url="https://www.onisep.fr/metier",
    )


def _staff_school(school: School, accounts: dict[str, User]) -> None:
    for account in DEMO_ACCOUNTS:
        role = DEMO_TEAM_ROLES.get(account.alias)
        if role and account.school_uai == school.uai:
            services.staff_role_grant(
                by=None, user=accounts[account.alias], school=school, role=role
            )


def _teach(
    school: School, classes: list[Class], accounts: dict[str, User], rng: random.Random
) -> None:
    """One professeur principal per class, each also teaching the next class."""
    demo_teachers = {
        DEMO_PRINCIPAL_TEACHERS[a.alias]: accounts[a.alias]
        for a in DEMO_ACCOUNTS
        if a.alias in DEMO_PRINCIPAL_TEACHERS and a.school_uai == school.uai
    }
    teachers = []
    for index, school_class in enumerate(classes):
        teacher = demo_teachers.get(school_class.name)
        if teacher is None:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            teacher = services.user_create(
                username=f"{_ascii_slug(first)}.{_ascii_slug(last)}.{school.uai}.{index}",
                first_name=first,
                last_name=last,
            )
        teachers.append(teacher)
    for index, (teacher, school_class) in enumerate(
        zip(teachers, classes, strict=True)
    ):
        subject = SUBJECTS[index % len(SUBJECTS)]
        services.teaching_assignment_create(
            by=None,
            teacher=teacher,
            school_class=school_class,
            subject=subject,
            is_principal=True,
        )
        other_class = classes[(index + 1) % len(classes)]
        services.teaching_assignment_create(
            by=None, teacher=teacher, school_class=other_class, subject=subject
        )


def _enrol_pupils(
    school: School, classes: list[Class], accounts: dict[str, User], rng: random.Random
) -> None:
    demo_pupil = next(
        accounts[a.alias]
        for a in DEMO_ACCOUNTS
        if a.school_uai == school.uai and "eleve" in a.alias
    )
    for class_index, school_class in enumerate(classes):
        start = 0
        if school_class.name == DEMO_PUPIL_CLASS[school.uai]:
            services.enrolment_create(
                by=None, pupil=demo_pupil, school_class=school_class
            )
            start = 1
        for pupil_index in range(start, PUPILS_PER_CLASS):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            pupil = services.user_create(
                username=(
                    f"{_ascii_slug(first)}.{_ascii_slug(last)}"
                    f".{school.uai}.{class_index}.{pupil_index}"
                ),
                first_name=first,
                last_name=last,
            )
            services.enrolment_create(by=None, pupil=pupil, school_class=school_class)
