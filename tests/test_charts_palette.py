"""Claimant colours: colour-blind-safe, readable on light and dark pages, stable across charts."""

import itertools

from charts import compare_figure
from charts.palette import (
    DARK_PAGE,
    LIGHT_PAGE,
    MIN_CONTRAST,
    MIN_DISTANCE,
    OKABE_ITO,
    PALETTE,
    STAGE_COLORS,
    STAGE_PATTERNS,
    STAGES,
    claimant_colors,
    color_for,
    contrast,
    distance,
    marker_symbol,
)

from .chart_frames import facts


def test_palette_starts_with_okabe_ito_and_reads_on_both_themes():
    assert PALETTE[:6] == tuple(c for c in OKABE_ITO if c not in ("#F0E442", "#000000"))
    for color in PALETTE:
        assert contrast(color, LIGHT_PAGE) >= MIN_CONTRAST, color
        assert contrast(color, DARK_PAGE) >= MIN_CONTRAST, color
    for a, b in itertools.combinations(PALETTE, 2):
        assert distance(a, b) >= MIN_DISTANCE, (a, b)
    assert len(PALETTE) >= 10


def test_colours_are_assigned_from_the_universe_not_from_the_chart():
    universe = ["zelenskyy", "us-officials", "csis", "uk-mod"]
    colors = claimant_colors(universe)
    assert colors == claimant_colors(list(reversed(universe)))
    assert len(set(colors.values())) == len(universe)

    def marker_color(fig, name):
        return next(t.marker.color for t in fig.data if t.name == name and t.type == "scatter")

    shown_with_a = compare_figure(
        facts({"claimant": "csis", "value": 1}, {"claimant": "uk-mod", "value": 2}), colors=colors
    )
    shown_with_b = compare_figure(
        facts({"claimant": "zelenskyy", "value": 1}, {"claimant": "uk-mod", "value": 2}), colors=colors
    )
    assert (
        marker_color(shown_with_a, "Claimant uk-mod")
        == marker_color(shown_with_b, "Claimant uk-mod")
        == colors["uk-mod"]
    )


def test_the_most_frequent_claimants_get_the_first_colours():
    colors = claimant_colors(["b", "a", "b", "c", "b", "a"])
    assert colors == {"b": PALETTE[0], "a": PALETTE[1], "c": PALETTE[2]}
    many = claimant_colors([f"c{i:02d}" for i in range(len(PALETTE) + 2)])
    assert many["c00"] == many[f"c{len(PALETTE):02d}"]  # beyond the palette colours repeat


def test_fallback_colour_is_deterministic_and_from_the_palette():
    assert color_for("nato") == color_for("nato") == color_for("nato", {"other": "#123456"})
    assert color_for("nato") in PALETTE
    assert color_for("nato", {"nato": "#123456"}) == "#123456"
    assert len({color_for(f"claimant-{i}") for i in range(50)}) > 3


def test_parties_and_third_parties_differ_by_shape():
    assert marker_symbol(True) == "diamond" and marker_symbol(False) == "circle"
    assert marker_symbol(True, about=True) == "diamond-open"


def test_every_stage_has_a_colour_and_promises_are_hatched():
    assert set(STAGES) <= set(STAGE_COLORS) and set(STAGES) <= set(STAGE_PATTERNS)
    assert len({STAGE_COLORS[s] for s in STAGES}) == len(STAGES)
    assert STAGE_PATTERNS["announced"] and not STAGE_PATTERNS["delivered"]
