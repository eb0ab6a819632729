"""French typography for the passport: the text stays escaped."""

import re

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

NARROW_NBSP = "\u202f"
NBSP = "\u00a0"
_BEFORE_PUNCTUATION = re.compile(r"\s+([;:!?»])")
_AFTER_QUOTE = re.compile(r"«\s*")
_DOUBLE_QUOTES = re.compile(r'"([^"\n]+)"')


@register.filter
def fr_typo(value: object) -> SafeString:
    """Escape, then: « guillemets » for "quotes", a narrow no-break space before
    ; ! ? and a no-break space before : and inside guillemets."""
    text = str(conditional_escape("" if value is None else str(value)))
    text = text.replace("&quot;", '"')
    text = _DOUBLE_QUOTES.sub(r"«\1»", text)
    text = _AFTER_QUOTE.sub("«" + NBSP, text)
    text = re.sub(r"\s*»", NBSP + "»", text)
    text = _BEFORE_PUNCTUATION.sub(
        lambda m: (NBSP if m.group(1) in ":»" else NARROW_NBSP) + m.group(1), text
    )
    text = text.replace('"', "&quot;")
    return mark_safe(text)  # noqa: S308 - escaped above, only spaces and quotes added
