"""Security headers on every answer, and no inline script anywhere.

The Content-Security-Policy forbids inline scripts; the templates must
therefore hold none (no <script> without src, no on*= event handler), and each
inline <style> element a page emits must be allowed by a hash in the policy.
"""

import base64
import hashlib
import re
from pathlib import Path

import django_htmx
import pytest
from django.conf import settings
from django.urls import reverse

from tests.test_access_matrix import GET, MATRIX

PROJECT = Path(__file__).resolve().parent.parent
ROLES = ("anonymous", "pupil", "teacher", "head", "platform_admin")
GET_ROWS = [row for row in MATRIX if row.method == GET]

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
EVENT_HANDLER = re.compile(
    r"<[^>]*\s(on[a-z]+|hx-on[:-][\w:-]*)\s*=", re.IGNORECASE | re.DOTALL
)
STYLE_ELEMENT = re.compile(r"<style\b[^>]*>(.*?)</style>", re.IGNORECASE | re.DOTALL)


def _directives(header: str) -> dict[str, list[str]]:
    parts = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in parts}


def _sha256(text: str) -> str:
    return (
        "'sha256-"
        + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        + "'"
    )


def _inline_scripts(html: str) -> list[str]:
    return [
        match.group(0)
        for match in SCRIPT_TAG.finditer(html)
        if not re.search(r"\bsrc\s*=", match.group(1))
        and not re.search(r"type\s*=\s*[\"']application/(ld\+)?json", match.group(1))
    ]


def check_headers(response) -> None:
    csp = response.headers.get("Content-Security-Policy")
    assert csp, f"no CSP on {response.request['PATH_INFO']}"
    directives = _directives(csp)
    if "sandbox" in directives:
        # A user's file served by its view (attachments, resources) with a
        # stricter policy of its own: nothing runs, nothing loads.
        assert directives["default-src"] == ["'none'"]
    else:
        assert "'unsafe-inline'" not in directives["script-src"]
        assert "'unsafe-eval'" not in directives["script-src"]
        assert "'unsafe-inline'" not in directives["style-src"]
        assert directives["frame-ancestors"] == ["'none'"]
        assert directives["object-src"] == ["'none'"]
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    permissions = response.headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation"):
        assert f"{feature}=()" in permissions


def check_page(response) -> None:
    """A rendered HTML page runs no inline script and each of its <style>
    elements is allowed by the policy."""
    if "text/html" not in response.headers.get("Content-Type", ""):
        return
    html = response.content.decode()
    assert _inline_scripts(html) == []
    assert not EVENT_HANDLER.search(html), EVENT_HANDLER.search(html).group(0)[:200]
    allowed = _directives(response.headers["Content-Security-Policy"])["style-src"]
    for style in STYLE_ELEMENT.findall(html):
        assert _sha256(style) in allowed, "a <style> element the CSP does not allow"


@pytest.mark.parametrize("who", ROLES)
def test_every_page_of_the_role_matrix_answers_with_the_security_headers(world, who):
    client = world.client_for(who)
    for row in GET_ROWS:
        url = reverse(row.url_name, kwargs=row.kwargs(world) if row.kwargs else None)
        response = client.get(url, row.data)
        check_headers(response)
        if response.status_code == 200:
            check_page(response)


def test_public_pages_and_errors_carry_the_headers_too(client):
    for url in (reverse("account_login"), "/healthz", "/no-such-page/"):
        response = client.get(url)
        check_headers(response)
        check_page(response)


def test_the_login_page_loads_its_scripts_from_static_files(client):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    html = response.content.decode()
    script_src = _directives(response.headers["Content-Security-Policy"])["script-src"]
    assert script_src == ["'self'"]
    sources = re.findall(r"<script\b[^>]*\bsrc=\"([^\"]+)\"", html)
    assert "/static/dsfr/dist/dsfr/dsfr.module.min.js" in sources
    assert any("htmx" in source for source in sources)
    assert all(source.startswith("/static/") for source in sources)


def test_the_passport_preview_style_is_allowed_by_its_hash(world):
    response = world.client_for("pupil").get(reverse("exports:passport_preview"))
    assert response.status_code == 200
    check_headers(response)
    styles = STYLE_ELEMENT.findall(response.content.decode())
    assert styles, "the preview has no inline <style> any more: drop its hash"
    for style in styles:
        assert _sha256(style) in settings.CSP_STYLE_HASHES, (
            "templates/exports/passport.html changed its <style>: put "
            f"{_sha256(style)} in CSP_STYLE_HASHES (webclasseur/settings.py)"
        )


def test_the_htmx_indicator_style_is_allowed_by_its_hash():
    """htmx inserts its indicator rules as a <style> element; recompute them
    from the bundled htmx so an upgrade that changes them fails here."""
    source = (
        Path(django_htmx.__file__).parent / "static" / "django_htmx" / "htmx-2.min.js"
    ).read_text()
    start = source.index("`.${t}{opacity:0")
    end = source.index('+"</style>"', start)
    pieces = re.findall(r"`([^`]*)`", source[start:end])
    rules = (
        "".join(pieces)
        .replace("${t}", "htmx-indicator")
        .replace("${n}", "htmx-request")
    )
    assert _sha256(rules) in settings.CSP_STYLE_HASHES


def _template_files() -> list[Path]:
    roots = [PROJECT / "templates", *PROJECT.glob("*/templates")]
    return sorted(
        path
        for root in roots
        if ".venv" not in root.parts
        for path in root.rglob("*.html")
    )


def test_no_template_holds_an_inline_script_or_an_event_handler():
    files = _template_files()
    assert len(files) > 20
    offenders = []
    for path in files:
        text = path.read_text()
        if _inline_scripts(text) or EVENT_HANDLER.search(text):
            offenders.append(str(path.relative_to(PROJECT)))
    assert offenders == []


def test_the_checks_catch_what_they_should():
    assert _inline_scripts('<script>alert(1)</script><script src="a.js"></script>')
    assert not _inline_scripts('<script defer src="/static/a.js"></script>')
    assert EVENT_HANDLER.search('<button class="x" onclick="go()">')
    assert not EVENT_HANDLER.search('<p>click on="the button"</p> <a data-on="x">')
