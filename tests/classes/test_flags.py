"""Follow-up flags: the educational team flags a pupil, clears the flag with a
note and reads the history. Teachers, pupils and the platform admin see none."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from classes import services
from classes.models import PupilFlag
from classes.permissions import can_flag_pupil, flags_visible_to


def flag(world, alias="cpe", reason="Absences répétées"):
    return services.pupil_flag_raise(
        by=world.user(alias),
        school=world.college_class("3e A").school,
        pupil=world.user("pupil"),
        reason=reason,
    )


def test_the_team_flags_and_clears(world):
    raised = flag(world)
    assert raised.raised_by == world.user("cpe")
    for alias in ("head", "cpe", "psyen", "documentalist"):
        assert flags_visible_to(world.user(alias)).filter(pk=raised.pk).exists()
    services.pupil_flag_clear(by=world.user("psyen"), flag=raised, note="Résolu")
    raised.refresh_from_db()
    assert raised.cleared_at is not None
    assert raised.cleared_by == world.user("psyen")
    assert raised.clearing_note == "Résolu"
    # A new flag may then be raised: the old one stays as history.
    flag(world, reason="De nouveau")
    assert PupilFlag.objects.filter(pupil=world.user("pupil")).count() == 2


@pytest.mark.parametrize(
    "alias",
    ["pupil", "classmate", "teacher", "other_school_head", "platform_admin"],
)
def test_others_see_no_flag_and_may_not_flag(world, alias):
    raised = flag(world)
    user = world.user(alias)
    assert not flags_visible_to(user).filter(pk=raised.pk).exists()
    assert not can_flag_pupil(user, world.user("classmate"))
    with pytest.raises(PermissionDenied):
        services.pupil_flag_raise(
            by=user,
            school=world.college_class("3e A").school,
            pupil=world.user("classmate"),
            reason="x",
        )


def test_an_empty_reason_or_a_second_flag_is_refused(world):
    with translation.override("en"):
        with pytest.raises(ValidationError) as empty:
            flag(world, reason="   ")
        assert "reason" in empty.value.message_dict
        flag(world)
        with pytest.raises(ValidationError) as twice:
            flag(world, alias="psyen")
        assert twice.value.message_dict["pupil"] == ["This pupil is already flagged."]
    assert PupilFlag.objects.count() == 1


def test_clearing_needs_a_note_and_an_open_flag(world):
    raised = flag(world)
    with pytest.raises(ValidationError):
        services.pupil_flag_clear(by=world.user("cpe"), flag=raised, note=" ")
    raised.refresh_from_db()
    assert raised.cleared_at is None
    services.pupil_flag_clear(by=world.user("cpe"), flag=raised, note="Fini")
    with pytest.raises(PermissionDenied):
        services.pupil_flag_clear(by=world.user("cpe"), flag=raised, note="Encore")


def test_a_pupil_of_another_school_cannot_be_flagged(world):
    with pytest.raises(ValidationError):
        services.pupil_flag_raise(
            by=world.user("cpe"),
            school=world.college_class("3e A").school,
            pupil=world.user("other_school_pupil"),
            reason="x",
        )


def test_the_pages_flag_list_and_clear(world):
    client = world.client_for("cpe")
    school = world.college_class("3e A").school
    lea = world.user("pupil")
    create_url = reverse("school_admin:flag_create", args=[school.pk])
    page = client.get(create_url + f"?eleve={lea.pk}")
    assert page.status_code == 200
    assert f'<option value="{lea.pk}" selected>' in page.text
    empty = client.post(create_url, {"pupil": lea.pk, "reason": ""})
    assert empty.status_code == 422
    assert 'id="id_reason-errors"' in empty.text
    assert not PupilFlag.objects.exists()
    done = client.post(create_url, {"pupil": lea.pk, "reason": "Décrochage"})
    assert done.status_code == 302
    again = client.post(create_url, {"pupil": lea.pk, "reason": "Encore"})
    assert again.status_code == 422
    assert 'id="id_pupil-errors"' in again.text
    assert PupilFlag.objects.count() == 1
    listing = client.get(reverse("school_admin:flag_list", args=[school.pk]))
    assert "Décrochage" in listing.text
    history_url = reverse("school_admin:flag_history", args=[school.pk, lea.pk])
    history = client.get(history_url)
    raised = PupilFlag.objects.get()
    clear_url = reverse("school_admin:flag_clear", args=[raised.pk])
    assert clear_url in history.text
    no_note = client.post(clear_url, {"clearing_note": ""})
    assert no_note.status_code == 422
    assert 'id="id_clearing_note-errors"' in no_note.text
    cleared = client.post(clear_url, {"clearing_note": "Suivi terminé"})
    assert cleared.status_code == 302
    assert (
        "Décrochage"
        not in client.get(reverse("school_admin:flag_list", args=[school.pk])).text
    )
    assert "Suivi terminé" in client.get(history_url).text


def test_a_pupil_never_sees_their_flag(world):
    flag(world, reason="Motif confidentiel")
    client = world.client_for("pupil")
    lea = world.user("pupil")
    for url in (
        reverse("portfolio:home"),
        reverse("portfolio:pupil_portfolio", args=[lea.pk]),
        reverse("classes:class_detail", args=[world.college_class("3e A").pk]),
    ):
        assert "Motif confidentiel" not in client.get(url).text
    school = world.college_class("3e A").school
    assert (
        client.get(reverse("school_admin:flag_list", args=[school.pk])).status_code
        == 403
    )


def test_a_pupil_who_left_leaves_the_list(world):
    flag(world)
    services.pupil_departure_record(
        by=world.user("head"),
        pupil=world.user("pupil"),
        school=world.college_class("3e A").school,
        left_on=timezone.localdate(),
    )
    assert not flags_visible_to(world.user("cpe")).exists()
