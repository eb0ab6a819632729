"""The first privacy notice (version 1), in plain French."""

from django.apps.registry import Apps
from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.utils import timezone

NOTICE_V1 = """\
Webclasseur garde le portfolio de votre parcours Avenir : ce que vous faites, \
apprenez et aimez, votre projet d'orientation, vos entretiens et les pièces que \
vous y joignez. Votre établissement en est responsable.

Qui voit quoi : vous voyez tout votre portfolio. Vos professeurs de l'année et \
l'équipe éducative de votre établissement voient seulement ce que vous partagez, \
et les entretiens d'orientation. Chaque consultation par un adulte est notée ; \
vous pouvez voir qui a regardé votre portfolio.

Combien de temps : une fiche mise à la corbeille est supprimée au bout de 30 jours. \
Quand vous quittez l'établissement, vous gardez l'accès à votre portfolio pendant \
un an pour l'exporter ; ensuite il est supprimé avec votre compte. Le journal des \
consultations est gardé 12 mois.

Vos droits : vous pouvez télécharger à tout moment une copie de vos données \
(« Mon archive »). Pour faire corriger votre nom ou votre classe, ou pour demander \
la suppression de vos données, adressez-vous à votre établissement (chef \
d'établissement ou secrétariat). Vous pouvez aussi saisir la CNIL (www.cnil.fr).
"""


def add_notice(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    notice = apps.get_model("classes", "PrivacyNotice")
    notice.objects.get_or_create(
        version="1", defaults={"text": NOTICE_V1, "published_at": timezone.now()}
    )


def remove_notice(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    apps.get_model("classes", "PrivacyNotice").objects.filter(version="1").delete()


class Migration(migrations.Migration):
    dependencies = [("classes", "0005_rgpd")]

    operations = [migrations.RunPython(add_notice, remove_notice)]
