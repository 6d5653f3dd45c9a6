"""Numbers and dates as curators write them."""

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.factbase.columns import amount_column
from dashboard.factbase.values import (
    PLAIN_NUMBER,
    ValueError_,
    currency,
    currency_of,
    interval,
    intervals,
    is_currency,
    parse_amount,
    parse_date,
)


@pytest.mark.parametrize(
    "raw, value, currency",
    [
        (500_000_000, 5e8, None),
        (3.85e9, 3.85e9, None),
        ("$500 million", 5e8, "USD"),
        ("3.85 billion", 3.85e9, None),
        ("66bn", 66e9, None),
        ("1,200", 1200, None),
        ("500_000_000", 5e8, None),
        ("€2 billion", 2e9, "EUR"),
        ("US$ 62 billion", 62e9, "USD"),
        ("500m", 5e8, None),
        ("1.2 thousand", 1200, None),
        ("988 million USD", 988e6, "USD"),
        ("1,490,000", 1_490_000, None),
    ],
)
def test_amounts_curators_write(raw, value, currency):
    assert parse_amount(raw) == (pytest.approx(value), currency)


@pytest.mark.parametrize(
    "raw, value, currency_code",
    [
        ("₴2.5 billion", 2.5e9, "UAH"),
        ("2.5 billion UAH", 2.5e9, "UAH"),
        ("rub 3 million", 3e6, "RUB"),
        ("500 million dollars", 5e8, "USD"),
        ("500 euros", 500, "EUR"),
        ("£2.5m", 2.5e6, "GBP"),
        ("us$ 5", 5, "USD"),
    ],
)
def test_currencies_curators_write(raw, value, currency_code):
    assert parse_amount(raw) == (pytest.approx(value), currency_code)


@pytest.mark.parametrize("raw", ["500 pounds", "500 CHF", "CHF 500", "500 hryvnias"])
def test_currencies_a_fact_file_may_not_write_around_a_figure(raw):
    # Only the fact-file forms: news prose reads more (curation.prose), and a CHF metric takes plain numbers.
    with pytest.raises(ValueError_, match="is not a number"):
        parse_amount(raw)


def test_one_currency_table_names_and_codes():
    assert [currency_of(name) for name in ("$", "US$", "usd", "dollars", "dólares", "€", "£", "₴", "RUB")] == [
        "USD",
        "USD",
        "USD",
        "USD",
        "USD",
        "EUR",
        "GBP",
        "UAH",
        "RUB",
    ]
    assert currency_of("CHF") is None  # a metric's unit, not read around figures
    assert is_currency("chf") and currency("chf").code == "CHF" and currency("people") is None
    assert (currency("USD").sign, currency("UAH").sign) == ("$", None)


@pytest.mark.parametrize(
    "raw, words",
    [
        ("about 1,200", "qualifier: approximately"),
        ("over $66 billion", "qualifier: more_than"),
        ("12,00", "misplaced thousands separators"),
        ("lots", "is not a number"),
        (True, "expected a number"),
        (float("inf"), "finite"),
        (1e19, "too large"),
        ([1], "expected a number or a string"),
    ],
)
def test_amounts_that_are_not_numbers(raw, words):
    with pytest.raises(ValueError_, match=words.replace("$", r"\$")):
        parse_amount(raw)


@pytest.mark.parametrize(
    "raw, precision, start, end",
    [
        ("2025-01-09", "day", "2025-01-09", "2025-01-09"),
        ("2025-01", "month", "2025-01-01", "2025-01-31"),
        ("2024-02", "month", "2024-02-01", "2024-02-29"),
        ("2025", "year", "2025-01-01", "2025-12-31"),
        (2025, "year", "2025-01-01", "2025-12-31"),
    ],
)
def test_dates_keep_their_precision(raw, precision, start, end):
    date = parse_date(raw)
    assert (date.precision, date.start, date.end, date.text) == (precision, start, end, str(raw))


@pytest.mark.parametrize("raw", ["2025-13-01", "2025-02-30", "25-01-09", "2025/01/09", "1850", "", None, 3.5])
def test_bad_dates(raw):
    with pytest.raises(ValueError_):
        parse_date(raw)


@pytest.mark.parametrize(
    "qualifier, value, low, high, expected",
    [
        ("exact", 4000, math.nan, math.nan, (4000, 4000)),
        ("approximately", 1200, math.nan, math.nan, (1080, 1320)),
        ("at_least", 66e9, math.nan, math.nan, (66e9, math.inf)),
        ("more_than", math.nan, 100, math.nan, (100, math.inf)),
        ("at_most", 50, math.nan, math.nan, (0, 50)),
        ("exact", math.nan, 73200, 92800, (73200, 92800)),
        ("exact", 83000, 73200, 92800, (73200, 92800)),
    ],
)
def test_interval_honours_the_qualifier(qualifier, value, low, high, expected):
    assert interval(qualifier, value, low, high) == pytest.approx(expected)
    lows, highs = intervals([qualifier], [value], [low], [high])
    assert (lows[0], highs[0]) == pytest.approx(expected)


def test_about_1200_and_4000_do_not_overlap_but_38_and_385_do():
    _, high_about = interval("approximately", 1200, math.nan, math.nan)
    assert high_about < 4000
    low_38, high_38 = interval("approximately", 3.8e9, math.nan, math.nan)
    assert low_38 <= 3.85e9 <= high_38


@settings(max_examples=500, deadline=None)
@given(
    st.from_regex(PLAIN_NUMBER, fullmatch=True)
    | st.from_regex(r"[0-9]{1,25}(,[0-9]{3})?(\.[0-9]{1,3})?", fullmatch=True)
)
def test_plain_numbers_read_in_one_go_are_what_parse_amount_reads(text):
    """Whole columns of plain decimals are cast by Arrow (columns.amount_column); each must be the
    number parse_amount reads, and a text parse_amount refuses must be refused with its words."""
    numbers, _, errors = amount_column(pd.Series([text, "$1 million"], dtype="str"))
    try:
        expected = parse_amount(text)[0]
    except ValueError_ as err:
        assert errors.get(0) == str(err)
        return
    assert 0 not in errors and numbers[0] == expected and numbers[1] == 1e6
