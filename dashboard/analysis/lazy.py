"""Values computed when first read: fields of the analysis's results that most readers never look at."""

from __future__ import annotations


class Deferred:
    """A value to compute when first read: `make(*args)`."""

    __slots__ = ("make", "args")

    def __init__(self, make, *args):  # noqa: ANN001, ANN002 - any function and its arguments
        self.make, self.args = make, args


class OnFirstRead:
    """A dataclass field that may be given a `Deferred`, computed on first read and then kept.

    A large fact base has thousands of conflicting groups (and findings), and the dashboard shows a
    few of them: cutting a 40-column members frame (0.1 ms) and writing a sentence for every group
    would cost more than finding them all. Given a plain value, the field is an ordinary attribute.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = "_" + name

    def __get__(self, conflict: object, owner: type | None = None):  # noqa: ANN204 - the field's own type
        if conflict is None:
            raise AttributeError(self.slot[1:])  # no class-level default: dataclass makes it a required field
        value = conflict.__dict__[self.slot]
        if isinstance(value, Deferred):
            value = conflict.__dict__[self.slot] = value.make(*value.args)
        return value

    def __set__(self, conflict: object, value: object) -> None:
        conflict.__dict__[self.slot] = value
