"""A pupil's private entry, draft or trash never reaches anyone else: every URL
of the role matrix, fetched by every other member of the cast, is searched for
the titles of Léa's private, draft and trashed entries, and for the
confidential note of her orientation interview."""

import pytest
from django.urls import reverse

from portfolio import services
from portfolio.models import Entry, EntryKind, Visibility
from tests.test_access_matrix import CAST, MATRIX, POST

CONFIDENTIAL = "Situation familiale à suivre"
SECRETS = [
    "Recherches sur les bacs pro du numérique",
    "Essai supprimé",
    "Brouillon secret",
]


@pytest.mark.parametrize(
    "who", [alias for alias in CAST if alias not in {"anonymous", "pupil"}]
)
def test_no_page_shows_another_pupils_private_entries(world, who):
    lea = world.user("pupil")
    services.entry_save(
        by=lea,
        entry=Entry(
            kind=EntryKind.OTHER, title="Brouillon secret", visibility=Visibility.SHARED
        ),
        finish=False,
    )
    client = world.client_for(who)
    for row in MATRIX:
        if row.method == POST:
            continue
        url = reverse(row.url_name, kwargs=row.kwargs(world) if row.kwargs else None)
        response = client.get(url, row.data, follow=True)
        body = (
            b"".join(response.streaming_content)
            if response.streaming
            else response.content
        )
        page = body.decode(errors="replace")
        for secret in SECRETS:
            assert secret not in page, f"{secret!r} shown to {who} at {url}"
        # The interview's confidential note: the Psy-EN only (school default).
        if who != "psyen":
            assert CONFIDENTIAL not in page, f"the note shown to {who} at {url}"
