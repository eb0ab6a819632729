"""The class space, end to end: a teacher gives an activity to a class, a pupil
answers it on a phone with a photo, the teacher comments and marks the answer as
reviewed, and the pupil reads the feedback. Then two teachers edit the same
activity at once and the second one is told, without losing the first one's
change.

Only the setup touches the ORM (3e B's pupils and the other teacher of 3e A
are SSO-only accounts: they get an e-mail and the demo password); every step
goes through the real pages."""

import datetime
import io
import re

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import Page, expect

from classes.demo import COLLEGE_UAI, DEMO_DOMAIN, DEMO_PASSWORD
from classes.models import Assignment, Class, Enrolment, TeachingAssignment, User
from tests.e2e.conftest import log_in, screenshot

pytestmark = pytest.mark.e2e

ACTIVITY_TITLE = "Visite de l'entreprise X"
INSTRUCTIONS = (
    "Pendant la visite, note trois métiers que tu découvres et "
    "la formation qu'il faut pour les exercer."
)
LEARNED = "Le bureau d'études dessine les pièces avant de les fabriquer."
COMMENT = "Très bien observé : regarde aussi le bac pro Technicien d'usinage."


@pytest.fixture
def new_page(browser, live_server, demo_world):
    """Open pages in browser contexts of their own (one person each), on a
    desktop screen or, with phone=True, like the `phone_page` fixture."""
    contexts = []

    def make(*, phone: bool = False) -> Page:
        options: dict = {"base_url": live_server.url, "locale": "fr-FR"}
        if phone:
            options.update(
                viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
            )
        context = browser.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield make
    for context in contexts:
        context.close()


def give_password(user: User, alias: str) -> User:
    """Setup only: let an SSO-only demo account log in on the login page."""
    user.email = f"{alias}@{DEMO_DOMAIN}"
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def a_photo(tmp_path):
    path = tmp_path / "atelier-entreprise-x.jpg"
    out = io.BytesIO()
    Image.new("RGB", (1200, 900), (60, 110, 170)).save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return path


def main_menu(page: Page):
    """The main navigation; on a phone it sits behind the “Menu” button."""
    if page.viewport_size and page.viewport_size["width"] < 992:
        page.get_by_role("button", name="Menu").click()
    return page.get_by_role("navigation", name="Menu principal")


def test_an_activity_is_given_answered_commented_and_reviewed(page, new_page, tmp_path):
    college_3e_b = Class.objects.get(school__uai=COLLEGE_UAI, name="3e B")
    first_enrolment = (
        Enrolment.objects.filter(school_class=college_3e_b)
        .select_related("pupil")
        .order_by("pupil__last_name", "pupil__first_name")
        .first()
    )
    assert first_enrolment is not None
    pupil = give_password(first_enrolment.pupil, "eleve3b")
    pupil_row_name = f"{pupil.last_name.upper()} {pupil.first_name}"
    # The server's today (Europe/Paris), which its due-date checks use.
    due_on = timezone.localdate() + datetime.timedelta(days=5)

    # 1. The teacher gives the activity to 3e B.
    teacher = page
    log_in(teacher, "prof")
    main_menu(teacher).get_by_role("link", name="Mes classes").click()
    expect(teacher.get_by_role("heading", level=1)).to_have_text("Mes classes")
    teacher.get_by_role("link", name="3e B", exact=True).click()
    expect(teacher.get_by_role("heading", level=1)).to_have_text("3e B")
    teacher.get_by_role("link", name="Donner une activité").click()
    expect(teacher.get_by_role("heading", level=1)).to_have_text(
        "Donner une activité à la classe"
    )
    teacher.get_by_label("Titre").fill(ACTIVITY_TITLE)
    teacher.get_by_label("Type d'activité").select_option("company_visit")
    teacher.get_by_label("Consignes").fill(INSTRUCTIONS)
    teacher.get_by_label("Date limite").fill(due_on.isoformat())
    screenshot(teacher, "class-space-activity-form")
    teacher.get_by_role("button", name="Donner l'activité").click()

    expect(teacher).to_have_url(re.compile(r"/activites/\d+/$"))
    expect(teacher.get_by_role("heading", level=1)).to_have_text(ACTIVITY_TITLE)
    expect(teacher.get_by_text("Activité donnée à la classe.")).to_be_visible()
    expect(teacher.locator(".fr-text--lead")).to_contain_text("Visite d'entreprise")
    expect(teacher.locator(".wc-instructions")).to_have_text(INSTRUCTIONS)
    answers = teacher.locator("#answers")
    expect(answers.locator("tr", has_text=pupil_row_name)).to_contain_text(
        "aucune réponse partagée"
    )
    activity_url = teacher.url
    screenshot(teacher, "class-space-activity-given")

    # 2. A pupil of 3e B answers it, on a phone.
    phone = new_page(phone=True)
    log_in(phone, "eleve3b")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Mon parcours")
    expect(main_menu(phone).get_by_role("link", name="Mon parcours")).to_contain_text(
        "1 nouvelle activité"
    )
    screenshot(phone, "class-space-pupil-menu")
    phone.reload()
    my_assignments = phone.locator("#my-assignments")
    expect(
        my_assignments.get_by_role(
            "heading", name="Activités données par mes professeurs"
        )
    ).to_be_visible()
    row = my_assignments.locator("li", has_text=ACTIVITY_TITLE)
    expect(row.locator(".fr-badge--new")).to_have_text("nouveau")
    expect(row).to_contain_text("Sophie Bernard")
    screenshot(phone, "class-space-pupil-home")
    row.get_by_role("link", name=ACTIVITY_TITLE).click()

    expect(phone.get_by_role("heading", level=1)).to_have_text(ACTIVITY_TITLE)
    expect(phone.locator(".wc-instructions")).to_have_text(INSTRUCTIONS)
    expect(phone.locator("#my-answer")).to_contain_text("À faire")
    phone.get_by_role("link", name="Répondre").click()

    expect(phone.get_by_role("heading", level=1)).to_have_text("Noter une découverte")
    expect(phone.locator("#assignment-notice")).to_contain_text(
        f"Votre réponse à l'activité « {ACTIVITY_TITLE} »."
    )
    expect(phone.get_by_label("Titre")).to_have_value(ACTIVITY_TITLE)
    expect(phone.get_by_label("Type", exact=True)).to_have_value("company_visit")
    expect(
        phone.get_by_label("Partagée avec l'enseignant qui a donné l'activité")
    ).to_be_checked()
    phone.get_by_label("Ce que j'ai appris").fill(LEARNED)
    phone.get_by_label("Photos et documents").set_input_files(a_photo(tmp_path))
    screenshot(phone, "class-space-pupil-answer-form")
    phone.get_by_role("button", name="Enregistrer", exact=True).click()

    expect(phone.get_by_role("heading", level=1)).to_have_text(ACTIVITY_TITLE)
    expect(phone.locator("#answers-assignment")).to_contain_text("Réponse à l'activité")
    expect(
        phone.locator("#answers-assignment").get_by_role("link", name=ACTIVITY_TITLE)
    ).to_be_visible()
    expect(phone.locator("#sharing")).to_contain_text("Sophie Bernard")
    expect(phone.get_by_text(LEARNED)).to_be_visible()
    expect(
        phone.get_by_role("img", name=re.compile("atelier-entreprise-x"))
    ).to_be_visible()
    answer_url = phone.url
    screenshot(phone, "class-space-pupil-answer-saved")

    # 3. The teacher finds the answer, comments and marks it as reviewed.
    teacher.goto(activity_url)
    answer_row = answers.locator("tr", has_text=pupil_row_name)
    expect(answer_row.get_by_role("link", name=ACTIVITY_TITLE)).to_be_visible()
    expect(answer_row).to_contain_text("à relire")
    screenshot(teacher, "class-space-teacher-answers")
    answer_row.get_by_role("link", name=ACTIVITY_TITLE).click()

    expect(teacher).to_have_url(answer_url)
    expect(teacher.get_by_role("heading", level=1)).to_have_text(ACTIVITY_TITLE)
    expect(teacher.get_by_text(LEARNED)).to_be_visible()
    photo = teacher.get_by_role("img", name=re.compile("atelier-entreprise-x"))
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0")
    teacher.get_by_label("Votre commentaire").fill(COMMENT)
    teacher.get_by_role("button", name="Publier le commentaire").click()
    expect(teacher.locator("#comments")).to_contain_text(COMMENT)
    teacher.get_by_role("button", name="Marquer comme relue").click()
    expect(teacher.locator("#review")).to_contain_text("Relue par Sophie Bernard")
    expect(teacher.locator("#comments")).to_contain_text(COMMENT)
    screenshot(teacher, "class-space-teacher-reviewed")

    teacher.goto(activity_url)
    answer_row = answers.locator("tr", has_text=pupil_row_name)
    expect(answer_row.locator(".fr-badge--success")).to_have_text("relue")

    # 4. The pupil reads the feedback.
    phone.goto("/parcours/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Mon parcours")
    # Answered, the activity has left the pupil's to-do list.
    expect(
        phone.locator("#my-assignments").locator("li", has_text=ACTIVITY_TITLE)
    ).to_have_count(0)
    home_link = main_menu(phone).get_by_role("link", name="Mon parcours")
    expect(home_link).to_contain_text("1 nouveau commentaire")
    expect(home_link).not_to_contain_text("nouvelle activité")
    screenshot(phone, "class-space-pupil-new-comment")
    phone.reload()
    phone.locator("#new-comments").get_by_role("link", name=ACTIVITY_TITLE).click()

    expect(phone.get_by_role("heading", level=1)).to_have_text(ACTIVITY_TITLE)
    expect(phone.locator("#comments")).to_contain_text(COMMENT)
    expect(phone.locator("#comments")).to_contain_text("Sophie Bernard")
    expect(phone.locator("#answers-assignment .fr-badge--success")).to_contain_text(
        "relue le"
    )
    screenshot(phone, "class-space-pupil-reads-feedback")


def test_a_second_teacher_saving_a_stale_activity_is_told_and_changes_nothing(
    page, new_page
):
    college_3e_a = Class.objects.get(school__uai=COLLEGE_UAI, name="3e A")
    other = (
        TeachingAssignment.objects.filter(school_class=college_3e_a)
        .exclude(teacher__username="prof")
        .select_related("teacher")
        .get()
    )
    give_password(other.teacher, "prof4a")
    demo_activity = "Préparer la visite du lycée Marie-Curie"
    assert Assignment.objects.filter(
        school_class=college_3e_a, title=demo_activity
    ).exists()

    def open_the_edit_page(teacher: Page, alias: str) -> None:
        log_in(teacher, alias)
        main_menu(teacher).get_by_role("link", name="Mes classes").click()
        teacher.get_by_role("link", name="3e A", exact=True).click()
        teacher.locator("#assignments").get_by_role("link", name=demo_activity).click()
        expect(teacher.get_by_role("heading", level=1)).to_have_text(demo_activity)
        teacher.get_by_role("link", name="Modifier l'activité").click()
        expect(teacher.get_by_role("heading", level=1)).to_have_text(
            f"Modifier l'activité « {demo_activity} »"
        )
        expect(teacher.get_by_label("Titre")).to_have_value(demo_activity)

    first, second = page, new_page()
    open_the_edit_page(first, "prof")
    open_the_edit_page(second, "prof4a")

    first.get_by_label("Titre").fill("Visite du lycée Marie-Curie : questions")
    first.get_by_role("button", name="Enregistrer l'activité").click()
    expect(first.get_by_role("heading", level=1)).to_have_text(
        "Visite du lycée Marie-Curie : questions"
    )
    expect(
        first.get_by_text("Activité enregistrée. Les réponses sont conservées.")
    ).to_be_visible()
    activity_url = first.url

    second.get_by_label("Titre").fill("Journée portes ouvertes Marie-Curie")
    second.get_by_role("button", name="Enregistrer l'activité").click()
    expect(second.locator("#form-errors")).to_contain_text(
        "Un autre enseignant a modifié cette activité"
    )
    expect(second.get_by_label("Titre")).to_have_value(
        "Journée portes ouvertes Marie-Curie"
    )
    screenshot(second, "class-space-stale-edit")

    second.goto(activity_url)
    expect(second.get_by_role("heading", level=1)).to_have_text(
        "Visite du lycée Marie-Curie : questions"
    )
    first.reload()
    expect(first.get_by_role("heading", level=1)).to_have_text(
        "Visite du lycée Marie-Curie : questions"
    )
