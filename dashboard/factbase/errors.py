"""Problems found in a fact base, and the one error type that carries them."""

from __future__ import annotations

import re
from dataclasses import dataclass

# C0 controls but tab and line feed, DEL, C1 controls, and the two non-characters: a terminal runs
# ESC sequences (colours, a cursor moved, a title set) and rings BEL when it is printed one.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ufffe\uffff]")


def printable(text: str) -> str:
    """`text` with each control character written as its escape (ESC as \\x1b), for a terminal."""
    if not _UNPRINTABLE.search(text):
        return text
    return _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in a fact file, located to a line and column (1-based)."""

    file: str
    line: int
    column: int
    message: str
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        # A message quotes what the file holds, which may be an escaped control character ("\e").
        return printable(f"{self.file}:{self.line}:{self.column}: {self.message}")


class FactBaseError(Exception):
    """A fact base could not be loaded; `problems` lists every problem found, not just the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems), key=lambda p: (p.file, p.line, p.column, p.message))
        super().__init__(self.__str__())

    def __str__(self) -> str:
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the fact base:"
        return "\n".join([head, *(f"  {p}" for p in self.problems)])
