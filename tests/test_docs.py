"""The README is the front door to docs/: every page is linked from it, and no relative link is broken."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import ROOT

DOCS = sorted((ROOT / "docs").glob("*.md"))
PAGES = [ROOT / "README.md", *DOCS]
# [text](target) and ![alt](target), the target up to a space (a title may follow) or the closing bracket.
LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+[^)]*)?\)")
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)  # links are not looked for in code


def relative_links(text: str) -> list[str]:
    """The targets of the text's links that point into the repository (not http:, mailto:, #anchor),
    without their anchors."""
    targets = [target.split("#", 1)[0] for target in LINK.findall(CODE.sub("", text))]
    return [t for t in targets if t and not re.match(r"[a-z][a-z0-9+.-]*:", t, re.IGNORECASE)]


def links_of(page: Path) -> list[str]:
    return relative_links(page.read_text(encoding="utf-8"))


def test_there_are_docs_pages():
    assert len(DOCS) >= 5, DOCS


@pytest.mark.parametrize("page", DOCS, ids=lambda p: p.name)
def test_every_docs_page_is_linked_from_the_readme(page):
    linked = {(ROOT / target).resolve() for target in links_of(ROOT / "README.md")}
    assert page.resolve() in linked, f"README.md does not link docs/{page.name}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_points_to_a_file_that_exists(page):
    missing = [target for target in links_of(page) if not (page.parent / target).exists()]
    assert not missing, f"{page.relative_to(ROOT)} links to files that do not exist: {missing}"


def test_the_link_finder_sees_what_it_should():
    """The checks above are only as good as the links found: inline links, images, anchors, titles."""
    text = (
        "[a](docs/a.md) ![b](docs/b.png) [c](docs/c.md#part) [d](#anchor) [e](https://example.org) "
        '[f](g.md "title") `[h](not-a-link.md)`\n```\n[i](nor-this.md)\n```\n'
    )
    assert relative_links(text) == ["docs/a.md", "docs/b.png", "docs/c.md", "g.md"]
