"""Field validators for portfolio data."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

ROME_CODE = re.compile(r"^[A-N][0-9]{4}$")
EARLIEST_DATE = datetime.date(2000, 1, 1)
# Entries record what happened or is planned this year and next; later dates are typos.
LATEST_DAYS_AHEAD = 550


def validate_rome_code(value: str) -> None:
    if not ROME_CODE.match(value):
        raise ValidationError(
            _(
                "A ROME code is a letter from A to N followed by 4 digits "
                "(for example M1805); “%(value)s” is not."
            ),
            code="rome_code",
            params={"value": value},
        )


def validate_entry_date(value: datetime.date) -> None:
    latest = timezone.localdate() + datetime.timedelta(days=LATEST_DAYS_AHEAD)
    if value < EARLIEST_DATE or value > latest:
        raise ValidationError(
            _("This date looks wrong: give a date between %(first)s and %(last)s."),
            code="date_out_of_range",
            params={
                "first": EARLIEST_DATE.strftime("%d/%m/%Y"),
                "last": latest.strftime("%d/%m/%Y"),
            },
        )
