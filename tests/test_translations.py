"""French is the first language: every interface string has a French text."""

from pathlib import Path

import polib
import pytest

LOCALE = Path(__file__).resolve().parent.parent / "locale"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_message_is_translated(language):
    catalogue = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []


def test_the_compiled_catalogue_matches_the_source(settings):
    from django.utils import translation

    with translation.override("fr"):
        assert translation.gettext("My path") == "Mon parcours"
    with translation.override("en"):
        assert translation.gettext("My path") == "My path"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_catalogue_compiles(language, tmp_path):
    """msgfmt (what `make compilemessages` runs) accepts the catalogue: a
    syntax error would leave the previous .mo in place, untranslated."""
    import subprocess

    source = LOCALE / language / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(source)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
