"""Demo portfolios on top of the demo school world (classes.demo): reference
métiers, a few entries for every pupil, and Léa Martin's richer path with a
shared company visit her professeure principale has commented on."""

import datetime
import io
import random
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from classes.demo import build_demo_world
from classes.models import SchoolYear, User
from portfolio import services
from portfolio.models import Entry, EntryKind, Interest, Visibility
from webclasseur.uploads import CleanUpload, clean_upload

DEMO_METIERS_CSV = Path(__file__).resolve().parent / "data" / "metiers_demo.csv"

ORGANISATIONS = [
    (
        "Boulangerie Le Fournil",
        "Commerce alimentaire",
        "Villeurbanne",
        "Vente en alimentation",
        "D1106",
    ),
    (
        "Garage des Tonkins",
        "Automobile",
        "Villeurbanne",
        "Mécanique automobile et entretien de véhicules",
        "I1604",
    ),
    (
        "Hôpital Édouard-Herriot",
        "Santé",
        "Lyon",
        "Soins infirmiers généralistes",
        "J1506",
    ),
    ("Mairie de Vénissieux", "Service public", "Vénissieux", "Secrétariat", "M1607"),
    (
        "Entrepôt LogiRhône",
        "Logistique",
        "Saint-Priest",
        "Magasinage et préparation de commandes",
        "N1103",
    ),
    (
        "Studio Pixel & Son",
        "Multimédia",
        "Lyon",
        "Réalisation de contenus multimédias",
        "E1205",
    ),
]


@transaction.atomic
def build_demo() -> SchoolYear:
    """The whole demo: school world, reference métiers, portfolios."""
    year = build_demo_world()
    with DEMO_METIERS_CSV.open(encoding="utf-8", newline="") as lines:
        services.metiers_import(lines=lines)
    rng = random.Random(2027)
    start = datetime.date(year.start_year, 9, 15)
    pupils = (
        User.objects.filter(enrolments__year=year)
        .exclude(username__in=["eleve"])
        .order_by("pk")
    )
    for pupil in pupils:
        for index in range(2):
            name, sector, town, metier, code = rng.choice(ORGANISATIONS)
            kind = rng.choice(
                [
                    EntryKind.COMPANY_VISIT,
                    EntryKind.FORUM,
                    EntryKind.PROFESSIONAL_MEETING,
                ]
            )
            services.entry_save(
                by=pupil,
                entry=Entry(
                    kind=kind,
                    title=f"{EntryKind(kind).label} — {name}",
                    start_date=start
                    + datetime.timedelta(days=7 * index + rng.randint(0, 5)),
                    organisation_name=name,
                    organisation_sector=sector,
                    organisation_town=town,
                    what_i_did="J'ai découvert les métiers de l'entreprise.",
                    interest=rng.choice(Interest.values),
                    visibility=rng.choice(Visibility.values),
                ),
                metiers=[services.MetierLine(metier, code)],
            )
    _lea(year)
    return year


def _workshop_photo() -> CleanUpload:
    """A generated picture standing for a photo taken during the visit."""
    image = Image.new("RGB", (800, 600), (40, 70, 120))
    draw = ImageDraw.Draw(image)
    draw.rectangle((80, 320, 720, 520), fill=(200, 200, 205))
    draw.ellipse((140, 440, 260, 560), fill=(30, 30, 30))
    draw.ellipse((540, 440, 660, 560), fill=(30, 30, 30))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return clean_upload(SimpleUploadedFile("atelier.jpg", out.getvalue()))


def _lea(year: SchoolYear) -> None:
    lea = User.objects.get(username="eleve")
    teacher = User.objects.get(username="prof")
    visit = services.entry_save(
        by=lea,
        entry=Entry(
            kind=EntryKind.COMPANY_VISIT,
            title="Visite de l'atelier du Garage des Tonkins",
            start_date=datetime.date(year.start_year, 10, 8),
            organisation_name="Garage des Tonkins",
            organisation_sector="Automobile",
            organisation_town="Villeurbanne",
            contact="M. Perret, chef d'atelier",
            what_i_did="Nous avons visité l'atelier et regardé un diagnostic électronique.",
            what_i_learned="Un mécanicien utilise beaucoup l'informatique aujourd'hui.",
            what_i_liked="J'ai aimé le diagnostic ; le bruit m'a moins plu.",
            interest=Interest.MUCH,
            visibility=Visibility.SHARED,
        ),
        metiers=[
            services.MetierLine(
                "Mécanique automobile et entretien de véhicules", "I1604"
            )
        ],
        formations=[services.FormationLine("CAP Maintenance des véhicules", "CAP")],
        tag_names=["mécanique", "visite de classe"],
        uploads=[_workshop_photo()],
    )
    services.comment_create(
        by=teacher,
        entry=visit,
        body="Très bon compte rendu, Léa. Pense à noter les formations possibles après la 3e.",
    )
    services.entry_save(
        by=lea,
        entry=Entry(
            kind=EntryKind.FORUM,
            title="Forum des métiers du collège",
            start_date=datetime.date(year.start_year, 11, 14),
            organisation_name="Collège Jean-Moulin",
            organisation_town="Villeurbanne",
            what_i_learned="Infirmière et développeuse : deux métiers qui m'intéressent.",
            interest=Interest.PASSION,
            visibility=Visibility.SHARED,
        ),
        metiers=[
            services.MetierLine("Soins infirmiers généralistes", "J1506"),
            services.MetierLine("Études et développement informatique", "M1805"),
        ],
        tag_names=["forum"],
    )
    services.entry_save(
        by=lea,
        entry=Entry(
            kind=EntryKind.PERSONAL_RESEARCH,
            title="Recherches sur les bacs pro du numérique",
            start_date=datetime.date(year.start_year, 11, 20),
            what_i_did="J'ai lu les fiches de l'Onisep sur le bac pro CIEL.",
            visibility=Visibility.PRIVATE,
        ),
        formations=[services.FormationLine("Bac pro CIEL", "Bac pro")],
    )
    abandoned = services.entry_save(
        by=lea,
        entry=Entry(
            kind=EntryKind.OTHER,
            title="Essai supprimé",
            start_date=datetime.date(year.start_year, 9, 20),
        ),
    )
    services.entry_move_to_trash(by=lea, entry=abandoned)
    project = services.project_for(owner=lea)
    services.project_update(
        by=lea,
        project=project,
        metiers="Infirmière\nDéveloppeuse",
        formations="Bac pro CIEL\nBac ST2S",
        interests={"J": Interest.PASSION, "M": Interest.MUCH, "I": Interest.LITTLE},
        wish="Aller en 2de générale ou en bac pro CIEL.",
    )
    services.project_set_sharing(by=lea, project=project, shared=True)
    _lea_interview(lea)


def _lea_interview(lea: User) -> None:
    """An orientation interview with the Psy-EN, held, with a confidential note."""
    psyen = User.objects.get(username="psyen")
    interview = services.interview_plan(
        by=psyen,
        pupil=lea,
        planned_at=timezone.now() + datetime.timedelta(minutes=30),
        place="Bureau de la Psy-EN",
        family_invited=True,
        participants=[User.objects.get(username="prof")],
    )
    services.interview_prepare(
        by=lea,
        interview=interview,
        entries=list(
            Entry.objects.filter(owner=lea, title="Forum des métiers du collège")
        ),
        interests="Les métiers de la santé et le numérique.",
        worries="Je ne sais pas si je dois aller en 2de générale ou en bac pro.",
        questions="Quelles différences entre le bac ST2S et le bac pro ASSP ?",
    )
    services.interview_record(
        by=psyen,
        interview=interview,
        synthesis=(
            "Léa hésite entre la santé et le numérique. Ses résultats lui "
            "permettent une 2de générale."
        ),
        next_steps=(
            "Visiter le lycée Marie-Curie ; faire un mini-stage en bac pro ASSP."
        ),
        confidential_note="Situation familiale à suivre (voir la CPE).",
    )
