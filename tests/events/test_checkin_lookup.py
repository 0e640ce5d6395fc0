"""Issue 11: at the start a rider without their QR is found by name, bib or the last digits of
their phone and checked in with one tap; riders of other events and unconfirmed ones never show."""

from events.models import Registration
from events.services import registration_create
from tests.factories import UserFactory


def test_find_by_name_bib_or_phone_and_check_in(client, make_event, organizer):
    event = make_event(capacity=2, categories=[{"name": "短途", "capacity": 2, "waitlist_enabled": True}])
    other = make_event(title="别的活动")
    ming = UserFactory(real_name="李明", mobile="+8613912345678")
    hong = UserFactory(real_name="王红", mobile="+8613800001111")
    waiting = UserFactory(real_name="李四")
    outsider = UserFactory(real_name="李五")
    category = event.categories.get()
    r_ming = registration_create(event=event, category=category, rider=ming)[0]
    registration_create(event=event, category=category, rider=hong)
    registration_create(event=event, category=category, rider=waiting)  # waitlisted
    registration_create(event=other, category=other.categories.get(), rider=outsider)
    client.force_login(organizer)
    url = f"/events/{event.slug}/checkin/"
    by_name = client.get(url, {"find": "李"}).content.decode()
    assert "李明" in by_name and "李四" not in by_name and "李五" not in by_name and "王红" not in by_name
    assert "王红" in client.get(url, {"find": "1111"}).content.decode()
    assert "李明" in client.get(url, {"find": str(r_ming.bib)}).content.decode()
    assert "13912345678" not in by_name  # only the last four digits are shown
    page = client.post(url + "?find=李", {"registration": r_ming.pk}).content.decode()
    assert 'data-outcome="checked_in"' in page
    assert Registration.objects.get(pk=r_ming.pk).checked_in_at is not None
    assert 'data-outcome="invalid"' in client.post(url, {"registration": "abc"}).content.decode()
