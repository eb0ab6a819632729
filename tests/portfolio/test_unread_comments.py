"""The pupil is told when a teacher comments on their entry, until they read it."""

from django.urls import reverse

from portfolio import services
from portfolio.permissions import unread_comments_for


def test_a_new_comment_shows_in_the_header_and_on_the_timeline(world):
    lea = world.user("pupil")
    entry = world.entry("Visite de l'atelier du Garage des Tonkins")
    assert unread_comments_for(lea).count() == 1  # the demo's comment from her PP
    services.comment_create(by=world.user("cpe"), entry=entry, body="Et le CAP ?")
    page = world.client_for("pupil").get(reverse("portfolio:home")).content.decode()
    assert "2 nouveaux commentaires" in page
    assert 'id="new-comments"' in page
    assert f"{reverse('portfolio:entry_detail', args=[entry.pk])}#comments" in page


def test_reading_the_entry_clears_the_notice(world):
    entry = world.entry("Visite de l'atelier du Garage des Tonkins")
    client = world.client_for("pupil")
    client.get(reverse("portfolio:entry_detail", args=[entry.pk]))
    assert unread_comments_for(world.user("pupil")).count() == 0
    page = client.get(reverse("portfolio:home")).content.decode()
    assert "nouveau commentaire" not in page
    assert 'id="new-comments"' not in page


def test_staff_reading_the_entry_does_not_mark_it_read_for_the_pupil(world):
    entry = world.entry("Visite de l'atelier du Garage des Tonkins")
    world.client_for("head").get(reverse("portfolio:entry_detail", args=[entry.pk]))
    assert unread_comments_for(world.user("pupil")).count() == 1


def test_the_pupils_own_answers_are_never_unread(world):
    entry = world.entry("Visite de l'atelier du Garage des Tonkins")
    lea = world.user("pupil")
    services.comments_mark_read(by=lea, entry=entry)
    services.comment_create(by=lea, entry=entry, body="Merci !")
    assert unread_comments_for(lea).count() == 0


def test_staff_have_no_unread_count_for_other_pupils_entries(world):
    assert unread_comments_for(world.user("teacher")).count() == 0
    assert unread_comments_for(world.user("classmate")).count() == 0
