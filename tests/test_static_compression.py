"""Static files with hashed names, cached for a year and served compressed
(WhiteNoise); pages and API answers compressed (GZipMiddleware).

The collectstatic here covers the project's own static folders only: the
DSFR's 1,600 files would take minutes to hash and compress, and go through
the same storage."""

import gzip
import json
import re

import brotli
import pytest
from django.conf import settings
from django.core.management import call_command
from django.templatetags.static import static
from django.test import Client, override_settings
from django.urls import reverse

from webclasseur import settings as project_settings

ONE_YEAR = 365 * 24 * 3600
MANIFEST_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_production_settings_hash_and_compress_the_static_files():
    """Outside debug (the test run's setting), collectstatic writes hashed
    names and their .gz and .br copies."""
    assert not project_settings.DEBUG
    backend = project_settings.STORAGES["staticfiles"]["BACKEND"]
    assert backend == MANIFEST_STORAGE


@pytest.fixture
def collected(tmp_path):
    """The project's static files collected as in production."""
    root = tmp_path / "static"
    with override_settings(
        STATIC_ROOT=root,
        STATICFILES_DIRS=[
            settings.BASE_DIR / "classes" / "static",
            settings.BASE_DIR / "exports" / "static",
        ],
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
        STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST_STORAGE}},
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
        # A new client builds the middleware, which reads STATIC_ROOT.
        yield root


def max_age(response) -> int:
    found = re.search(r"max-age=(\d+)", response["Cache-Control"])
    assert found, response["Cache-Control"]
    return int(found.group(1))


def test_a_hashed_static_file_is_cached_for_a_year(collected):
    url = static("webclasseur/site.css")
    assert re.fullmatch(r"/static/webclasseur/site\.[0-9a-f]{12}\.css", url)
    response = Client().get(url)
    assert response.status_code == 200
    assert max_age(response) >= ONE_YEAR
    assert "immutable" in response["Cache-Control"]
    # The name without its hash may change content: it is not kept for long.
    plain = Client().get("/static/webclasseur/site.css")
    assert plain.status_code == 200
    assert max_age(plain) < ONE_YEAR


@pytest.mark.parametrize(
    ("accepted", "decompress"),
    [("gzip", gzip.decompress), ("gzip, deflate, br", brotli.decompress)],
)
def test_a_static_file_is_served_compressed(collected, accepted, decompress):
    original = (settings.BASE_DIR / "classes/static/webclasseur/site.css").read_bytes()
    response = Client().get(
        static("webclasseur/site.css"), HTTP_ACCEPT_ENCODING=accepted
    )
    assert response.status_code == 200
    assert response["Content-Encoding"] == ("br" if "br" in accepted else "gzip")
    assert "Accept-Encoding" in response["Vary"]
    body = b"".join(response.streaming_content)
    assert len(body) < len(original)
    # Hashed names rewrite nothing in this file: no url() in it.
    assert decompress(body) == original


def test_without_accept_encoding_the_static_file_is_plain(collected):
    response = Client().get(static("webclasseur/site.css"))
    assert not response.has_header("Content-Encoding")


def test_pages_are_compressed_for_browsers_that_accept_it(world):
    client = world.client_for("pupil")
    url = reverse("portfolio:home")
    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    html = gzip.decompress(response.content).decode()
    assert "</html>" in html
    plain = client.get(url)
    assert not plain.has_header("Content-Encoding")
    assert "</html>" in plain.content.decode()


def test_api_answers_are_compressed(world):
    client = world.client_for("pupil")
    url = reverse("api:entry_list")
    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    data = json.loads(gzip.decompress(response.content))
    assert data["results"]
