"""Analysis of a loaded fact base: filters, comparable groups and conflicts, consistency checks,
timelines, and checking a pasted figure. Pure functions over the facts frame."""
