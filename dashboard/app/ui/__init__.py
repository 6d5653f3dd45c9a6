"""Streamlit glue shared by the dashboard's pages: loading, the sidebar filters, common widgets."""
