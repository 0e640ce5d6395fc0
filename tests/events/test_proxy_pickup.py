"""Issue 28: a rider names someone to pick the kit up (Chinese races hand kits only to the rider or
a person the rider authorised, against that person's ID card). The helpers' start list shows the
name and the mobile's last 4; the authorisation goes with a transfer, with the rider's account and,
after the event, with the ID numbers."""

import datetime

from django.utils import timezone

from events.models import Event, Registration
from events.personal_data import erase
from events.selectors.raceday import device_start_list
from events.serializers import DeviceEntry
from events.services import (
    national_ids_erase,
    registration_create,
    registration_proxy_set,
    registration_transfer,
    transfer_accept,
)


def _named(client, registration, **data):
    return client.post(f"/events/registrations/{registration.pk}/", {"action": "proxy", **data}, follow=True,
                       HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_the_rider_names_someone_and_the_helpers_see_them(client, make_event, riders):
    event = make_event()
    seat = registration_create(event=event, category=event.categories.get(), rider=riders[0])[0]
    client.force_login(riders[0])
    page = _named(client, seat, name="王 五", mobile="139 1234 5678")
    assert "王 五 may pick up" not in page.content.decode() and "王 五可凭本人身份证" in page.content.decode()
    seat.refresh_from_db()
    assert (seat.proxy_name, seat.proxy_mobile) == ("王 五", "+8613912345678")
    entry = DeviceEntry().to_representation(device_start_list(event=event).entries[0])
    assert (entry["proxy_name"], entry["proxy_phone_last4"]) == ("王 五", "5678")
    assert "proxy-current" in client.get(f"/events/registrations/{seat.pk}/").content.decode()
    _named(client, seat, name="x", mobile="x", clear="1")  # nobody but the rider
    seat.refresh_from_db()
    assert (seat.proxy_name, seat.proxy_mobile) == ("", "")


def test_bad_details_are_refused_in_the_riders_language_and_change_nothing(client, make_event, riders):
    event = make_event(capacity=1)
    seat, waiting = (registration_create(event=event, category=event.categories.get(), rider=r)[0]
                     for r in riders[:2])
    client.force_login(riders[0])
    assert "手机号" in _named(client, seat, name="王五", mobile="12345").content.decode()
    assert "姓名" in _named(client, seat, name="", mobile="13912345678").content.decode()
    seat.refresh_from_db()
    assert (seat.proxy_name, seat.proxy_mobile) == ("", "")
    client.force_login(riders[1])
    page = _named(client, waiting, name="王五", mobile="13912345678")
    assert page.status_code == 200 and "只有已确认的报名" in page.content.decode()
    assert Registration.objects.get(pk=waiting.pk).proxy_name == ""


def test_the_authorisation_goes_with_a_transfer_an_account_and_the_retention(make_event, riders, settings):
    event = make_event(transfer_deadline=timezone.now() + datetime.timedelta(days=5))
    category = event.categories.get()
    moved, deleted, ended = (registration_create(event=event, category=category, rider=r)[0] for r in riders[:3])
    for seat in (moved, deleted, ended):
        registration_proxy_set(registration=seat, name="王五", mobile="13912345678")
    transfer_accept(offer=registration_transfer(registration=moved, to_rider=riders[3]), rider=riders[3])
    erase(riders[1])
    assert list(Registration.objects.filter(pk__in=[moved.pk, deleted.pk]).values_list("proxy_name", flat=True)) == [
        "", ""]
    assert Registration.objects.get(pk=ended.pk).proxy_name == "王五"
    settings.NATIONAL_ID_RETENTION_DAYS = 30
    now = timezone.now()
    Event.objects.filter(pk=event.pk).update(starts_at=now - datetime.timedelta(days=32),
                                             ends_at=now - datetime.timedelta(days=31))
    national_ids_erase()
    assert Registration.objects.get(pk=ended.pk).proxy_mobile == ""
