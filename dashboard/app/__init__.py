"""The Streamlit dashboard: the entry script (main.py), shared widgets (ui/) and one script per page (views/)."""
