"""The kinds of parcours Avenir activities, shared by pupils' entries and
class assignments and events."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityKind(models.TextChoices):
    COMPANY_VISIT = "company_visit", _("Company visit")
    TRAINING_VISIT = "training_visit", _("Visit of a lycée, CFA or higher education")
    FORUM = "forum", _("Forum or carrefour des métiers")
    PROFESSIONAL_MEETING = "professional_meeting", _("Meeting with a professional")
    MINI_STAGE = "mini_stage", _("Mini-stage")
    OBSERVATION_STAGE = "observation_stage", _("Observation stage (3e)")
    SECONDE_STAGE = "seconde_stage", _("Stage de seconde")
    PFMP = "pfmp", _("PFMP (work placement, lycée pro)")
    OPEN_DAY = "open_day", _("Open day")
    IMMERSION = "immersion", _("Immersion")
    INTERVIEW = "interview", _("Orientation interview (EPO)")
    CLASS_ACTIVITY = "class_activity", _("Class activity")
    PERSONAL_RESEARCH = "personal_research", _("Personal research")
    OTHER = "other", _("Other")


KIND_ICONS: dict[str, str] = {
    ActivityKind.COMPANY_VISIT: "fr-icon-building-line",
    ActivityKind.TRAINING_VISIT: "fr-icon-government-line",
    ActivityKind.FORUM: "fr-icon-community-line",
    ActivityKind.PROFESSIONAL_MEETING: "fr-icon-chat-3-line",
    ActivityKind.MINI_STAGE: "fr-icon-briefcase-line",
    ActivityKind.OBSERVATION_STAGE: "fr-icon-briefcase-fill",
    ActivityKind.SECONDE_STAGE: "fr-icon-briefcase-fill",
    ActivityKind.PFMP: "fr-icon-briefcase-fill",
    ActivityKind.OPEN_DAY: "fr-icon-calendar-event-line",
    ActivityKind.IMMERSION: "fr-icon-eye-line",
    ActivityKind.INTERVIEW: "fr-icon-chat-check-line",
    ActivityKind.CLASS_ACTIVITY: "fr-icon-book-2-line",
    ActivityKind.PERSONAL_RESEARCH: "fr-icon-lightbulb-line",
    ActivityKind.OTHER: "fr-icon-bookmark-line",
}
