from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from classes.models import School
from lti_sso.services import NAME_MAX_LENGTH, PRESET_CHOICES


class IdentityProviderForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX_LENGTH,
        help_text=_("As people know it, e.g. “ENT Auvergne-Rhône-Alpes” or “GAR”."),
        error_messages={
            "required": _("Give a name of at most 40 characters."),
            "max_length": _("Give a name of at most 40 characters."),
        },
    )
    metadata = forms.CharField(
        label=_("Metadata of the identity provider (XML)"),
        help_text=_(
            "Paste the whole XML document your ENT or the GAR gives "
            "(<md:EntityDescriptor …>). Its signing certificate will be pinned: "
            "when it changes, paste the new metadata here."
        ),
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false"}),
        strip=True,
        error_messages={"required": _("Paste the metadata XML of the provider.")},
    )
    preset = forms.ChoiceField(
        label=_("Attributes sent by the provider"),
        choices=PRESET_CHOICES,
        widget=forms.RadioSelect,
        initial="gar",
        error_messages={
            "required": _("Choose an attribute mapping from the list."),
            "invalid_choice": _("Choose an attribute mapping from the list."),
        },
    )
    allowed_uais = forms.MultipleChoiceField(
        label=_("Schools this provider may log people into"),
        help_text=_("A UAI sent by the provider that is not ticked here is ignored."),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _(
                "Choose at least one school this identity provider may log into."
            ),
            "invalid_choice": _("Choose schools from the list."),
        },
    )

    def __init__(self, *args: object, schools: QuerySet[School], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["allowed_uais"].choices = [  # type: ignore[attr-defined]
            (school.uai, f"{school.name} ({school.uai})") for school in schools
        ]
