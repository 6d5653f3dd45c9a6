"""Chart builders: a tidy facts frame in, a plotly Figure out (no Streamlit, no files, no global state).

Every figure carries `layout.meta` = {"chart": <id in CHARTS>, "fact_ids": [...], ...}, escapes
everything taken from the data, and has transparent backgrounds for light and dark pages.
"""

from charts.aid import aid_figure
from charts.compare import compare_figure
from charts.palette import PALETTE, STAGE_COLORS, claimant_colors, color_for
from charts.provenance import add_caption, hover_text, hover_texts, sources_caption
from charts.questions import question_figure
from charts.timeline import downsample, timeline_figure, timeline_panels

CHARTS = {
    "compare": "The claimants' figures of one conflict group side by side on one value axis",
    "timeline": "Claimants' figures of one metric (or stacked panels of several) over time, with events",
    "aid": "Aid in one currency: packages as bars by stage, running totals as steps, levels as markers",
    "question": "Every answer to one question over time: nested measures on one axis, unrelated ones in panels",
}

__all__ = [
    "CHARTS",
    "PALETTE",
    "STAGE_COLORS",
    "add_caption",
    "aid_figure",
    "claimant_colors",
    "color_for",
    "compare_figure",
    "downsample",
    "hover_text",
    "hover_texts",
    "question_figure",
    "sources_caption",
    "timeline_figure",
    "timeline_panels",
]
