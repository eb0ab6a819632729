from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LtiSsoConfig(AppConfig):
    """Identities from outside: SAML single sign-on and LTI 1.3 (their own issues)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "lti_sso"
    verbose_name = _("Single sign-on and LTI")
