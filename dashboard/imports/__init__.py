"""Datasets into generated fact files: import specs, the importer, and the one YAML writer."""
