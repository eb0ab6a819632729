"""LTI 1.3: the platforms (LMS, ENT) a school registered, the tool's own keys,
and what launches taught us (identities, course contexts, deep-linked links).

SAML identity providers are django-allauth SocialApps (no model here)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from classes.models import Assignment, Class, School


class LtiPlatform(models.Model):
    """A platform registration: one (issuer, client ID) pair, for one school."""

    school = models.ForeignKey(
        School,
        on_delete=models.CASCADE,
        related_name="lti_platforms",
        verbose_name=_("school"),
    )
    name = models.CharField(_("name"), max_length=80)
    issuer = models.CharField(_("issuer"), max_length=255)
    client_id = models.CharField(_("client ID"), max_length=255)
    auth_login_url = models.URLField(_("authentication request URL"), max_length=500)
    auth_token_url = models.URLField(_("access token URL"), max_length=500)
    key_set_url = models.URLField(_("public keyset URL"), max_length=500, blank=True)
    # A pasted JWKS ({"keys": [...]}), used instead of key_set_url when set.
    key_set = models.TextField(_("public keyset"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "client_id"], name="lti_platform_unique_client"
            )
        ]
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class LtiDeployment(models.Model):
    platform = models.ForeignKey(
        LtiPlatform, on_delete=models.CASCADE, related_name="deployments"
    )
    deployment_id = models.CharField(_("deployment ID"), max_length=255)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "deployment_id"],
                name="lti_deployment_unique",
            )
        ]

    def __str__(self) -> str:
        return self.deployment_id


class LtiToolKey(models.Model):
    """An RSA key of the tool. The active one signs; the others stay in the
    JWKS until retired, so messages signed just before a rotation verify."""

    kid = models.CharField(max_length=64, unique=True)
    private_key_pem = models.TextField()
    public_jwk = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=False)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["active"],
                condition=models.Q(active=True),
                name="lti_tool_key_one_active",
            )
        ]
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.kid


class LtiIdentity(models.Model):
    """A person as a platform knows them: the `sub` claim, per registration."""

    platform = models.ForeignKey(
        LtiPlatform, on_delete=models.CASCADE, related_name="identities"
    )
    sub = models.CharField(max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="lti_identities",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "sub"], name="lti_identity_unique_sub"
            )
        ]

    def __str__(self) -> str:
        return f"{self.platform} / {self.sub}"


class LtiContext(models.Model):
    """A course of the platform, and the class it is (once a teacher said so)."""

    platform = models.ForeignKey(
        LtiPlatform, on_delete=models.CASCADE, related_name="contexts"
    )
    context_id = models.CharField(max_length=255)
    title = models.CharField(max_length=255, blank=True)
    label = models.CharField(max_length=255, blank=True)
    school_class = models.ForeignKey(
        Class,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lti_contexts",
    )
    # Names and Role Provisioning: the URL from the last validated launch.
    memberships_url = models.URLField(max_length=500, blank=True)
    roster_synced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "context_id"], name="lti_context_unique"
            )
        ]

    def __str__(self) -> str:
        return self.title or self.context_id


class LtiResourceLink(models.Model):
    """A link placed in a course by deep linking, and the assignment it opens."""

    platform = models.ForeignKey(
        LtiPlatform, on_delete=models.CASCADE, related_name="resource_links"
    )
    resource_link_id = models.CharField(max_length=255)
    context = models.ForeignKey(
        LtiContext,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="resource_links",
    )
    assignment = models.ForeignKey(
        Assignment,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="lti_resource_links",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "resource_link_id"],
                name="lti_resource_link_unique",
            )
        ]

    def __str__(self) -> str:
        return self.resource_link_id
