"""Issue 10: nothing of a rider reaches a club before they accept; only owners hand out ownership;
only active members read members-only announcements."""

import pytest
from django.core import mail

from clubs.models import Membership
from clubs.services import (
    announcement_create,
    membership_invitation_answer,
    membership_invite,
    membership_remove,
    membership_set_role,
)
from core.errors import ServiceError
from core.outbox import send_due
from tests.factories import UserFactory

SECRET = {"real_name": "王秘密", "mobile": "+8613912345678", "emergency_contact_name": "紧急联系人甲",
          "emergency_contact_phone": "+8613987654321"}


@pytest.fixture
def target(db):
    return UserFactory(username="target", email="target@example.com", **SECRET)


def _shows_secret(body: str) -> bool:
    return any(value in body for value in SECRET.values())


def test_adding_a_rider_only_invites_and_shows_nothing_until_accepted(client, world, target):
    club, owner = world["club"], world["owner"]
    client.force_login(owner)
    response = client.post(f"/clubs/{club.slug}/manage/", {"username": "target"}, follow=True)
    assert response.status_code == 200
    assert Membership.objects.get(club=club, user=target).state == "invited"
    manage = client.get(f"/clubs/{club.slug}/manage/").getvalue().decode()
    csv = b"".join(client.get(f"/clubs/{club.slug}/roster.csv").streaming_content).decode("utf-8-sig") \
        if client.get(f"/clubs/{club.slug}/roster.csv").streaming else \
        client.get(f"/clubs/{club.slug}/roster.csv").getvalue().decode("utf-8-sig")
    api = client.get(f"/api/v1/clubs/{club.slug}/members/").getvalue().decode()
    assert target.public_name in manage  # the admin sees who was invited ...
    assert not _shows_secret(manage) and not _shows_secret(csv) and not _shows_secret(api)  # ... nothing else
    assert "target" not in csv

    send_due()
    assert any(m.to == [target.email] and "邀请" in m.subject for m in mail.outbox)

    client.force_login(target)
    page = client.get(f"/clubs/{club.slug}/").getvalue().decode()
    assert 'id="invitation"' in page
    client.post(f"/clubs/{club.slug}/invitation/", {"answer": "accept", "share_contact": "on"})
    assert Membership.objects.get(club=club, user=target).state == "active"
    client.force_login(owner)
    assert SECRET["mobile"] in client.get(f"/clubs/{club.slug}/manage/").getvalue().decode()


def test_a_declined_invitation_shares_nothing_and_cannot_be_accepted_later(world, target, client):
    club = world["club"]
    membership_invite(club=club, user=target)
    membership_invitation_answer(club=club, user=target, accept=False)
    assert Membership.objects.get(club=club, user=target).state == "declined"
    with pytest.raises(ServiceError) as caught:
        membership_invitation_answer(club=club, user=target, accept=True)
    assert caught.value.error_code == "not_invited"
    client.force_login(world["owner"])
    assert not _shows_secret(client.get(f"/clubs/{club.slug}/manage/").getvalue().decode())


def test_nobody_else_answers_an_invitation(world, target, client):
    club = world["club"]
    membership_invite(club=club, user=target)
    client.force_login(world["rider"])  # not invited
    response = client.post(f"/api/v1/clubs/{club.slug}/invitation/", {"accept": True}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "not_invited"
    assert Membership.objects.get(club=club, user=target).state == "invited"
    client.force_login(target)
    response = client.post(f"/api/v1/clubs/{club.slug}/invitation/", {"accept": True}, content_type="application/json")
    assert response.status_code == 200 and response.json()["state"] == "active"


def test_inviting_an_applicant_approves_them(world):
    club, pending = world["club"], world["pending"]
    assert membership_invite(club=club, user=pending).state == "active"


def test_team_entry_refuses_invited_riders(world, target, make_event):
    from clubs.services import team_entry_create

    event = make_event()
    membership_invite(club=world["club"], user=target)
    with pytest.raises(ServiceError) as caught:
        team_entry_create(club=world["club"], category=event.categories.get(), members=[target])
    assert caught.value.error_code == "not_members"


# --- takeover -----------------------------------------------------------------------------------

def test_an_admin_cannot_make_themselves_owner_nor_remove_the_founder(world, client):
    club, admin, owner = world["club"], world["admin"], world["owner"]
    mine = Membership.objects.get(club=club, user=admin)
    founder = Membership.objects.get(club=club, user=owner)
    client.force_login(admin)
    client.post(f"/clubs/{club.slug}/manage/", {"membership": mine.pk, "action": "role", "role": "owner"})
    client.post(f"/clubs/{club.slug}/manage/", {"membership": founder.pk, "action": "remove"})
    client.post(f"/clubs/{club.slug}/manage/", {"membership": founder.pk, "action": "role", "role": "member"})
    response = client.post(f"/api/v1/clubs/{club.slug}/members/{mine.pk}/", {"action": "role", "role": "owner"},
                           content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "owner_only"
    mine.refresh_from_db()
    founder.refresh_from_db()
    assert (mine.role, founder.role, founder.state) == ("admin", "owner", "active")
    with pytest.raises(ServiceError):
        membership_remove(membership=founder, actor=admin)


def test_an_owner_grants_ownership_and_the_last_owner_stays(world):
    club, admin, owner = world["club"], world["admin"], world["owner"]
    mine = Membership.objects.get(club=club, user=admin)
    founder = Membership.objects.get(club=club, user=owner)
    membership_set_role(membership=mine, role="owner", actor=owner)
    membership_set_role(membership=founder, role="member", actor=admin)  # now an owner may
    with pytest.raises(ServiceError) as caught:
        membership_set_role(membership=mine, role="member", actor=admin)
    assert caught.value.error_code == "last_owner"
    with pytest.raises(ServiceError) as caught:
        membership_remove(membership=mine, actor=admin)
    assert caught.value.error_code == "last_owner"


# --- announcements ------------------------------------------------------------------------------

@pytest.mark.parametrize("who,sees", [("member", True), ("admin", True), ("pending", False), ("removed", False),
                                      ("invited", False), ("rider", False)])
def test_only_active_members_read_announcements(world, client, target, who, sees):
    club = world["club"]
    announcement_create(club=club, author=world["owner"], subject="只给会员", body="集合地点：秘密")
    if who == "removed":
        membership_remove(membership=Membership.objects.get(club=club, user=world["member"]), actor=world["owner"])
        viewer = world["member"]
    elif who == "invited":
        membership_invite(club=club, user=target)
        viewer = target
    else:
        viewer = world[who]
    client.force_login(viewer)
    assert ("集合地点：秘密" in client.get(f"/clubs/{club.slug}/").getvalue().decode()) is sees


def test_a_member_sees_their_own_dues(client, world):
    import datetime

    from django.utils import timezone

    from clubs.services import membership_set_dues

    member = Membership.objects.get(club=world["club"], user=world["member"])
    client.force_login(world["member"])
    assert "暂无会费记录" in client.get(f"/clubs/{world['club'].slug}/").getvalue().decode()
    membership_set_dues(membership=member, paid_until=timezone.localdate() + datetime.timedelta(days=40))
    assert "会费已缴至" in client.get(f"/clubs/{world['club'].slug}/").getvalue().decode()
    membership_set_dues(membership=member, paid_until=timezone.localdate() - datetime.timedelta(days=1))
    assert "会费已于" in client.get(f"/clubs/{world['club'].slug}/").getvalue().decode()


def _seen_by(client, club, owner):
    client.force_login(owner)
    return (client.get(f"/clubs/{club.slug}/manage/").getvalue().decode(),
            client.get(f"/clubs/{club.slug}/roster.csv").getvalue().decode("utf-8-sig"),
            client.get(f"/api/v1/clubs/{club.slug}/members/").getvalue().decode())


def test_the_admins_see_contact_details_only_with_the_members_consent(client, world, target):
    """Issue 25: /me/ promised phone and emergency contact only to the rider and event organizers, yet
    every club admin saw them after approval, and the application never said so. Now the form asks,
    the admins see only what was agreed, and the member can withdraw it."""
    from clubs.services import club_create, membership_apply, membership_decide

    owner = world["owner"]
    club = club_create(founder=owner, name="邢台夜骑", slug="night", join_policy="approval")
    client.force_login(target)
    form = client.get(f"/clubs/{club.slug}/", headers={"accept-language": "zh-hans"}).getvalue().decode()
    assert 'name="share_contact"' in form and "紧急联系人" in form  # the application says what would be shared
    client.post(f"/clubs/{club.slug}/apply/", {"message": "hi"})  # the box left unticked
    membership_decide(membership=Membership.objects.get(club=club, user=target), approve=True)
    for body in _seen_by(client, club, owner):
        assert not _shows_secret(body), [v for v in SECRET.values() if v in body]
    assert "not-shared" in _seen_by(client, club, owner)[0]
    client.force_login(target)
    client.post(f"/clubs/{club.slug}/share/", {"share": "1"})
    assert all(SECRET["mobile"] in body for body in _seen_by(client, club, owner))
    client.force_login(target)
    client.post(f"/clubs/{club.slug}/share/", {"share": "0"})
    assert not any(_shows_secret(body) for body in _seen_by(client, club, owner))
    other = UserFactory(**{**SECRET, "real_name": "李同意"})
    membership_apply(club=club, user=other, share_contact=True)
    membership_decide(membership=Membership.objects.get(club=club, user=other), approve=True)
    assert SECRET["mobile"] in _seen_by(client, club, owner)[1]
    client.force_login(target)
    profile = client.get("/me/", headers={"accept-language": "en"}).getvalue().decode()
    assert "only if you agree when joining" in profile
