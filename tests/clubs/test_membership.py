"""Membership flows, dues reminders, announcements, club routes, club rides, team entries."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from clubs.models import Club, Membership
from clubs.notifications import dues_reminders_send
from clubs.services import (
    announcement_create,
    club_create,
    club_ride_create,
    membership_apply,
    membership_decide,
    membership_leave,
    membership_remove,
    membership_set_dues,
    membership_set_role,
    team_entry_create,
)
from core.errors import ServiceError
from core.outbox import send_due
from events.models import Registration
from events.services import registration_create, registration_transfer, registrations_create_group
from tests.factories import UserFactory


def test_apply_then_approve_emails_admins_and_the_rider(world, django_capture_on_commit_callbacks):
    club, rider = world["club"], world["rider"]
    send_due()  # the mails of the world's setup
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        membership = membership_apply(club=club, user=rider, message="周末一起骑")
    assert membership.state == "pending"
    assert {m.to[0] for m in mail.outbox} == {world["owner"].email, world["admin"].email}
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        membership_decide(membership=membership, approve=True)
    assert Membership.objects.get(pk=membership.pk).state == "active"
    assert [m.to for m in mail.outbox] == [[rider.email]] and "欢迎" in mail.outbox[0].subject
    with pytest.raises(ServiceError):
        membership_decide(membership=membership, approve=False)


def test_reject_then_apply_again(world):
    membership = Membership.objects.get(user=world["pending"])
    membership_decide(membership=membership, approve=False)
    assert Membership.objects.get(pk=membership.pk).state == "rejected"
    again = membership_apply(club=world["club"], user=world["pending"], message="再试一次")
    assert again.pk == membership.pk and again.state == "pending"


def test_open_club_joins_at_once_and_invite_only_refuses(db):
    founder, rider = UserFactory(), UserFactory()
    open_club = club_create(founder=founder, name="开放俱乐部", join_policy=Club.JoinPolicy.OPEN)
    assert membership_apply(club=open_club, user=rider).state == "active"
    invite = club_create(founder=founder, name="邀请俱乐部", join_policy=Club.JoinPolicy.INVITE)
    with pytest.raises(ServiceError) as caught:
        membership_apply(club=invite, user=rider)
    assert caught.value.error_code == "invite_only"
    assert not Membership.objects.filter(club=invite, user=rider).exists()


def test_last_owner_cannot_leave_or_be_demoted_or_removed(world):
    owner = Membership.objects.get(user=world["owner"])
    for action in (lambda: membership_leave(membership=owner),
                   lambda: membership_set_role(membership=owner, role="member"),
                   lambda: membership_remove(membership=owner)):
        with pytest.raises(ServiceError) as caught:
            action()
        assert caught.value.error_code == "last_owner"
    admin = Membership.objects.get(user=world["admin"])
    membership_set_role(membership=admin, role="owner")
    assert membership_leave(membership=owner).state == "left"


def test_members_leave_and_admins_remove(world):
    member = Membership.objects.get(user=world["member"])
    assert membership_remove(membership=member).state == "removed"
    assert not Membership.objects.filter(user=world["member"], state="active").exists()


def test_leave_page_and_apply_page(client, world):
    client.force_login(world["rider"])
    client.post(f"/clubs/{world['club'].slug}/apply/", {"message": "你好"})
    assert Membership.objects.get(user=world["rider"]).state == "pending"
    client.force_login(world["member"])
    client.post(f"/clubs/{world['club'].slug}/leave/")
    assert Membership.objects.get(user=world["member"]).state == "left"


def test_dues_reminders_30_and_7_days_once_each(world):
    today = timezone.localdate()
    member = Membership.objects.get(user=world["member"])
    membership_set_dues(membership=member, paid_until=today + datetime.timedelta(days=30))
    admin = Membership.objects.get(user=world["admin"])
    membership_set_dues(membership=admin, paid_until=today + datetime.timedelta(days=90))
    send_due()
    mail.outbox.clear()
    assert dues_reminders_send(today=today) == 1
    assert dues_reminders_send(today=today) == 0  # twice queues nothing twice
    assert send_due() == 1
    assert dues_reminders_send(today=today + datetime.timedelta(days=10)) == 0  # 30-day one already sent
    assert dues_reminders_send(today=today + datetime.timedelta(days=23)) == 1  # 7 days before
    assert dues_reminders_send(today=today + datetime.timedelta(days=24)) == 0
    assert send_due() == 1 and send_due() == 0
    assert [m.to[0] for m in mail.outbox] == [world["member"].email] * 2
    assert "30" in mail.outbox[0].subject and "7" in mail.outbox[1].subject


def test_renewed_dues_get_new_reminders(world):
    today = timezone.localdate()
    member = Membership.objects.get(user=world["member"])
    membership_set_dues(membership=member, paid_until=today + datetime.timedelta(days=5))
    assert dues_reminders_send(today=today) == 1
    membership_set_dues(membership=member, paid_until=today + datetime.timedelta(days=370))
    assert dues_reminders_send(today=today + datetime.timedelta(days=340)) == 1


def test_announcement_one_mail_per_member_and_retry_sends_none_twice(world, django_capture_on_commit_callbacks):
    send_due()  # the mails of the world's setup
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        announcement = announcement_create(club=world["club"], author=world["owner"], subject="周六骑行",
                                           body="七点集合")
    active = {world["owner"].email, world["admin"].email, world["member"].email}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(active)
    assert send_due() == 0  # a rerun sends nothing twice
    assert len(mail.outbox) == 3 and announcement.subject in mail.outbox[0].subject


def test_club_routes_only_for_active_members(client, world, make_route):
    route = make_route(visibility="club", club=world["club"], name="俱乐部秘密线路")
    from urllib.parse import quote

    for who, status in (("member", 200), ("admin", 200), ("pending", 404), ("rider", 404), ("other_admin", 404)):
        client.force_login(world[who])
        assert client.get(f"/api/v1/routes/{quote(route.slug)}/").status_code == status, who


def _ride(world, **kwargs):
    start = timezone.now() + datetime.timedelta(days=3)
    return club_ride_create(club=world["club"], created_by=world["admin"], title="周末骑行", capacity=2,
                            starts_at=start, ends_at=start + datetime.timedelta(hours=2),
                            registration_closes_at=start - datetime.timedelta(hours=1), **kwargs)


def test_members_only_ride_refuses_outsiders(world):
    ride = _ride(world, members_only=True)
    category = ride.categories.get()
    with pytest.raises(ServiceError) as caught:
        registration_create(event=ride, category=category, rider=world["rider"])
    assert caught.value.error_code == "members_only"
    assert registration_create(event=ride, category=category, rider=world["member"])[0].status == "confirmed"


def test_club_page_shows_rides_and_attendance(client, world):
    from events.services import checkin, checkin_code

    ride = _ride(world, members_only=False)
    registration = registration_create(event=ride, category=ride.categories.get(), rider=world["rider"])[0]
    checkin(event=ride, code=checkin_code(registration))
    page = client.get(f"/clubs/{world['club'].slug}/").content.decode()
    assert "周末骑行" in page and "已报名 1 人" in page
    from events.selectors import is_organizer

    assert is_organizer(user=world["owner"], event=ride)  # club admins run club rides
    assert not is_organizer(user=world["member"], event=ride)


def test_team_entry_is_all_or_nothing(world, make_event, django_capture_on_commit_callbacks):
    event = make_event(capacity=3)
    category = event.categories.get()
    team = [world["owner"], world["admin"], world["member"]]
    registration_create(event=event, category=category, rider=world["rider"])  # one seat gone
    with pytest.raises(ServiceError) as caught:
        team_entry_create(club=world["club"], category=category, members=team)
    assert caught.value.error_code == "not_enough_seats" and "2" in caught.value.messages[0]
    assert Registration.objects.filter(event=event).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        entries = team_entry_create(club=world["club"], category=category, members=team[:2])
    assert [e.status for e in entries] == ["held", "held"]  # seats held until each member confirms
    assert len({e.bib for e in entries} | {1}) == 3
    assert sorted(m.to[0] for m in mail.outbox if "俱乐部为您保留" in m.subject) == sorted(
        u.email for u in team[:2])
    category.refresh_from_db()
    assert category.confirmed_count == 3
    # a member declines like any rider withdraws; the seat frees up and nothing of theirs is kept
    from events.services import registration_cancel

    registration_cancel(registration=entries[0])
    assert not Registration.objects.filter(pk=entries[0].pk).exists()
    category.refresh_from_db()
    assert category.confirmed_count == 2


@pytest.mark.parametrize(
    ("setup", "code"), [("outsider", "not_members"), ("registered", "already_registered"),
                        ("other_club_ride", "members_only")])
def test_team_entry_refusals_name_the_reason(world, make_event, setup, code):
    event = make_event(capacity=10)
    if setup == "other_club_ride":  # a members-only ride of another club
        event.club, event.members_only = world["other"], True
        event.save()
    category = event.categories.get()
    team = [world["member"], world["admin"]]
    if setup == "outsider":
        team.append(world["rider"])
    if setup == "registered":
        registration_create(event=event, category=category, rider=world["member"])
    before = Registration.objects.count()
    with pytest.raises(ServiceError) as caught:
        team_entry_create(club=world["club"], category=category, members=team)
    assert caught.value.error_code == code
    assert Registration.objects.count() == before


def test_team_entry_api_and_page(client, world, make_event):
    event = make_event(capacity=5)
    category = event.categories.get()
    client.force_login(world["admin"])
    response = client.post(f"/api/v1/clubs/{world['club'].slug}/team-entries/",
                           {"event": event.slug, "category": category.pk, "members": ["member", "owner"]},
                           content_type="application/json")
    assert response.status_code == 201 and len(response.json()["registrations"]) == 2
    response = client.post(f"/api/v1/clubs/{world['club'].slug}/team-entries/",
                           {"event": event.slug, "category": category.pk, "members": ["admin", "member"]},
                           content_type="application/json", headers={"accept-language": "en"})
    assert response.status_code == 400 and "Already registered" in str(response.json())


def test_members_only_rides_refuse_outsiders_however_they_arrive(world):
    """One eligibility rule (events' rider_check) for sign-up, transfer and group entry."""
    ride = _ride(world, members_only=True)
    category = ride.categories.get()
    mine = registration_create(event=ride, category=category, rider=world["member"])[0]
    for attempt in (lambda: registration_create(event=ride, category=category, rider=world["rider"]),
                    lambda: registrations_create_group(category=category, riders=[world["owner"], world["rider"]])):
        with pytest.raises(ServiceError) as caught:
            attempt()
        assert caught.value.error_code == "members_only"
    assert Registration.objects.filter(event=ride).count() == 1
    ride.transfer_deadline = timezone.now() + datetime.timedelta(days=1)
    ride.save()
    with pytest.raises(ServiceError) as caught:
        registration_transfer(registration=mine, to_rider=world["rider"])
    assert caught.value.error_code == "members_only"
    mine.refresh_from_db()
    assert mine.rider == world["member"]


def test_the_roster_csv_reads_the_members_a_batch_at_a_time(client, world, monkeypatch):
    """The club's roster CSV streams from a query read 500 members at a time, not a list of all."""
    from tests.helpers import batched_reads

    batches = batched_reads(monkeypatch)
    client.force_login(world["owner"])
    answer = client.get(f"/clubs/{world['club'].slug}/roster.csv")
    lines = b"".join(answer.streaming_content).decode("utf-8-sig").splitlines()
    assert batches == [500]
    assert {line.split(",")[0] for line in lines[1:]} == {"owner", "admin", "member"}  # the active members
