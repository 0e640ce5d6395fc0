"""Issue 25: a rider with only a phone (no e-mail) heard nothing when their club application was
approved, when invited, when they withdrew, when a transfer completed. Every notice sent by e-mail
now has its SMS, in the rider's language, by the channels they chose."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from clubs.services import club_create, membership_apply, membership_decide, membership_invite
from core import sms
from core.outbox import send_due
from events.services import registration_cancel, registration_create, registration_transfer, transfer_accept
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _memory():
    sms.sent.clear()
    yield
    sms.sent.clear()


def phone_only(n):
    return UserFactory(email="", verified_email=False, phone=f"+86139000000{n:02d}", phone_verified=True,
                       notify_by="sms")


def texts(user):
    send_due()
    return [(m.kind, m.text) for m in sms.sent if m.phone == user.phone]


def test_club_notices_reach_a_phone_only_rider(db):
    founder, applicant, invitee = UserFactory(), phone_only(1), phone_only(2)
    club = club_create(founder=founder, name="广宗骑行俱乐部", slug="gz", join_policy="approval")
    membership_decide(membership=membership_apply(club=club, user=applicant), approve=True)
    membership_invite(club=club, user=invitee)
    assert texts(applicant) == [("club_approved", "欢迎加入广宗骑行俱乐部：您的入会申请已通过。")]
    assert texts(invitee) == [("club_invited", "广宗骑行俱乐部邀请您加入：请在俱乐部页面接受或谢绝。")]
    assert not [m for m in mail.outbox if not m.to or not m.to[0]]


def test_withdrawal_and_transfer_reach_phone_only_riders(make_event):
    event = make_event(title="太行挑战赛", capacity=5, transfer_deadline=timezone.now() + datetime.timedelta(days=3))
    leaver, giver, taker = phone_only(3), phone_only(4), phone_only(5)
    registration_cancel(registration=registration_create(event=event, category=event.categories.get(), rider=leaver)[0])
    # the confirmation queued before the withdrawal is not sent with an empty check-in code
    assert texts(leaver) == [("cancelled", "您在太行挑战赛的报名已取消。如有退款，按活动的退款规则办理，详见网站。")]
    seat = registration_create(event=event, category=event.categories.get(), rider=giver)[0]
    transfer_accept(offer=registration_transfer(registration=seat, to_rider=taker), rider=taker)
    got = dict(texts(taker))
    assert got["transfer_offer"] and got["transferred"].startswith("太行挑战赛（")
    assert "签到码" in got["transferred"]
