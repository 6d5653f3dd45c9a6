"""Colours and marker symbols: a colour-blind-safe claimant palette assigned stably, and fixed stage colours."""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Okabe & Ito (2008), then Paul Tol's muted and light schemes. Left out: colours that do not reach
# a 2:1 contrast against both a white and a near-black page (Okabe-Ito black and yellow, Tol's
# indigo, sand, pale blue, ...), since figures have transparent backgrounds and must read on
# Streamlit's light and dark themes alike; and colours too close to one already taken (Tol's
# teals next to Okabe-Ito green), since two claimants must not look alike.
OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000")
TOL_MUTED = ("#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99", "#999933", "#AA4499")
TOL_LIGHT = ("#77AADD", "#EE8866", "#EEDD88", "#FFAABB", "#99DDFF", "#44BB99", "#BBCC33", "#AAAA00", "#DDDDDD")
LIGHT_PAGE, DARK_PAGE = "#FFFFFF", "#0E1117"  # Streamlit's light and dark backgrounds
MIN_CONTRAST = 2.0
MIN_DISTANCE = 21.0  # CIE76 colour difference; about 20 is "clearly different at a glance"

NEUTRAL = "#8C8C8C"  # legend keys, event lines: mid grey reads on both themes
GRID = "rgba(128, 128, 128, 0.25)"

# Aid stages, from promise to payment. Hatching marks the stages that are not yet money moved,
# so the stages differ by pattern as well as by colour.
STAGES = ("announced", "committed", "allocated", "delivered", "disbursed")
STAGE_COLORS = {
    "announced": "#33BBEE",
    "committed": "#009988",
    "allocated": "#EE7733",
    "delivered": "#0077BB",
    "disbursed": "#EE3377",
    "unspecified": NEUTRAL,
}
STAGE_PATTERNS = {
    "announced": "/",
    "committed": "\\",
    "allocated": ".",
    "delivered": "",
    "disbursed": "",
    "unspecified": "x",
}

# Parties to the conflict and third parties differ by marker shape (never by colour alone);
# "about" figures use the hollow variant of the same shape.
PARTY_SYMBOL, THIRD_PARTY_SYMBOL = "diamond", "circle"


def relative_luminance(color: str) -> float:
    channels = [int(color.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio between two #RRGGBB colours (1 to 21)."""
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def lab(color: str) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of a #RRGGBB colour."""
    channels = [int(color.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883
    fx, fy, fz = (t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in (x, y, z))
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def distance(a: str, b: str) -> float:
    return math.dist(lab(a), lab(b))


def _pick(candidates: Iterable[str]) -> tuple[str, ...]:
    chosen: list[str] = []
    for color in candidates:
        readable = min(contrast(color, LIGHT_PAGE), contrast(color, DARK_PAGE)) >= MIN_CONTRAST
        if readable and all(distance(color, other) >= MIN_DISTANCE for other in chosen):
            chosen.append(color)
    return tuple(chosen)


PALETTE = _pick(OKABE_ITO + TOL_MUTED + TOL_LIGHT)


def claimant_colors(claimant_ids: Iterable[str]) -> dict[str, str]:
    """Colour for every claimant of the universe: most frequent first, then in id order.

    Pass every claimant of the fact base, not only those on one chart, so that a claimant keeps
    its colour on every chart: `claimant_colors(base.facts["claimant"])` gives the claimants with
    the most facts distinct colours (ids repeat, so they are counted); the claimant table's index
    gives them in id order. Beyond len(PALETTE) claimants colours repeat; shapes, names and hover
    text still tell the claimants apart.
    """
    counts = Counter(str(c) for c in claimant_ids if isinstance(c, str))
    ordered = sorted(counts, key=lambda claimant: (-counts[claimant], claimant))
    return {claimant: PALETTE[i % len(PALETTE)] for i, claimant in enumerate(ordered)}


def color_for(claimant: object, colors: Mapping[str, str] | None = None) -> str:
    """The claimant's colour from `colors`, else a deterministic pick from its id's hash."""
    key = str(claimant)
    if colors and key in colors:
        return colors[key]
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return PALETTE[int.from_bytes(digest[:4], "big") % len(PALETTE)]


@dataclass(frozen=True)
class Look:
    """How one claimant is drawn on one chart: its colour and, when the chart has more claimants
    than PALETTE has colours, which repeat of that colour it is (0: the first claimant to have it).
    A repeat is drawn with a dotted marker and a dashed line, so no two claimants of one chart
    look alike."""

    color: str
    repeat: int = 0

    @property
    def dash(self) -> str:
        return REPEAT_DASHES[(self.repeat - 1) % len(REPEAT_DASHES)] if self.repeat else "solid"

    @property
    def variant(self) -> str:
        """The suffix of a repeat's marker symbols ("circle" becomes "circle-dot")."""
        return "-dot" if self.repeat else ""


REPEAT_DASHES = ("dash", "dot", "dashdot", "longdash")


def chart_looks(claimants: Iterable[object], colors: Mapping[str, str] | None = None) -> dict[str, Look]:
    """A look for each claimant of one chart, no colour used twice while PALETTE lasts.

    Each claimant keeps its colour of the whole fact base (`colors`, so that it reads the same on
    every chart) unless a claimant before it on this chart already has that colour; then it takes
    the first colour the chart has not used. Claimants are taken in the order of `colors` (the
    most frequent first), then by id. Only a chart of more than len(PALETTE) claimants repeats a
    colour, each repeat with its own dash and a dotted marker (`Look.repeat`)."""
    wanted = sorted({str(c) for c in claimants if c is not None and c == c})
    rank = {claimant: i for i, claimant in enumerate(colors or {})}
    wanted.sort(key=lambda claimant: (rank.get(claimant, len(rank)), claimant))
    looks: dict[str, Look] = {}
    used: Counter[str] = Counter()
    for claimant in wanted:
        own = color_for(claimant, colors)
        if used[own] and len(used) < len(PALETTE):
            own = next(color for color in PALETTE if not used[color])
        elif used[own]:
            own = min(PALETTE, key=lambda color: (used[color], PALETTE.index(color)))
        looks[claimant] = Look(own, used[own])
        used[own] += 1
    return looks


def marker_symbol(party: bool, about: bool = False) -> str:
    """diamond for a party to the conflict, circle for a third party; hollow when "about"."""
    symbol = PARTY_SYMBOL if party else THIRD_PARTY_SYMBOL
    return symbol + "-open" if about else symbol


def check_colors(colors: object, who: str) -> Mapping[str, str] | None:
    if colors is not None and not isinstance(colors, Mapping):
        raise TypeError(
            f"{who}: colors must be a dict of claimant id -> colour (see claimant_colors), got {type(colors).__name__}"
        )
    return colors
