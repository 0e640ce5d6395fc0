"""Issue 27: CSV exports are streamed: the bytes go out a few hundred rows at a time and the rows
are read from the database 500 at a time, so memory stays flat in the number of riders."""

import json
import tracemalloc

import pytest
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.utils import timezone

from accounts.models import User
from core.csv import csv_bytes, csv_response
from events.models import Registration


def _peak(consume) -> int:
    tracemalloc.start()
    try:
        consume()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _rows(count: int):
    return ([i, "李" * 8, "+86139" + f"{i:08d}", "一段比较长的回答" * 4] for i in range(count))


def test_a_streamed_csv_holds_a_batch_not_the_file():
    header = ["#", "名字", "手机", "回答"]
    streamed = _peak(lambda: sum(len(chunk) for chunk in csv_response("x", header, _rows(50_000)).streaming_content))
    built = _peak(lambda: csv_bytes(header, _rows(50_000)))  # the old way, as a control
    size = len(csv_bytes(header, _rows(50_000)))
    assert size > 5_000_000
    assert streamed < 300_000 < size < built, (streamed, size, built)
    assert b"".join(csv_response("x", header, _rows(1000)).streaming_content) == csv_bytes(header, _rows(1000))


def _riders(event, count: int, start: int) -> None:
    password = make_password(None)
    users = User.objects.bulk_create(User(username=f"bulk{start + i}", display_name=f"骑手{start + i}",
                                          real_name=f"王{start + i}", mobile=f"+86138{start + i:08d}",
                                          password=password) for i in range(count))
    category, now = event.categories.get(), timezone.now()
    Registration.objects.bulk_create(Registration(event=event, category=category, rider=user, status="confirmed",
                                                  queued_at=now, confirmed_at=now) for user in users)


@pytest.mark.django_db
def test_the_roster_csv_of_a_large_event_streams_in_flat_memory(make_event, organizer):
    event = make_event(capacity=10_000)
    client = Client()
    client.force_login(organizer)

    def download() -> tuple[int, int]:
        rows = 0

        def consume():
            nonlocal rows
            answer = client.get(f"/events/{event.slug}/export/roster.csv")
            assert answer.status_code == 200 and answer.streaming
            rows = sum(chunk.count(b"\n") for chunk in answer.streaming_content) - 1
        return _peak(consume), rows

    download()  # the first request of the process imports and compiles: not what is measured
    _riders(event, 600, 0)
    small, counted = download()
    assert counted == 600
    _riders(event, 1800, 600)
    large, counted = download()
    assert counted == 2400
    # 4x the riders, about the same peak: one batch of 500 rows at a time (the old export held every
    # row's objects and the whole file: 29 MB for 5,000)
    # measured: 1.45 MB -> 2.29 MB streamed; 3.0 MB -> 12.0 MB with the rows all read at once
    assert large < small * 2, (small, large)


def _chips(event, start: int, count: int) -> None:
    from events.models import ChipTag

    now = timezone.now()
    seats = Registration.objects.filter(event=event, rider__username__in=[f"bulk{start + i}" for i in range(count)])
    ChipTag.objects.bulk_create(ChipTag(event=event, registration=r, tag=f"E2{r.pk:08d}{n}", created_at=now)
                                for r in seats for n in (2, 1))


@pytest.mark.django_db
def test_the_checkin_csv_streams_in_flat_memory_with_each_riders_chips(make_event, organizer):
    """The check-in CSV read the chips by prefetch_related, which ties each chip and its registration
    in a reference cycle: 8.7 MB at 1,000 riders, 24.4 MB at 5,000 (bench/organizer_pages.py)."""
    event = make_event(capacity=10_000)
    client = Client()
    client.force_login(organizer)

    def get():
        answer = client.get(f"/events/{event.slug}/export/checkin.csv")
        assert answer.status_code == 200 and answer.streaming
        return answer

    def peak() -> int:
        return _peak(lambda: sum(chunk.count(b"\n") for chunk in get().streaming_content))

    peak()  # the first request of the process imports and compiles: not what is measured
    _riders(event, 600, 0)
    _chips(event, 0, 600)
    small = peak()
    _riders(event, 1800, 600)
    _chips(event, 600, 1800)
    large = peak()
    lines = b"".join(get().streaming_content).decode("utf-8-sig").splitlines()[1:]
    tags = {r.pk: f"E2{r.pk:08d}1 E2{r.pk:08d}2" for r in Registration.objects.filter(event=event)}
    assert len(lines) == 2400
    assert sorted(line.split(",")[4] for line in lines) == sorted(tags.values())  # every rider's, once
    # measured: 3.8 MB -> 6.3 MB (a batch of 500 rows and their tags at most: 6.4 MB at 5,000 too);
    # 5.8 MB -> 22.1 MB with prefetch_related
    assert large < small * 2, (small, large)


@pytest.mark.django_db
def test_chip_tags_are_read_a_batch_at_a_time_and_none_is_lost_at_a_batch_edge(make_event, django_assert_num_queries):
    from events.selectors.raceday import with_chip_tags

    event = make_event(capacity=10)
    _riders(event, 5, 0)
    _chips(event, 0, 3)  # two riders without chips
    rows = Registration.objects.filter(event=event).order_by("pk")
    with django_assert_num_queries(1 + 3):  # the registrations (one cursor), then a query a batch of two
        got = [(r.pk, tags) for r, tags in with_chip_tags(rows, batch=2)]
    expected = [(r.pk, f"E2{r.pk:08d}1 E2{r.pk:08d}2" if r.rider.username in ("bulk0", "bulk1", "bulk2") else "")
                for r in rows.select_related("rider")]
    assert got == expected


@pytest.mark.django_db
def test_every_event_csv_reads_its_rows_a_batch_at_a_time(make_event, organizer, monkeypatch):
    """Each of an event's CSVs streams from a query read 500 rows at a time (QuerySet.iterator), never
    from a list of every row: the roster, insurance and check-in sheets, the pick-up list, and
    payments' ledger, order lines and fapiao requests (these four were built as lists)."""
    from tests.helpers import batched_reads

    batches = batched_reads(monkeypatch)
    event = make_event(capacity=10)
    client = Client()
    client.force_login(organizer)
    for url in [f"/events/{event.slug}/export/{kind}.csv" for kind in ("roster", "insurance", "checkin")] + [
            f"/events/{event.slug}/extras/pickup.csv", f"/payments/events/{event.slug}/finance.csv",
            f"/payments/events/{event.slug}/order-lines.csv", f"/payments/events/{event.slug}/fapiao.csv"]:
        batches.clear()
        answer = client.get(url)
        assert answer.status_code == 200 and answer.streaming, url
        b"".join(answer.streaming_content)
        assert batches and set(batches) == {500}, (url, batches)


def _kit(event, start: int, count: int) -> None:
    from events.models import AddOn, AddOnVariant, EntryItem

    jersey = AddOn.objects.create(event=event, name="骑行服", name_en="Jersey", price_fen=100) if start == 0 else \
        AddOn.objects.get(event=event)
    size = AddOnVariant.objects.get_or_create(addon=jersey, label="L", defaults={"stock": 10_000})[0]
    EntryItem.objects.bulk_create(EntryItem(registration=r, addon=jersey, variant=size, price_fen=100)
                                  for r in Registration.objects.filter(
                                      event=event, rider__username__in=[f"bulk{start + i}" for i in range(count)]))


def _device_list(client, event, user):
    from rest_framework.authtoken.models import Token

    key = Token.objects.get_or_create(user=user)[0].key
    answer = client.get(f"/api/v1/events/{event.slug}/checkins/start-list/", HTTP_AUTHORIZATION=f"Token {key}")
    assert answer.status_code == 200 and answer.streaming and answer["Content-Type"] == "application/json"
    return answer


@pytest.mark.django_db
def test_the_device_start_list_streams_in_flat_memory_with_each_riders_chips_and_kit(make_event, organizer):
    """A check-in device downloads the whole list of a race for the mountains (no signal there): it
    was built at once, 65 MB at its peak for 5,000 riders; it is streamed now, 500 entries at a time,
    in order, each with its chips and kit (the entries as the serializer gives them: the test below)."""
    event = make_event(capacity=10_000)
    client = Client()

    def peak() -> int:
        return _peak(lambda: sum(len(chunk) for chunk in _device_list(client, event, organizer).streaming_content))

    peak()  # the first request of the process imports and compiles: not what is measured
    _riders(event, 500, 0)
    _chips(event, 0, 500)
    _kit(event, 0, 500)
    small = peak()
    _riders(event, 1000, 500)
    _chips(event, 500, 1000)
    _kit(event, 500, 1000)
    large = peak()
    got = json.loads(b"".join(_device_list(client, event, organizer).streaming_content))
    entries = got["entries"]
    assert [e["registration"] for e in entries] == list(
        Registration.objects.filter(event=event).order_by("pk").values_list("pk", flat=True))
    assert len(entries) == 1500 and got["full"] is True and set(got) == {"cursor", "full", "entries"}
    assert all(e["chips"] == [f"E2{e['registration']:08d}1", f"E2{e['registration']:08d}2"] for e in entries)
    assert all(e["kit"] == ["骑行服 L"] for e in entries)
    # 3x the riders, about the same peak (a batch of 500 entries with their chips and kit at most):
    # measured 6.7 MB -> 7.0 MB; 7.4 MB -> 18.5 MB streamed but with each batch's chips and items left
    # to the collector
    assert large < small * 2, (small, large)


@pytest.mark.django_db
def test_the_device_list_reads_a_batch_at_a_time_with_a_fixed_number_of_queries(make_event, django_assert_num_queries):
    from events.selectors.raceday import device_start_list
    from events.serializers import DeviceEntry, device_entries

    event = make_event(capacity=10)
    _riders(event, 5, 0)
    _chips(event, 0, 3)
    _kit(event, 0, 4)
    listing = device_start_list(event=event)
    entry = DeviceEntry(context={"id_questions": []})
    expected = [entry.to_representation(r) for r in Registration.objects.filter(event=event).order_by("pk")]
    # the registrations (one cursor), then for each batch of two: its chips, its items, their add-ons
    # and variants; the last batch (one rider with neither) its chips and items only
    with django_assert_num_queries(1 + 2 * 4 + 2):
        got = list(device_entries(listing, batch=2))
    assert got == expected and [e["kit"] for e in got] == [["骑行服 L"]] * 4 + [[]]
    # the streamed answer is what the serializer answers at once
    from rest_framework.authtoken.models import Token

    from events.serializers import DeviceListOutput

    key = Token.objects.create(user=event.organizers.first()).key
    answer = Client().get(f"/api/v1/events/{event.slug}/checkins/start-list/", HTTP_AUTHORIZATION=f"Token {key}")
    assert json.loads(b"".join(answer.streaming_content)) == DeviceListOutput(device_start_list(event=event)).data
