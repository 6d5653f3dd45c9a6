"""The fact base: what a fact file may hold (schema, values), reading files into one tidy frame
(loader, YAML and CSV readers, cache), and writing files safely (atomic)."""
