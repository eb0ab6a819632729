"""Data: the default list of “compétences à s'orienter”, editable in the admin."""

from django.db import migrations

DEFAULT_COMPETENCES = {
    "inform": [
        "Chercher et trier des informations sur les métiers et les formations",
        "Connaître les voies de formation après mon année actuelle",
        "Savoir à qui m'adresser (professeur principal, Psy-EN, CIO, CDI)",
    ],
    "discover": [
        "Reconnaître mes centres d'intérêt et mes qualités",
        "Raconter ce que j'ai appris lors d'une découverte",
        "Dépasser les idées reçues sur les métiers",
    ],
    "project": [
        "Formuler un projet et les étapes pour y arriver",
        "Comparer des formations pour faire un choix",
        "Présenter mon parcours lors d'un entretien",
    ],
}


def add_competences(apps, schema_editor):
    Competence = apps.get_model("portfolio", "Competence")
    for category, labels in DEFAULT_COMPETENCES.items():
        for position, label in enumerate(labels):
            Competence.objects.get_or_create(
                category=category, label=label, defaults={"position": position}
            )


def remove_competences(apps, schema_editor):
    Competence = apps.get_model("portfolio", "Competence")
    for category, labels in DEFAULT_COMPETENCES.items():
        Competence.objects.filter(category=category, label__in=labels).delete()


class Migration(migrations.Migration):
    dependencies = [("portfolio", "0001_entries_attachments_comments_project")]

    operations = [migrations.RunPython(add_competences, remove_competences)]
