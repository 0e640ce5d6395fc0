"""Issue 27: CSV exports are streamed: the bytes go out a few hundred rows at a time and the rows
are read from the database 500 at a time, so memory stays flat in the number of riders."""

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
