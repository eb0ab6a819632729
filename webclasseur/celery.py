"""The Celery app: broker on Redis when REDIS_URL is set, eager in-process otherwise."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webclasseur.settings")

app = Celery("webclasseur")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The scheduled maintenance tasks (webclasseur is not an installed app).
app.autodiscover_tasks(["webclasseur"])
