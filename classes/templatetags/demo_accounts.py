from django import template
from django.conf import settings

from classes.demo import DEMO_ACCOUNTS, DEMO_DOMAIN, DEMO_PASSWORD, DemoAccount

register = template.Library()


@register.inclusion_tag("account/_demo_accounts.html")
def demo_accounts() -> dict[str, object]:
    """The demo accounts, listed on the login page when debug is on."""
    accounts: list[DemoAccount] = DEMO_ACCOUNTS if settings.SHOW_DEMO_ACCOUNTS else []
    return {
        "accounts": accounts,
        "password": DEMO_PASSWORD,
        "admin_email": f"admin@{DEMO_DOMAIN}",
    }
