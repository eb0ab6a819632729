"""Gunicorn settings for a Webclasseur app server (`gunicorn -c deploy/gunicorn.conf.py
webclasseur.wsgi`). Every value can be changed from the environment, so the same
file serves the systemd unit, the container and the tests.

Sync workers, 2 × cores + 1 of them: a request either waits on PostgreSQL or
renders a template, and the PDF passports of a whole class go to Celery.
"""

import multiprocessing
import os

# nginx (or the load balancer) talks to this address.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# WEB_CONCURRENCY is gunicorn's own name for it (Heroku, Dokku, many PaaS).
workers = int(
    os.environ.get("WEB_CONCURRENCY", str(2 * multiprocessing.cpu_count() + 1))
)
worker_class = "sync"
# A single passport (WeasyPrint) takes a few seconds; nothing takes a minute.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then: WeasyPrint and Pillow keep memory they grew.
max_requests = 1000
max_requests_jitter = 100
# Heartbeat files on a RAM disk: a slow disk (or an overlay in a container)
# must not make gunicorn kill healthy workers.
SHM = "/dev/shm"  # noqa: S108 - gunicorn's heartbeat files, no data
worker_tmp_dir = SHM if os.path.isdir(SHM) else None
# X-Forwarded-* are trusted from these addresses only (the reverse proxy); Django
# reads X-Forwarded-Proto itself when DJANGO_BEHIND_HTTPS_PROXY=True.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
# Logs to stdout/stderr: journald or the container runtime keeps them.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The access log without the query string: search words and filters can say
# things about a pupil. Remote address, request line path, status, size, time.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
