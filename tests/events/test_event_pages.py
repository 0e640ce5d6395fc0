"""Issue 11, home and event pages: upcoming events with fee and seats on the home page and the
list; the event page names its organizer and contact, offers sign-up near the top, a share
link and QR, and links results as soon as there are any; phone fields bring up the keypad."""

from decimal import Decimal

from events.services import registration_create, results_import
from tests.factories import UserFactory
from tests.helpers import race_started


def test_home_lists_upcoming_events_with_fee_and_seats(client, make_event):
    make_event(title="七里河夜骑", categories=[{"name": "30公里", "capacity": 10, "fee_cny": Decimal("80")},
                                           {"name": "60公里", "capacity": 5, "fee_cny": Decimal("120")}])
    make_event(title="绿道亲子骑", capacity=3)
    page = client.get("/").content.decode()
    assert "七里河夜骑" in page and "¥80 起" in page and "剩余 15 个名额" in page
    assert "绿道亲子骑" in page and "免费" in page
    assert "¥80 起" in client.get("/events/").content.decode()


def test_event_page_organizer_contact_signup_share(client, make_event, organizer):
    event = make_event(contact="微信 xtcycling / 0319-1234567")
    page = client.get(f"/events/{event.slug}/").content.decode()
    assert 'id="organizer"' in page and organizer.public_name in page and "0319-1234567" in page
    assert 'id="jump-register"' in page and 'href="#register"' in page
    assert "data-share=" in page and "<svg" in page  # the share link and its QR code
    assert 'id="results-link"' not in page


def test_results_are_linked_once_there_are_any(client, make_event):
    event = make_event()
    registration = registration_create(event=event, category=event.categories.get(), rider=UserFactory())[0]
    race_started(event)
    assert results_import(event=event, data=f"bib,time\n{registration.bib},2:01:00\n".encode()).applied == 1
    assert 'id="results-link"' in client.get(f"/events/{event.slug}/").content.decode()


def test_phone_fields_use_the_phone_keypad(client, rider):
    client.force_login(rider)
    page = client.get("/me/").content.decode()
    for name in ("mobile", "emergency_contact_phone"):
        tag = page.split(f'name="{name}"')[0].rsplit("<input", 1)[1] + page.split(f'name="{name}"')[1].split(">")[0]
        assert 'type="tel"' in tag and 'inputmode="tel"' in tag
