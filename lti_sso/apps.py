from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LtiSsoConfig(AppConfig):
    """Identities from outside: SAML single sign-on and LTI 1.3 (their own issues)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "lti_sso"
    verbose_name = _("Single sign-on and LTI")

    def ready(self) -> None:
        from django.conf import settings
        from django.contrib.auth.signals import user_logged_in
        from onelogin.saml2.constants import OneLogin_Saml2_Constants

        from lti_sso.lti.framing import forget_lti_session

        # A session opened by an LTI launch that logs in another way stops
        # being framed by the platform and using SameSite=None cookies.
        user_logged_in.connect(forget_lti_session, dispatch_uid="lti-forget-session")

        # python3-saml reads its clock tolerance from this class attribute
        # (Conditions NotBefore / NotOnOrAfter).
        OneLogin_Saml2_Constants.ALLOWED_CLOCK_DRIFT = settings.SAML_CLOCK_SKEW_SECONDS
