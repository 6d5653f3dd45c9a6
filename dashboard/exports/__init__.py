"""Charts and their data as files: images through Kaleido, HTML, CSV, JSON, and a ZIP of everything."""
