"""Money in integer fen (issue 22): one module converts yuan typed by people or sent to the API into
fen and back; categories, entry codes and club dues store fen."""

from decimal import Decimal

import pytest

from core import money
from core.money import YuanField


@pytest.mark.parametrize(("typed", "fen"), [("120", 12000), ("120.5", 12050), (Decimal("0.01"), 1), (0, 0),
                                            ("99.99", 9999)])
def test_yuan_typed_becomes_integer_fen(typed, fen):
    assert money.fen(typed) == fen and isinstance(money.fen(typed), int)


def test_a_fraction_of_a_fen_is_refused():
    with pytest.raises(ValueError, match="two decimals"):
        money.fen("0.001")


@pytest.mark.parametrize(("fen", "shown", "two"), [(12000, "120", "120.00"), (12050, "120.50", "120.50"),
                                                   (5, "0.05", "0.05"), (-1250, "-12.50", "-12.50")])
def test_fen_is_shown_as_yuan(fen, shown, two):
    assert money.yuan(fen) == shown and money.yuan2(fen) == two


def test_the_yuan_field_cleans_to_fen_and_shows_fen_as_yuan():
    field = YuanField(required=False)
    assert field.clean("88.8") == 8880 and field.clean("") is None
    assert field.prepare_value(8880) == Decimal("88.80")
    with pytest.raises(Exception, match="2"):
        field.clean("1.234")


def test_prices_are_stored_in_fen_and_the_api_shows_both(client, make_event, organizer):
    from clubs.services import club_create
    from events.forms import CategorySettingsForm
    from events.services import entry_codes_create

    event = make_event(categories=[{"name": "100公里", "capacity": 3, "fee_cny": Decimal("120.50")}])
    category = event.categories.get()
    assert category.fee_fen == 12050
    data = client.get(f"/api/v1/events/{event.slug}/").json()
    assert data["categories"][0]["fee_fen"] == 12050 and data["categories"][0]["fee_cny"] == "120.50"
    form = CategorySettingsForm(instance=category)
    assert 'value="120.50"' in str(form["fee_cny"])
    [code] = entry_codes_create(event=event, category=category, count=1, price_fen=6000)
    assert code.price_fen == 6000
    assert club_create(name="会费俱乐部", founder=organizer, dues_cny="200").dues_fen == 20000
