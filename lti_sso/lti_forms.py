from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from classes.models import Class

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

URL_WIDGET = forms.TextInput(attrs={"spellcheck": "false", "inputmode": "url"})


def _address_field(
    label: "StrOrPromise",
    help_text: "StrOrPromise",
    *,
    max_length: int = 500,
    required: bool = True,
) -> forms.CharField:
    """An address the platform's administrator copies from the platform."""
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        widget=URL_WIDGET,
        help_text=help_text,
        error_messages={"required": _("This address is required.")},
    )


class LtiPlatformForm(forms.Form):
    """What the platform's administrator gives when registering the tool.
    The checks (https, duplicates) are the service's, shown under each field."""

    name = forms.CharField(
        label=_("Name"),
        max_length=80,
        help_text=_("As people know it, e.g. “Moodle du collège”."),
        error_messages={
            "required": _("Give the platform a name, e.g. “Moodle du collège”.")
        },
    )
    issuer = _address_field(
        _("Platform ID (issuer)"),
        _("For Moodle, the site's address, e.g. https://moodle.example.fr"),
        max_length=255,
    )
    client_id = forms.CharField(
        label=_("Client ID"),
        max_length=255,
        help_text=_("Given by the platform once the tool is added to it."),
        error_messages={
            "required": _("Give the client ID the platform gave the tool.")
        },
    )
    deployment_ids = forms.CharField(
        label=_("Deployment IDs"),
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false"}),
        help_text=_("One per line. For Moodle, shown next to the tool (often 1)."),
        error_messages={
            "required": _("Give at least one deployment ID (one per line).")
        },
    )
    auth_login_url = _address_field(
        _("Authentication request URL"), _("For Moodle: …/mod/lti/auth.php")
    )
    auth_token_url = _address_field(
        _("Access token URL"), _("For Moodle: …/mod/lti/token.php")
    )
    key_set_url = _address_field(
        _("Public keyset URL"), _("For Moodle: …/mod/lti/certs.php"), required=False
    )
    key_set = forms.CharField(
        label=_("Or the platform's public keys (JWKS)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=_("Only if the platform publishes no keyset URL."),
    )

    @staticmethod
    def initial_from(platform: Any) -> dict[str, Any]:
        return {
            "name": platform.name,
            "issuer": platform.issuer,
            "client_id": platform.client_id,
            "deployment_ids": "\n".join(
                platform.deployments.order_by("pk").values_list(
                    "deployment_id", flat=True
                )
            ),
            "auth_login_url": platform.auth_login_url,
            "auth_token_url": platform.auth_token_url,
            "key_set_url": platform.key_set_url,
            "key_set": platform.key_set,
        }


class ClassChoiceForm(forms.Form):
    school_class = forms.ModelChoiceField(
        label=_("Which of your classes is this course?"),
        queryset=Class.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={
            "required": _("Choose one of your classes."),
            "invalid_choice": _("Choose one of your classes."),
        },
    )

    def __init__(self, *args: Any, classes: list[Class], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["school_class"]
        field.queryset = Class.objects.filter(  # type: ignore[attr-defined]
            pk__in=[c.pk for c in classes]
        ).order_by("name")
