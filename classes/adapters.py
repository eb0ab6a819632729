from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class SchoolAccountAdapter(DefaultAccountAdapter):
    """Accounts are created by the school (or by SSO), never by self sign-up."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
