"""Provenance shown with every mark: hover text, the sources caption, and escaping of everything."""

import re

import plotly.graph_objects as go

from charts.provenance import CAPTION_NAME, add_caption, hover_text, hover_texts, sources_caption

from .chart_frames import facts

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def test_hover_text_says_what_who_where_and_when():
    row = facts(
        {
            "value": 1200,
            "qualifier": "approximately",
            "claimant_name": "US officials",
            "source_title": "Ramstein report",
            "publisher": "The Paper",
            "as_of": "2025-01-01",
            "as_of_precision": "month",
            "stated": "2025-01-09",
            "quote": "around 1,200",
            "party_to_conflict": True,
        }
    ).iloc[0]
    text = hover_text(row)
    for part in (
        "<b>about 1,200 people</b>",
        "Claimed by: US officials · party to the conflict",
        "Ramstein report — The Paper",
        "As of: January 2025",
        "Stated: 9 January 2025",
        "“around 1,200”",
    ):
        assert part in text
    assert "9 January 2025" not in text.split("As of:")[1].split("<br>")[0]


def test_long_quotes_are_truncated_and_wrapped():
    text = hover_text(facts({"value": 1, "quote": "word " * 200}).iloc[0])
    quote = text[text.index("“") :]
    lines = quote.split("<br>")
    assert len(lines) > 3 and all(len(line) <= 61 for line in lines)
    assert quote.endswith("…”") and len(quote.replace("<br>", " ")) <= 305


def test_everything_from_the_data_is_escaped():
    frame = facts(
        {
            "value": 1,
            "quote": HOSTILE * 20,
            "claimant_name": HOSTILE,
            "source_title": HOSTILE,
            "publisher": HOSTILE,
            "metric_label": HOSTILE,
            "stage": HOSTILE,
        }
    )
    for text in hover_texts(frame):
        bare = re.sub(r"</?b>|<br>", "", text)
        assert "<" not in bare and ">" not in bare
        assert "&lt;script&gt;" in text
        # truncating and wrapping happen before escaping, so no entity is ever cut in two
        assert not re.search(r"&(?!(lt|gt|amp|quot|#x27);)", bare)


def test_sources_caption_names_each_source_once():
    frame = facts(
        {"source": "a", "publisher": "Reuters", "source_title": "CIA says", "published": "2025-01-09"},
        {"source": "a", "publisher": "Reuters", "source_title": "CIA says", "published": "2025-01-09"},
        {"source": "b", "publisher": None, "source_title": "A <blog>", "published": None},
        {"source": "c", "publisher": "BBC", "source_title": "One"},
        {"source": "d", "publisher": "BBC", "source_title": "Two"},
    )
    assert sources_caption(frame) == ("Sources: Reuters (CIA says, 2025-01-09); A <blog>; BBC (2 sources)")
    assert sources_caption(frame.iloc[:1]) == "Source: Reuters (CIA says, 2025-01-09)"
    assert sources_caption(frame.iloc[:0]) == ""


def test_sources_caption_is_capped():
    frame = facts(
        *({"source": f"s{i}", "publisher": f"P{i}", "source_title": f"T{i}", "published": None} for i in range(11))
    )
    caption = sources_caption(frame)
    assert caption.endswith("; and 3 more") and "P7 (T7)" in caption and "P8" not in caption


def test_add_caption_puts_escaped_sources_under_the_plot():
    fig = go.Figure(go.Scatter(x=[1], y=[1]))
    fig.update_layout(height=400, margin={"b": 40})
    add_caption(fig, "Sources: " + HOSTILE + " and a long tail of words" * 10)
    captions = [a for a in fig.layout.annotations if a.name == CAPTION_NAME]
    assert len(captions) == 1
    caption = captions[0]
    assert "<script" not in caption.text and "&lt;script&gt;" in caption.text
    assert (caption.xref, caption.yref, caption.yanchor) == ("paper", "paper", "top") and caption.yshift < 0
    assert fig.layout.margin.b > 40 and fig.layout.height == 400 + fig.layout.margin.b - 40
    add_caption(fig, "Source: another")
    assert [a.text for a in fig.layout.annotations if a.name == CAPTION_NAME] == ["Source: another"]


def test_quotes_in_data_are_not_turned_into_entities():
    from charts.provenance import _inert

    assert _inert('He said "4,000" <b>') == 'He said "4,000" &lt;b&gt;'
