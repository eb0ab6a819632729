"""{% lti_roster_button school_class %}: the “Synchroniser la liste des
élèves” button of a class page, shown to the class's teachers when a linked
course of a platform offers Names and Role Provisioning."""

from typing import Any

from django import template

from classes.models import Class
from lti_sso.lti.nrps import roster_contexts
from lti_sso.models import LtiContext
from lti_sso.permissions import can_sync_roster

register = template.Library()


@register.inclusion_tag("lti_sso/lti/_roster_button.html", takes_context=True)
def lti_roster_button(context: dict[str, Any], school_class: Class) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    show = (
        user is not None
        and can_sync_roster(user, school_class)
        and roster_contexts(school_class).exists()
    )
    synced = (
        LtiContext.objects.filter(school_class=school_class)
        .exclude(roster_synced_at=None)
        .order_by("-roster_synced_at")
        .values_list("roster_synced_at", flat=True)
        .first()
        if show
        else None
    )
    return {"show": show, "school_class": school_class, "synced": synced}
