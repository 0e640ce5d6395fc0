"""Issue 11, feedback: say what happened, in words; a waitlisted rider sees their place; a
cancelled registration offers no calendar; after verifying the e-mail the rider lands back on
the event they were signing up for."""

import re
from urllib.parse import unquote

from events.models import Registration
from events.services import registration_cancel, registration_create
from tests.factories import UserFactory


def test_each_organizer_action_says_what_it_did(client, make_event, organizer):
    event = make_event(publish=False)
    client.force_login(organizer)
    page = client.post(f"/events/{event.slug}/action/publish/", follow=True).content.decode()
    assert "活动已发布" in page and "已完成。" not in page
    event.refresh_from_db()
    registration_create(event=event, category=event.categories.get(), rider=UserFactory())
    page = client.post(f"/events/{event.slug}/action/renumber/", follow=True).content.decode()
    assert "1 位骑手获得了新号码" in page


def test_waitlisted_riders_see_their_place(client, make_event):
    event = make_event(capacity=1, categories=[{"name": "短途", "capacity": 1, "waitlist_enabled": True}])
    category = event.categories.get()
    people = [UserFactory() for _ in range(3)]
    regs = [registration_create(event=event, category=category, rider=p)[0] for p in people]
    client.force_login(people[2])
    page = client.get(f"/events/registrations/{regs[2].pk}/").content.decode()
    assert "候补第 2 位" in page
    assert "候补第 2 位" in client.get("/events/mine/").content.decode()
    registration_cancel(registration=regs[1])
    assert "候补第 1 位" in client.get(f"/events/registrations/{regs[2].pk}/").content.decode()


def test_a_cancelled_registration_offers_no_calendar(client, make_event, rider):
    event = make_event()
    registration = registration_create(event=event, category=event.categories.get(), rider=rider)[0]
    client.force_login(rider)
    assert 'id="add-to-calendar"' in client.get(f"/events/registrations/{registration.pk}/").content.decode()
    registration_cancel(registration=registration)
    assert Registration.objects.get(pk=registration.pk).status == "cancelled"
    assert 'id="add-to-calendar"' not in client.get(f"/events/registrations/{registration.pk}/").content.decode()


def test_after_verifying_the_number_the_rider_is_back_on_the_event(client, make_event):
    from core import sms
    event = make_event()
    login = client.get(f"/accounts/login/?next=/events/{event.slug}/").content.decode()
    signup_link = re.search(r'href="(/accounts/signup/\?next=[^"]+)"', login)
    assert signup_link, "the login page's sign-up link keeps where the rider was going"
    response = client.post(signup_link.group(1).replace("&amp;", "&"), {
        "phone": "13833334444", "username": "newrider", "email": "", "password1": "Qilihe-river-2026",
        "password2": "Qilihe-river-2026"})
    assert response.status_code == 302
    code = [m for m in sms.sent if m.phone == "+8613833334444"][-1].params["code"]
    response = client.post("/accounts/phone/verify/", {"code": code})
    assert response.status_code == 302 and unquote(response.url).endswith(f"/events/{event.slug}/")
    assert client.get(unquote(response.url)).context["user"].username == "newrider"  # signed in
