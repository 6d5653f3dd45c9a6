"""Facts from news texts: figures and attributions read from prose, candidate facts proposed, and
entries added to fact files without touching what is there."""
