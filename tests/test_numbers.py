"""Figures in prose: finding them in quotes (how the dashboard writes them is tests/test_wording.py)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.curation.prose import amounts_in, quote_states, written_forms
from dashboard.factbase.wording import format_number


@pytest.mark.parametrize(
    "quote, value, unit",
    [
        ("The U.S. estimates North Korean casualties at around 1,200", 1200, "people"),
        ("while Zelenskyy claimed 4,000", 4000, "people"),
        ("killed 4000 soldiers", 4000, "people"),
        ("4 000 soldiers", 4000, "people"),
        ("some 1.2 thousand troops", 1200, "people"),
        ("The U.S. has allocated approximately $3.85 billion", 3.85e9, "USD"),
        ("providing over $66 billion in aid since February 2022", 66e9, "USD"),
        ("a final $500 million military aid package", 500e6, "USD"),
        ("a $500m package", 500e6, "USD"),
        ("USD 500 million", 500e6, "USD"),
        ("half a billion dollars", 500e6, "USD"),
        ("ha aportado un total de 122 mil millones de dólares", 122e9, "USD"),
        ("Zelenskyy announces additional $ 2 bn in aid", 2e9, "USD"),
        ("The UDCG comprises 57 countries.", 57, "countries"),
        ("losses of 1.200 (European separators)", 1200, "people"),
        ("between 10,000 and 20,000 killed", 20_000, "people"),
    ],
)
def test_quotes_that_state_the_figure(quote, value, unit):
    assert quote_states(quote, value, unit)


@pytest.mark.parametrize(
    "quote, value, unit",
    [
        ("a $500 million package", 500, "USD"),  # the scale word is part of the figure
        ("4,000,000 people", 4000, "people"),
        ("an additional €500 million", 500e6, "USD"),  # another currency
        ("4,000 euros", 4000, "people"),
        ("a 50% rise", 50, "people"),
        ("the G7 met", 7, "countries"),
        ("1,200 soldiers", 120, "people"),
        ("in 2024, 500 people", 2024500, "people"),
        ("no figure here", 4000, "people"),
        (None, 4000, "people"),
    ],
)
def test_quotes_that_do_not(quote, value, unit):
    assert not quote_states(quote, value, unit)


def test_amounts_in_text_keep_every_reading_and_the_currency():
    found = amounts_in("casualties at around 1,200 and $3.85bn spent")
    assert [a.text for a in found] == ["1,200", "$3.85bn"]
    assert found[0].values == (1.2, 1200.0) and found[0].currency is None
    assert found[1].values == (pytest.approx(3.85e9),) and found[1].currency == "USD"


@pytest.mark.parametrize(
    "value, unit",
    [
        (4000, "people"),
        (1200, None),
        (500e6, "USD"),
        (3.85e9, "USD"),
        (988e6, "USD"),
        (2500, "EUR"),
        (1.2e6, "people"),
        (178681.5, None),
        (2.5e9, "UAH"),
    ],
)
def test_every_written_form_is_recognised(value, unit):
    forms = written_forms(value, unit)
    assert format_number(value, unit) in forms or value == 1.2e6
    for form in forms:
        assert quote_states(f"they said {form}, then left", value, unit), form


def test_written_forms_cover_the_usual_ones():
    assert {"4,000", "4000", "4 thousand", "4k"} <= written_forms(4000, "people")
    assert {"$500 million", "$500m", "500 million USD", "$0.5 billion"} <= written_forms(500e6, "USD")
    assert "$3.8 billion" not in written_forms(3.85e9, "USD")


_TOKENS = st.sampled_from(
    [
        "4,000",
        "4000",
        "4",
        "000",
        "4 000",
        "4'000",
        "1.2",
        "$",
        "US$",
        "USD",
        "€",
        " ",
        "million",
        "billion",
        "bn",
        "m",
        "k",
        "%",
        " %",
        "dollars",
        "euros",
        ".",
        ",",
        "(",
        ")",
        "about",
        "1,200",
        "3.85",
        "500",
        "de",
        "mil",
        "4.000",
        "12",
        "-",
        "'",
        "\u00a0",
        "thousand",
        "half a",
        "people",
        "G7",
        "x",
    ]
)


@settings(max_examples=3000, suppress_health_check=list(HealthCheck), deadline=None)
@given(
    st.lists(_TOKENS, max_size=8).map("".join),
    st.sampled_from([4000.0, 4.0, 1200.0, 1.2, 500.0, 5e8, 3.85e9, 4e6, 4e9, 12.0, 1e3]),
    st.sampled_from([None, "people", "USD", "EUR"]),
)
def test_the_quick_look_never_says_yes_where_the_full_reading_says_no(quote, value, unit):
    # quote_states first looks for the usual forms with str.find, for speed; that shortcut is only
    # safe if everything it accepts, the regex reading accepts too.
    from dashboard.curation.prose import _money_code, _plainly_states, _reads_as

    code = _money_code(unit)
    if _plainly_states(quote, value, code):
        assert _reads_as(quote, value, code)
