"""Colours and marker symbols: a colour-blind-safe claimant palette assigned stably, and fixed stage colours."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping

# Okabe & Ito (2008), then Paul Tol's muted and light schemes. Colours that do not reach a 2:1
# contrast against both a white and a near-black page are left out (Okabe-Ito black and yellow,
# Tol's indigo, sand, pale blue, ...): figures have transparent backgrounds and must read on
# Streamlit's light and dark themes alike.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")
TOL_MUTED = ("#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99", "#999933", "#AA4499")
TOL_LIGHT = ("#77AADD", "#EE8866", "#EEDD88", "#FFAABB", "#99DDFF", "#44BB99", "#BBCC33", "#AAAA00", "#DDDDDD")
LIGHT_PAGE, DARK_PAGE = "#FFFFFF", "#0E1117"  # Streamlit's light and dark backgrounds
MIN_CONTRAST = 2.0

NEUTRAL = "#8C8C8C"  # legend keys, event lines: mid grey reads on both themes
GRID = "rgba(128, 128, 128, 0.25)"

# Aid stages, from promise to payment. Hatching marks the stages that are not yet money moved,
# so the stages differ by pattern as well as by colour.
STAGES = ("announced", "committed", "allocated", "delivered", "disbursed")
STAGE_COLORS = {"announced": "#33BBEE", "committed": "#009988", "allocated": "#EE7733",
                "delivered": "#0077BB", "disbursed": "#EE3377", "unspecified": NEUTRAL}
STAGE_PATTERNS = {"announced": "/", "committed": "\\", "allocated": ".", "delivered": "", "disbursed": "",
                  "unspecified": "x"}

# Parties to the conflict and third parties differ by marker shape (never by colour alone);
# "about" figures use the hollow variant of the same shape.
PARTY_SYMBOL, THIRD_PARTY_SYMBOL = "diamond", "circle"


def relative_luminance(color: str) -> float:
    channels = [int(color.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio between two #RRGGBB colours (1 to 21)."""
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


PALETTE = tuple(c for c in OKABE_ITO + TOL_MUTED + TOL_LIGHT
                if min(contrast(c, LIGHT_PAGE), contrast(c, DARK_PAGE)) >= MIN_CONTRAST)


def claimant_colors(claimant_ids: Iterable[str]) -> dict[str, str]:
    """Colour for every claimant of the universe, assigned in sorted id order.

    Pass all claimant ids of the fact base (not only those on one chart), so that a claimant
    keeps its colour on every chart. Beyond len(PALETTE) claimants colours repeat; shapes,
    names and hover text still tell them apart.
    """
    ids = sorted({str(c) for c in claimant_ids if isinstance(c, str)})
    return {claimant: PALETTE[i % len(PALETTE)] for i, claimant in enumerate(ids)}


def color_for(claimant: object, colors: Mapping[str, str] | None = None) -> str:
    """The claimant's colour from `colors`, else a deterministic pick from its id's hash."""
    key = str(claimant)
    if colors and key in colors:
        return colors[key]
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return PALETTE[int.from_bytes(digest[:4], "big") % len(PALETTE)]


def marker_symbol(party: bool, about: bool = False) -> str:
    """diamond for a party to the conflict, circle for a third party; hollow when "about"."""
    symbol = PARTY_SYMBOL if party else THIRD_PARTY_SYMBOL
    return symbol + "-open" if about else symbol


def check_colors(colors: object, who: str) -> Mapping[str, str] | None:
    if colors is not None and not isinstance(colors, Mapping):
        raise TypeError(f"{who}: colors must be a dict of claimant id -> colour (see claimant_colors), "
                        f"got {type(colors).__name__}")
    return colors
