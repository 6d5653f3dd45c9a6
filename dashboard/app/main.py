"""The dashboard's entry script: load the fact base, draw the shared filters, route to the pages.

Run with `factdash serve`, which serves it through dashboard/app/server.py (the Host check and the
security headers); `streamlit run dashboard/app/main.py` is for development only. FACTDASH_FACTS
names the fact file, which is read from the server's configuration only, never from the URL.
"""

import sys
from pathlib import Path

import streamlit as st

if __package__ in (None, ""):  # `streamlit run dashboard/app/main.py` from a checkout that is not installed
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from charts.palette import claimant_colors  # noqa: E402
from dashboard.analysis.filters import Filters  # noqa: E402
from dashboard.app.ui.components import md, show_problems  # noqa: E402
from dashboard.app.ui.share import embedded_chart_id, show_embedded  # noqa: E402
from dashboard.app.ui.sidebar import sidebar_filters  # noqa: E402
from dashboard.app.ui.state import View, facts_path, filtered, load, remember, set_view  # noqa: E402


def colors_for(base) -> dict[str, str]:  # noqa: ANN001
    """One colour per claimant for the whole fact base, counted once per content (not per rerun)."""
    return remember(("colors", base.content_hash), lambda: claimant_colors(base.facts["claimant"]))


st.set_page_config(page_title="factdash: who says what", page_icon=":material/balance:", layout="wide")

HERE = Path(__file__).resolve().parent / "views"
embedded = embedded_chart_id()  # ?embed=true&chart=<id>: that chart alone, no navigation, no sidebar
pages = st.navigation(
    [
        st.Page(HERE / "overview.py", title="Overview", icon=":material/dashboard:", default=True),
        # Questions set every answer side by side across measures; Compare is its view of one
        # measure's disagreeing groups.
        st.Page(HERE / "questions.py", title="Questions", icon=":material/quiz:"),
        st.Page(HERE / "compare.py", title="Compare", icon=":material/compare_arrows:"),
        st.Page(HERE / "timelines.py", title="Timelines", icon=":material/timeline:"),
        st.Page(HERE / "aid.py", title="Aid", icon=":material/payments:"),
        st.Page(HERE / "sources.py", title="Sources", icon=":material/menu_book:"),
        st.Page(HERE / "quality.py", title="Data quality", icon=":material/fact_check:"),
    ],
    position="hidden" if embedded else "sidebar",
)

base, problems, stale = load()
if embedded and base is not None:
    show_embedded(base, embedded)
    st.stop()
if problems:
    show_problems(problems, stale=stale and base is not None)
if base is None:
    st.error(
        f"The fact base {facts_path()} cannot be loaded, and there is no earlier good version to show. "
        "Fix the problems above; this page reloads the file on every interaction."
    )
    st.stop()

filters = sidebar_filters(base)
view = View(
    base=base, facts=filtered(base, filters), filters=filters, path=facts_path(), problems=problems, stale=stale
)
view.colors = colors_for(base)
set_view(view)
with st.sidebar:
    st.caption(f"{len(view.facts):,} of {len(base.facts):,} facts shown. Copy the address bar to share this view.")
    if filters != Filters():
        st.caption(f"Filter: {md(filters.describe())}")  # publisher names are data
pages.run()
