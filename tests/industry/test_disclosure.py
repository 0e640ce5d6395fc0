"""Issue 16: complementary suppression. For every published table, solving for each hidden count
from the published counts and totals (a linear programme) gives a range wider than 5, never a value."""

import datetime

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from industry import disclosure


def _ranges_ok(cells, published):
    ranges = disclosure.feasible_ranges(cells, published)
    return all(hi - lo > disclosure.WIDTH for _name, lo, hi in ranges)


def test_one_hidden_count_in_a_list_hides_a_second():
    published = disclosure.protect([[120, 3, 40, 57]], with_columns=False)
    assert published.cells[0][1] is None and sum(v is None for v in published.cells[0]) == 2
    assert published.total == 220
    assert _ranges_ok([[120, 3, 40, 57]], published)


def test_two_small_hidden_counts_adding_to_5_or_less_are_not_enough():
    cells = [[2, 3, 60, 70]]
    published = disclosure.protect(cells, with_columns=False)
    assert published.cells[0][:2] == [None, None] and published.cells[0][2] is None  # 2 + 3 = 5: one more
    assert _ranges_ok(cells, published)


def test_a_two_way_table_with_margins():
    cells = [[30, 2, 15], [12, 40, 7], [3, 25, 33]]
    published = disclosure.protect(cells)
    hidden = [(i, j) for i in range(3) for j in range(3) if published.cells[i][j] is None]
    assert (0, 1) in hidden and (2, 0) in hidden
    assert all(sum(1 for (i, _j) in hidden if i == row) != 1 for row in range(3))
    assert _ranges_ok(cells, published)


def test_small_totals_are_hidden_too():
    cells = [[1, 2, 0], [30, 40, 50]]
    published = disclosure.protect(cells)
    assert published.row_totals[0] is None
    assert _ranges_ok(cells, published)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.integers(0, 60), min_size=3, max_size=5), min_size=2, max_size=6).filter(
    lambda rows: len({len(r) for r in rows}) == 1 and sum(map(sum, rows)) >= 5))
def test_any_table_leaves_every_hidden_count_a_range_wider_than_5(cells):
    published = disclosure.protect(cells)
    shown = [v for row in published.cells for v in row]
    assert all(v is None for v, c in zip(shown, [c for row in cells for c in row]) if c < 5)
    assert _ranges_ok(cells, published)


def test_every_table_on_the_public_page_is_protected(client, make_event, published_route):
    """The published summary itself: every one-way table (its total is the participants count) and the
    county-by-kind table."""
    from accounts.models import HomeArea, User
    from events.models import Event, Registration
    from industry.models import EventStat
    from industry.selectors import district_participation, public_summary
    from industry.stats import stats_compute_all

    rng = np.random.default_rng(16)
    areas = [HomeArea.XIANGDU, HomeArea.XINDU, HomeArea.PINGXIANG, HomeArea.GUANGZONG, HomeArea.OTHER]
    for kind, riders in ((Event.Kind.RACE, 40), (Event.Kind.CLUB_RIDE, 9), (Event.Kind.CHALLENGE, 23)):
        extra = {"challenge_routes": [published_route]} if kind == Event.Kind.CHALLENGE else {}
        event = make_event(kind=kind, capacity=100, **extra)
        category = event.categories.first()
        for n in range(riders):
            user = User.objects.create(username=f"u{kind}{n}", gender=rng.choice(["male", "female"]),
                                       home_area=areas[int(rng.integers(0, len(areas)))] if n % 7 else "other",
                                       date_of_birth=datetime.date(1980 + int(rng.integers(0, 30)), 5, 5))
            if user.home_area == HomeArea.OTHER:
                user.home_area_other = "石家庄"
                user.save()
            Registration.objects.create(event=event, category=category, rider=user, status="confirmed",
                                        queued_at=event.starts_at, bib=n + 1)
    stats_compute_all()
    assert EventStat.objects.filter(dimension="district").exists()
    data = public_summary()
    total = sum(n for n in [m["participants"] for m in data["monthly"]] if n is not None)
    assert total >= 0
    for key in ("locality", "gender", "age_band", "brand_origin"):
        raw = [[n for _b, n in _raw(key)]]
        published = disclosure.Protected([[n for _b, n in data[key]]], [sum(raw[0])], None, sum(raw[0]))
        assert _ranges_ok(raw, published), key
    table = district_participation()
    raw = _raw_districts(table)
    assert _ranges_ok(raw, table.published)
    assert {"race", "club_ride", "challenge"} <= set(table.kinds)
    page = client.get("/insights/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="districts"' in page and "Anytime challenge" in page and "Club ride" in page


def _raw(dimension):
    from industry.selectors import dimension_totals

    return dimension_totals(dimension=dimension)


def _raw_districts(table):
    from industry.models import EventStat

    counts = {}
    for row in EventStat.objects.filter(dimension="district").select_related("event"):
        key = (row.bucket, row.event.kind)
        counts[key] = counts.get(key, 0) + row.confirmed
    return [[counts.get((d, k), 0) for k in table.kinds] for d in table.districts]
