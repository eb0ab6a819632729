"""Identity providers (allauth SAML SocialApps) configured by a school's
managers or the platform administrator from pasted metadata."""

from typing import Any

from allauth.socialaccount.models import SocialAccount, SocialApp
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from classes.models import School, User
from classes.roles import roles_of
from lti_sso.metadata import IdpMetadata, parse_idp_metadata
from lti_sso.permissions import SAML, can_edit_identity_provider, managed_schools_of

# Attribute mapping presets: overrides of provisioning.GAR_ATTRIBUTES.
PRESETS: dict[str, dict[str, str]] = {
    "gar": {},
    # Class codes are not read: classes stay as the school sets them.
    "gar_without_classes": {"classes": ""},
}
PRESET_CHOICES = [
    (
        "gar",
        gettext_lazy("GAR / ENT: IDO, PRE, NOM, UAI, PRO, and the classes from DIV"),
    ),
    (
        "gar_without_classes",
        gettext_lazy(
            "GAR / ENT without classes: IDO, PRE, NOM, UAI, PRO; classes are "
            "managed in the Webclasseur"
        ),
    ),
]
NAME_MAX_LENGTH = 40


def _unique_slug(name: str) -> str:
    base = slugify(name)[:40].strip("-") or "ent"
    slug, n = base, 1
    while SocialApp.objects.filter(provider=SAML, client_id=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _check(
    *,
    by: User,
    app: SocialApp | None,
    name: str,
    metadata: IdpMetadata,
    preset: str,
    allowed_uais: list[str],
) -> None:
    errors: dict[str, list[str]] = {}
    if not name or len(name) > NAME_MAX_LENGTH:
        errors["name"] = [_("Give a name of at most 40 characters.")]
    if preset not in PRESETS:
        errors["preset"] = [_("Choose an attribute mapping from the list.")]
    if not allowed_uais:
        errors["allowed_uais"] = [
            _("Choose at least one school this identity provider may log into.")
        ]
    elif School.objects.filter(uai__in=allowed_uais).count() != len(allowed_uais):
        errors["allowed_uais"] = [_("Choose schools from the list.")]
    others = SocialApp.objects.filter(provider=SAML, provider_id=metadata.entity_id)
    if app is not None:
        others = others.exclude(pk=app.pk)
    if others.exists():
        errors["metadata"] = [
            _(
                "An identity provider with this entity ID is already connected. "
                "Ask the platform administrator to add your school to it."
            )
        ]
    elif (
        (app is None or app.provider_id != metadata.entity_id)
        and not roles_of(by).is_platform_admin
        and SocialAccount.objects.filter(provider=metadata.entity_id).exists()
    ):
        # Accounts already linked to this entity ID would be handed to
        # whoever holds the key the new metadata names.
        errors["metadata"] = [
            _(
                "People have already logged in with this entity ID: only the "
                "platform administrator can connect it again."
            )
        ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def identity_provider_save(
    *,
    by: User,
    app: SocialApp | None = None,
    name: str,
    metadata_xml: str,
    preset: str,
    allowed_uais: list[str],
) -> SocialApp:
    """Create (app=None) or change an identity provider from its pasted metadata.

    The signing certificate of the metadata is pinned in the app's settings;
    the metadata is never fetched from a URL. The user must manage every school
    in `allowed_uais`, and, to change an app, every school it served.
    """
    managed = set(managed_schools_of(by).values_list("uai", flat=True))
    if not set(allowed_uais) <= managed:
        raise PermissionDenied
    if app is not None and not can_edit_identity_provider(by, app):
        raise PermissionDenied
    name = name.strip()
    metadata = parse_idp_metadata(metadata_xml)
    allowed = sorted(set(allowed_uais))
    _check(
        by=by,
        app=app,
        name=name,
        metadata=metadata,
        preset=preset,
        allowed_uais=allowed,
    )
    if app is None:
        app = SocialApp(provider=SAML, client_id=_unique_slug(name), settings={})
    settings: dict[str, Any] = dict(app.settings or {})
    idp: dict[str, Any] = {
        "entity_id": metadata.entity_id,
        "sso_url": metadata.sso_url,
        "x509cert": metadata.certificates[0],
    }
    if metadata.slo_url:
        idp["slo_url"] = metadata.slo_url
    extra = dict(settings.get("webclasseur") or {})
    extra.update(
        allowed_uais=allowed,
        preset=preset,
        metadata_xml=metadata_xml.strip(),
        fingerprint=metadata.fingerprints[0],
    )
    settings.update(
        idp=idp, webclasseur=extra, webclasseur_attributes=dict(PRESETS[preset])
    )
    app.name = name
    app.provider_id = metadata.entity_id
    app.settings = settings
    app.save()
    return app
