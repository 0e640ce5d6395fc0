"""Issue 11: a club ride is an RSVP, not a race: "I'm in" / "can't make it", who is going, a
capacity and waitlist where set, no bibs or check-in QR, attendance ticked by the ride leader."""

import datetime

from django.utils import timezone

from clubs.services import club_ride_create
from events.models import Registration


def _ride(world, **kwargs):
    start = timezone.now() + datetime.timedelta(days=3)
    return club_ride_create(club=world["club"], created_by=world["admin"], title="周末骑行", capacity=1,
                            starts_at=start, ends_at=start + datetime.timedelta(hours=2),
                            registration_closes_at=start - datetime.timedelta(hours=1), **kwargs)


def test_rsvp_going_waitlist_and_cant_make_it(client, world):
    ride = _ride(world, members_only=True)
    ride.categories.update(waitlist_enabled=True)
    client.force_login(world["member"])
    page = client.get(f"/events/{ride.slug}/").content.decode()
    assert 'id="rsvp-yes"' in page and "组别" not in page and "号码" not in page
    client.post(f"/events/{ride.slug}/", {"rsvp": "yes"})
    page = client.get(f"/events/{ride.slug}/").content.decode()
    assert 'id="rsvp-status"' in page and world["member"].public_name in page.split('id="going"')[1]
    mine = Registration.objects.get(event=ride, rider=world["member"])
    detail = client.get(f"/events/registrations/{mine.pk}/").content.decode()
    assert 'id="checkin-qr"' not in detail and "号码" not in detail  # no bib, no QR
    client.force_login(world["owner"])  # full: the owner waits
    client.post(f"/events/{ride.slug}/", {"rsvp": "yes"})
    assert Registration.objects.get(event=ride, rider=world["owner"]).status == "waitlisted"
    assert "候补" in client.get(f"/events/{ride.slug}/").content.decode()
    client.force_login(world["member"])
    client.post(f"/events/{ride.slug}/", {"rsvp": "no"})
    assert Registration.objects.get(pk=mine.pk).status == "cancelled"
    assert Registration.objects.get(event=ride, rider=world["owner"]).status == "confirmed"  # moved up


def test_outsiders_are_refused_and_do_not_see_who_goes(client, world):
    ride = _ride(world, members_only=True)
    client.force_login(world["rider"])
    page = client.post(f"/events/{ride.slug}/", {"rsvp": "yes"}, follow=True).content.decode()
    assert "俱乐部会员" in page and not Registration.objects.filter(event=ride).exists()
    assert 'id="going"' not in page


def test_the_ride_leader_ticks_who_came(client, world):
    ride = _ride(world, members_only=False)
    client.force_login(world["member"])
    client.post(f"/events/{ride.slug}/", {"rsvp": "yes"})
    registration = Registration.objects.get(event=ride, rider=world["member"])
    client.post(f"/events/{ride.slug}/", {"attended": registration.pk})  # not the leader: nothing
    assert Registration.objects.get(pk=registration.pk).checked_in_at is None
    client.force_login(world["admin"])
    client.post(f"/events/{ride.slug}/", {"attended": registration.pk})
    assert Registration.objects.get(pk=registration.pk).checked_in_at is not None
    assert "✔" in client.get(f"/events/{ride.slug}/").content.decode()
